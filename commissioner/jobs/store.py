"""The durable job store: one SQLite file per installer laptop (stdlib ``sqlite3`` only).

Durability contract: WAL journal with ``synchronous=FULL``; every write runs in
``BEGIN IMMEDIATE ... COMMIT`` and a method returns only after COMMIT returned, so a returned
call is an acknowledged, durable write. A crash (or SIGKILL) at any point leaves the database
at the last acknowledged write or just after it, never in between.

Thread safety: one connection guarded by a lock (``check_same_thread=False``), so the GUI's
worker loop may call it through ``asyncio.to_thread``. Several processes may open the same file;
``BEGIN IMMEDIATE`` plus a busy timeout serialises their writes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, Self

from commissioner.jobs import audit, schema
from commissioner.jobs.audit import AuditResult
from commissioner.jobs.firmware_models import (
    FIRMWARE_RESULTS,
    FirmwareHistoryEntry,
    FirmwareStatus,
)
from commissioner.jobs.models import (
    JSON,
    SERVICE_LEVELS,
    DeviceGateState,
    Job,
    JobDevice,
    JobLabel,
    JobStatus,
    OwnerInvitation,
    ProvisioningDevice,
    ProvisioningStep,
    Step,
)

if TYPE_CHECKING:
    from commissioner.trust.gate import DeviceVerdict

__all__ = [
    "AuditBrokenError",
    "DeviceNotBlockedError",
    "DeviceNotInJobError",
    "JobClosedError",
    "JobNotFoundError",
    "JobStore",
    "JobStoreError",
    "StoreCorruptError",
    "StoreLockedError",
]

BUSY_TIMEOUT_MS: Final = 10_000
MIN_SQLITE: Final = (3, 37, 0)  # STRICT tables
MAX_TEXT: Final = 200
MAX_JOB_NUMBER: Final = 64
MAX_ACTION: Final = 64
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JOB_ID_RE: Final = re.compile(r"^J[0-9A-HJKMNP-TV-Z]{8}$")
ACTION_RE: Final = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$")
_BIDI_CONTROLS: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                  "\u2066\u2067\u2068\u2069")


class JobStoreError(Exception):
    """Base class of the job store's errors."""


class StoreCorruptError(JobStoreError):
    """The store file failed its integrity check or is not a usable SQLite database."""


class StoreLockedError(JobStoreError):
    """Another process held the store's write lock longer than the busy timeout."""


class JobNotFoundError(JobStoreError, KeyError):
    """No job with that id (or job number)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "job not found"


class JobClosedError(JobStoreError):
    """The job is closed: its record and its log can no longer change."""


class AuditBrokenError(JobStoreError):
    """The job's audit log does not verify; it is not sealed."""

    def __init__(self, result: AuditResult) -> None:
        super().__init__(f"the audit log does not verify: {result.problem}")
        self.result = result


class DeviceNotInJobError(JobStoreError, KeyError):
    """The device is not part of the job (record it from a scan first)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "device not in job"


class DeviceNotBlockedError(JobStoreError):
    """Only a device the gate blocked can be marked to be replaced (there is no override)."""


LABEL_STATUSES: Final = frozenset({"paired", "pending", "mismatch", "unmatched"})
_SHA256_RE: Final = re.compile(r"^[0-9a-f]{64}$")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def normalise_job_id(text: str) -> str:
    """Upper-case a typed job id and map look-alike letters (O→0, I/L→1) as Crockford does."""
    t = text.strip().upper()
    if len(t) == 9 and t[0] == "J":
        t = "J" + t[1:].translate(str.maketrans("OIL", "011"))
    return t


def new_job_id() -> str:
    return "J" + "".join(secrets.choice(_CROCKFORD) for _ in range(8))


def _clean_text(name: str, value: object, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise ValueError(f"{name} must not be empty")
    if len(text) > limit:
        raise ValueError(f"{name} is too long ({len(text)} characters, at most {limit})")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            raise ValueError(f"{name} contains a control character (U+{ord(ch):04X})")
    return text


SECRET_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")


def _secret_name(name: object) -> str:
    """A secret's name, e.g. ``home-ca.key``, ``admin/<device id>``, ``label/<id>/setup-code``."""
    if not isinstance(name, str) or not SECRET_NAME_RE.fullmatch(name):
        raise ValueError(
            "a secret's name must be 1-128 characters of letters, digits and . _ / -"
        )
    return name


