"""Job-store records of whole jobs: listing, the catalog a job was checked against, closing
and sealing, the devices found, and reading and verifying the step log."""

from __future__ import annotations

import json
from datetime import datetime

from commissioner.jobs import audit, store_anchor
from commissioner.jobs.audit import AuditResult
from commissioner.jobs.models import Job, JobDevice, JobStatus, Step
from commissioner.jobs.store_core import (
    _SELECT_JOB,
    MAX_JOB_NUMBER,
    StoreCore,
    _clean_text,
    _iso,
    _job,
    _opt_text,
    normalise_job_id,
)
from commissioner.jobs.store_errors import AuditBrokenError


class JobRecords(StoreCore):
    """Whole jobs, their devices and their step log (the core keeps creating and finding)."""

    def list_jobs(self, status: JobStatus | None = None) -> list[Job]:
        """Jobs, newest first; optionally only 'open' or only 'closed' ones."""
        if status not in (None, "open", "closed"):
            raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
        with self._read() as conn:
            if status is None:
                rows = conn.execute(
                    _SELECT_JOB + "ORDER BY created_at DESC, id"
                ).fetchall()
            else:
                rows = conn.execute(
                    _SELECT_JOB + "WHERE status = ? ORDER BY created_at DESC, id",
                    (status,),
                ).fetchall()
            return [_job(r) for r in rows]

    def set_job_catalog(
        self, job_id: str, version: int | str, refreshed_at: datetime | str
    ) -> Job:
        """Record which catalog version the job was checked against (R2-8), with a step."""
        version_text = _clean_text("catalog version", str(version), limit=64)
        when = refreshed_at if isinstance(refreshed_at, str) else _iso(refreshed_at)
        when = _clean_text("catalog refresh time", when, limit=64)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            conn.execute(
                "UPDATE jobs SET catalog_version = ?, catalog_refreshed_at = ?, updated_at = ?"
                " WHERE id = ?",
                (version_text, when, now, job.id),
            )
            self._append(
                conn, job.id, "job.catalog",
                {"catalog_version": version_text, "refreshed_at": when},
                device_id=None, operator=job.operator, at=now,
            )
            return self._job_row(conn, job.id)

    def close_job(self, job_id: str, *, operator: str | None = None) -> str:
        """Append 'job.close', seal the job with that step's hash and return the hash.

        Refuses a closed job (JobClosedError) and a job whose log does not verify
        (AuditBrokenError): a broken log is never sealed.
        """
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            result = audit.verify_chain(self._raw_steps(conn, job.id), job.id)
            if not result.ok:
                raise AuditBrokenError(result)
            op = job.operator if operator is None else _clean_text("operator", operator)
            devices = conn.execute(
                "SELECT COUNT(*) FROM job_devices WHERE job_id = ?", (job.id,)
            ).fetchone()[0]
            step = self._append(
                conn, job.id, "job.close", {"devices": int(devices)},
                device_id=None, operator=op, at=now,
            )
            conn.execute(
                "UPDATE jobs SET status = 'closed', closed_at = ?, updated_at = ?,"
                " sealed_hash = ? WHERE id = ?",
                (now, now, step.hash, job.id),
            )
            self._bump_generation(conn)
            if self._anchor is not None:
                # Anchored before COMMIT: a seal in the file is never without its anchor.
                state = store_anchor.read_meta(conn)
                self._anchor.write(store_anchor.seal_name(state.store_id, job.id), step.hash)
        self._anchor_generation()
        return step.hash


    def upsert_device(self, job_id: str, device: JobDevice) -> None:
        """Insert or update a device of an open job; keeps the earliest ``first_seen``."""
        d = _validated_device(device)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            conn.execute(
                """
                INSERT INTO job_devices (job_id, device_id, role, kind, manufacturer, model,
                    serial, firmware, state, transports, address, port, first_seen, last_seen,
                    status, family)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (job_id, device_id) DO UPDATE SET
                    role = excluded.role, kind = excluded.kind,
                    manufacturer = excluded.manufacturer, model = excluded.model,
                    serial = COALESCE(excluded.serial, serial), firmware = excluded.firmware,
                    state = excluded.state, transports = excluded.transports,
                    address = excluded.address, port = excluded.port,
                    first_seen = MIN(first_seen, excluded.first_seen),
                    last_seen = MAX(last_seen, excluded.last_seen),
                    status = CASE WHEN status IN ('removed', 'replaced') THEN status
                                  ELSE excluded.status END,
                    family = excluded.family
                """,
                (
                    job.id, d.device_id, d.role, d.kind, d.manufacturer, d.model, d.serial,
                    d.firmware, d.state, json.dumps(list(d.transports)), d.address, d.port,
                    d.first_seen, d.last_seen, d.status, d.family,
                ),
            )
            conn.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (now, job.id))

    def devices(self, job_id: str, *, include_retired: bool = False) -> list[JobDevice]:
        """The job's devices; removed and replaced ones only with ``include_retired``."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT device_id, role, kind, manufacturer, model, firmware, state, transports,"
                " address, port, first_seen, last_seen, status, serial, family FROM job_devices"
                " WHERE job_id = ? AND (? OR status NOT IN ('removed', 'replaced'))"
                " ORDER BY device_id",
                (job.id, int(include_retired)),
            ).fetchall()
        return [
            JobDevice(
                device_id=r[0], role=r[1], kind=r[2], manufacturer=r[3], model=r[4],
                firmware=r[5], state=r[6], transports=tuple(json.loads(r[7])), address=r[8],
                port=r[9], first_seen=r[10], last_seen=r[11], status=r[12], serial=r[13],
                family=r[14],
            )
            for r in rows
        ]

    def steps(self, job_id: str) -> list[Step]:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            return self._raw_steps(conn, job.id)

    def step_count(self, job_id: str) -> int:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            return int(
                conn.execute("SELECT COUNT(*) FROM steps WHERE job_id = ?", (job.id,))
                .fetchone()[0]
            )

    def verify_audit(self, job_id: str) -> AuditResult:
        """Verify the job's hash chain from the raw rows, plus the seal if it is closed."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            steps = self._raw_steps(conn, job.id)
        if job.is_closed and job.sealed_hash is None:
            return AuditResult(ok=False, problem="the job is closed but has no sealed hash")
        result = audit.verify_chain(steps, job.id, sealed_hash=job.sealed_hash)
        anchored = self.anchored_seal(job.id) if job.is_closed else None
        if result.ok and anchored is not None and anchored != job.sealed_hash:
            return AuditResult(
                ok=False,
                problem="the sealed hash in the store does not match the seal kept in the OS "
                f"keyring at closing ({anchored[:16]}...): the log was cut and sealed again",
            )
        return result


