"""Support after handover, through the CLI only, each command its own process: a training home
handed over on laptop A, exported as a job bundle to laptop B (its own data dir and its own
keyring), imported and verified there; bad bundles refused with nothing stored; verification
writes nothing to any device; every drift of the training home is detected with its
requirement ID and nothing else is reported."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring_fixtures
import pytest
from vh_fixtures import running_virtual_home

from commissioner.virtualhome.homefile import HomeFile

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@dataclass
class Laptop:
    data: Path
    bus: str

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        env.update({"COMMISSIONER_DATA_DIR": str(self.data),
                    "DBUS_SESSION_BUS_ADDRESS": self.bus,
                    "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
                    "COMMISSIONER_VH_FIRMWARE_BYTES": "262144",
                    "QT_QPA_PLATFORM": "offscreen"})
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=env)


@dataclass
class Site:
    home: HomeFile
    a: Laptop
    b: Laptop
    job: str
    tmp: Path

    @property
    def vh(self) -> list[str]:
        return ["--virtual-home", str(self.home.directory), "--read-box-labels"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("support")
    with keyring_fixtures.private_secret_service(base / "kr-a") as ka, \
            keyring_fixtures.private_secret_service(base / "kr-b") as kb:
        # both laptops carry the run's signed-in operator (see keyring_fixtures)
        keyring_fixtures._same_installation(ka.bus_address)
        keyring_fixtures._same_installation(kb.bus_address)
        a = Laptop(base / "data-a", ka.bus_address)
        b = Laptop(base / "data-b", kb.bus_address)
        with running_virtual_home(base / "home", scenario="standard", devices=4,
                                  env={"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
                                       "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}) as home:
            vh = ["--virtual-home", str(home.directory), "--read-box-labels"]
            r = a.cli("job", "new", "--job-number", "V-1", "--site-name", "さくら邸",
                      "--site-address", "東京都", "--level", "3",
                              "--personal-data", "yes",
                              "--life-or-property", "yes", "--operator", "佐藤",
                      "--json")
            assert r.returncode == 0, r.stderr
            job = json.loads(r.stdout)["id"]
            for args in (("certify", "--job", job, "--scan-timeout", "8"),
                         ("commission", "--job", job), ("update", "--job", job,
                                                        "--reboot-timeout", "20"),
                         ("handover", "--job", job, "--report", str(base / "handover.json"))):
                r = a.cli(*args, *vh)
                assert r.returncode == 0, (args, r.stderr[-2000:], r.stdout[-2000:])
            yield Site(home, a, b, job, base)


def _verify(laptop: Laptop, s: Site) -> tuple[int, dict[str, object]]:
    r = laptop.cli("verify", "--job", s.job, "--json", "--scan-timeout", "4", *s.vh)
    assert r.returncode in (0, 3), r.stderr[-2000:]
    return r.returncode, json.loads(r.stdout)


def _device_files(home: HomeFile) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for d in sorted((home.directory / "devices").iterdir()):
        for f in sorted(d.iterdir()):
            if f.is_file():
                out[f"{d.name}/{f.name}"] = f.read_bytes()
    return out


def _status(home: HomeFile) -> object:
    import asyncio

    from commissioner.virtualhome.control import control

    return asyncio.run(control(home.directory, "status"))


def _cards(s: Site) -> tuple[Path, Path]:
    card_a, card_b = s.tmp / "card-a.pem", s.tmp / "card-b.pem"
    if not card_b.exists():
        assert s.a.cli("job", "receive-key", "--out", str(card_a)).returncode == 0
        assert s.b.cli("job", "receive-key", "--out", str(card_b)).returncode == 0
    return card_a, card_b


def _jobs(laptop: Laptop) -> list[object]:
    r = laptop.cli("job", "list", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else []


def test_bad_bundles_are_refused_and_nothing_is_stored(site: Site) -> None:
    card_a, card_b = _cards(site)
    good = site.tmp / "to-b.bundle"
    r = site.a.cli("job", "export", "--job", site.job, "--to", str(card_b), "--out", str(good))
    assert r.returncode == 0, r.stderr
    to_a = site.tmp / "to-a.bundle"
    assert site.a.cli("job", "export", "--job", site.job, "--to", str(card_a), "--out",
                      str(to_a)).returncode == 0
    raw = good.read_bytes()
    outer = json.loads(raw)
    body = bytearray(base64.b64decode(outer["body"]))
    body[len(body) // 2] ^= 0x01
    tampered = dict(outer, body=base64.b64encode(bytes(body)).decode())
    foreign = dict(outer, signer=card_b.read_text())
    cases = {
        "truncated": (raw[: len(raw) // 2], "not a readable job bundle"),
        "tampered": (json.dumps(tampered).encode(), "was altered after export"),
        "foreign": (json.dumps(foreign).encode(), "signature does not match"),
        "wrong-recipient": (to_a.read_bytes(), "encrypted to another installation"),
        "garbage": (b"\x00\xffnot json", "not a readable job bundle"),
    }
    fresh = Laptop(site.tmp / "data-c", site.b.bus)
    for name, (data, message) in cases.items():
        path = site.tmp / f"{name}.bundle"
        path.write_bytes(data)
        r = fresh.cli("job", "import", str(path), "--from", str(card_a))
        assert r.returncode != 0 and message in r.stderr, (name, r.stderr)
        assert "Traceback" not in r.stderr
        assert _jobs(fresh) == [], name
    # Signed by another installation than the one named with --from.
    r = fresh.cli("job", "import", str(good), "--from", str(card_b))
    assert r.returncode != 0 and "not by the expected" in r.stderr
    assert _jobs(fresh) == []
    # No store at all: the bundle and the report's seal check out on their own.
    r = fresh.cli("audit", "verify", "--bundle", str(good), "--from", str(card_a),
                  "--report", str(site.tmp / "handover.json"))
    assert r.returncode == 0 and "the report's seal matches" in r.stdout, r.stderr
    r = fresh.cli("audit", "verify", "--bundle", str(site.tmp / "tampered.bundle"))
    assert r.returncode != 0 and "altered" in r.stderr


def test_second_laptop_imports_and_verifies_clean_without_writing(site: Site) -> None:
    card_a, card_b = _cards(site)
    bundle = site.tmp / "second.bundle"
    assert site.a.cli("job", "export", "--job", site.job, "--to", str(card_b), "--out",
                      str(bundle)).returncode == 0
    r = site.b.cli("job", "import", str(bundle), "--from", str(card_a), "--json")
    assert r.returncode == 0, r.stderr
    imported = json.loads(r.stdout)
    assert imported["job_id"] == site.job and imported["secrets"] >= 5
    r = site.b.cli("job", "import", str(bundle), "--from", str(card_a))
    assert r.returncode != 0 and "already in this job store" in r.stderr
    assert site.b.cli("audit", "verify", "--job", site.job).returncode == 0
    before, status_before = _device_files(site.home), _status(site.home)
    code, result = _verify(site.b, site)
    assert code == 0, result["findings"]
    assert result["matches"] is True and result["findings"] == []
    assert result["job"]["sealed_hash"] == imported["sealed_hash"]
    reqs = result["requirements"]
    assert isinstance(reqs, dict)
    assert {"R2-2", "R2-3", "R2-5", "R2-7", "R3-3", "R3-5", "R3-6", "SR2-H-2",
            "SR2-H-4"} <= set(reqs) and all(v["passed"] for v in reqs.values())
    assert _device_files(site.home) == before and _status(site.home) == status_before
    # The sealed log is unchanged; the verification went to the follow-up log.
    r = site.b.cli("audit", "verify", "--job", site.job)
    assert r.returncode == 0 and "(sealed)" in r.stdout


DRIFTS = [  # kind, device index (None: no device), expected codes, a requirement ID
    ("default-login", 0, {"default-login-enabled"}, "R2-3"),
    ("acl-entry", 1, {"acl-differs"}, "SR2-H-2"),
    ("downgrade", 2, {"firmware-behind", "firmware-vulnerable"}, "R2-7"),
    ("swap", 3, {"device-replaced"}, "SR2-H-4"),
    ("rogue-device", None, {"unknown-device", "unknown-on-gateway"}, "SR2-H-4"),
    ("offline", 1, {"device-missing"}, "SR2-H-4"),
    ("revoke-model", 0, {"certification-revoked"}, "R3-3"),
]


def test_each_drift_is_detected_alone(site: Site) -> None:
    code, result = _verify(site.a, site)
    assert code == 0, result["findings"]
    known = {(f["code"], f["device_id"]) for f in result["findings"]}  # type: ignore[index]
    ids = [d.device_id for d in site.home.devices]
    for kind, index, codes, req in DRIFTS:
        args = ["virtual-home", "ctl", str(site.home.directory), "drift", kind]
        if index is not None:
            args.append(ids[index])
        r = site.a.cli(*args)
        assert r.returncode == 0, (kind, r.stderr)
        code, result = _verify(site.a, site)
        findings = result["findings"]
        assert isinstance(findings, list)
        new = [f for f in findings if (f["code"], f["device_id"]) not in known
               and f["severity"] != "info"]
        assert new and {f["code"] for f in new} <= codes, (kind, new)
        assert all(req in f["requirements"] or kind in ("swap", "rogue-device")
                   for f in new), (kind, new)
        if index is not None and kind != "revoke-model":
            assert {f["device_id"] for f in new} == {ids[index]}, (kind, new)
        assert code == 3 and result["matches"] is False
        known |= {(f["code"], f["device_id"]) for f in findings}