def _opt_text(name: str, value: object, *, limit: int = MAX_TEXT) -> str | None:
    return None if value is None else _clean_text(name, value, limit=limit)


class JobStore:
    """The job store. Open with :meth:`open`; use as a context manager or call :meth:`close`."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime]
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = True,
        clock: Callable[[], datetime] = _utc_now,
    ) -> JobStore:
        """Open (and, with ``create``, create) the store at ``path`` and migrate it.

        Raises FileNotFoundError (``create=False`` and no file), StoreCorruptError (integrity
        check failed, not a database), schema.SchemaTooNewError (written by a newer app),
        schema.SchemaError (some other SQLite file), StoreLockedError.
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise JobStoreError(
                f"SQLite {sqlite3.sqlite_version} is too old; the job store needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer"
            )
        path = Path(path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise FileNotFoundError(f"no job store at {path}")
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JobStoreError(f"cannot use WAL journal mode on {path} (got {mode!r})")
            conn.execute("PRAGMA synchronous = FULL")
            # macOS: plain fsync() does not flush the drive's cache; F_FULLFSYNC does.
            conn.execute("PRAGMA fullfsync = ON")
            conn.execute("PRAGMA checkpoint_fullfsync = ON")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA trusted_schema = OFF")
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if [tuple(r) for r in rows] != [("ok",)]:
                problems = "; ".join(" ".join(str(r[0]).split()) for r in rows[:5])
                raise StoreCorruptError(
                    f"the job store {path} failed its integrity check: {problems}"
                )
            schema.migrate(conn)
        except sqlite3.OperationalError as err:
            conn.close()
            if "locked" in str(err) or "busy" in str(err):
                raise StoreLockedError(f"the job store {path} is locked: {err}") from err
            raise StoreCorruptError(f"cannot open the job store {path}: {err}") from err
        except sqlite3.DatabaseError as err:
            conn.close()
            raise StoreCorruptError(
                f"the job store {path} is damaged or not a database: {err}"
            ) from err
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, clock)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def schema_version(self) -> int:
        with self._lock:
            return schema.current_version(self._require())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JobStoreError("the job store is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; leaving the block normally means COMMIT has returned."""
        with self._lock:
            conn = self._require()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                raise StoreLockedError(f"the job store is busy: {err}") from err
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._require()

    # --- jobs ------------------------------------------------------------------------------

    def create_job(
        self,
        *,
        job_number: str,
        site_name: str,
        site_address: str,
        service_level: int,
        operator: str,
    ) -> Job:
        """Create an open job and its 'job.open' step in one transaction."""
        number = _clean_text("job number", job_number, limit=MAX_JOB_NUMBER)
        if JOB_ID_RE.match(normalise_job_id(number)):
            raise ValueError(
                f"job number {number!r} looks like a job id; choose another job number"
            )
        site = _clean_text("site name", site_name)
        address = _clean_text("site address", site_address)
        op = _clean_text("operator", operator)
        if isinstance(service_level, bool) or service_level not in SERVICE_LEVELS:
            raise ValueError(f"service level must be 2 (★★) or 3 (★★★), not {service_level!r}")
        now = _iso(self._clock())
        with self._write() as conn:
            if conn.execute(
                "SELECT 1 FROM jobs WHERE job_number = ?", (number,)
            ).fetchone() is not None:
                raise ValueError(f"job number {number!r} is already in use")
            job_id = new_job_id()
            while conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone():
                job_id = new_job_id()
            conn.execute(
                "INSERT INTO jobs (id, job_number, site_name, site_address, service_level,"
                " operator, status, created_at, updated_at) VALUES (?,?,?,?,?,?,'open',?,?)",
                (job_id, number, site, address, service_level, op, now, now),
            )
            self._append(
                conn, job_id, "job.open",
                {"job_number": number, "service_level": service_level},
                device_id=None, operator=op, at=now,
            )
            return self._job_row(conn, job_id)

    def get_job(self, job_id: str) -> Job:
        with self._read() as conn:
            return self._job_row(conn, normalise_job_id(job_id))

    def find_job(self, id_or_number: str) -> Job:
        """The job with this id, else the job with this job number (case-insensitive)."""
        with self._read() as conn:
            row = conn.execute(
                _SELECT_JOB + "WHERE id = ?", (normalise_job_id(id_or_number),)
            ).fetchone()
            if row is None:
                row = conn.execute(
                    _SELECT_JOB + "WHERE job_number = ?",
                    (id_or_number.strip(),),
                ).fetchone()
            if row is None:
                raise JobNotFoundError(f"no job with id or job number {id_or_number!r}")
            return _job(row)

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
            return step.hash

    # --- devices ---------------------------------------------------------------------------

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
                    status)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (job_id, device_id) DO UPDATE SET
                    role = excluded.role, kind = excluded.kind,
                    manufacturer = excluded.manufacturer, model = excluded.model,
                    serial = COALESCE(excluded.serial, serial), firmware = excluded.firmware,
                    state = excluded.state, transports = excluded.transports,
                    address = excluded.address, port = excluded.port,
                    first_seen = MIN(first_seen, excluded.first_seen),
                    last_seen = MAX(last_seen, excluded.last_seen), status = excluded.status
                """,
                (
                    job.id, d.device_id, d.role, d.kind, d.manufacturer, d.model, d.serial,
                    d.firmware, d.state, json.dumps(list(d.transports)), d.address, d.port,
                    d.first_seen, d.last_seen, d.status,
                ),
            )
            conn.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (now, job.id))

    def devices(self, job_id: str) -> list[JobDevice]:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT device_id, role, kind, manufacturer, model, firmware, state, transports,"
                " address, port, first_seen, last_seen, status, serial FROM job_devices"
                " WHERE job_id = ? ORDER BY device_id",
                (job.id,),
            ).fetchall()
        return [
            JobDevice(
                device_id=r[0], role=r[1], kind=r[2], manufacturer=r[3], model=r[4],
                firmware=r[5], state=r[6], transports=tuple(json.loads(r[7])), address=r[8],
                port=r[9], first_seen=r[10], last_seen=r[11], status=r[12], serial=r[13],
            )
            for r in rows
        ]

    # --- the certified-model gate (schema v2) ----------------------------------------------

    def record_verdict(self, job_id: str, verdict: DeviceVerdict) -> DeviceGateState:
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
    ) -> JobLabel:
        """Store a scanned label's *public* fields (never the setup code) and log
        'label.<status>' (paired, pending, mismatch or unmatched). Scanning the same device's
        label again replaces the earlier record; both scans stay in the log."""
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
                },
                device_id=dev, operator=job.operator, at=now,
            )
        return JobLabel(dev, mf, mn, sn, kd, label_sha256, status, why, now)

    def gate_states(self, job_id: str) -> list[DeviceGateState]:
        """The gate's record of every device of the job, by device id."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                _SELECT_GATE + "WHERE job_id = ? ORDER BY device_id", (job.id,)
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
    def _require_device(conn: sqlite3.Connection, job_id: str, device_id: str) -> None:
        if conn.execute(
            "SELECT 1 FROM job_devices WHERE job_id = ? AND device_id = ?", (job_id, device_id)
        ).fetchone() is None:
            raise DeviceNotInJobError(f"device {device_id!r} is not part of job {job_id}")

    @staticmethod
    def _gate_row(conn: sqlite3.Connection, job_id: str, device_id: str) -> DeviceGateState:
        row = conn.execute(
            _SELECT_GATE + "WHERE job_id = ? AND device_id = ?", (job_id, device_id)
        ).fetchone()
        if row is None:
            raise DeviceNotInJobError(f"device {device_id!r} is not part of job {job_id}")
        return _gate(row)

    # --- secrets (ciphertext only; see commissioner.secrets.vault) ----------------------------

    def put_secret(self, job_id: str, name: str, nonce: bytes, ciphertext: bytes) -> None:
        """Store (or replace) one encrypted secret of an open job; returns after COMMIT.

        The store never sees a plaintext: ``nonce`` and ``ciphertext`` come from the vault.
        Raises JobNotFoundError, JobClosedError, ValueError (bad name or sizes).
        """
        key = _secret_name(name)
        if not isinstance(nonce, bytes) or len(nonce) != 12:
            raise ValueError("a secret's nonce must be 12 bytes")
        if not isinstance(ciphertext, bytes) or len(ciphertext) < 16:
            raise ValueError("a secret's ciphertext must hold at least the 16-byte tag")
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            conn.execute(
                "INSERT INTO secrets (job_id, name, nonce, ciphertext, created_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT (job_id, name) DO UPDATE SET"
                " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
                " created_at = excluded.created_at",
                (job.id, key, nonce, ciphertext, now),
            )

    def get_secret(self, job_id: str, name: str) -> tuple[bytes, bytes] | None:
        """``(nonce, ciphertext)`` of one secret, or None. Closed jobs can still be read."""
        key = _secret_name(name)
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            row = conn.execute(
                "SELECT nonce, ciphertext FROM secrets WHERE job_id = ? AND name = ?",
                (job.id, key),
            ).fetchone()
        if row is None:
            return None
        nonce, ciphertext = row
        if not isinstance(nonce, bytes) or not isinstance(ciphertext, bytes):
            raise StoreCorruptError(f"job {job.id}: secret {key!r} is not stored as bytes")
        return nonce, ciphertext

    def secret_names(self, job_id: str, prefix: str = "") -> list[str]:
        """Names of the job's secrets that start with ``prefix`` (literally), sorted."""
        if not isinstance(prefix, str):
            raise ValueError("prefix must be text")
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT name FROM secrets WHERE job_id = ? AND substr(name, 1, ?) = ?"
                " ORDER BY name",
                (job.id, len(prefix), prefix),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def delete_secrets(self, job_id: str, prefix: str) -> int:
        """Delete the job's secrets whose name starts with ``prefix`` ("" = all of them);
        returns how many. Allowed on closed jobs too, so that a finished job's secrets can
        be purged (SR3-PP-14); the job record and its sealed log stay untouched."""
        if not isinstance(prefix, str):
            raise ValueError("prefix must be text")
        with self._write() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            cur = conn.execute(
                "DELETE FROM secrets WHERE job_id = ? AND substr(name, 1, ?) = ?",
                (job.id, len(prefix), prefix),
            )
            return int(cur.rowcount)

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
            op = job.operator if operator is None else _clean_text("operator", operator)
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

    # --- steps (the audit log) -------------------------------------------------------------

    def append_step(
        self,
        job_id: str,
        action: str,
        detail: Mapping[str, JSON] | None = None,
        *,
        device_id: str | None = None,
        operator: str | None = None,
    ) -> Step:
        """Append one step to an open job's log; returns once it is committed (acknowledged).

        ``detail`` must be JSON-serialisable and must not carry secret-like keys ('secret',
        'password', 'private', 'setup_code', 'token', ...): ValueError otherwise.
        """
        if not isinstance(action, str) or not ACTION_RE.match(action) or len(action) > MAX_ACTION:
            raise ValueError(
                f"action {action!r} must be a short dotted lower-case name like 'identify.ok'"
            )
        detail_json = audit.canonical_detail({} if detail is None else detail)
        dev = _opt_text("device id", device_id, limit=MAX_JOB_NUMBER)
        op = _opt_text("operator", operator)
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._open_job(conn, job_id)
            return self._append_json(
                conn, job.id, action, detail_json,
                device_id=dev, operator=job.operator if op is None else op, at=now,
            )

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
        return audit.verify_chain(steps, job.id, sealed_hash=job.sealed_hash)

    # --- internals -------------------------------------------------------------------------

    def _append(
        self,
        conn: sqlite3.Connection,
        job_id: str,
        action: str,
        detail: Mapping[str, JSON],
        *,
        device_id: str | None,
        operator: str,
        at: str,
    ) -> Step:
        return self._append_json(
            conn, job_id, action, audit.canonical_detail(detail),
            device_id=device_id, operator=operator, at=at,
        )

    @staticmethod
    def _append_json(
        conn: sqlite3.Connection,
        job_id: str,
        action: str,
        detail_json: str,
        *,
        device_id: str | None,
        operator: str,
        at: str,
    ) -> Step:
        last = conn.execute(
            "SELECT idx, hash FROM steps WHERE job_id = ? ORDER BY idx DESC LIMIT 1", (job_id,)
        ).fetchone()
        idx, prev = (0, audit.genesis_hash(job_id)) if last is None else (last[0] + 1, last[1])
        digest = audit.step_hash(
            job_id=job_id, idx=idx, at=at, operator=operator, device_id=device_id,
            action=action, detail_json=detail_json, prev_hash=prev,
        )
        cur = conn.execute(
            "INSERT INTO steps (job_id, idx, at, operator, device_id, action, detail,"
            " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
            (job_id, idx, at, operator, device_id, action, detail_json, prev, digest),
        )
        conn.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (at, job_id))
        return Step(
            seq=int(cur.lastrowid or 0), job_id=job_id, idx=idx, at=at, operator=operator,
            device_id=device_id, action=action, detail_json=detail_json, prev_hash=prev,
            hash=digest,
        )

    @staticmethod
    def _raw_steps(conn: sqlite3.Connection, job_id: str) -> list[Step]:
        rows = conn.execute(
            "SELECT seq, job_id, idx, at, operator, device_id, action, detail, prev_hash, hash"
            " FROM steps WHERE job_id = ? ORDER BY idx, seq",
            (job_id,),
        ).fetchall()
        return [
            Step(
                seq=r[0], job_id=r[1], idx=r[2], at=r[3], operator=r[4], device_id=r[5],
                action=r[6], detail_json=r[7], prev_hash=r[8], hash=r[9],
            )
            for r in rows
        ]

    @staticmethod
    def _job_row(conn: sqlite3.Connection, job_id: str) -> Job:
        row = conn.execute(_SELECT_JOB + "WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"no job with id {job_id!r}")
        return _job(row)

    def _open_job(self, conn: sqlite3.Connection, job_id: str) -> Job:
        job = self._job_row(conn, normalise_job_id(job_id))
        if job.is_closed:
            raise JobClosedError(f"job {job.id} ({job.job_number}) is closed and cannot change")
        return job


_PROVISIONING_STATUSES: Final = frozenset({"pending", "in-progress", "provisioned", "failed"})
_STEP_RE: Final = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


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


_SELECT_JOB: Final = (
    "SELECT id, job_number, site_name, site_address, service_level, operator, status,"
    " created_at, updated_at, closed_at, sealed_hash, catalog_version, catalog_refreshed_at"
    " FROM jobs "
)


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


def _job(row: tuple[object, ...] | sqlite3.Row) -> Job:
    r = tuple(row)
    status = r[6]
    if status not in ("open", "closed"):
        raise StoreCorruptError(f"job {r[0]!r} has an unknown status {status!r}")
    return Job(
        id=str(r[0]), job_number=str(r[1]), site_name=str(r[2]), site_address=str(r[3]),
        service_level=int(str(r[4])), operator=str(r[5]),
        status="open" if status == "open" else "closed",
        created_at=str(r[7]), updated_at=str(r[8]),
        closed_at=None if r[9] is None else str(r[9]),
        sealed_hash=None if r[10] is None else str(r[10]),
        catalog_version=None if r[11] is None else str(r[11]),
        catalog_refreshed_at=None if r[12] is None else str(r[12]),
    )


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
        serial=_opt_text("serial", device.serial, limit=64),
    )
