"""Power-cut campaign: during a real ``update`` a random device loses power at a random moment
(``virtual-home ctl power-cycle``), ``--trials`` times (default 100), each on a fresh small home.
The interrupted run must end without a traceback; running ``update`` again brings every device
to the latest firmware. Nothing is bricked: every device answers over its attested connection
with a valid version, and the history holds exactly one 'updated' row per device."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import campaign_helpers as ch
import keyring_fixtures
import provisioning_helpers as ph
import pytest

from commissioner.virtualhome.control import control

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _trial(state: Path, env: dict[str, str], rng: random.Random) -> tuple[int, list[str]]:
    """One trial; (the interrupted run's exit code, problems found)."""
    with ch.small_home(state / "home") as home:
        data = state / "data"
        job = ph.certified_job(home, data, "W-1")
        vh = ch.vh_args(data, home.directory)
        ch.run_ok(["firmware", "preload", "--all", *vh], env)
        update = ["update", "--job", job, "--reboot-timeout", "20", "--read-box-labels", *vh]
        proc = subprocess.Popen(ph.cli(update), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ph.REPO)
        time.sleep(rng.uniform(0.3, 6.0))
        victim = rng.choice(ch.ids(home))
        asyncio.run(control(home.directory, "power-cycle", victim,
                            downtime=rng.uniform(0.3, 3.0)))
        _out, err = proc.communicate(timeout=300)
        problems = [f"interrupted run: traceback\n{err[-1500:]}"] if "Traceback" in err else []
        for _ in range(3):
            again = ph.run_cli(update, env, timeout=300)
            if again.returncode == 0:
                break
        else:
            problems.append(f"update never finished: {again.stdout[-800:]}{again.stderr[-800:]}")
        problems += ch.record_problems(data, job)
        problems += ch.firmware_problems(home, data, job)
        return proc.returncode, problems


@pytest.mark.parametrize("operation", ["update"])
def test_power_cut_during_update(operation: str, trials: int, tmp_path: Path,
                                 secret_service: keyring_fixtures.SecretServiceSession,
                                 summary: Callable[[str], None]) -> None:
    seed = int(os.environ.get("POWER_CAMPAIGN_SEED", secrets.randbits(32)))
    rng = random.Random(seed)
    env = ph.cli_env(secret_service.bus_address)
    started = time.monotonic()
    codes: list[int] = []
    failures: list[str] = []
    for n in range(trials):
        code, problems = _trial(tmp_path / f"t{n}", env, rng)
        codes.append(code)
        failures += [f"trial {n}: {p}" for p in problems]
    bad = len({f.split(":")[0] for f in failures})
    bricked = sum(1 for f in failures if f.endswith("runs None"))
    summary(f"power cuts during {operation}: {trials} trials (seed {seed}); interrupted runs "
            f"exited {sorted(set(codes))}; {trials - bad}/{trials} finished on the latest "
            f"firmware with every check passing; {bricked} device(s) bricked "
            f"({time.monotonic() - started:.0f} s)")
    assert not failures, "\n".join(failures[:30])
