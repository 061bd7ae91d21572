"""Job-store records of provisioning (schema v4): intent before action, owner invitations."""


from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from commissioner.jobs import audit
from commissioner.jobs.models import (
    JSON,
    OwnerInvitation,
    ProvisioningDevice,
    ProvisioningStep,
)

if TYPE_CHECKING:
    pass

from commissioner.jobs.store_core import (
    _PROVISIONING_STATUSES,
    _SHA256_RE,
    _STEP_RE,
    MAX_JOB_NUMBER,
    StoreCore,
    _clean_text,
    _iso,
    _opt_text,
    normalise_job_id,
)
from commissioner.jobs.store_errors import DeviceNotInJobError


class ProvisioningRecords(StoreCore):
    # --- provisioning (schema v4): intent before action ------------------------------------

    def provision_intent(
        self, job_id: str, device_id: str, step: str, detail: Mapping[str, JSON] | None = None
    ) -> ProvisioningStep:
        """Commit the intent to perform ``step`` on ``device_id`` (before the device is asked).

        One row per (device, step): the first intent logs 'provision.intent'; an intent that
        was never confirmed (crash, retry) bumps ``attempts`` and logs 'provision.retry'; a
        step that was done and is performed again (its content changed, e.g. a longer
        allow-list) logs 'provision.redo'. ``detail`` must not hold a secret."""
        name = _step_name(step)
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        detail_json = audit.canonical_detail({} if detail is None else detail)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            row = conn.execute(
                "SELECT status, attempts FROM provisioning_steps"
                " WHERE job_id = ? AND device_id = ? AND step = ?",
                (job.id, dev, name),
            ).fetchone()
            if row is None:
                attempts, action = 1, "provision.intent"
                conn.execute(
                    "INSERT INTO provisioning_steps (job_id, device_id, step, status, attempts,"
                    " detail, intent_at) VALUES (?,?,?,'intent',1,?,?)",
                    (job.id, dev, name, detail_json, now),
                )
            else:
                attempts = int(row[1]) + 1
                action = "provision.retry" if row[0] == "intent" else "provision.redo"
                conn.execute(
                    "UPDATE provisioning_steps SET status = 'intent', attempts = ?, detail = ?,"
                    " intent_at = ?, done_at = NULL WHERE job_id = ? AND device_id = ?"
                    " AND step = ?",
                    (attempts, detail_json, now, job.id, dev, name),
                )
            log_detail = dict(json.loads(detail_json))
            log_detail.update({"step": name, "attempt": attempts})
            self._append(conn, job.id, action, log_detail, device_id=dev,
                         operator=job.operator, at=now)
            return self._provisioning_step_row(conn, job.id, dev, name)

    def provision_done(
        self, job_id: str, device_id: str, step: str, detail: Mapping[str, JSON] | None = None
    ) -> ProvisioningStep:
        """Mark an intended step done (the device confirmed it) and log 'provision.done'.
        A step that is already done is left as it is (no second log entry). Refuses a step
        without a committed intent (ValueError): every action has its intent first."""
        name = _step_name(step)
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        extra = audit.canonical_detail({} if detail is None else detail)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            row = conn.execute(
                "SELECT status, attempts, detail FROM provisioning_steps"
                " WHERE job_id = ? AND device_id = ? AND step = ?",
                (job.id, dev, name),
            ).fetchone()
            if row is None:
                raise ValueError(f"step {name} of {dev} has no committed intent")
            if row[0] != "done":
                merged = dict(json.loads(str(row[2])))
                merged.update(json.loads(extra))
                merged_json = audit.canonical_detail(merged)
                conn.execute(
                    "UPDATE provisioning_steps SET status = 'done', done_at = ?, detail = ?"
                    " WHERE job_id = ? AND device_id = ? AND step = ?",
                    (now, merged_json, job.id, dev, name),
                )
                log_detail = dict(json.loads(extra))
                log_detail.update({"step": name, "attempt": int(row[1])})
                self._append(conn, job.id, "provision.done", log_detail, device_id=dev,
                             operator=job.operator, at=now)
            return self._provisioning_step_row(conn, job.id, dev, name)

    def provisioning_steps(
        self, job_id: str, device_id: str | None = None
    ) -> list[ProvisioningStep]:
        """The job's provisioning step rows (optionally of one device)."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            sql = _SELECT_PSTEP + "WHERE job_id = ?"
            args: tuple[str, ...] = (job.id,)
            if device_id is not None:
                sql += " AND device_id = ?"
                args = (job.id, device_id)
            rows = conn.execute(sql + " ORDER BY device_id, intent_at, step", args).fetchall()
        return [_pstep(r) for r in rows]

    def set_provisioning_status(
        self,
        job_id: str,
        device_id: str,
        *,
        role: str,
        status: str,
        reason_code: str | None = None,
        reason: str | None = None,
        action: str | None = None,
    ) -> ProvisioningDevice:
        """Set a device's provisioning status; a change to 'provisioned' or 'failed' (or a
        new failure reason) is logged as 'provision.<status>'."""
        if status not in _PROVISIONING_STATUSES:
            raise ValueError(f"provisioning status must be one of {sorted(_PROVISIONING_STATUSES)}")
        if role not in ("device", "gateway"):
            raise ValueError("role must be 'device' or 'gateway'")
        dev = _clean_text("device id", device_id, limit=MAX_JOB_NUMBER)
        code = _opt_text("reason code", reason_code, limit=64)
        why = _opt_text("reason", reason, limit=1000)
        todo = _opt_text("action", action, limit=1000)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            before = conn.execute(
                "SELECT status, reason_code FROM provisioning_devices"
                " WHERE job_id = ? AND device_id = ?",
                (job.id, dev),
            ).fetchone()
            conn.execute(
                """
                INSERT INTO provisioning_devices (job_id, device_id, role, status, reason_code,
                    reason, action, updated_at)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT (job_id, device_id) DO UPDATE SET
                    role = excluded.role, status = excluded.status,
                    reason_code = excluded.reason_code, reason = excluded.reason,
                    action = excluded.action, updated_at = excluded.updated_at
                """,
                (job.id, dev, role, status, code, why, todo, now),
            )
            changed = before is None or before[0] != status or before[1] != code
            if changed and status in ("provisioned", "failed"):
                self._append(
                    conn, job.id, f"provision.{status}",
                    {"role": role, "reason_code": code, "reason": why, "action": todo},
                    device_id=dev, operator=job.operator, at=now,
                )
            return self._provisioning_device_row(conn, job.id, dev)

    def set_operational_certificate(
        self, job_id: str, device_id: str, certificate_pem: str, fingerprint: str
    ) -> None:
        """Record the operational certificate issued to a device (public data)."""
        if not isinstance(fingerprint, str) or not _SHA256_RE.match(fingerprint):
            raise ValueError("fingerprint must be 64 lower-case hex digits")
        if not isinstance(certificate_pem, str) or not certificate_pem.startswith(
            "-----BEGIN CERTIFICATE-----"
        ) or len(certificate_pem) > 16384:
            raise ValueError("certificate must be one PEM certificate")
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_provisioning_device(conn, job.id, device_id)
            conn.execute(
                "UPDATE provisioning_devices SET operational_cert = ?,"
                " operational_fingerprint = ?, updated_at = ? WHERE job_id = ? AND device_id = ?",
                (certificate_pem, fingerprint, now, job.id, device_id),
            )

    def set_gateway_auth(
        self, job_id: str, device_id: str, authenticated: bool, reason: str | None
    ) -> None:
        """Record whether the gateway authenticated the device (SR2-H-2)."""
        why = _opt_text("reason", reason, limit=200)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            self._require_provisioning_device(conn, job.id, device_id)
            conn.execute(
                "UPDATE provisioning_devices SET gateway_auth = ?, gateway_auth_reason = ?,"
                " updated_at = ? WHERE job_id = ? AND device_id = ?",
                (1 if authenticated else 0, why, now, job.id, device_id),
            )

    def provisioning_devices(self, job_id: str) -> list[ProvisioningDevice]:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                _SELECT_PDEV + "WHERE job_id = ? ORDER BY device_id", (job.id,)
            ).fetchall()
        return [_pdev(r) for r in rows]

    def add_owner_invitation(
        self, job_id: str, *, invitation_id: str, gateway_id: str, epoch: int, expires_at: int
    ) -> OwnerInvitation:
        """Record a new active owner invitation (its token goes to the vault) and log
        'owner.invitation'."""
        inv = _clean_text("invitation id", invitation_id, limit=64)
        gw = _clean_text("gateway id", gateway_id, limit=MAX_JOB_NUMBER)
        for what, value in (("epoch", epoch), ("expiry", expires_at)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{what} must be a positive integer")
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            conn.execute(
                "INSERT INTO owner_invitations (job_id, invitation_id, gateway_id, epoch,"
                " expires_at, status, created_at) VALUES (?,?,?,?,?,'active',?)",
                (job.id, inv, gw, epoch, expires_at, now),
            )
            self._append(
                conn, job.id, "owner.invitation",
                {"invitation_id": inv, "epoch": epoch, "expires_at": expires_at},
                device_id=gw, operator=job.operator, at=now,
            )
        return OwnerInvitation(inv, gw, epoch, expires_at, "active", now, None)

    def revoke_owner_invitations(self, job_id: str, *, below_epoch: int) -> int:
        """Revoke every active invitation of an epoch below ``below_epoch``; logs
        'owner.revoke' when any was revoked. Returns how many."""
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            ids = [str(r[0]) for r in conn.execute(
                "SELECT invitation_id FROM owner_invitations WHERE job_id = ? AND"
                " status = 'active' AND epoch < ? ORDER BY invitation_id",
                (job.id, below_epoch),
            ).fetchall()]
            if ids:
                conn.execute(
                    "UPDATE owner_invitations SET status = 'revoked', revoked_at = ?"
                    " WHERE job_id = ? AND status = 'active' AND epoch < ?",
                    (now, job.id, below_epoch),
                )
                self._append(
                    conn, job.id, "owner.revoke",
                    {"invitations": list(ids), "new_epoch": below_epoch},
                    device_id=None, operator=job.operator, at=now,
                )
            return len(ids)

    def owner_invitations(self, job_id: str) -> list[OwnerInvitation]:
        """The job's owner invitations, oldest first."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT invitation_id, gateway_id, epoch, expires_at, status, created_at,"
                " revoked_at FROM owner_invitations WHERE job_id = ?"
                " ORDER BY epoch, created_at",
                (job.id,),
            ).fetchall()
        return [
            OwnerInvitation(str(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5]),
                            None if r[6] is None else str(r[6]))
            for r in rows
        ]

    @staticmethod
    def _require_provisioning_device(
        conn: sqlite3.Connection, job_id: str, device_id: str
    ) -> None:
        if conn.execute(
            "SELECT 1 FROM provisioning_devices WHERE job_id = ? AND device_id = ?",
            (job_id, device_id),
        ).fetchone() is None:
            raise DeviceNotInJobError(
                f"device {device_id!r} has no provisioning record in job {job_id}"
            )

    @staticmethod
    def _provisioning_step_row(
        conn: sqlite3.Connection, job_id: str, device_id: str, step: str
    ) -> ProvisioningStep:
        row = conn.execute(
            _SELECT_PSTEP + "WHERE job_id = ? AND device_id = ? AND step = ?",
            (job_id, device_id, step),
        ).fetchone()
        return _pstep(row)

    @staticmethod
    def _provisioning_device_row(
        conn: sqlite3.Connection, job_id: str, device_id: str
    ) -> ProvisioningDevice:
        row = conn.execute(
            _SELECT_PDEV + "WHERE job_id = ? AND device_id = ?", (job_id, device_id)
        ).fetchone()
        return _pdev(row)


