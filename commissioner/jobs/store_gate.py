"""Job-store records of the certified-model gate (schema v2): verdicts, replacement marks and
labels."""


from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Final, Protocol

from commissioner.jobs.models import (
    DeviceGateState,
    JobLabel,
)
from commissioner.jobs.store_core import (
    _SHA256_RE,
    LABEL_SOURCES,
    LABEL_STATUSES,
    MAX_JOB_NUMBER,
    RETIRED_STATUSES,
    StoreCore,
    _clean_text,
    _iso,
    _opt_text,
    normalise_job_id,
)
from commissioner.jobs.store_errors import (
    DeviceNotBlockedError,
    DeviceNotInJobError,
    StoreCorruptError,
)


class VerdictRecord(Protocol):
    """What the store keeps of a gate verdict (the gate's ``DeviceVerdict`` is one)."""

    @property
    def device_id(self) -> str: ...
    @property
    def verdict(self) -> object: ...
    @property
    def reason(self) -> str: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def blocked(self) -> bool: ...
    @property
    def attested(self) -> bool: ...
    @property
    def manufacturer(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def serial(self) -> str | None: ...
    @property
    def advertised_model(self) -> str: ...
    @property
    def chain(self) -> Sequence[str] | None: ...
    @property
    def cert_fingerprint(self) -> str | None: ...
    @property
    def catalog_version(self) -> int: ...
    @property
    def checked_at(self) -> datetime: ...
    @property
    def role(self) -> str: ...


class GateRecords(StoreCore):
    # --- the certified-model gate (schema v2) ----------------------------------------------

    def record_verdict(self, job_id: str, verdict: VerdictRecord) -> DeviceGateState:
        """Store the gate's verdict on a job device and log a 'gate.verdict' step (one
        transaction). A device that is no longer blocked loses its "to be replaced" mark."""
        device_id = _clean_text("device id", verdict.device_id, limit=MAX_JOB_NUMBER)
        reason = _clean_text("verdict reason", verdict.reason, limit=1000)
        chain = None if verdict.chain is None else json.dumps(list(verdict.chain))
        checked = _iso(verdict.checked_at)
        catalog_version = str(int(verdict.catalog_version))
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_device(conn, job.id, device_id)
            blocked = 1 if verdict.blocked else 0
            conn.execute(
                """
                UPDATE job_devices SET verdict = ?, verdict_reason = ?, verdict_code = ?,
                    blocked = ?, serial = COALESCE(?, serial), attested_manufacturer = ?,
                    attested_model = ?, advertised_model = ?, cert_fingerprint = ?, chain = ?,
                    checked_at = ?, catalog_version = ?,
                    replace_flag = CASE WHEN ? = 1 THEN replace_flag ELSE 0 END,
                    replace_reason = CASE WHEN ? = 1 THEN replace_reason ELSE NULL END
                WHERE job_id = ? AND device_id = ?
                """,
                (
                    str(verdict.verdict), reason, verdict.reason_code or None, blocked,
                    verdict.serial if verdict.attested else None,
                    verdict.manufacturer if verdict.attested else None,
                    verdict.model if verdict.attested else None,
                    verdict.advertised_model or None, verdict.cert_fingerprint, chain, checked,
                    catalog_version, blocked, blocked, job.id, device_id,
                ),
            )
            self._append(
                conn, job.id, "gate.verdict",
                {
                    "verdict": str(verdict.verdict),
                    "blocked": bool(verdict.blocked),
                    "reason": reason,
                    "reason_code": verdict.reason_code or None,
                    "role": verdict.role,
                    "manufacturer": verdict.manufacturer,
                    "model": verdict.model,
                    "advertised_model": verdict.advertised_model,
                    "serial": verdict.serial,
                    "attested": bool(verdict.attested),
                    "cert_fingerprint": verdict.cert_fingerprint,
                    "catalog_version": catalog_version,
                    "checked_at": checked,
                },
                device_id=device_id, operator=job.operator, at=now,
            )
            return self._gate_row(conn, job.id, device_id)

    def mark_to_replace(self, job_id: str, device_id: str, reason: str) -> DeviceGateState:
        """Mark a *blocked* device "to be replaced" with the installer's reason and log
        'gate.replace'. Refuses (DeviceNotBlockedError) a device that is certified or not yet
        checked: there is no way to override the gate."""
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        why = _clean_text("reason", reason, limit=500)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_device(conn, job.id, dev)
            state = self._gate_row(conn, job.id, dev)
            if state.verdict is None:
                raise DeviceNotBlockedError(
                    f"device {dev} has not been checked by the gate yet; run certify first"
                )
            if not state.blocked:
                raise DeviceNotBlockedError(
                    f"device {dev} is {state.verdict}, not blocked; only a blocked device can "
                    "be marked to be replaced"
                )
            conn.execute(
                "UPDATE job_devices SET replace_flag = 1, replace_reason = ?"
                " WHERE job_id = ? AND device_id = ?",
                (why, job.id, dev),
            )
            self._append(
                conn, job.id, "gate.replace",
                {"reason": why, "verdict": state.verdict, "verdict_reason": state.verdict_reason},
                device_id=dev, operator=job.operator, at=now,
            )
            return self._gate_row(conn, job.id, dev)

    def retire_device(
        self, job_id: str, device_id: str, *, status: str, reason: str,
        detail: dict[str, str] | None = None,
    ) -> None:
        """Take a device out of the set the job hands over: ``status`` "removed" (it left the
        home) or "replaced" (a new unit took its place; ``detail`` names it), with the
        installer's reason, logged as 'device.<status>' in the same transaction. A retired
        device keeps its status when a scan records it again."""
        if status not in RETIRED_STATUSES:
            raise ValueError(f"status must be one of {sorted(RETIRED_STATUSES)}")
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        why = _clean_text("reason", reason, limit=500)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_device(conn, job.id, dev)
            conn.execute(
                "UPDATE job_devices SET status = ?, replace_flag = 0, replace_reason = NULL"
                " WHERE job_id = ? AND device_id = ?", (status, job.id, dev))
            self._append(conn, job.id, f"device.{status}", {"reason": why, **(detail or {})},
                         device_id=dev, operator=job.operator, at=now)
            conn.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (now, job.id))

    def record_label(
        self,
        job_id: str,
        *,
        device_id: str,
        manufacturer: str,
        model: str,
        serial: str,
        kind: str,
        label_sha256: str,
        status: str,
        reason: str | None = None,
        source: str | None = None,
    ) -> JobLabel:
        """Store a scanned label's *public* fields (never the setup code) and log
        'label.<status>' (paired, pending, mismatch or unmatched). Scanning the same device's
        label again replaces the earlier record; both scans stay in the log. ``source`` says
        how the label was obtained (one of LABEL_SOURCES), logged with it."""
        if source is not None and source not in LABEL_SOURCES:
            raise ValueError(f"label source must be one of {sorted(LABEL_SOURCES)}")
        if status not in LABEL_STATUSES:
            raise ValueError(f"label status must be one of {sorted(LABEL_STATUSES)}")
        if not isinstance(label_sha256, str) or not _SHA256_RE.match(label_sha256):
            raise ValueError("label_sha256 must be 64 lower-case hex digits")
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        mf = _clean_text("manufacturer", manufacturer, limit=64)
        mn = _clean_text("model", model, limit=64)
        sn = _clean_text("serial", serial, limit=64)
        kd = _clean_text("kind", kind, limit=32)
        why = _opt_text("reason", reason, limit=1000)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            conn.execute(
                """
                INSERT INTO job_labels (job_id, device_id, manufacturer, model, serial, kind,
                    label_sha256, status, reason, scanned_at)
                VALUES (?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (job_id, device_id) DO UPDATE SET
                    manufacturer = excluded.manufacturer, model = excluded.model,
                    serial = excluded.serial, kind = excluded.kind,
                    label_sha256 = excluded.label_sha256, status = excluded.status,
                    reason = excluded.reason, scanned_at = excluded.scanned_at
                """,
                (job.id, dev, mf, mn, sn, kd, label_sha256, status, why, now),
            )
            if status != "unmatched":
                conn.execute(
                    "UPDATE job_devices SET label_status = ? WHERE job_id = ? AND device_id = ?",
                    (status, job.id, dev),
                )
            self._append(
                conn, job.id, f"label.{status}",
                {
                    "manufacturer": mf, "model": mn, "serial": sn, "kind": kd,
                    "label_sha256": label_sha256, "reason": why,
                    **({"source": source} if source is not None else {}),
                },
                device_id=dev, operator=job.operator, at=now,
            )
        return JobLabel(dev, mf, mn, sn, kd, label_sha256, status, why, now)

    def gate_states(self, job_id: str, *, include_retired: bool = False
                    ) -> list[DeviceGateState]:
        """The gate's record of every device of the job, by device id (removed and replaced
        devices only with ``include_retired``)."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                _SELECT_GATE + "WHERE job_id = ? AND (? OR status NOT IN ('removed', 'replaced'))"
                " ORDER BY device_id", (job.id, int(include_retired))
            ).fetchall()
        return [_gate(r) for r in rows]

    def gate_state(self, job_id: str, device_id: str) -> DeviceGateState:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            self._require_device(conn, job.id, device_id)
            return self._gate_row(conn, job.id, device_id)

    def labels(self, job_id: str) -> list[JobLabel]:
        """Labels scanned for the job (public fields only), by device id."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT device_id, manufacturer, model, serial, kind, label_sha256, status,"
                " reason, scanned_at FROM job_labels WHERE job_id = ? ORDER BY device_id",
                (job.id,),
            ).fetchall()
        return [
            JobLabel(
                device_id=r[0], manufacturer=r[1], model=r[2], serial=r[3], kind=r[4],
                label_sha256=r[5], status=r[6], reason=r[7], scanned_at=r[8],
            )
            for r in rows
        ]

    @staticmethod
    def _gate_row(conn: sqlite3.Connection, job_id: str, device_id: str) -> DeviceGateState:
        row = conn.execute(
            _SELECT_GATE + "WHERE job_id = ? AND device_id = ?", (job_id, device_id)
        ).fetchone()
        if row is None:
            raise DeviceNotInJobError(f"device {device_id!r} is not part of job {job_id}")
        return _gate(row)


