"""Job-store records of firmware updates (schema v5): status and history (R2-8)."""


from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from commissioner.jobs.firmware_models import (
    FIRMWARE_RESULTS,
    FirmwareHistoryEntry,
    FirmwareStatus,
)
from commissioner.jobs.models import (
    JSON,
)

if TYPE_CHECKING:
    pass

from commissioner.jobs.store_core import (
    _SHA256_RE,
    MAX_JOB_NUMBER,
    StoreCore,
    _clean_text,
    _iso,
    _opt_text,
    normalise_job_id,
)


class FirmwareRecords(StoreCore):
    # --- firmware (schema v5) ---------------------------------------------------------------

    def record_firmware_status(
        self,
        job_id: str,
        *,
        device_id: str,
        model: str,
        version: str,
        latest: str | None,
        vulnerable: bool,
    ) -> FirmwareStatus:
        """Record the version a device runs, as read over its attested TLS connection; also
        the job device's ``firmware``. Logs 'firmware.checked' when the version changed."""
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        mn = _clean_text("model", model, limit=64)
        ver = _clean_text("version", version, limit=32)
        lat = _opt_text("latest", latest, limit=32)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_device(conn, job.id, dev)
            before = conn.execute(
                "SELECT version FROM firmware_status WHERE job_id = ? AND device_id = ?",
                (job.id, dev),
            ).fetchone()
            conn.execute(
                "INSERT INTO firmware_status (job_id, device_id, model, version, latest,"
                " vulnerable, verified_at) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT (job_id, device_id) DO UPDATE SET model = excluded.model,"
                " version = excluded.version, latest = excluded.latest,"
                " vulnerable = excluded.vulnerable, verified_at = excluded.verified_at",
                (job.id, dev, mn, ver, lat, 1 if vulnerable else 0, now),
            )
            conn.execute(
                "UPDATE job_devices SET firmware = ? WHERE job_id = ? AND device_id = ?",
                (ver, job.id, dev),
            )
            if before is None or before[0] != ver:
                self._append(
                    conn, job.id, "firmware.checked",
                    {"model": mn, "version": ver, "latest": lat, "vulnerable": bool(vulnerable)},
                    device_id=dev, operator=job.operator, at=now,
                )
        return FirmwareStatus(dev, mn, ver, lat, bool(vulnerable), now)

    def record_firmware_update(
        self,
        job_id: str,
        *,
        device_id: str,
        model: str,
        from_version: str,
        to_version: str,
        result: str,
        reason: str | None,
        image_sha256: str,
        catalog_version: int | str,
        detail: Mapping[str, JSON] | None = None,
        operator: str | None = None,
    ) -> FirmwareHistoryEntry:
        """Append one update attempt to the device's firmware history (R2-8) and log
        'firmware.<result>' in the same transaction."""
        if result not in FIRMWARE_RESULTS:
            raise ValueError(f"result must be one of {sorted(FIRMWARE_RESULTS)}")
        if not isinstance(image_sha256, str) or not _SHA256_RE.match(image_sha256):
            raise ValueError("image_sha256 must be 64 lower-case hex digits")
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        mn = _clean_text("model", model, limit=64)
        fv = _clean_text("from version", from_version, limit=32)
        tv = _clean_text("to version", to_version, limit=32)
        why = _opt_text("reason", reason, limit=1000)
        cat = _clean_text("catalog version", str(catalog_version), limit=64)
        extra = dict(detail or {})
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_device(conn, job.id, dev)
            op = self.acting_operator or (
                job.operator if operator is None else _clean_text("operator", operator))
            cur = conn.execute(
                "INSERT INTO firmware_history (job_id, device_id, model, from_version,"
                " to_version, result, reason, image_sha256, catalog_version, operator, at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (job.id, dev, mn, fv, tv, result, why, image_sha256, cat, op, now),
            )
            self._append(
                conn, job.id, f"firmware.{result}",
                {**extra, "model": mn, "from_version": fv, "to_version": tv, "reason": why,
                 "image_sha256": image_sha256, "catalog_version": cat},
                device_id=dev, operator=op, at=now,
            )
            return FirmwareHistoryEntry(int(cur.lastrowid or 0), dev, mn, fv, tv, result, why,
                                        image_sha256, cat, op, now)

    def firmware_history(
        self, job_id: str, device_id: str | None = None
    ) -> list[FirmwareHistoryEntry]:
        """The job's firmware update history, oldest first (optionally one device)."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            sql = (
                "SELECT seq, device_id, model, from_version, to_version, result, reason,"
                " image_sha256, catalog_version, operator, at FROM firmware_history"
                " WHERE job_id = ?"
            )
            args: tuple[str, ...] = (job.id,)
            if device_id is not None:
                sql += " AND device_id = ?"
                args = (job.id, device_id)
            rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
        return [
            FirmwareHistoryEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                                 str(r[5]), None if r[6] is None else str(r[6]), str(r[7]),
                                 str(r[8]), str(r[9]), str(r[10]))
            for r in rows
        ]

    def firmware_statuses(self, job_id: str) -> list[FirmwareStatus]:
        """Verified running versions of the job's devices, by device id."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT device_id, model, version, latest, vulnerable, verified_at"
                " FROM firmware_status WHERE job_id = ? ORDER BY device_id",
                (job.id,),
            ).fetchall()
        return [
            FirmwareStatus(str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3]),
                           bool(r[4]), str(r[5]))
            for r in rows
        ]