def _validated_device(device: JobDevice) -> JobDevice:
    if not isinstance(device, JobDevice):
        raise ValueError("device must be a JobDevice")
    port = device.port
    if port is not None and (isinstance(port, bool) or not 1 <= port <= 65535):
        raise ValueError(f"port {port!r} is out of range")
    transports = tuple(_clean_text("transport", t, limit=16) for t in device.transports)
    return JobDevice(
        device_id=_clean_text("device id", device.device_id, limit=MAX_JOB_NUMBER),
        role=_clean_text("role", device.role, limit=32),
        kind=_clean_text("kind", device.kind, limit=32),
        manufacturer=_clean_text("manufacturer", device.manufacturer, limit=64),
        model=_clean_text("model", device.model, limit=64),
        firmware=_clean_text("firmware", device.firmware, limit=32),
        state=_clean_text("state", device.state, limit=32),
        transports=transports,
        address=_opt_text("address", device.address, limit=64),
        port=port,
        first_seen=_clean_text("first seen", device.first_seen, limit=64),
        last_seen=_clean_text("last seen", device.last_seen, limit=64),
        status=_clean_text("device status", device.status, limit=32),
        family=_clean_text("family", device.family, limit=32),
        serial=_opt_text("serial", device.serial, limit=64),
    )
