"""A resale on a second laptop that never saw the home: laptop A hands the home over to owner A
and exports the sealed job as a bundle to laptop B (its own data dir, its own keyring); B
imports it and starts the resale job ``--from-job`` the imported job. The wipe runs over the
previous home's credentials that travelled in the bundle (no reset button needed), every
device proves it, and the home is commissioned and handed over again on B. CLI only, each
command its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring_fixtures
import pytest
from vh_fixtures import running_virtual_home

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@dataclass
class Laptop:
    data: Path
    bus: str

    def cli(self, *args: str, timeout: float = 180,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        env.update({"COMMISSIONER_DATA_DIR": str(self.data),
                    "COMMISSIONER_ACCOUNTS_DIR": str(self.data),
                    "DBUS_SESSION_BUS_ADDRESS": self.bus,
                    "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
                    "QT_QPA_PLATFORM": "offscreen"})
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


def test_resale_starts_from_a_job_imported_from_a_bundle(tmp_path: Path) -> None:
    with keyring_fixtures.private_secret_service(tmp_path / "kr-a") as ka, \
            keyring_fixtures.private_secret_service(tmp_path / "kr-b") as kb, \
            running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                                 env={"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2"}) as home:
        a = Laptop(tmp_path / "data-a", ka.bus_address)
        b = Laptop(tmp_path / "data-b", kb.bus_address)
        a.sign_in()
        b.sign_in()
        vh = ["--virtual-home", str(home.directory), "--read-box-labels"]

        def handed_over(laptop: Laptop, job: str, report: str) -> None:
            for args in (("certify", "--scan-timeout", "6"), ("commission",),
                         ("update", "--reboot-timeout", "20"),
                         ("handover", "--report", str(tmp_path / report))):
                r = laptop.cli(args[0], "--job", job, *args[1:], *vh)
                assert r.returncode == 0, (args, r.stderr[-2000:], r.stdout[-2000:])

        r = a.cli("job", "new", "--job-number", "A-1", "--site-name", "さくら邸",
                  "--site-address", "東京都", "--level", "3", "--personal-data", "yes",
                  "--life-or-property", "yes", "--operator", "佐藤", "--json")
        old = json.loads(r.stdout)["id"]
        handed_over(a, old, "a.json")
        assert a.cli("virtual-home", "ctl", str(home.directory), "occupy").returncode == 0

        # Laptop B's card, A's bundle encrypted to it, imported on B.
        card_a, card_b = tmp_path / "card-a.pem", tmp_path / "card-b.pem"
        assert a.cli("job", "receive-key", "--out", str(card_a)).returncode == 0
        assert b.cli("job", "receive-key", "--out", str(card_b)).returncode == 0
        bundle = tmp_path / "a-1.bundle"
        r = a.cli("job", "export", "--job", old, "--to", str(card_b), "--out", str(bundle))
        assert r.returncode == 0, r.stderr
        r = b.cli("job", "import", str(bundle), "--from", str(card_a), "--json")
        assert r.returncode == 0, r.stderr
        imported = json.loads(r.stdout)
        sealed = imported["sealed_hash"]

        # Without the import, B knows no such job; with it, the resale links to it.
        r = b.cli("job", "new", "--kind", "resale", "--from-job", "A-1", "--job-number",
                  "B-1", "--operator", "田中", "--json")
        assert r.returncode == 0, r.stderr
        new = json.loads(r.stdout)["id"]
        r = b.cli("wipe", "--job", new, "--json", "--reset-timeout", "5", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        wiped = json.loads(r.stdout)["devices"]
        assert len(wiped) == len(home.devices) + 1
        for d in wiped:
            assert d["verified"] and d["method"] == "authenticated-wipe", d
            assert sum(d["before"]["personal_data"].values()) > 0
            refused = {p["name"]: p["refused"] for p in d["probes"]}
            assert refused["admin-credential"] is True
            assert refused["commissioner-certificate"] is True
            assert refused["owner-certificate"] is True
            # The owner's invitation token never leaves laptop A: not tried, not claimed.
            assert "owner-invitation" not in refused

        handed_over(b, new, "b.json")
        r = b.cli("wipe-certificate", "--job", new, "--json", str(tmp_path / "cert.json"))
        assert r.returncode == 0, r.stderr
        cert = json.loads((tmp_path / "cert.json").read_text(encoding="utf-8"))
        assert cert["all_verified"] and cert["previous_job"]["sealed_hash"] == sealed
        assert cert["previous_job"]["job_number"] == "A-1"
        # The imported job is still sealed and unchanged on B.
        r = b.cli("audit", "verify", "--job", old)
        assert r.returncode == 0 and sealed in r.stdout, r.stdout + r.stderr
