"""Jobs: create, list, show, open for work, and their audit log (verify, export)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from commissioner.app.context import AppContext, NoStoreError, find_job
from commissioner.app.device_state import DeviceState, device_states
from commissioner.app.progress import JobProgress, read_progress
from commissioner.atomic_file import atomic_writer
from commissioner.errors import UserError
from commissioner.jobs.audit import export_jsonl
from commissioner.jobs.models import DeviceGateState, Job, JobDevice, Step
from commissioner.jobs.service_level import LevelBasis, answers_level, level_basis
from commissioner.jobs.store import JobClosedError


@dataclass(frozen=True, slots=True)
class JobDetails:
    job: Job
    devices: tuple[JobDevice, ...]
    steps: int
    states: Mapping[str, DeviceState] = field(default_factory=dict)  # where each came from
    followup: tuple[Step, ...] = ()  # after handover: verifications and remediations
    level_basis: LevelBasis | None = None  # what the job's level rests on


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
               service_level: int, operator: str, personal_data: bool | None = None,
               life_or_property: bool | None = None, reason: str | None = None) -> Job:
    """Create the job; returns once its COMMIT returned.

    With the answers to the guideline's two questions (R2-1/R3-2), a level below the one they
    imply is refused unless ``reason`` says why; the reason also stands for a level below what
    the devices found later suggest. The job's operator is the signed-in account
    (``operator`` is kept for callers and ignored when someone is signed in)."""
    who = ctx.require("job.new")
    operator = who.audit_name
    reason = (reason or "").strip() or None
    if personal_data is not None or life_or_property is not None:
        implied = answers_level(personal_data, life_or_property)
        if service_level < implied and reason is None:
            raise UserError(
                code="level.answers-differ", params={
                    "implied": implied, "level": service_level, "implied_stars": "★" * implied,
                    "level_stars": "★" * service_level})
    with ctx.store(create=True) as store:
        try:
            return store.create_job(job_number=job_number, site_name=site_name,
                                    site_address=site_address, service_level=service_level,
                                    operator=operator, personal_data=personal_data,
                                    life_or_property=life_or_property, level_reason=reason)
        except ValueError as err:
            raise UserError(code="value.invalid", params={"detail": err}) from None


def level_basis_of(ctx: AppContext, ref: str) -> LevelBasis:
    """The job's level, the answers it rests on and what its devices suggest."""
    with ctx.store() as store:
        job = find_job(store, ref)
        return level_basis(job, (d.kind for d in store.devices(job.id)))


def set_service_level(ctx: AppContext, ref: str, *, level: int, reason: str | None,
                      operator: str | None = None) -> LevelBasis:
    """Change an open job's level; a level below the suggestion needs a reason."""
    ctx.require("job.level")
    reason = (reason or "").strip() or None
    with ctx.store() as store:
        job = find_job(store, ref)
        if job.is_closed:
            raise JobClosedError(f"job {job.id} ({job.job_number}) is closed")
        kinds = [d.kind for d in store.devices(job.id)]
        basis = level_basis(job, kinds)
        if level < basis.suggested_level and reason is None and job.level_reason is None:
            raise UserError(
                code="level.reason-required",
                params={"job_id": job.id, "suggested": basis.suggested_level,
                        "stars": "★" * basis.suggested_level})
        try:
            changed = store.set_service_level(job.id, level, reason=reason, operator=operator)
        except ValueError as err:
            raise UserError(code="value.invalid", params={"detail": err}) from None
        return level_basis(changed, kinds)


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
        devices = tuple(store.devices(job.id))
        followup = tuple(store.followup_steps(job.id)) if job.is_closed else ()
        states = device_states(devices, store.provisioning_devices(job.id),
                               store.provisioning_steps(job.id), followup)
        return JobDetails(job, devices, store.step_count(job.id), states, followup,
                          level_basis(job, (d.kind for d in devices)))


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
        raise UserError(
            code="file.cannot-write",
            params={"path": out, "reason": err.strerror or err}) from None
    return job, count


@dataclass(frozen=True, slots=True)
class SealedJobView:
    """A handed-over job as support staff open it: read-only, with its documents and its
    history (the sealed audit log, then what happened after handover)."""

    details: JobDetails
    history: tuple[Step, ...]
    documents: tuple[Path, ...]
    audit_ok: bool


def sealed_job(ctx: AppContext, ref: str) -> SealedJobView:
    """Read a handed-over job for viewing; nothing is written."""
    from commissioner.documents.handover import report_path_for

    details = job_details(ctx, ref)
    job = details.job
    if not job.is_closed:
        raise UserError(code="job.not-sealed", params={"job_id": job.id})
    with ctx.store() as store:
        steps = tuple(store.steps(job.id))
        audit_ok = store.verify_audit(job.id).ok and store.verify_followup(job.id).ok
    report = report_path_for(ctx.data_dir, job)
    reports = sorted(p for p in report.parent.glob(f"{job.id}*") if p.is_file()) \
        if report.parent.is_dir() else []
    return SealedJobView(details, steps + details.followup, tuple(reports), audit_ok)
