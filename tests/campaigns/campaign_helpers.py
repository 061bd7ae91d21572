"""Shared parts of the crash, power and lossy-link campaigns: a small virtual home per trial, a
certified job, the CLI killed at a random moment, and the checks asked of the devices over the
protocol (never of the job store alone)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import provisioning_helpers as ph
from vh_fixtures import running_virtual_home

from commissioner.jobs.store import JobStore
from commissioner.protocol.client import open_session
from commissioner.provisioning.run import open_vault
from commissioner.virtualhome.homefile import HomeFile

FW_ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "65536"}
LATEST = {"device": "1.3.0", "gateway": "2.2.0"}


@contextmanager
def small_home(state: Path, devices: int = 3) -> Iterator[HomeFile]:
    with running_virtual_home(state, scenario="standard", devices=devices, env=FW_ENV,
                              ready_timeout=120) as home:
        yield home


def ids(home: HomeFile) -> list[str]:
    return [home.gateway.device_id, *(d.device_id for d in home.devices)]


def vh_args(data: Path, home_dir: Path) -> list[str]:
    return ["--data-dir", str(data), "--virtual-home", str(home_dir)]


def kill_at(args: list[str], env: Mapping[str, str], delay: float) -> bool:
    """Run the CLI and SIGKILL it after ``delay`` s; True if it was still running."""
    proc = subprocess.Popen(ph.cli(args), env=dict(env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ph.REPO)
    try:
        proc.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        return True


def run_ok(args: list[str], env: Mapping[str, str], timeout: float = 240
           ) -> subprocess.CompletedProcess[str]:
    r = ph.run_cli(args, env, timeout=timeout)
    assert r.returncode == 0, f"{args[0]} exited {r.returncode}:\n{r.stdout[-2000:]}\n" \
                              f"{r.stderr[-2000:]}"
    return r


def record_problems(data: Path, job: str) -> list[str]:
    """Audit and record checks of the job store: the chain verifies, every provisioning step
    has exactly one intent, is done once iff done, every retry is counted; the firmware
    history has no duplicate outcome for one attempt."""
    problems: list[str] = []
    with JobStore.open(ph.store_path(data), create=False) as store:
        audit = store.verify_audit(job)
        if not audit.ok:
            problems.append(f"audit: {audit.problem}")
        log = store.steps(job)
        rows = {(r.device_id, r.step): r for r in store.provisioning_steps(job)}
    count = Counter((s.action, s.device_id, s.detail.get("step")) for s in log
                    if s.action.startswith("provision."))
    for (device_id, step), row in rows.items():
        if count[("provision.intent", device_id, step)] != 1:
            problems.append(f"{device_id} {step}: intents "
                            f"{count[('provision.intent', device_id, step)]}")
        if row.attempts != 1 + count[("provision.retry", device_id, step)]:
            problems.append(f"{device_id} {step}: a retry record is missing")
        if count[("provision.done", device_id, step)] != (1 if row.done else 0):
            problems.append(f"{device_id} {step}: done record mismatch")
    for (action, device_id, step) in count:
        if action == "provision.intent" and (device_id, step) not in rows:
            problems.append(f"{device_id} {step}: intent without its row")
    return problems


def credential_problems(home: HomeFile, data: Path, job: str, *, all_set: bool) -> list[str]:
    """Asked of each device: a device holding an admin credential holds the job's (and with
    ``all_set`` every device holds one)."""
    tr = ph.trust(home)
    addr = ph.addresses(home)
    with JobStore.open(ph.store_path(data), create=False) as store:
        creds = ph.job_credentials(open_vault(store), job, ids(home))

    async def one(device_id: str) -> str | None:
        if not await ph.admin_credential_set(*addr[device_id], tr):
            return f"{device_id}: holds no admin credential" if all_set else None
        if device_id not in creds:
            return f"{device_id}: holds a credential the job does not know"
        if not await ph.admin_login_ok(*addr[device_id], tr, creds[device_id]):
            return f"{device_id}: refuses the job's credential"
        return None

    async def every() -> list[str | None]:
        return list(await asyncio.gather(*(one(d) for d in ids(home))))

    return [p for p in asyncio.run(every()) if p]


def running_versions(home: HomeFile, attempts: int = 20) -> dict[str, str | None]:
    """The firmware each device reports over its attested connection (waits out a reboot)."""
    tr = ph.trust(home)
    addr = ph.addresses(home)

    async def one(device_id: str) -> str | None:
        for _ in range(attempts):
            try:
                session = await open_session(*addr[device_id], tr)
                async with session:
                    fw = await session.get_json("/v1/firmware")
                version = fw.get("version")
                return version if isinstance(version, str) else None
            except Exception:  # noqa: BLE001 - a rebooting device: ask again
                await asyncio.sleep(0.5)
        return None

    async def every() -> dict[str, str | None]:
        got = await asyncio.gather(*(one(d) for d in ids(home)))
        return dict(zip(ids(home), got, strict=True))

    return asyncio.run(every())


def firmware_problems(home: HomeFile, data: Path, job: str) -> list[str]:
    """Every device runs the latest firmware (asked of it) and the history records one
    'updated' row per device (none lost, none twice)."""
    problems = [f"{d}: runs {v}" for d, v in running_versions(home).items()
                if v not in LATEST.values()]
    with JobStore.open(ph.store_path(data), create=False) as store:
        history = store.firmware_history(job)
    updated = Counter(h.device_id for h in history if h.result == "updated")
    for device_id in ids(home):
        if updated[device_id] != 1:
            problems.append(f"{device_id}: {updated[device_id]} 'updated' history rows")
    return problems

