"""Versioned schema of the job store: an ordered list of migrations, never edited once shipped.

Migration N (1-based) brings the database from version N-1 to N. Each runs in its own
``BEGIN IMMEDIATE`` transaction together with the row that records it in ``schema_version``, so
a crash leaves the database at a whole version. To change the schema, append a migration.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

APPLICATION_ID = 0x434D4A53  # "CMJS": marks the file as a commissioner job store


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_V1 = Migration(
    version=1,
    description="jobs, job devices, append-only hash-chained step log",
    statements=(
        """
        CREATE TABLE jobs (
            id                   TEXT PRIMARY KEY NOT NULL,
            job_number           TEXT NOT NULL UNIQUE COLLATE NOCASE,
            site_name            TEXT NOT NULL,
            site_address         TEXT NOT NULL,
            service_level        INTEGER NOT NULL CHECK (service_level IN (2, 3)),
            operator             TEXT NOT NULL,
            status               TEXT NOT NULL DEFAULT 'open'
                                 CHECK (status IN ('open', 'closed')),
            created_at           TEXT NOT NULL,
            updated_at           TEXT NOT NULL,
            closed_at            TEXT,
            sealed_hash          TEXT,
            catalog_version      TEXT,
            catalog_refreshed_at TEXT,
            CHECK ((status = 'closed') = (sealed_hash IS NOT NULL AND closed_at IS NOT NULL))
        ) STRICT
        """,
        "CREATE INDEX jobs_status ON jobs (status, created_at)",
        """
        CREATE TABLE job_devices (
            job_id       TEXT NOT NULL REFERENCES jobs (id),
            device_id    TEXT NOT NULL,
            role         TEXT NOT NULL,
            kind         TEXT NOT NULL,
            manufacturer TEXT NOT NULL,
            model        TEXT NOT NULL,
            serial       TEXT,
            firmware     TEXT NOT NULL,
            state        TEXT NOT NULL,
            transports   TEXT NOT NULL,
            address      TEXT,
            port         INTEGER CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
            first_seen   TEXT NOT NULL,
            last_seen    TEXT NOT NULL,
            status       TEXT NOT NULL,
            PRIMARY KEY (job_id, device_id)
        ) STRICT
        """,
        """
        CREATE TABLE steps (
            seq       INTEGER PRIMARY KEY,
            job_id    TEXT NOT NULL REFERENCES jobs (id),
            idx       INTEGER NOT NULL CHECK (idx >= 0),
            at        TEXT NOT NULL,
            operator  TEXT NOT NULL,
            device_id TEXT,
            action    TEXT NOT NULL,
            detail    TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL,
            UNIQUE (job_id, idx)
        ) STRICT
        """,
        # Defence in depth: the log is append-only. (The hash chain still detects edits made
        # by someone who drops these triggers.)
        """
        CREATE TRIGGER steps_no_update BEFORE UPDATE ON steps
        BEGIN
            SELECT RAISE(ABORT, 'the step log is append-only: UPDATE refused');
        END
        """,
        """
        CREATE TRIGGER steps_no_delete BEFORE DELETE ON steps
        BEGIN
            SELECT RAISE(ABORT, 'the step log is append-only: DELETE refused');
        END
        """,
        """
        CREATE TRIGGER steps_append_only BEFORE INSERT ON steps
        WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM steps WHERE job_id = NEW.job_id)
          OR NEW.prev_hash IS NOT COALESCE(
                (SELECT hash FROM steps WHERE job_id = NEW.job_id ORDER BY idx DESC LIMIT 1),
                NEW.prev_hash)
          OR (SELECT status FROM jobs WHERE id = NEW.job_id) IS NOT 'open'
        BEGIN
            SELECT RAISE(ABORT, 'steps may only be appended, in order, to an open job');
        END
        """,
        """
        CREATE TRIGGER jobs_closed_read_only BEFORE UPDATE ON jobs
        WHEN OLD.status = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER jobs_no_delete_closed BEFORE DELETE ON jobs
        WHEN OLD.status = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job cannot be deleted');
        END
        """,
        """
        CREATE TRIGGER job_devices_closed_insert BEFORE INSERT ON job_devices
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER job_devices_closed_update BEFORE UPDATE ON job_devices
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
    ),
)

