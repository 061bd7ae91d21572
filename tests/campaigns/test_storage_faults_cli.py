"""Storage faults during a real ``commission`` and a real ``update`` (issue 17): the app's data
folder sits on a small tmpfs in a private mount namespace; the disk fills up mid-run, then the
resume meets read-only media, then space returns and the same command finishes. Each fault is
one clear error with the fix (exit code 1, the code of every operator error; no traceback),
nothing partial is recorded, the audit log verifies throughout, and the devices (asked over the
protocol) end with the job's credentials or the latest firmware."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import keyring_fixtures
import pytest
from vh_fixtures import running_virtual_home

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("storage_fault_cli_script.py")
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
STORAGE_FAULT_EXIT = 1  # UserError's exit code: the operator can fix it and run again


def _run(tmp_path: Path, mode: str, home_dir: Path) -> dict[str, dict[str, object]]:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    mount = tmp_path / "disk"
    mount.mkdir()
    cmd = (f"mount -t tmpfs -o size=6m tmpfs {mount} && "
           f"exec {sys.executable} {SCRIPT} {mount} {home_dir} {mode}")
    path = os.pathsep.join([str(REPO), str(REPO / "tests"), str(REPO / "tests" / "core")])
    result = subprocess.run(["unshare", "-rm", "sh", "-c", cmd], capture_output=True,
                            text=True, timeout=240, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": path})
    (tmp_path / "seen.jsonl").write_text(result.stdout, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {d["case"]: d for d in map(json.loads, result.stdout.splitlines())}


def _clear_error(seen: dict[str, object], words: tuple[str, ...]) -> None:
    err = str(seen["stderr"])
    assert seen["rc"] == STORAGE_FAULT_EXIT, seen
    assert "Traceback" not in err and "sqlite3." not in err, err
    assert "commissioner: error:" in err and "commissioner: hint:" in err, err
    for word in words:
        assert word in err, (word, err)


def _summary(mode: str, seen: dict[str, dict[str, object]]) -> str:
    stores = [seen[c] for c in ("full-store", "ro-store", "final-store")]
    partial = sum(len(str(st["partial"])) > 2 for st in stores)
    return (f"storage faults during {mode}: disk full -> exit {seen['full']['rc']}, read-only "
            f"-> exit {seen['read-only']['rc']}, resume -> exit {seen['resumed']['rc']}; audit "
            f"verifies {all(st['audit'] for st in stores)}, stores with partial records "
            f"{partial}, devices {seen['devices']['devices']}")


def _check(seen: dict[str, dict[str, object]]) -> None:
    _clear_error(seen["full"], ("full", "free space", "resumes"))
    _clear_error(seen["read-only"], ("read-only", "writable"))
    for case in ("full-store", "ro-store", "final-store"):
        assert seen[case]["audit"] is True, seen[case]
        assert seen[case]["partial"] == [], seen[case]
    # the read-only attempt recorded nothing
    assert seen["ro-store"]["steps"] == seen["full-store"]["steps"]
    assert seen["resumed"]["rc"] == 0, seen["resumed"]
    assert seen["final-store"]["steps"] > seen["ro-store"]["steps"]


def test_full_then_read_only_disk_during_commission(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
    summary: Callable[[str], None],
) -> None:
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=1,
                              ready_timeout=120) as home:
        seen = _run(tmp_path, "commission", home.directory)
    summary(_summary("commission", seen))
    _check(seen)
    devices = seen["devices"]["devices"]
    assert isinstance(devices, dict) and len(devices) == 2
    assert all(v is True for v in devices.values()), devices  # each accepts the job's credential


def test_full_then_read_only_disk_during_update(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
    summary: Callable[[str], None],
) -> None:
    env = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=1,
                              env=env, ready_timeout=120) as home:
        seen = _run(tmp_path, "update", home.directory)
    summary(_summary("update", seen))
    _check(seen)
    assert seen["final-store"]["history"] == 2, seen
    devices = seen["devices"]["devices"]
    assert isinstance(devices, dict) and len(devices) == 2
    assert set(devices.values()) == {"1.3.0", "2.2.0"}, devices
