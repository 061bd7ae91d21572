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

import contextlib
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
from typing import Final, Self

from commissioner import paths
from commissioner.jobs import audit, schema, store_anchor
from commissioner.jobs.models import (
    JSON,
    SERVICE_LEVELS,
    Job,
    Step,
)
from commissioner.jobs.store_anchor import AnchoredStore, StoreAnchor
from commissioner.jobs.store_errors import (
    DeviceNotInJobError,
    JobClosedError,
    JobNotFoundError,
    JobStoreError,
    StoreCorruptError,
    StoreLockedError,
    _disk_state,
    _fault_from_os,
    _read_only,
    _storage_fault,
)
from commissioner.version import app_version as current_app_version

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


RETIRED_STATUSES: Final = frozenset({"removed", "replaced"})  # out of the handed-over set
# How a label reached the job: a QR scanner, typed by hand, read from a photo of the label, or
# read from a training home's folder because the trainer asked for it (never in the field).
LABEL_SOURCES: Final = frozenset({"scanned", "typed", "image", "training-auto"})
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


def _make_store_private(path: Path) -> None:
    """The store file 0600 before anything is written to it (``connect`` created it with the
    umask's mode). SQLite gives its -wal and -shm files the database file's mode; ones left
    by an older app are tightened too."""
    try:
        paths.make_private_dir(path.parent)
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
            paths.make_private_file(path.with_name(name))
    except OSError as err:
        raise _fault_from_os(err, path) from err