def _step_name(step: object) -> str:
    if not isinstance(step, str) or not _STEP_RE.match(step):
        raise ValueError("a provisioning step is a short lower-case name like 'acl'")
    return step


_SELECT_PSTEP: Final = (
    "SELECT device_id, step, status, attempts, detail, intent_at, done_at"
    " FROM provisioning_steps "
)
_SELECT_PDEV: Final = (
    "SELECT device_id, role, status, reason_code, reason, action, operational_cert,"
    " operational_fingerprint, gateway_auth, gateway_auth_reason, updated_at"
    " FROM provisioning_devices "
)


def _pstep(row: tuple[object, ...] | sqlite3.Row) -> ProvisioningStep:
    r = tuple(row)
    return ProvisioningStep(
        device_id=str(r[0]), step=str(r[1]), status=str(r[2]), attempts=int(str(r[3])),
        detail_json=str(r[4]), intent_at=str(r[5]), done_at=None if r[6] is None else str(r[6]),
    )


def _pdev(row: tuple[object, ...] | sqlite3.Row) -> ProvisioningDevice:
    r = tuple(row)

    def opt(value: object) -> str | None:
        return None if value is None else str(value)

    return ProvisioningDevice(
        device_id=str(r[0]), role=str(r[1]), status=str(r[2]), reason_code=opt(r[3]),
        reason=opt(r[4]), action=opt(r[5]), operational_cert=opt(r[6]),
        operational_fingerprint=opt(r[7]), gateway_auth=None if r[8] is None else bool(r[8]),
        gateway_auth_reason=opt(r[9]), updated_at=str(r[10]),
    )