_V2 = Migration(
    version=2,
    description="certified-model gate: per-device verdicts, replace marks, scanned labels",
    statements=(
        # What the gate recorded per job device (serial already exists since v1).
        "ALTER TABLE job_devices ADD COLUMN verdict TEXT",
        "ALTER TABLE job_devices ADD COLUMN verdict_reason TEXT",
        "ALTER TABLE job_devices ADD COLUMN verdict_code TEXT",
        "ALTER TABLE job_devices ADD COLUMN blocked INTEGER CHECK (blocked IN (0, 1))",
        "ALTER TABLE job_devices ADD COLUMN attested_manufacturer TEXT",
        "ALTER TABLE job_devices ADD COLUMN attested_model TEXT",
        "ALTER TABLE job_devices ADD COLUMN advertised_model TEXT",
        "ALTER TABLE job_devices ADD COLUMN cert_fingerprint TEXT",
        "ALTER TABLE job_devices ADD COLUMN chain TEXT",
        "ALTER TABLE job_devices ADD COLUMN checked_at TEXT",
        "ALTER TABLE job_devices ADD COLUMN catalog_version TEXT",
        "ALTER TABLE job_devices ADD COLUMN label_status TEXT NOT NULL DEFAULT 'none'",
        "ALTER TABLE job_devices ADD COLUMN replace_flag INTEGER NOT NULL DEFAULT 0"
        " CHECK (replace_flag IN (0, 1))",
        "ALTER TABLE job_devices ADD COLUMN replace_reason TEXT",
        # No override: only a device the gate blocked can be marked "to be replaced".
        """
        CREATE TRIGGER job_devices_replace_only_blocked BEFORE UPDATE ON job_devices
        WHEN NEW.replace_flag = 1 AND NEW.blocked IS NOT 1
        BEGIN
            SELECT RAISE(ABORT, 'only a device the gate blocked can be marked to be replaced');
        END
        """,
        # Scanned labels: never the setup code (it is a secret), only the label's public
        # fields and a SHA-256 fingerprint of them.
        """
        CREATE TABLE job_labels (
            job_id       TEXT NOT NULL REFERENCES jobs (id),
            device_id    TEXT NOT NULL,
            manufacturer TEXT NOT NULL,
            model        TEXT NOT NULL,
            serial       TEXT NOT NULL,
            kind         TEXT NOT NULL,
            label_sha256 TEXT NOT NULL,
            status       TEXT NOT NULL,
            reason       TEXT,
            scanned_at   TEXT NOT NULL,
            PRIMARY KEY (job_id, device_id)
        ) STRICT
        """,
        """
        CREATE TRIGGER job_labels_closed_insert BEFORE INSERT ON job_labels
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER job_labels_closed_update BEFORE UPDATE ON job_labels
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
    ),
)

_V3 = Migration(
    version=3,
    description="job secrets: AES-256-GCM ciphertexts under the master key from the OS keyring",
    statements=(
        # Only ciphertext: commissioner.secrets.vault encrypts every value with AES-256-GCM
        # (12-byte random nonce, AAD = job_id || 0x00 || name) before it reaches this table.
        """
        CREATE TABLE secrets (
            job_id     TEXT NOT NULL REFERENCES jobs (id),
            name       TEXT NOT NULL,
            nonce      BLOB NOT NULL CHECK (length(nonce) = 12),
            ciphertext BLOB NOT NULL CHECK (length(ciphertext) >= 16),
            created_at TEXT NOT NULL,
            PRIMARY KEY (job_id, name)
        ) STRICT
        """,
        # A closed job's secrets can no longer be written, but they can be purged (SR3-PP-14):
        # there is deliberately no trigger on DELETE.
        """
        CREATE TRIGGER secrets_closed_insert BEFORE INSERT ON secrets
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER secrets_closed_update BEFORE UPDATE ON secrets
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
          OR (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
    ),
)

def _closed_guards(table: str, key: str) -> tuple[str, ...]:
    """Triggers that keep ``table`` read-only once its job is closed (``table`` and ``key``
    are literals of this module, never input)."""
    return (
        f"""
        CREATE TRIGGER {table}_closed_insert BEFORE INSERT ON {table}
        WHEN (SELECT status FROM jobs WHERE id = NEW.{key}) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,  # noqa: S608 - table and column names are module constants
        f"""
        CREATE TRIGGER {table}_closed_update BEFORE UPDATE ON {table}
        WHEN (SELECT status FROM jobs WHERE id = OLD.{key}) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,  # noqa: S608 - table and column names are module constants
    )


_V4 = Migration(
    version=4,
    description="provisioning: per-device state, intent/done step journal, owner invitations",
    statements=(
        # One row per device the job provisions (the gateway included). Public data only:
        # the operational certificate is public; every secret lives in the secrets table.
        """
        CREATE TABLE provisioning_devices (
            job_id                  TEXT NOT NULL REFERENCES jobs (id),
            device_id               TEXT NOT NULL,
            role                    TEXT NOT NULL CHECK (role IN ('device', 'gateway')),
            status                  TEXT NOT NULL
                                    CHECK (status IN ('pending', 'in-progress', 'provisioned',
                                                      'failed')),
            reason_code             TEXT,
            reason                  TEXT,
            action                  TEXT,
            operational_cert        TEXT,
            operational_fingerprint TEXT,
            gateway_auth            INTEGER CHECK (gateway_auth IS NULL OR gateway_auth IN (0, 1)),
            gateway_auth_reason     TEXT,
            updated_at              TEXT NOT NULL,
            PRIMARY KEY (job_id, device_id)
        ) STRICT
        """,
        # Intent before action: a step's row is committed as 'intent' before the device is
        # asked, and becomes 'done' once the device confirmed. One row per (device, step):
        # a resumed step bumps ``attempts`` instead of adding a row.
        """
        CREATE TABLE provisioning_steps (
            job_id    TEXT NOT NULL REFERENCES jobs (id),
            device_id TEXT NOT NULL,
            step      TEXT NOT NULL,
            status    TEXT NOT NULL CHECK (status IN ('intent', 'done')),
            attempts  INTEGER NOT NULL CHECK (attempts >= 1),
            detail    TEXT NOT NULL,
            intent_at TEXT NOT NULL,
            done_at   TEXT,
            PRIMARY KEY (job_id, device_id, step),
            CHECK ((status = 'done') = (done_at IS NOT NULL))
        ) STRICT
        """,
        # Owner invitations: the token itself is a job secret (secrets table); the gateway
        # keeps only its SHA-256.
        """
        CREATE TABLE owner_invitations (
            job_id        TEXT NOT NULL REFERENCES jobs (id),
            invitation_id TEXT NOT NULL,
            gateway_id    TEXT NOT NULL,
            epoch         INTEGER NOT NULL CHECK (epoch >= 1),
            expires_at    INTEGER NOT NULL,
            status        TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
            created_at    TEXT NOT NULL,
            revoked_at    TEXT,
            PRIMARY KEY (job_id, invitation_id)
        ) STRICT
        """,
        """
        CREATE TRIGGER provisioning_devices_closed_insert BEFORE INSERT ON provisioning_devices
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER provisioning_devices_closed_update BEFORE UPDATE ON provisioning_devices
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER provisioning_steps_closed_insert BEFORE INSERT ON provisioning_steps
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER provisioning_steps_closed_update BEFORE UPDATE ON provisioning_steps
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER owner_invitations_closed_insert BEFORE INSERT ON owner_invitations
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
        """
        CREATE TRIGGER owner_invitations_closed_update BEFORE UPDATE ON owner_invitations
        WHEN (SELECT status FROM jobs WHERE id = OLD.job_id) = 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a closed job is read-only');
        END
        """,
    ),
)

_V5 = Migration(
    version=5,
    description="firmware: update history per device (R2-8), verified running versions",
    statements=(
        # Every update attempt's outcome, append-only (R2-8 version history).
        """
        CREATE TABLE firmware_history (
            seq             INTEGER PRIMARY KEY,
            job_id          TEXT NOT NULL REFERENCES jobs (id),
            device_id       TEXT NOT NULL,
            model           TEXT NOT NULL,
            from_version    TEXT NOT NULL,
            to_version      TEXT NOT NULL,
            result          TEXT NOT NULL
                            CHECK (result IN ('updated', 'fell-back', 'timeout', 'refused',
                                              'failed')),
            reason          TEXT,
            image_sha256    TEXT NOT NULL,
            catalog_version TEXT NOT NULL,
            operator        TEXT NOT NULL,
            at              TEXT NOT NULL
        ) STRICT
        """,
        "CREATE INDEX firmware_history_device ON firmware_history (job_id, device_id, seq)",
        """
        CREATE TRIGGER firmware_history_no_update BEFORE UPDATE ON firmware_history
        BEGIN
            SELECT RAISE(ABORT, 'the firmware history is append-only');
        END
        """,
        """
        CREATE TRIGGER firmware_history_no_delete BEFORE DELETE ON firmware_history
        BEGIN
            SELECT RAISE(ABORT, 'the firmware history is append-only');
        END
        """,
        # The version each device was last seen running, read over its attested TLS
        # connection (never from an advertisement); what the close-job gate relies on.
        """
        CREATE TABLE firmware_status (
            job_id      TEXT NOT NULL REFERENCES jobs (id),
            device_id   TEXT NOT NULL,
            model       TEXT NOT NULL,
            version     TEXT NOT NULL,
            latest      TEXT,
            vulnerable  INTEGER NOT NULL CHECK (vulnerable IN (0, 1)),
            verified_at TEXT NOT NULL,
            PRIMARY KEY (job_id, device_id)
        ) STRICT
        """,
        *_closed_guards("firmware_history", "job_id"),
        *_closed_guards("firmware_status", "job_id"),
    ),
)

_V6 = Migration(
    version=6,
    description="reliability: one writer per job (leases), store identity and generation",
    statements=(
        # One run changes a job at a time: the holder's process identity, taken over only
        # when that process is provably gone (commissioner.jobs.store_lock).
        """
        CREATE TABLE job_locks (
            job_id     TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id),
            token      TEXT NOT NULL,
            purpose    TEXT NOT NULL,
            pid        INTEGER NOT NULL,
            started    TEXT NOT NULL,
            host       TEXT NOT NULL,
            boot_id    TEXT NOT NULL,
            since      TEXT NOT NULL
        ) STRICT
        """,
        # Who this store is and how many anchored commits it has seen; the same two values
        # are kept outside the file (the OS keyring) to detect a lost, truncated or replaced
        # store (commissioner.jobs.store_anchor).
        """
        CREATE TABLE store_meta (
            one        INTEGER PRIMARY KEY CHECK (one = 1),
            store_id   TEXT NOT NULL,
            generation INTEGER NOT NULL CHECK (generation >= 0)
        ) STRICT
        """,
        "INSERT INTO store_meta (one, store_id, generation)"
        " VALUES (1, lower(hex(randomblob(16))), 0)",
    ),
)

_V7 = Migration(
    version=7,
    description="follow-up log of a sealed job (verification and remediation after handover)",
    statements=(
        # A closed job's own log never grows; what happens to the home afterwards is kept in
        # this hash-chained log whose first entry links to the job's sealed hash
        # (commissioner.jobs.store_followup).
        """
        CREATE TABLE followup_steps (
            seq       INTEGER PRIMARY KEY,
            job_id    TEXT NOT NULL REFERENCES jobs (id),
            idx       INTEGER NOT NULL CHECK (idx >= 0),
            at        TEXT NOT NULL,
            operator  TEXT NOT NULL,
            device_id TEXT,
            action    TEXT NOT NULL,
            detail    TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL,
            UNIQUE (job_id, idx)
        ) STRICT
        """,
        """
        CREATE TRIGGER followup_steps_no_update BEFORE UPDATE ON followup_steps
        BEGIN
            SELECT RAISE(ABORT, 'the follow-up log is append-only: UPDATE refused');
        END
        """,
        """
        CREATE TRIGGER followup_steps_no_delete BEFORE DELETE ON followup_steps
        BEGIN
            SELECT RAISE(ABORT, 'the follow-up log is append-only: DELETE refused');
        END
        """,
        """
        CREATE TRIGGER followup_steps_sealed_only BEFORE INSERT ON followup_steps
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) IS NOT 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a follow-up log belongs to a sealed job');
        END
        """,
    ),
)

_V8 = Migration(
    version=8,
    description="secrets a remediation visit created on a sealed job",
    statements=(
        # A sealed job's own secrets never change (see the secrets_closed_* triggers); a
        # replacement unit's admin credential, stored before it is ever sent, lives here,
        # encrypted by the vault like every other secret (commissioner.jobs.store_followup).
        """
        CREATE TABLE followup_secrets (
            job_id     TEXT NOT NULL REFERENCES jobs (id),
            name       TEXT NOT NULL,
            nonce      BLOB NOT NULL CHECK (length(nonce) = 12),
            ciphertext BLOB NOT NULL CHECK (length(ciphertext) >= 16),
            created_at TEXT NOT NULL,
            PRIMARY KEY (job_id, name)
        ) STRICT
        """,
        """
        CREATE TRIGGER followup_secrets_sealed_only BEFORE INSERT ON followup_secrets
        WHEN (SELECT status FROM jobs WHERE id = NEW.job_id) IS NOT 'closed'
        BEGIN
            SELECT RAISE(ABORT, 'a follow-up secret belongs to a sealed job');
        END
        """,
    ),
)

_V9 = Migration(
    version=9,
    description="job devices: the device family whose backend speaks to each device",
    statements=(
        # A recorded device that is not heard again is re-checked with its own family's
        # backend (``shc``, ``echonet-lite``, ...); devices recorded before this knew one.
        "ALTER TABLE job_devices ADD COLUMN family TEXT NOT NULL DEFAULT 'shc'",
    ),
)

_V10 = Migration(
    version=10,
    description="jobs: the basis of the service level (R2-1/R3-2 answers, reason for a lower one)",
    statements=(
        # NULL: not asked (jobs opened before the questions were asked).
        "ALTER TABLE jobs ADD COLUMN personal_data INTEGER CHECK (personal_data IN (0, 1))",
        "ALTER TABLE jobs ADD COLUMN life_or_property INTEGER"
        " CHECK (life_or_property IN (0, 1))",
        "ALTER TABLE jobs ADD COLUMN level_reason TEXT",
    ),
)

_V11 = Migration(
    version=11,
    description="jobs: the version of the app that opened the job",
    # NULL: opened by an app from before this migration.
    statements=("ALTER TABLE jobs ADD COLUMN app_version TEXT",),
)

MIGRATIONS: tuple[Migration, ...] = (
    _V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11)
LATEST_VERSION = len(MIGRATIONS)


class SchemaError(Exception):
    """The database's schema cannot be used by this version of the app."""


class SchemaTooNewError(SchemaError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the job store has schema version {found}, but this version of the app knows "
            f"only up to {known}; update the commissioner app (the store was left untouched)"
        )
        self.found = found
        self.known = known


def _check_migrations(migrations: tuple[Migration, ...]) -> None:
    for n, m in enumerate(migrations, start=1):
        if m.version != n:
            raise SchemaError(f"migration list out of order: position {n} has version {m.version}")


def current_version(conn: sqlite3.Connection) -> int:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if has_table is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def migrate(
    conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Bring the database up to the newest known version; returns that version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Idempotent: running it on
    an up-to-date database changes nothing. Refuses a database newer than ``migrations``.
    """
    _check_migrations(migrations)
    known = len(migrations)
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id not in (0, APPLICATION_ID):
        raise SchemaError(
            f"this SQLite file is not a commissioner job store (application_id {app_id:#x})"
        )
    version = current_version(conn)
    if version > known:
        raise SchemaTooNewError(version, known)
    if version == 0 and app_id == 0:
        foreign = conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()
        if foreign is not None:
            raise SchemaError("this SQLite file is not a commissioner job store (unknown tables)")
    for migration in migrations[version:]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if current_version(conn) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            if migration.version == 1:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(
                    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "applied_at TEXT NOT NULL, description TEXT NOT NULL) STRICT"
                )
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)",
                (
                    migration.version,
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                    migration.description,
                ),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return current_version(conn)
