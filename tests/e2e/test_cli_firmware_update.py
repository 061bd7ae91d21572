"""`commissioner update` end to end: a virtual home in its own process, a job certified by the
CLI, then every device brought to the latest signed firmware; history, gate and preload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring_fixtures
from vh_fixtures import running_virtual_home

REPO = Path(__file__).resolve().parents[2]


_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def cli(*args: str, data: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMMISSIONER_DATA_DIR": str(data)}  # keyring bus from the fixture
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run([sys.executable, "-m", "commissioner.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, env=env)


def test_update_cli_brings_every_certified_device_to_latest(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    env = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}
    data = tmp_path / "data"
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                              env=env) as home:
        vh = ["--virtual-home", str(home.directory)]
        r = cli("job", "new", "--job-number", "FW-E2E", "--site-name", "Test house",
                "--site-address", "1-2-3 Test", "--level", "2",
                        "--personal-data", "no", "--life-or-property", "no",
                        "--reason", "agreed with the owner", "--operator", "Aoki",
                "--json", data=data)
        assert r.returncode == 0, r.stderr
        job = json.loads(r.stdout)["id"]
        r = cli("certify", "--job", job, "--json", "--scan-timeout", "8", *vh, data=data)
        assert r.returncode in (0, 6), r.stderr + r.stdout
        # (a device not heard over loopback mDNS in time may be blocked by the gate; only
        # certified devices are updated)
        certified = {v["device_id"] for v in json.loads(r.stdout) if v["verdict"] == "certified"}
        assert {d.device_id for d in home.devices} <= certified
        r = cli("firmware", "preload", "--all", *vh, data=data)
        assert r.returncode == 0, r.stderr
        assert r.stdout.count("verified") == 4  # 3 device models + the gateway
        r = cli("firmware", "status", "--job", job, "--json", *vh, data=data)
        assert r.returncode == 7  # nothing verified yet: the job cannot be closed
        r = cli("update", "--job", job, "--json", "--reboot-timeout", "20", "--read-box-labels",
                *vh, data=data)
        assert r.returncode == 0, r.stderr + r.stdout
        out = json.loads(r.stdout)
        assert out["blockers"] == []
        outcomes = {d["device_id"]: (d["outcome"], d["from_version"], d["running_version"])
                    for d in out["devices"]}
        assert set(outcomes) == certified
        if home.gateway.device_id in certified:
            assert outcomes[home.gateway.device_id] == ("updated", "2.1.0", "2.2.0")
        for d in home.devices:
            assert outcomes[d.device_id] == ("updated", "1.2.0", "1.3.0")
        r = cli("firmware", "status", "--job", job, "--json", *vh, data=data)
        assert r.returncode == 0, r.stderr
        status = json.loads(r.stdout)
        assert len(status["history"]) == len(certified)
        assert {h["result"] for h in status["history"]} == {"updated"}
        # the signed-in account (conftest: `tester`), not the name typed with `job new`
        assert all(h["operator"] == "tester" for h in status["history"])
        r = cli("update", "--job", job, "--json", "--read-box-labels", *vh,
                data=data)  # nothing left to do
        assert r.returncode == 0, r.stderr
        assert {d["outcome"] for d in json.loads(r.stdout)["devices"]} == {"current"}
