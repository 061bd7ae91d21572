"""The follow-up log of a sealed job: what happened to the home after handover.

A closed job's own log never changes. Verification and remediation visits append to this log
instead; it is hash-chained like the audit log (:mod:`commissioner.jobs.audit`, same entry
hash) and its first entry's previous hash is the job's *sealed hash*, so it is linked to the
seal and cannot be moved to another job.

A job bundle carries this log and the follow-up secrets with the job
(:func:`followup_rows`, :func:`verify_followup_chain` before anything is stored, and
:func:`insert_followup` inside the import's own transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Final

from commissioner.jobs import audit
from commissioner.jobs.audit import AuditResult
from commissioner.jobs.models import JSON, Step
from commissioner.jobs.store_core import (
    ACTION_RE,
    StoreCore,
    _iso,
    _secret_name,
    normalise_job_id,
)
from commissioner.jobs.store_errors import JobStoreError

FOLLOWUP_SECRET_PREFIX: Final = "followup/"  # noqa: S105 - a name prefix


class JobNotSealedError(JobStoreError):
    """A follow-up log belongs to a sealed job only."""


class FollowupRecords(StoreCore):
    def append_followup(
        self, job_id: str, action: str, detail: Mapping[str, JSON] | None = None, *,
        device_id: str | None = None, operator: str,
    ) -> Step:
        """Append one entry to a sealed job's follow-up log (committed on return)."""
        if not ACTION_RE.match(action):
            raise ValueError(f"action {action!r} must be a short dotted lower-case name")
        detail_json = audit.canonical_detail({} if detail is None else detail)
        operator = self.acting_operator or operator
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            if not job.is_closed or job.sealed_hash is None:
                raise JobNotSealedError(f"job {job.id} is not sealed; it has no follow-up log")
            last = conn.execute(
                "SELECT idx, hash FROM followup_steps WHERE job_id = ? ORDER BY idx DESC LIMIT 1",
                (job.id,)).fetchone()
            idx, prev = (0, job.sealed_hash) if last is None else (int(last[0]) + 1, str(last[1]))
            h = audit.step_hash(job_id=job.id, idx=idx, at=now, operator=operator,
                                device_id=device_id, action=action, detail_json=detail_json,
                                prev_hash=prev)
            cur = conn.execute(
                "INSERT INTO followup_steps (job_id, idx, at, operator, device_id, action,"
                " detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                (job.id, idx, now, operator, device_id, action, detail_json, prev, h))
            return Step(int(cur.lastrowid or 0), job.id, idx, now, operator, device_id, action,
                        detail_json, prev, h)

    def put_followup_secret(self, job_id: str, name: str, nonce: bytes,
                            ciphertext: bytes) -> None:
        """Store one encrypted secret a remediation visit created on a sealed job (a
        replacement unit's admin credential). Only names under ``followup/``: the secrets the
        job was sealed with never change."""
        key = _secret_name(name)
        if not key.startswith(FOLLOWUP_SECRET_PREFIX):
            raise ValueError(f"a follow-up secret's name starts with {FOLLOWUP_SECRET_PREFIX!r}")
        if not isinstance(nonce, bytes) or len(nonce) != 12 or \
                not isinstance(ciphertext, bytes) or len(ciphertext) < 16:
            raise ValueError("a secret needs a 12-byte nonce and a tagged ciphertext")
        now = _iso(self._clock())
        with self._write() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            if not job.is_closed or job.sealed_hash is None:
                raise JobNotSealedError(f"job {job.id} is not sealed; store its secrets in "
                                        "the job itself")
            conn.execute(
                "INSERT INTO followup_secrets (job_id, name, nonce, ciphertext, created_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT (job_id, name) DO UPDATE SET"
                " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
                " created_at = excluded.created_at",
                (job.id, key, nonce, ciphertext, now))

    def followup_secret_count(self, job_id: str) -> int:
        """How many secrets visits after handover stored for the job."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            row = conn.execute("SELECT count(*) FROM followup_secrets WHERE job_id = ?",
                               (job.id,)).fetchone()
        return int(row[0])

    def followup_steps(self, job_id: str) -> list[Step]:
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            return _rows(conn, job.id)

    def verify_followup(self, job_id: str) -> AuditResult:
        """Check the follow-up chain from the seal to its last entry."""
        with self._read() as conn:
            job = self._job_row(conn, normalise_job_id(job_id))
            steps = _rows(conn, job.id)
        if job.sealed_hash is None:
            return AuditResult(ok=True, entries=0)
        return verify_followup_chain(steps, job.id, job.sealed_hash)


def verify_followup_chain(steps: Sequence[Step], job_id: str, sealed_hash: str) -> AuditResult:
    """Check a follow-up log (in index order): each entry belongs to ``job_id``, the first
    links to the seal, each next one to the one before, and no entry was edited."""
    prev = sealed_hash
    for pos, step in enumerate(steps):
        if step.job_id != job_id:
            return AuditResult(False, pos, f"follow-up entry {pos}: belongs to another job",
                               len(steps))
        if step.idx != pos or step.prev_hash != prev:
            return AuditResult(False, pos, f"follow-up entry {pos}: link broken", len(steps))
        if audit.recompute_hash(step) != step.hash:
            return AuditResult(False, pos, f"follow-up entry {pos}: edited", len(steps))
        prev = step.hash
    return AuditResult(ok=True, entries=len(steps), last_hash=prev)


FOLLOWUP_COLUMNS: Final = ("job_id", "idx", "at", "operator", "device_id", "action", "detail",
                           "prev_hash", "hash")


def followup_rows(steps: Sequence[Step]) -> list[dict[str, str | int | None]]:
    """A follow-up log as bundle rows (the local ``seq`` left out)."""
    return [{"job_id": s.job_id, "idx": s.idx, "at": s.at, "operator": s.operator,
             "device_id": s.device_id, "action": s.action, "detail": s.detail_json,
             "prev_hash": s.prev_hash, "hash": s.hash} for s in steps]


def insert_followup(conn: sqlite3.Connection, job_id: str, sealed_hash: str,
                    steps: Sequence[Step], secrets: Sequence[tuple[str, bytes, bytes]],
                    created_at: str) -> None:
    """Store an imported job's follow-up log and secrets on ``conn`` (the import's own
    transaction; the job is already closed there). The chain is checked again against the
    seal first; a broken one raises ValueError and the caller rolls everything back."""
    result = verify_followup_chain(steps, job_id, sealed_hash)
    if not result.ok:
        raise ValueError(f"the job's follow-up log does not verify: {result}")
    for s in steps:
        conn.execute(
            "INSERT INTO followup_steps (job_id, idx, at, operator, device_id, action,"
            " detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
            (job_id, s.idx, s.at, s.operator, s.device_id, s.action, s.detail_json,
             s.prev_hash, s.hash))
    for name, nonce, ciphertext in secrets:
        if not _secret_name(name).startswith(FOLLOWUP_SECRET_PREFIX):
            raise ValueError(f"a follow-up secret's name starts with {FOLLOWUP_SECRET_PREFIX!r}")
        conn.execute(
            "INSERT INTO followup_secrets (job_id, name, nonce, ciphertext, created_at)"
            " VALUES (?,?,?,?,?)", (job_id, name, nonce, ciphertext, created_at))


def _rows(conn: sqlite3.Connection, job_id: str) -> list[Step]:
    rows = conn.execute(
        "SELECT seq, job_id, idx, at, operator, device_id, action, detail, prev_hash, hash"
        " FROM followup_steps WHERE job_id = ? ORDER BY idx", (job_id,)).fetchall()
    return [Step(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]),
                 None if r[5] is None else str(r[5]), str(r[6]), str(r[7]), str(r[8]),
                 str(r[9])) for r in rows]
