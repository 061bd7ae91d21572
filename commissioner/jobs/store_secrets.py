"""Job-store records of job secrets (schema v3): ciphertext only, see commissioner.secrets.vault.

A sealed job's secrets live in two tables: those it was sealed with (``secrets``) and those a
visit after handover created (``followup_secrets``, names under ``followup/``). Listing and
purging cover both.
"""


from __future__ import annotations

from typing import Final

from commissioner.jobs.store_core import (
    StoreCore,
    _iso,
    _secret_name,
    normalise_job_id,
)
from commissioner.jobs.store_errors import StoreCorruptError

SECRET_TABLES: Final = ("secrets", "followup_secrets")


class SecretRecords(StoreCore):
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
        """``(nonce, ciphertext)`` of one secret, or None. Closed jobs can still be read.
        Names under ``followup/`` are a remediation visit's (see store_followup)."""
        key = _secret_name(name)
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            table = "followup_secrets" if key.startswith("followup/") else "secrets"
            row = conn.execute(
                f"SELECT nonce, ciphertext FROM {table} WHERE job_id = ? AND name = ?",  # noqa: S608 - one of two names
                (job.id, key),
            ).fetchone()
        if row is None:
            return None
        nonce, ciphertext = row
        if not isinstance(nonce, bytes) or not isinstance(ciphertext, bytes):
            raise StoreCorruptError(f"job {job.id}: secret {key!r} is not stored as bytes")
        return nonce, ciphertext

    def secret_names(self, job_id: str, prefix: str = "") -> list[str]:
        """Names of the job's secrets that start with ``prefix`` (literally), sorted; the
        follow-up secrets (``followup/…``) included."""
        if not isinstance(prefix, str):
            raise ValueError("prefix must be text")
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            rows = conn.execute(
                "SELECT name FROM secrets WHERE job_id = ? AND substr(name, 1, ?) = ?"
                " UNION ALL SELECT name FROM followup_secrets WHERE job_id = ?"
                " AND substr(name, 1, ?) = ? ORDER BY name",
                (job.id, len(prefix), prefix, job.id, len(prefix), prefix),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def delete_secrets(self, job_id: str, prefix: str) -> int:
        """Delete the job's secrets whose name starts with ``prefix`` ("" = all of them);
        returns how many. Allowed on closed jobs too, so that a finished job's secrets can
        be purged (SR3-PP-14), the follow-up secrets a visit after handover created with
        them; the job record, its sealed log and its follow-up log stay untouched."""
        if not isinstance(prefix, str):
            raise ValueError("prefix must be text")
        deleted = 0
        with self._write() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            for table in SECRET_TABLES:
                cur = conn.execute(
                    f"DELETE FROM {table} WHERE job_id = ? AND substr(name, 1, ?) = ?",  # noqa: S608 - one of two names
                    (job.id, len(prefix), prefix),
                )
                deleted += int(cur.rowcount)
        return deleted
