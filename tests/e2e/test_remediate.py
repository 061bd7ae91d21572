"""Remediation after handover, through the CLI (each command its own process): a training home
is commissioned and handed over; each drift is found by verification, its remediation runs,
the finding is gone from the verification that follows and the remediation is in the job's
follow-up log (the sealed log stays sealed). Commands that would change the sealed job say
what to do instead; `job show` says where each device's state came from; the handover report
shows the ACL as read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring_fixtures
import pytest
from vh_fixtures import running_virtual_home

from commissioner.virtualhome.homefile import HomeFile

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}


@dataclass
class Home:
    home: HomeFile
    data: Path
    bus: str
    job: str
    report: Path
    accounts: Path | None = None  # None: the run's accounts folder (its signed-in operator)

    def cli(self, *args: str, timeout: float = 180,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        env.update(ENV, COMMISSIONER_DATA_DIR=str(self.data),
                   DBUS_SESSION_BUS_ADDRESS=self.bus, QT_QPA_PLATFORM="offscreen")
        if self.accounts is not None:
            env["COMMISSIONER_ACCOUNTS_DIR"] = str(self.accounts)
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=env, input=stdin)

    def sign_in(self) -> None:
        """This laptop's first administrator adds an operator, who signs in (CLI session)."""
        steps = [(("operator", "init", "--user", "admin"), "admin-password-1\n"),
                 (("login", "--user", "admin"), "admin-password-1\n"),
                 (("operator", "add", "--user", "tester", "--roles",
                   "installer,technician,support"), "initial-password-1\n"),
                 (("operator", "passwd", "--user", "tester"),
                  "initial-password-1\noperator-password-1\n"),
                 (("login", "--user", "tester"), "operator-password-1\n")]
        for args, stdin in steps:
            r = self.cli(*args, "--password-stdin", stdin=stdin)
            assert r.returncode == 0, (args, r.stderr)

    @property
    def vh(self) -> list[str]:
        return ["--virtual-home", str(self.home.directory), "--read-box-labels"]

    def verify(self) -> dict[str, Any]:
        r = self.cli("verify", "--job", self.job, "--json", "--scan-timeout", "4", *self.vh)
        assert r.returncode in (0, 3), r.stderr[-2000:]
        result: dict[str, Any] = json.loads(r.stdout)
        return result

    def drift(self, kind: str, device: str | None = None) -> None:
        r = self.cli("virtual-home", "ctl", str(self.home.directory), "drift", kind,
                     *([device] if device else []))
        assert r.returncode == 0, r.stderr

    def remediate(self, finding: str, device: str) -> dict[str, Any]:
        r = self.cli("remediate", "--job", self.job, finding, device, "--json", *self.vh)
        assert r.returncode == 0, (finding, r.stderr[-3000:])
        assert "Traceback" not in r.stderr
        result: dict[str, Any] = json.loads(r.stdout)
        return result

    def show(self) -> dict[str, Any]:
        r = self.cli("job", "show", self.job, "--json")
        assert r.returncode == 0, r.stderr
        result: dict[str, Any] = json.loads(r.stdout)
        return result


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    base = tmp_path_factory.mktemp("remediate")
    with keyring_fixtures.private_secret_service(base / "kr") as kr, \
            running_virtual_home(base / "home", scenario="standard", devices=4,
                                 env=ENV) as vh:
        keyring_fixtures._same_installation(kr.bus_address)  # the run's signed-in operator
        h = Home(vh, base / "data", kr.bus_address, "", base / "handover.json")
        r = h.cli("job", "new", "--job-number", "R-1", "--site-name", "若葉邸",
                  "--site-address", "横浜市", "--level", "3",
                          "--personal-data", "yes",
                          "--life-or-property", "yes", "--operator", "鈴木", "--json")
        assert r.returncode == 0, r.stderr
        h.job = json.loads(r.stdout)["id"]
        for args in (("certify", "--job", h.job, "--scan-timeout", "8"),
                     ("commission", "--job", h.job),
                     ("update", "--job", h.job, "--reboot-timeout", "20"),
                     ("handover", "--job", h.job, "--report", str(h.report))):
            r = h.cli(*args, *h.vh)
            assert r.returncode == 0, (args, r.stderr[-2000:], r.stdout[-2000:])
        yield h


def _codes(result: dict[str, Any], device: str | None = None) -> set[str]:
    return {f["code"] for f in result["findings"]
            if f["severity"] != "info" and (device is None or f["device_id"] == device)}


def test_sealed_job_commands_say_what_to_do_instead(home: Home) -> None:
    for args in (("certify", "--job", home.job, "--scan-timeout", "1"),
                 ("commission", "--job", home.job),
                 ("update", "--job", home.job),
                 ("handover", "--job", home.job, "--report", str(home.report) + ".again"),
                 ("scan", "--job", home.job, "--timeout", "1")):
        r = home.cli(*args, *home.vh)
        assert r.returncode != 0, args
        assert "handed over and is sealed" in r.stderr, (args, r.stderr)
        for instead in (f"verify --job {home.job}", "remediate --job", "resale"):
            assert instead in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr, args


