"""SIGKILL campaign: ``commission``, ``update`` and ``handover`` are killed at a random moment,
``--trials`` times each (default 100), each trial on a fresh small home (3 devices and the
gateway). After each kill the job store and the devices are checked, then the same command is
run again and must finish; afterwards every device holds the credential the job knows (asked of
the device over the protocol), runs what the job says, the audit log verifies and no record is
lost or doubled. One summary line per operation. PROVISIONING_CRASH_SEED replays a campaign."""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import campaign_helpers as ch
import keyring_fixtures
import provisioning_helpers as ph
import pytest

from commissioner.jobs.store import JobStore

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

# the moment of the kill: up to this many seconds after the command started
KILL_WINDOW_S = {"commission": 6.0, "update": 8.0, "handover": 6.0}


def _seed() -> int:
    return int(os.environ.get("PROVISIONING_CRASH_SEED", secrets.randbits(32)))


def _trial(operation: str, state: Path, env: dict[str, str], rng: random.Random
           ) -> tuple[bool, list[str]]:
    """One trial on a fresh home; (killed mid-run, problems found)."""
    with ch.small_home(state / "home") as home:
        data = state / "data"
        job = ph.certified_job(home, data, "K-1", level=3 if operation == "handover" else 2)
        vh = ch.vh_args(data, home.directory)
        commission = ["commission", "--job", job, "--read-box-labels", *vh]
        update = ["update", "--job", job, "--reboot-timeout", "20", "--read-box-labels", *vh]
        handover = ["handover", "--job", job, "--report", str(state / "report.json"), *vh]
        ch.run_ok(["firmware", "preload", "--all", *vh], env)
        if operation in ("update", "handover"):
            ch.run_ok(commission, env)
        if operation == "handover":
            ch.run_ok(update, env)
        args = {"commission": commission, "update": update, "handover": handover}[operation]
        killed = ch.kill_at(args, env, rng.uniform(0.05, KILL_WINDOW_S[operation]))
        problems = [f"after kill: {p}" for p in ch.record_problems(data, job)]
        problems += [f"after kill: {p}" for p in ch.credential_problems(
            home, data, job, all_set=False)]
        ch.run_ok(args, env)
        problems += ch.record_problems(data, job)
        problems += ch.credential_problems(home, data, job, all_set=True)
        if operation != "commission":
            problems += ch.firmware_problems(home, data, job)
        if operation == "handover":
            with JobStore.open(ph.store_path(data), create=False) as store:
                if not store.get_job(job).is_closed:
                    problems.append("the job is not closed after the resumed handover")
            audit = ph.run_cli(["audit", "verify", "--job", job, "--data-dir", str(data)], env)
            if audit.returncode != 0:
                problems.append(f"audit verify exited {audit.returncode}: {audit.stdout[-300:]}")
        return killed, problems


@pytest.mark.parametrize("operation", ["commission", "update", "handover"])
def test_sigkill_then_resume(operation: str, trials: int, tmp_path: Path,
                             secret_service: keyring_fixtures.SecretServiceSession,
                             summary: Callable[[str], None]) -> None:
    seed = _seed()
    rng = random.Random(seed)
    env = ph.cli_env(secret_service.bus_address)
    started = time.monotonic()
    killed = 0
    failures: list[str] = []
    for n in range(trials):
        was_killed, problems = _trial(operation, tmp_path / f"t{n}", env, rng)
        killed += was_killed
        failures += [f"trial {n}: {p}" for p in problems]
    bad = len({f.split(":")[0] for f in failures})
    summary(f"sigkill {operation}: {trials} trials (seed {seed}), {killed} killed mid-run, "
            f"{trials - killed} finished before the kill; {trials - bad}/{trials} resumed "
            f"with every check passing ({time.monotonic() - started:.0f} s)")
    assert not failures, "\n".join(failures[:30])
