"""``commission`` with a blocked device in the job: exit 6 and a summary that says so, unless
the operator accepts leaving it out with ``--skip-blocked`` (real virtual home, real TLS, real
keyring; the blocked device is a virtual device presenting a broken attestation chain)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
import pytest
from vh_fixtures import running_virtual_home

from commissioner.cli import main
from commissioner.cli.exit_codes import BLOCKED, OK
from commissioner.virtualhome.control import control

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def test_blocked_devices_make_commission_exit_nonzero_unless_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=3) as home:
        bad = home.devices[0].device_id
        asyncio.run(control(home.directory, "fault", bad, fault="attestation",
                            variant="expired-intermediate"))
        data = tmp_path / "data"
        job = ph.certified_job(home, data, "B-1")
        base = ["commission", "--job", job, "--read-box-labels", "--data-dir", str(data),
                "--virtual-home", str(home.directory)]
        capsys.readouterr()
        assert main(base) == BLOCKED
        out = capsys.readouterr().out
        assert "1 blocked device(s) were left out" in out
        assert f"exit code is {BLOCKED}" in out and "--skip-blocked" in out
        assert f"BLOCKED     device  {bad}" in out

        assert main([*base, "--skip-blocked", "--json"]) == OK
        summary = json.loads(capsys.readouterr().out)
        assert summary["blocked"] == 1 and summary["failed"] == 0
        assert summary["provisioned"] == len(home.devices)  # the gateway and the other two
        assert summary["skip_blocked"] is True and summary["exit_code"] == OK
        assert "as asked (--skip-blocked)" in summary["blocked_note"]
