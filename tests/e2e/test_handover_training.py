"""A whole handover in training mode, only through the CLI, each command its own process:
new job → certify → commission (provision) → update firmware → hand over (seal, report) → print
the owner's sheet, whose QR code carries the invitation the job holds in its vault."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import keyring_fixtures
import zxingcpp
from operator_fixtures import as_signed_in
from PIL import Image
from vh_fixtures import running_virtual_home

from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import owner_invitation_payload
from commissioner.secrets.job_vault import open_vault

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def test_training_home_is_handed_over_end_to_end(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    env = {
        "COMMISSIONER_DATA_DIR": str(data),
        "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
        "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
        "COMMISSIONER_VH_FIRMWARE_BYTES": "262144",
        "QT_QPA_PLATFORM": "offscreen",
    }

    outputs: list[str] = []

    def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        full_env.update(env)
        result = subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                                capture_output=True, text=True, timeout=timeout, cwd=REPO,
                                env=full_env)
        outputs.extend([result.stdout, result.stderr])
        return result

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=4,
                              env=env) as home:
        vh = ["--virtual-home", str(home.directory)]
        r = cli("job", "new", "--job-number", "E2E-1", "--site-name", "さくら邸",
                "--site-address", "東京都", "--level", "3",
                        "--personal-data", "yes",
                        "--life-or-property", "yes", "--operator", "佐藤", "--json")
        assert r.returncode == 0, r.stderr
        job = json.loads(r.stdout)["id"]

        r = cli("certify", "--job", job, "--json", "--scan-timeout", "8", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        assert {v["verdict"] for v in json.loads(r.stdout)} == {"certified"}

        r = cli("handover", "--job", job, "--report", str(tmp_path / "early.json"), *vh)
        assert r.returncode == 8 and "cannot be handed over" in r.stderr  # nothing done yet

        r = cli("commission", "--job", job, "--json", *vh, timeout=180)
        assert r.returncode != 0, r.stdout  # training does not read labels unless asked
        r = cli("commission", "--job", job, "--json", "--read-box-labels", *vh, timeout=180)
        assert r.returncode == 0, r.stderr + r.stdout

        r = cli("update", "--job", job, "--json", "--reboot-timeout", "20", *vh, timeout=180)
        assert r.returncode == 0, r.stderr + r.stdout
        outcomes = {d["outcome"] for d in json.loads(r.stdout)["devices"]}
        assert outcomes == {"updated"}, r.stdout  # commissioned devices, admin credential

        report = tmp_path / "handover.json"
        r = cli("handover", "--job", job, "--report", str(report), *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        body = json.loads(report.read_text(encoding="utf-8"))
        assert body["audit"]["sealed"] is True and body["audit"]["verified"] is True
        assert body["audit"]["sealed_hash"] in r.stdout
        assert all(s["status"] == "pass" for s in body["requirements"] if s["applies"])

        r = cli("audit", "verify", "--job", job)
        assert r.returncode == 0, r.stderr
        audit_export = tmp_path / "audit.jsonl"
        r = cli("audit", "export", "--job", job, "--out", str(audit_export))
        assert r.returncode == 0, r.stderr

        sheet = tmp_path / "sheet.pdf"
        r = cli("sheet", "--job", job, "--out", str(sheet), *vh)
        assert r.returncode == 0, r.stderr
        text = unicodedata.normalize("NFKC", subprocess.run(
            ["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout)
        assert "さくら邸" in text
        for device in home.devices:
            assert device.model in text

        subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(sheet),
                        str(tmp_path / "page")], check=True)
        (page,) = tmp_path.glob("page*.png")
        codes = [c.text for c in zxingcpp.read_barcodes(Image.open(page))]
        with JobStore.open(data / "jobs.sqlite3") as store:
            vault = open_vault(as_signed_in(store))
            expected = owner_invitation_payload(store, vault, job)
            secrets = {name: vault.get(job, name) for name in vault.names(job)}
        assert codes == [expected]

    # No secret of the job (keys, admin credentials, setup codes, the invitation token) in
    # anything the app wrote or printed; the sheet carries only the owner's invitation.
    assert any(n.startswith("admin/") for n in secrets) and "home-ca.key" in secrets
    written = [p for p in data.rglob("*") if p.is_file()] + [report, audit_export, sheet]
    blobs = {str(p): p.read_bytes() for p in written}
    blobs["cli output"] = "\n".join(outputs).encode()
    hits = []
    for name, value in secrets.items():
        forms = [value] + [f for f in (base64.b64encode(value),
                                        base64.urlsafe_b64encode(value).rstrip(b"="),
                                        value.hex().encode()) if len(f) >= 8]
        if value.startswith(b"-----BEGIN"):
            forms.append(b"".join(value.splitlines()[1:-1])[:48])
        for where, blob in blobs.items():
            if where == str(sheet) and name.startswith("owner/invitation/"):
                continue  # printed for the owner on purpose
            hits += [f"{name} in {where}" for form in forms if form in blob]
    assert hits == []
