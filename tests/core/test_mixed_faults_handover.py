"""The whole ``mixed-faults`` training home taken to handover through the CLI, each command its
own process: blocked devices are taken out (``device remove``) or replaced by a new genuine unit
(``device replace --with``) after the simulator swaps or removes them, devices of a previous
home are factory-reset, and the job closes with the old devices out of the handed-over set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring_fixtures
import pytest
from gate_helpers import by_fault, by_model
from vh_fixtures import running_virtual_home

from commissioner.jobs.store import JobStore

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

# blocked device (by fault or model) -> the model of its genuine replacement, or None: removed
PLAN: dict[tuple[str, str], str | None] = {
    ("fault", "counterfeit-self-signed"): "SD-CAM8",
    ("fault", "counterfeit-unknown-ca"): "HL-EL300",
    ("fault", "uncertified-model"): "KH-CAM5",
    ("fault", "model-mismatch"): "FE-RAS22",
    ("model", "SD-AC1900"): "SD-AC2400",
    ("model", "KH-CAM3"): None,
    ("model", "TE-BT50"): None,
}


@pytest.mark.slow
def test_mixed_faults_home_reaches_handover_through_the_cli(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update({"COMMISSIONER_DATA_DIR": str(data),
                "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
                "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
                "COMMISSIONER_VH_FIRMWARE_BYTES": "262144", "QT_QPA_PLATFORM": "offscreen"})

    def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)

    with running_virtual_home(tmp_path / "home", scenario="mixed-faults", env=env) as home:
        vh = ["--virtual-home", str(home.directory)]
        ctl = ["virtual-home", "ctl", str(home.directory)]
        blocked = {key: (by_fault(home, key[1]) if key[0] == "fault"
                         else by_model(home, key[1])) for key in PLAN}
        previous_home = [by_fault(home, "default-password"), by_fault(home, "personal-data"),
                         by_model(home, "FE-RAS28")]
        r = cli("job", "new", "--job-number", "MF-1", "--site-name", "さくら邸", "--site-address",
                "東京都", "--level", "3", "--operator", "佐藤", "--json")
        assert r.returncode == 0, r.stderr
        job = json.loads(r.stdout)["id"]

        # Commission before certify: one line, and nothing created.
        r = cli("scan", "--job", job, "--timeout", "3", *vh)
        assert r.returncode == 0, r.stderr
        r = cli("commission", "--job", job, "--read-box-labels", *vh)
        assert r.returncode != 0 and r.stdout == ""
        assert len(r.stderr.strip().splitlines()) == 1 and "run certify first" in r.stderr
        with JobStore.open(data / "jobs.sqlite3") as store:
            assert store.secret_names(job) == []

        r = cli("certify", "--job", job, "--json", "--scan-timeout", "8", *vh)
        assert r.returncode == 6, r.stderr
        verdicts = {v["device_id"]: v for v in json.loads(r.stdout)}
        assert {d for d, v in verdicts.items() if v["blocked"]} == set(blocked.values())

        # A device still on the network cannot be recorded as removed.
        some = blocked[("model", "KH-CAM3")]
        r = cli("device", "remove", "--job", job, some, "--reason", "revoked model", *vh)
        assert r.returncode != 0 and "still" in r.stderr, r.stderr

        new_units: dict[str, str] = {}
        for key, model in PLAN.items():
            old = blocked[key]
            if model is None:
                r = cli(*ctl, "remove", old)
                assert r.returncode == 0, r.stderr
                r = cli("device", "remove", "--job", job, old, "--reason", f"{key[1]}: taken out",
                        *vh)
                assert r.returncode == 0, r.stderr + r.stdout
                continue
            swap = [*ctl, "swap", old] + ([] if model == verdicts[old]["model"]
                                          else ["--model", model])
            r = cli(*swap)
            assert r.returncode == 0, r.stderr
            new = json.loads(r.stdout)["device_id"]
            new_units[old] = new
            r = cli("device", "replace", "--job", job, old, "--with", new, "--reason",
                    f"{key[1]}: a genuine unit", *vh)
            assert r.returncode == 0, r.stderr + r.stdout
            assert f"replaced by {new}" in r.stdout

        # The first new unit's label is read from a photo of it (recorded as "image").
        first_old, first_new = next(iter(new_units.items()))
        r = cli("label", "add", "--job", job, "--image",
                str(home.directory / "labels" / f"{first_new}.png"), *vh)
        assert r.returncode == 0, r.stderr + r.stdout

        # Devices of a previous home: their factory-reset button is pressed.
        for device_id in previous_home:
            r = cli(*ctl, "reset", device_id)
            assert r.returncode == 0, r.stderr

        r = cli("commission", "--job", job, "--json", "--read-box-labels", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        r = cli("update", "--job", job, "--json", "--reboot-timeout", "20", *vh)
        assert r.returncode == 0, r.stderr + r.stdout

        report = tmp_path / "handover.json"
        r = cli("handover", "--job", job, "--report", str(report), *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        body = json.loads(report.read_text(encoding="utf-8"))
        assert body["audit"]["sealed"] is True and body["audit"]["verified"] is True
        reported = json.dumps(body)
        for new in new_units.values():
            assert new in reported
        for key in PLAN:
            assert blocked[key] not in json.dumps(body.get("devices", []))

    with JobStore.open(data / "jobs.sqlite3") as store:
        steps = store.steps(job)
        devices = {d.device_id: d for d in store.devices(job, include_retired=True)}
    for key, model in PLAN.items():
        old = blocked[key]
        assert devices[old].status == ("removed" if model is None else "replaced")
    replaced = {s.device_id: s.detail for s in steps if s.action == "device.replaced"}
    assert {d: str(v["replaced_by"]) for d, v in replaced.items()} == new_units
    assert all(v["reason"] for v in replaced.values())
    links = {s.device_id: s.detail["replaces"] for s in steps if s.action == "device.replacement"}
    assert links == {new: old for old, new in new_units.items()}
    sources = {s.device_id: s.detail.get("source") for s in steps
               if s.action.startswith("label.") and s.device_id == first_new}
    assert sources[first_new] == "image"
    assert first_old in replaced
