"""Jobs: create, list, show, open for work, and their audit log (verify, export)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from commissioner.app.context import AppContext, NoStoreError, find_job
from commissioner.app.progress import JobProgress, read_progress
from commissioner.atomic_file import atomic_writer
from commissioner.errors import UserError
from commissioner.jobs.audit import export_jsonl
from commissioner.jobs.models import DeviceGateState, Job, JobDevice
from commissioner.jobs.store import JobClosedError


@dataclass(frozen=True, slots=True)
class JobDetails:
    job: Job
    devices: tuple[JobDevice, ...]
    steps: int


@dataclass(frozen=True, slots=True)
class JobOpened:
    """A job opened for work: what the gate recorded and the provisioning/firmware state."""

    job: Job
    gate: tuple[DeviceGateState, ...]
    progress: JobProgress | None = None


@dataclass(frozen=True, slots=True)
class AuditCheck:
    job: Job
    ok: bool
    entries: int
    last_hash: str | None
    problem: str | None


def create_job(ctx: AppContext, *, job_number: str, site_name: str, site_address: str,
               service_level: int, operator: str) -> Job:
    """Create the job; returns once its COMMIT returned."""
    with ctx.store(create=True) as store:
        try:
            return store.create_job(job_number=job_number, site_name=site_name,
                                    site_address=site_address, service_level=service_level,
                                    operator=operator)
        except ValueError as err:
            raise UserError(str(err), hint="correct the value and try again") from None


def list_jobs(ctx: AppContext, status: Literal["open", "closed"] | None = None) -> list[Job]:
    """Jobs newest first (none when this laptop has no job store yet)."""
    try:
        store = ctx.open_store()
    except NoStoreError:
        return []
    try:
        return store.list_jobs(status)
    finally:
        store.close()


def job_details(ctx: AppContext, ref: str) -> JobDetails:
    with ctx.store() as store:
        job = find_job(store, ref)
        return JobDetails(job, tuple(store.devices(job.id)), store.step_count(job.id))


def open_for_work(ctx: AppContext, ref: str) -> JobOpened:
    """The open job with this id or number, its gate records and recorded progress."""
    with ctx.store() as store:
        job = find_job(store, ref)
        if job.is_closed:
            raise JobClosedError(f"job {job.id} ({job.job_number}) is closed")
        return JobOpened(job, tuple(store.gate_states(job.id)), read_progress(store, job.id))


def verify_audit(ctx: AppContext, ref: str) -> AuditCheck:
    with ctx.store() as store:
        job = find_job(store, ref)
        result = store.verify_audit(job.id)
    return AuditCheck(job, result.ok, result.entries, result.last_hash, result.problem)


def export_audit(ctx: AppContext, ref: str, out: Path | IO[str]) -> tuple[Job, int]:
    """Export the job's log as JSON Lines to a file (atomically, mode 0600) or a text stream.

    On an open job the export is itself logged first (R3-5); a sealed log cannot grow."""
    with ctx.store() as store:
        job = find_job(store, ref)
        if not job.is_closed:
            name = out.name[:120] if isinstance(out, Path) else "-"
            store.append_step(job.id, "document.export",
                              {"kind": "audit-log", "format": "jsonl", "file": name})
        steps = store.steps(job.id)
    if not isinstance(out, Path):
        return job, export_jsonl(steps, out)
    buffer = io.StringIO()
    count = export_jsonl(steps, buffer)
    try:
        with atomic_writer(out, mode=0o600, make_parents=False) as handle:
            handle.write(buffer.getvalue().encode("utf-8"))
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror or err}") from None
    return job, count