class StoreCore:
    """Connection, transactions, jobs, devices and the step log; the record mixins build on it."""

    """The job store. Open with :meth:`open`; use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        clock: Callable[[], datetime],
        anchor: StoreAnchor | None = None,
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._anchor = anchor
        # Set by the application layer from the signed-in operator: every entry this handle
        # appends names that account, and the secret vault asks release_source for the key
        # that unwraps per-job keys (see commissioner.secrets.vault).
        self.acting_operator: str | None = None
        self.release_source: Callable[[], object] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = True,
        clock: Callable[[], datetime] = _utc_now,
        anchor: StoreAnchor | None = None,
    ) -> Self:
        """Open (and, with ``create``, create) the store at ``path`` and migrate it.

        With ``anchor`` (the OS keyring in the product) the store's identity and generation
        are checked against the ones kept outside the file, and closed jobs' seals are
        anchored there (:mod:`commissioner.jobs.store_anchor`).

        Raises FileNotFoundError (``create=False`` and no file), StoreLostError (an empty
        file; with an anchor also a vanished, replaced or older store), StoreCorruptError
        (integrity check failed, not a database), schema.SchemaTooNewError (written by a newer
        app), schema.SchemaError (some other SQLite file), StoreLockedError, StoreFullError,
        StoreReadOnlyError.
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise JobStoreError(
                f"SQLite {sqlite3.sqlite_version} is too old; the job store needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer"
            )
        path = Path(path)
        anchored = None if anchor is None else store_anchor.load(anchor, path)
        store_anchor.check_before_open(path, anchored, create=create)
        if create:
            try:
                paths.make_private_dir(path.parent)  # the data folder: 0700
            except OSError as err:
                raise _fault_from_os(err, path) from err
        elif not path.exists():
            raise FileNotFoundError(f"no job store at {path}")
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            _make_store_private(path)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                if _disk_state(path) == "read-only":
                    raise _read_only(path)
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
            found = store_anchor.read_meta(conn)
        except sqlite3.OperationalError as err:
            conn.close()
            if "locked" in str(err) or "busy" in str(err):
                raise StoreLockedError(f"the job store {path} is locked: {err}") from err
            fault = _storage_fault(err, path)
            if fault is not None:
                raise fault from err
            raise StoreCorruptError(f"cannot open the job store {path}: {err}") from err
        except sqlite3.DatabaseError as err:
            conn.close()
            raise StoreCorruptError(
                f"the job store {path} is damaged or not a database: {err}"
            ) from err
        except BaseException:
            conn.close()
            raise
        if anchor is not None:
            try:
                if anchored is not None:
                    store_anchor.check_after_open(path, found, anchored)
                if anchored is None or found.generation > anchored.generation:
                    store_anchor.save(anchor, path, found)
            except BaseException:
                conn.close()
                raise
        return cls(conn, path, clock, anchor)

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
                fault = _storage_fault(err, self._path)
                if fault is not None:
                    raise fault from err
                raise StoreLockedError(f"the job store is busy: {err}") from err
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as err:
                if conn.in_transaction:
                    # SQLite may have rolled back already (full disk, I/O error).
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(err, sqlite3.DatabaseError):
                    fault = _storage_fault(err, self._path)
                    if fault is not None:
                        raise fault from err
                raise

    # --- generation and seals kept outside the file (store_anchor) -------------------------

    @staticmethod
    def _bump_generation(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE store_meta SET generation = generation + 1 WHERE one = 1")

    def _anchor_generation(self) -> None:
        """Tell the anchor the generation just committed. A failure is left for the next
        commit or open to catch up (the file being ahead of the anchor is accepted)."""
        if self._anchor is None:
            return
        with self._read() as conn:
            state = store_anchor.read_meta(conn)
        with contextlib.suppress(Exception):
            store_anchor.save(self._anchor, self._path, state)

    def store_identity(self) -> AnchoredStore:
        """This store's id and generation (as kept outside the file when anchored)."""
        with self._read() as conn:
            return store_anchor.read_meta(conn)

    def anchored_seal(self, job_id: str) -> str | None:
        """The job's sealed hash as kept outside the file, or None (no anchor / not kept)."""
        if self._anchor is None:
            return None
        with self._read() as conn:
            state = store_anchor.read_meta(conn)
        return self._anchor.read(store_anchor.seal_name(state.store_id,
                                                        normalise_job_id(job_id)))

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
        personal_data: bool | None = None,
        life_or_property: bool | None = None,
        level_reason: str | None = None,
        app_version: str | None = None,
    ) -> Job:
        """Create an open job and its 'job.open' step in one transaction; the answers to the
        guideline's two questions, a reason for a lower level and the version of the app
        (default: this one) are kept with it."""
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
        reason = None if level_reason is None else _clean_text("reason", level_reason)
        version = _clean_text("app version", app_version or current_app_version(), limit=64)
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
                " operator, status, created_at, updated_at, personal_data, life_or_property,"
                " level_reason, app_version) VALUES (?,?,?,?,?,?,'open',?,?,?,?,?,?)",
                (job_id, number, site, address, service_level, op, now, now,
                 _flag(personal_data), _flag(life_or_property), reason, version),
            )
            basis: dict[str, bool | str] = {}
            if personal_data is not None:
                basis["personal_data"] = personal_data
            if life_or_property is not None:
                basis["life_or_property"] = life_or_property
            if reason is not None:
                basis["level_reason"] = reason
            self._append(
                conn, job_id, "job.open",
                {"job_number": number, "service_level": service_level, **basis},
                device_id=None, operator=op, at=now,
            )
            self._bump_generation(conn)
            created = self._job_row(conn, job_id)
        self._anchor_generation()
        return created

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

    # --- devices ---------------------------------------------------------------------------

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
                device_id=dev, operator=self.acting_operator or op or job.operator, at=now,
            )

    @staticmethod
    def _require_device(conn: sqlite3.Connection, job_id: str, device_id: str) -> None:
        if conn.execute(
            "SELECT 1 FROM job_devices WHERE job_id = ? AND device_id = ?", (job_id, device_id)
        ).fetchone() is None:
            raise DeviceNotInJobError(f"device {device_id!r} is not part of job {job_id}")

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
            device_id=device_id, operator=self.acting_operator or operator, at=at,
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



_SELECT_JOB: Final = (
    "SELECT id, job_number, site_name, site_address, service_level, operator, status,"
    " created_at, updated_at, closed_at, sealed_hash, catalog_version, catalog_refreshed_at,"
    " personal_data, life_or_property, level_reason, app_version FROM jobs "
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
        personal_data=None if r[13] is None else bool(r[13]),
        life_or_property=None if r[14] is None else bool(r[14]),
        level_reason=None if r[15] is None else str(r[15]),
        app_version=None if r[16] is None else str(r[16]),
    )


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))
