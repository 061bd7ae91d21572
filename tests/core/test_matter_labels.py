"""Matter setup codes in the label step, end to end through the CLI: typed, from a USB QR
scanner (stdin), from a photo; paired with the job's Matter device by discriminator and
vendor/product ids; the payload kept only in the job's encrypted vault; ``label decode``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring_fixtures
import pytest
import qrcode

from commissioner.app.context import make_context
from commissioner.cli import main
from commissioner.discovery.matter_ids import (
    candidates,
    matter_device_id,
    parse_matter_device_id,
)
from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.matter_payload import (
    MatterPayload,
    Rendezvous,
    encode_manual_code,
    encode_qr,
)
from commissioner.secrets.job_vault import open_vault
from commissioner.trust.label_records import setup_code_name

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

LIGHT = MatterPayload(vendor_id=0xFFF1, product_id=0x8000, discriminator=0xF01,
                      passcode=20202021, rendezvous=Rendezvous.ON_NETWORK)
LOCK = MatterPayload(vendor_id=0xFFF1, product_id=0x8001, discriminator=0xE02,
                     passcode=34567890, rendezvous=Rendezvous.ON_NETWORK)


def run(data: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--data-dir", str(data)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def job(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        secret_service: keyring_fixtures.SecretServiceSession) -> tuple[Path, str]:
    data = tmp_path / "data"
    code, out, err = run(data, capsys, "job", "new", "--job-number", "M-1", "--site-name",
                         "Matter house", "--site-address", "1-1 Chiyoda", "--level", "2",
                                 "--personal-data", "no", "--life-or-property", "no",
                                 "--reason", "agreed with the owner",
                         "--operator", "Sato", "--json")
    assert code == 0, err
    job_id = str(json.loads(out)["id"])
    with JobStore.open(data / "jobs.sqlite3") as store:
        for p in (LIGHT, LOCK):
            store.upsert_device(job_id, JobDevice(
                device_id=matter_device_id(p.vendor_id, p.product_id, p.discriminator),
                role="device", kind="matter", manufacturer=f"VID {p.vendor_id:04X}",
                model=f"PID {p.product_id:04X}", firmware="unknown", state="commissionable",
                transports=("matter",), address="fe80::1%veth0", port=5540,
                first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-01T00:00:00Z"))
    return data, job_id


def _vault_value(data: Path, job_id: str, device_id: str) -> bytes:
    # as the signed-in operator: the job's key is released to them only
    with make_context(data_dir=data).store() as store:
        return open_vault(store).get(job_id, setup_code_name(device_id))


def test_typed_qr_code_pairs_and_is_kept_only_in_the_vault(
        job: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    data, job_id = job
    qr = encode_qr(LIGHT)
    code, out, err = run(data, capsys, "label", "add", "--job", job_id, qr, "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["device_id"] == "matter-fff1-8000-f01" and row["status"] == "pending"
    assert _vault_value(data, job_id, row["device_id"]) == qr.encode()
    blob = b"".join(p.read_bytes() for p in data.rglob("*.sqlite3*"))
    assert qr.encode() not in blob and b"20202021" not in blob


def test_manual_code_from_a_scanner_is_matched_by_discriminator(
        job: tuple[Path, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, job_id = job
    light, lock = encode_manual_code(LIGHT), encode_manual_code(LOCK)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{light}\r\n{lock[:4]}-{lock[4:]}\r\n"))
    code, out, err = run(data, capsys, "label", "add", "--job", job_id, "--stdin", "--json")
    assert code == 0, err
    assert [r["device_id"] for r in json.loads(out)] == ["matter-fff1-8000-f01",
                                                        "matter-fff1-8001-e02"]
    assert _vault_value(data, job_id, "matter-fff1-8001-e02") == lock.encode()


def test_label_photo_with_a_matter_qr_code(job: tuple[Path, str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data, job_id = job
    png = tmp_path / "label.png"
    qrcode.make(encode_qr(LOCK)).save(png)
    code, out, err = run(data, capsys, "label", "add", "--job", job_id, "--image", str(png),
                         "--json")
    assert code == 0, err
    assert json.loads(out)[0]["device_id"] == "matter-fff1-8001-e02"


def test_unknown_matter_device_is_unmatched(job: tuple[Path, str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data, job_id = job
    other = MatterPayload(vendor_id=0xFFF1, product_id=0x8000, discriminator=0x123,
                          passcode=20202021)
    code, out, _ = run(data, capsys, "label", "add", "--job", job_id,
                       encode_manual_code(other), "--json")
    assert code == 1 and json.loads(out)[0]["status"] == "unmatched"


@pytest.mark.parametrize(("payload", "words"), [
    ("34970112333", "check digit"),
    ("3497011233", "11 or 21 digits"),
    ("MT:Y.K9042C00KA0648G0", "wrong length"),
])
def test_bad_codes_get_a_clear_error(job: tuple[Path, str], capsys: pytest.CaptureFixture[str],
                                     payload: str, words: str) -> None:
    data, job_id = job
    code, _out, err = run(data, capsys, "label", "add", "--job", job_id, payload)
    assert code != 0 and words in err and "Traceback" not in err


def test_label_decode_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, "label", "decode", "MT:Y.K9042C00KA0648G00", "--json")
    assert code == 0, err
    assert json.loads(out) == {"vendor_id": 65521, "product_id": 32768, "discriminator": 3840,
                               "short_discriminator": False, "passcode": 20202021,
                               "flow": "standard", "rendezvous": ["ble"], "version": 0}
    code, out, err = run(tmp_path, capsys, "label", "decode", "34970112332", "--json")
    assert code == 0 and json.loads(out)["short_discriminator"] is True
    reserved = encode_manual_code(MatterPayload(0, 0, 3840, 12345678), strict=False)
    code, out, err = run(tmp_path, capsys, "label", "decode", reserved, "--json")
    assert code != 0 and "forbids" in err and out == ""


def test_matter_device_ids() -> None:
    assert matter_device_id(0xFFF1, 0x8000, 0xF00) == "matter-fff1-8000-f00"
    ident = parse_matter_device_id("matter-fff1-8000-f00")
    assert ident is not None and (ident.vendor_id, ident.discriminator) == (0xFFF1, 0xF00)
    assert parse_matter_device_id("matter-fff1-8000-sf00") is None
    assert parse_matter_device_id("skr-ac-1") is None
    short = parse_matter_device_id("matter-0000-0000-sf")
    assert short is not None and short.short
    assert candidates(short, ["matter-fff1-8000-f00", "matter-fff1-8000-e00", "x"]) == [
        "matter-fff1-8000-f00"]
