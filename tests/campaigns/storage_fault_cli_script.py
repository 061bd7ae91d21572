"""Run inside a private mount namespace whose small tmpfs holds the app's data folder (see
test_storage_faults_cli.py): a real ``commission`` or ``update`` against a running virtual
home meets a disk that fills up mid-run, then read-only media, then space returns and the
same command resumes. Prints what it saw as JSON lines for the test to check.

    storage_fault_cli_script.py MOUNT HOME_DIR commission|update
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import provisioning_helpers as ph

from commissioner.jobs.store import JobStore
from commissioner.protocol.client import open_session
from commissioner.provisioning.run import open_vault
from commissioner.virtualhome.homefile import read_home_file


def say(**kw: object) -> None:
    print(json.dumps(kw), flush=True)


def fill(folder: Path) -> Path:
    """Take every free block of the disk holding ``folder``."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def run_until_progress(args: list[str], env: dict[str, str], mount: Path, lines: int,
                       progress_on_stderr: bool) -> tuple[int, str, str, int]:
    """Run the CLI; once it printed ``lines`` progress lines fill the disk; let it end."""
    proc = subprocess.Popen(ph.cli(args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ph.REPO)
    progress = proc.stderr if progress_on_stderr else proc.stdout
    assert progress is not None
    seen: list[str] = []
    for line in progress:
        seen.append(line)
        if (line.startswith(("  ", "[")) and "label(s)" not in line
                and sum(1 for s in seen if s.startswith(("  ", "["))) >= lines):
            fill(mount)
            break
    out, err = proc.communicate(timeout=120)
    if progress_on_stderr:
        err = "".join(seen) + err
    else:
        out = "".join(seen) + out
    return proc.returncode, out, err, len(seen)


def store_facts(data: Path, job: str) -> dict[str, object]:
    with JobStore.open(ph.store_path(data), create=False) as store:
        log = store.steps(job)
        intents = Counter((s.device_id, s.detail.get("step")) for s in log
                          if s.action == "provision.intent")
        dones = Counter((s.device_id, s.detail.get("step")) for s in log
                        if s.action == "provision.done")
        rows = {(r.device_id, r.step): r for r in store.provisioning_steps(job)}
        partial = [f"{k}" for k, row in rows.items()
                   if intents[k] != 1 or dones[k] != (1 if row.done else 0)]
        partial += [f"{k} without row" for k in intents if k not in rows]
        return {"audit": store.verify_audit(job).ok, "steps": store.step_count(job),
                "partial": partial, "history": len(store.firmware_history(job))}


def device_facts(home_dir: Path, data: Path, job: str, mode: str) -> dict[str, object]:
    """Asked of each device over the protocol: holds the job's credential / its firmware."""
    home = read_home_file(home_dir)
    ids = [home.gateway.device_id, *(d.device_id for d in home.devices)]
    addr = ph.addresses(home)
    tr = ph.trust(home)
    creds: dict[str, bytes] = {}
    if mode == "commission":
        with JobStore.open(ph.store_path(data), create=False) as store:
            creds = ph.job_credentials(open_vault(store), job, ids)

    async def one(device_id: str) -> object:
        if mode == "commission":
            return device_id in creds and await ph.admin_login_ok(*addr[device_id], tr,
                                                                  creds[device_id])
        session = await open_session(*addr[device_id], tr)
        async with session:
            fw = await session.get_json("/v1/firmware")
        return fw.get("version") or fw.get("running_version") or fw.get("running")

    async def every() -> list[object]:
        return list(await asyncio.gather(*(one(d) for d in ids)))

    return dict(zip(ids, asyncio.run(every()), strict=True))


def main(mount: Path, home_dir: Path, mode: str) -> None:
    data = mount / "data"
    env = ph.cli_env(os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
                     {"COMMISSIONER_DATA_DIR": str(data)})
    vh = ["--data-dir", str(data), "--virtual-home", str(home_dir)]
    job = ph.certified_job(read_home_file(home_dir), data, f"S-{mode}")
    if mode == "commission":
        args = ["commission", "--job", job, "--read-box-labels", "--concurrency", "1", *vh]
    else:
        pre = ph.run_cli(["firmware", "preload", "--all", *vh], env)
        assert pre.returncode == 0, pre.stderr
        args = ["update", "--job", job, "--concurrency", "1", "--reboot-timeout", "20",
                "--read-box-labels", *vh]
    rc, out, err, _ = run_until_progress(args, env, mount, 2, mode == "update")
    filler = mount / "filler"
    say(case="full", rc=rc, stderr=err[-3000:], stdout=out[-2000:])
    filler.unlink()
    facts = store_facts(data, job)
    say(case="full-store", **facts)
    # Read-only media: the disk comes back write-protected before the resume (Linux refuses
    # to remount read-only under open writers, so it flips while no run holds the store).
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    ro = ph.run_cli(args, env)
    say(case="read-only", rc=ro.returncode, stderr=ro.stderr[-3000:], stdout=ro.stdout[-2000:])
    subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
    say(case="ro-store", **store_facts(data, job))
    final = ph.run_cli(args, env)
    say(case="resumed", rc=final.returncode, stderr=final.stderr[-3000:],
        stdout=final.stdout[-2000:])
    say(case="final-store", **store_facts(data, job))
    say(case="devices", devices=device_facts(home_dir, data, job, mode))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
