"""Lossy-link campaign: the app reaches a small home only through the simulator's lossy link
(``virtual-home ctl DIR lossy-link``: every chunk delayed, a share stalled as a lost segment
would be, optionally a share of connections reset). ``commission`` and then ``update`` must
complete, and the devices, asked directly, hold the job's credentials and the latest firmware.

LOSSY_LOSS, LOSSY_DELAY and LOSSY_RESET change the link (default 10 % loss, 200 ms, 0 resets)."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import campaign_helpers as ch
import keyring_fixtures
import provisioning_helpers as ph
from vh_fixtures import stop_process

from commissioner.virtualhome.lossy_link import READY_PREFIX

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _start_link(home_dir: Path, view: Path, env: dict[str, str], loss: str, delay: str,
                reset: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(
        ph.cli(["virtual-home", "ctl", str(home_dir), "lossy-link", str(view), "--loss", loss,
                "--delay", delay, "--reset", reset]),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ph.REPO)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    first = lines.get(timeout=60)
    assert first.startswith(READY_PREFIX), first
    return proc, lines


def test_commission_and_update_over_a_lossy_link(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession,
    summary: Callable[[str], None],
) -> None:
    loss = os.environ.get("LOSSY_LOSS", "0.1")
    delay = os.environ.get("LOSSY_DELAY", "0.2")
    reset = os.environ.get("LOSSY_RESET", "0")
    env = ph.cli_env(secret_service.bus_address)
    with ch.small_home(tmp_path / "home") as home:
        data = tmp_path / "data"
        job = ph.certified_job(home, data, "L-1")
        view = tmp_path / "lossy-view"
        link, lines = _start_link(home.directory, view, env, loss, delay, reset)
        try:
            vh = ch.vh_args(data, view)
            ch.run_ok(["firmware", "preload", "--all", *vh], env)
            t0 = time.monotonic()
            ch.run_ok(["commission", "--job", job, "--read-box-labels", "--timeout", "30", *vh],
                      env, timeout=900)
            t1 = time.monotonic()
            ch.run_ok(["update", "--job", job, "--timeout", "30", "--reboot-timeout", "60",
                       "--read-box-labels", *vh], env, timeout=900)
            t2 = time.monotonic()
        finally:
            stop_process(link)
        stats = ""
        while not lines.empty():
            stats = lines.get().strip() or stats
        problems = ch.record_problems(data, job)
        problems += ch.credential_problems(home, data, job, all_set=True)
        problems += ch.firmware_problems(home, data, job)
    summary(f"lossy link (loss {loss}, delay {delay} s, resets {reset}): commission "
            f"{t1 - t0:.0f} s, update {t2 - t1:.0f} s, {len(problems)} problems; {stats}")
    assert not problems, problems
    assert "connections" in stats and not stats.startswith("lossy link: 0 connections"), stats