_SELECT_GATE: Final = (
    "SELECT device_id, verdict, verdict_reason, verdict_code, blocked, serial,"
    " attested_manufacturer, attested_model, advertised_model, cert_fingerprint, chain,"
    " checked_at, catalog_version, label_status, replace_flag, replace_reason"
    " FROM job_devices "
)


def _gate(row: tuple[object, ...] | sqlite3.Row) -> DeviceGateState:
    r = tuple(row)

    def opt(value: object) -> str | None:
        return None if value is None else str(value)

    chain: tuple[str, ...] | None = None
    if r[10] is not None:
        parsed = json.loads(str(r[10]))
        if not isinstance(parsed, list):
            raise StoreCorruptError(f"device {r[0]!r}: stored chain is not a list")
        chain = tuple(str(x) for x in parsed)
    return DeviceGateState(
        device_id=str(r[0]), verdict=opt(r[1]), verdict_reason=opt(r[2]),
        verdict_code=opt(r[3]), blocked=None if r[4] is None else bool(r[4]),
        serial=opt(r[5]), attested_manufacturer=opt(r[6]), attested_model=opt(r[7]),
        advertised_model=opt(r[8]), cert_fingerprint=opt(r[9]), chain=chain,
        checked_at=opt(r[11]), catalog_version=opt(r[12]), label_status=str(r[13]),
        replace_flag=bool(r[14]), replace_reason=opt(r[15]),
    )
