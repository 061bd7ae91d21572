"""Crash campaign (issue 4): SIGKILL ``commissioner commission`` at random points of a
20-device run, 24 times, resuming each time; the home is provisioned progressively across the
trials. After every kill: the job store is intact and its audit log verifies; no step record
is duplicated or lost; every device that holds an admin credential holds the one the job
keeps (proved by admin-proof login). After the final, uninterrupted resume every device is
provisioned with credentials the job holds. Real TLS, real gnome-keyring, real SQLite.

The random seed is printed; set PROVISIONING_CRASH_SEED to replay a campaign.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import DEVICE_STEPS, GATEWAY_AUTH_STEP, open_vault
from commissioner.virtualhome.homefile import HomeFile

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

TRIALS = 24
DEVICES = 20
CHECKED_STEPS = frozenset({*DEVICE_STEPS, "issuing-ca", GATEWAY_AUTH_STEP})


def _kill_after(args: list[str], env: dict[str, str], lines: int, delay: float) -> int:
    """Run the CLI, SIGKILL it after ``lines`` progress lines (0: after ``delay`` s)."""
    proc = subprocess.Popen(ph.cli(args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ph.REPO)
    assert proc.stdout is not None
    seen = 0
    try:
        if lines == 0:
            time.sleep(delay)
        else:
            for line in proc.stdout:
                if "skipped" in line or "label(s) read" in line:
                    continue
                seen += 1
                if seen >= lines:
                    break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
        proc.stdout.close()
    return seen


def _check_invariants(home: HomeFile, data: Path, job: str,
                      secret_service: keyring_fixtures.SecretServiceSession) -> int:
    """Checks after a kill; returns how many devices completed every step."""
    ids = [home.gateway.device_id, *(d.device_id for d in home.devices)]
    tr = ph.trust(home)
    addr = ph.addresses(home)
    with JobStore.open(ph.store_path(data), create=False) as store:
        assert store.verify_audit(job).ok
        vault = open_vault(as_signed_in(store), backend=secret_service.backend)
        rows = {(r.device_id, r.step): r for r in store.provisioning_steps(job)}
        log = store.steps(job)
        creds = ph.job_credentials(vault, job, ids)
    intents = Counter((s.device_id, s.detail["step"]) for s in log
                      if s.action == "provision.intent")
    retries = Counter((s.device_id, s.detail["step"]) for s in log
                      if s.action == "provision.retry")
    dones = Counter((s.device_id, s.detail["step"]) for s in log if s.action == "provision.done")
    for (device_id, step), row in rows.items():
        if step not in CHECKED_STEPS:
            continue
        key = (device_id, step)
        assert intents[key] == 1, key  # exactly one intent record per step
        assert row.attempts == 1 + retries[key], key  # every retry recorded, none lost
        assert dones[key] == (1 if row.done else 0), key  # done once, iff done
    assert set(intents) == {k for k in rows}  # no log entry without its row

    async def credentials_held() -> None:
        async def one(device_id: str) -> None:
            if await ph.admin_credential_set(*addr[device_id], tr):
                assert device_id in creds, f"{device_id} holds a credential the job lacks"
                assert await ph.admin_login_ok(*addr[device_id], tr, creds[device_id]), \
                    f"{device_id} refuses the job's credential"

        await asyncio.gather(*(one(d) for d in ids))

    asyncio.run(credentials_held())
    return sum(1 for d in ids if all((d, s) in rows and rows[(d, s)].done for s in DEVICE_STEPS))


def test_sigkill_at_random_points_then_resume(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    seed = int(os.environ.get("PROVISIONING_CRASH_SEED", secrets.randbits(32)))
    rng = __import__("random").Random(seed)
    print(f"crash campaign seed {seed}")
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=DEVICES) as home:
        data = tmp_path / "data"
        job = ph.certified_job(home, data, "C-1")
        env = ph.cli_env(secret_service.bus_address)
        args = ["commission", "--job", job, "--read-box-labels", "--data-dir", str(data),
                "--virtual-home",
                str(home.directory)]
        progress: list[tuple[int, int]] = []
        for trial in range(TRIALS):
            lines = 0 if trial % 6 == 0 else rng.randint(1, 45)
            delay = rng.uniform(0.05, 0.6)
            seen = _kill_after(args, env, lines, delay)
            complete = _check_invariants(home, data, job, secret_service)
            progress.append((seen, complete))
        print(f"progress lines seen / devices complete after each kill: {progress}")
        assert progress[-1][1] > progress[0][1]  # the kills hit a progressing run
        final = ph.run_cli(args, env)
        assert final.returncode == 0, final.stdout[-3000:]
        assert _check_invariants(home, data, job, secret_service) == DEVICES + 1
        ids = [home.gateway.device_id, *(d.device_id for d in home.devices)]
        with JobStore.open(ph.store_path(data), create=False) as store:
            vault = open_vault(as_signed_in(store), backend=secret_service.backend)
            creds = ph.job_credentials(vault, job, ids)
            records = {r.device_id: r for r in store.provisioning_devices(job)}
        assert set(creds) == set(ids) and len(set(creds.values())) == len(ids)
        assert all(r.status == "provisioned" for r in records.values())
        assert all(records[d.device_id].gateway_auth for d in home.devices)
        tr = ph.trust(home)
        addr = ph.addresses(home)

        async def logins() -> list[bool]:
            return list(await asyncio.gather(
                *(ph.admin_login_ok(*addr[d], tr, creds[d]) for d in ids)))

        assert asyncio.run(logins()) == [True] * len(ids)
