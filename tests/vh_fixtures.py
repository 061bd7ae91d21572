"""Start a virtual home in a subprocess for tests (real TLS, real zeroconf on 127.0.0.1).

    from tests.vh_fixtures import running_virtual_home

    def test_something(tmp_path):
        with running_virtual_home(tmp_path / "home", scenario="mixed-faults") as home:
            ...  # home is a HomeFile: home.devices, home.gateway, home.trust_roots_path, ...

The state directory is the path you pass (created if needed). Starting again with the same
directory restarts the same home (same identities, keys and persisted state). The process's
stderr is kept in ``<state dir>/virtual-home.stderr.log`` and shown if start-up fails.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from commissioner.virtualhome.homefile import HomeFile, read_home_file

REPO_ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "virtual home ready:"
STDERR_LOG = "virtual-home.stderr.log"


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


@contextmanager
def running_virtual_home(
    tmp_path: Path,
    scenario: str | None = "standard",
    devices: int | None = None,
    env: Mapping[str, str] | None = None,
    *,
    ready_timeout: float = 30.0,
    extra_args: Sequence[str] = (),
) -> Iterator[HomeFile]:
    """Run ``commissioner virtual-home --state-dir tmp_path`` until the block ends.

    ``scenario=None`` omits ``--scenario`` (restart whatever the directory holds).
    """
    state_dir = Path(tmp_path)
    state_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "commissioner.cli", "virtual-home", "--state-dir", str(state_dir)]
    if scenario is not None:
        cmd += ["--scenario", scenario]
    if devices is not None:
        cmd += ["--devices", str(devices)]
    cmd += list(extra_args)
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    full_env.update(env or {})
    log_path = state_dir / STDERR_LOG
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=full_env, cwd=REPO_ROOT
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"virtual home not ready within {ready_timeout} s:\n{_tail(log_path)}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                proc.wait(5)
                raise RuntimeError(
                    f"virtual home exited with {proc.returncode} before it was ready:\n"
                    f"{_tail(log_path)}"
                )
            if line.startswith(READY_PREFIX):
                break
        yield read_home_file(state_dir)
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[str], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it does not exit in ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no stderr log)"