def test_job_show_says_where_each_state_came_from(home: Home) -> None:
    shown = home.show()
    for d in shown["devices"]:
        src = d["state_source"]
        assert src["source"] == "device" and src["state"] == "commissioned", d
        assert src["at"] and src["how"] == "read back at commissioning"
        assert d["state"] == "factory"  # the last advertisement, kept as it was heard
    r = home.cli("job", "show", home.job)
    assert "as the device said when asked" in r.stdout
    report = json.loads(home.report.read_text(encoding="utf-8"))
    for d in report["devices"]:
        assert d["acl"]["source"] == "read-back", d["acl"]
        assert sorted(d["acl"]["roles"]) == ["commissioner", "gateway", "owner@1"], d["acl"]


def test_each_remediation_clears_its_finding(home: Home) -> None:
    ids = [d.device_id for d in home.home.devices]
    assert _codes(home.verify()) == set()
    cases = [  # drift, device, finding expected, remediation entry
        ("default-login", ids[0], "default-login-enabled", "remediate.reprovisioned"),
        ("acl-entry", ids[1], "acl-differs", "remediate.reprovisioned"),
        ("downgrade", ids[2], "firmware-behind", "remediate.firmware"),
        ("swap", ids[3], "device-replaced", "remediate.replaced"),
    ]
    for kind, device, code, entry in cases:
        home.drift(kind, device)
        before = home.verify()
        assert code in _codes(before, device), (kind, before["findings"])
        done = home.remediate(code, device)
        after = done["verification"]
        assert after is not None and _codes(after, device) == set(), (kind, after["findings"])
        assert after["matches"] is True, (kind, after["findings"])
        log = home.show()["followup"]
        mine = [s for s in log if s["device_id"] == device and s["action"] == entry]
        assert mine and mine[-1]["idx"] == done["followup_idx"], (kind, log)
        assert log[-1]["action"] == "verify.completed"  # verified again afterwards
    # A rogue device on the gateway's allow-list leaves it; the unit itself is still heard.
    home.drift("rogue-device")
    before = home.verify()
    rogue = next(f["device_id"] for f in before["findings"] if f["code"] == "unknown-on-gateway")
    done = home.remediate("unknown-on-gateway", rogue)
    assert _codes(done["verification"]) == {"unknown-device"}, done["verification"]["findings"]
    assert done["detail"]["was_listed"] is True
    # The replaced unit is the job's device now; its old identity is in the log.
    replaced = [s for s in home.show()["followup"] if s["action"] == "remediate.replaced"]
    assert replaced[0]["detail"]["retired_attestation_fingerprint"] != \
        replaced[0]["detail"]["attestation_fingerprint"]
    # The sealed log is untouched.
    r = home.cli("audit", "verify", "--job", home.job)
    assert r.returncode == 0 and "(sealed)" in r.stdout


def test_remediation_refuses_what_it_cannot_do(home: Home) -> None:
    ids = [d.device_id for d in home.home.devices]
    for args, message in (
        (("device-missing", ids[0]), "no device action fixes"),
        (("no-such-finding", ids[0]), "unknown finding or action"),
        (("remove-unknown", ids[0]), "is a device of the job"),
        (("replace", ids[1]), "still the recorded unit"),
    ):
        r = home.cli("remediate", "--job", home.job, *args, *home.vh)
        assert r.returncode != 0 and message in r.stderr.lower(), (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_bundle_carries_the_followup_log_and_secrets_to_a_second_laptop(
        home: Home, tmp_path: Path) -> None:
    """After the remediations above, the job goes to a second laptop (its own data dir and
    keyring): the follow-up log arrives chained to the seal, and the replacement unit's admin
    credential (a follow-up secret) with it, so verification there accepts every device."""
    ids = [d.device_id for d in home.home.devices]
    with keyring_fixtures.private_secret_service(tmp_path / "kr-b") as kb:
        b = Home(home.home, tmp_path / "data-b", kb.bus_address, home.job, tmp_path / "r.json",
                 accounts=tmp_path / "data-b")
        b.sign_in()  # its own installation: keyring, master key and operators
        card_a, card_b, bundle = tmp_path / "a.pem", tmp_path / "b.pem", tmp_path / "j.bundle"
        assert home.cli("job", "receive-key", "--out", str(card_a)).returncode == 0
        assert b.cli("job", "receive-key", "--out", str(card_b)).returncode == 0
        sent = home.show()["followup"]
        assert any(s["action"] == "remediate.replaced" for s in sent)
        r = home.cli("job", "export", "--job", home.job, "--to", str(card_b), "--out",
                     str(bundle))
        assert r.returncode == 0, r.stderr
        r = b.cli("audit", "verify", "--bundle", str(bundle), "--from", str(card_a))
        assert r.returncode == 0, r.stderr
        assert f"{len(sent)} follow-up entries linked to the seal" in r.stdout, r.stdout
        r = b.cli("job", "import", str(bundle), "--from", str(card_a), "--json")
        assert r.returncode == 0, r.stderr
        got = b.show()["followup"]
        fields = ("idx", "at", "operator", "action", "device_id", "detail")
        assert [[s[k] for k in fields] for s in got][:len(sent)] == [
            [s[k] for k in fields] for s in sent]  # verbatim; the chain: no followup-broken below
        assert got[len(sent)]["action"] == "bundle.imported"
        r = b.cli("audit", "verify", "--job", home.job)
        assert r.returncode == 0, r.stdout + r.stderr
        result = b.verify()
        assert result["findings"] and not [
            f for f in result["findings"] if f["device_id"] in ids and f["severity"] != "info"
        ], result["findings"]  # the replaced unit accepts the carried credential
        assert _codes(result) == {"unknown-device"}  # the rogue unit is still on the network
