"""Run inside a private mount namespace on a small tmpfs (see test_job_store_faults.py):
drives the real job store into a full disk and onto a read-only remount, printing what it saw
as JSON lines for the test to check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from commissioner.errors import UserError
from commissioner.jobs.store import JobStore, StoreFullError, StoreReadOnlyError


def say(**kw: object) -> None:
    print(json.dumps(kw), flush=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def main(mount: Path) -> None:
    path = mount / "jobs.sqlite3"
    store = JobStore.open(path)
    job = store.create_job(job_number="F-1", site_name="House", site_address="1-1",
                           service_level=2, operator="Sato").id
    store.append_step(job, "check.ok", {"n": 0})
    before = store.step_count(job)
    filler = fill(mount)
    caught: BaseException | None = None
    for n in range(200):  # until the disk refuses a write
        try:
            store.append_step(job, "check.ok", {"n": n, "pad": "x" * 8000})
        except Exception as err:  # noqa: BLE001 - reported to the test
            caught = err
            break
    after_fail = store.step_count(job)
    say(case="full", error=type(caught).__name__, user=isinstance(caught, UserError),
        full=isinstance(caught, StoreFullError), message=str(caught),
        hint=getattr(caught, "hint", None), steps_written=after_fail - before)
    filler.unlink()
    store.append_step(job, "check.resumed", {})
    say(case="full-resumed", ok=store.verify_audit(job).ok,
        steps=store.step_count(job) - after_fail)
    # Read-only media: the disk comes back write-protected (a remount needs the store
    # closed: Linux refuses to remount a file system read-only under open writers).
    count = store.step_count(job)
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    caught = None
    try:
        with JobStore.open(path) as ro_store:
            ro_store.append_step(job, "check.ok", {"n": "ro"})
    except Exception as err:  # noqa: BLE001 - reported to the test
        caught = err
    say(case="read-only", error=type(caught).__name__, user=isinstance(caught, UserError),
        ro=isinstance(caught, StoreReadOnlyError), message=str(caught),
        hint=getattr(caught, "hint", None))
    subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
    with JobStore.open(path) as again:
        unchanged = again.step_count(job) == count
        again.append_step(job, "check.resumed", {})
        say(case="ro-resumed", ok=again.verify_audit(job).ok, unchanged=unchanged)
    os.sync()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
