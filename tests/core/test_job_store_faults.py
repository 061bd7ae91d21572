"""Storage faults are errors a person can act on (issue 17): a full disk and a read-only
remount under a real job store on a small tmpfs in a private mount namespace. Each gives a
typed UserError with the fix, nothing partial is recorded, and work resumes afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("storage_fault_script.py")


def _in_small_tmpfs(tmp_path: Path, size: str = "8m") -> dict[str, dict[str, object]]:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    mount = tmp_path / "disk"
    mount.mkdir()
    cmd = (f"mount -t tmpfs -o size={size} tmpfs {mount} && "
           f"exec {sys.executable} {SCRIPT} {mount}")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", cmd], capture_output=True,
                            text=True, timeout=120, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-3000:]
    return {d["case"]: d for d in map(json.loads, result.stdout.splitlines())}


def test_full_disk_and_read_only_media_are_clear_errors_and_resumable(tmp_path: Path) -> None:
    seen = _in_small_tmpfs(tmp_path)
    full = seen["full"]
    assert full["full"] and full["user"], full
    assert "full" in str(full["message"]) and "free space" in str(full["hint"]).lower()
    assert full["steps_written"] >= 0  # whole steps only: the chain below verifies
    assert seen["full-resumed"] == {"case": "full-resumed", "ok": True, "steps": 1}
    ro = seen["read-only"]
    assert ro["ro"] and ro["user"], ro
    assert "read-only" in str(ro["message"]) and "writable" in str(ro["hint"])
    assert seen["ro-resumed"] == {"case": "ro-resumed", "ok": True, "unchanged": True}
