"""Moving a sealed job between job stores (job bundles): its rows out, and back in whole.

:meth:`TransferRecords.job_rows` reads every row of one job from every table that belongs to a
job (the secrets, the job lock and the follow-up log stay behind: secrets travel encrypted to a
recipient, the rest belongs to the laptop). :meth:`TransferRecords.import_sealed_job` writes
such rows into this store in one transaction: the job goes in open, its rows and its
re-encrypted secrets are added, the audit chain is checked against the seal, and only then is
the job closed with the same sealed hash and the seal anchored (as :meth:`close_job` does).
Anything wrong rolls the whole import back: nothing is stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Final

from commissioner.jobs import audit, store_anchor
from commissioner.jobs.models import Step
from commissioner.jobs.store_core import StoreCore, normalise_job_id
from commissioner.jobs.store_errors import JobStoreError
from commissioner.jobs.store_followup import insert_followup

Row = dict[str, "str | int | float | None"]

LOCAL_TABLES: Final = frozenset({"secrets", "job_locks", "followup_steps", "followup_secrets"})
MAX_ROWS: Final = 200_000


class ImportRefusedError(JobStoreError):
    """The job cannot be imported (already here, its number taken, its rows malformed)."""


class TransferRecords(StoreCore):
    """Job rows out of and into the store (see the module docstring)."""

    def _job_tables(self, conn: sqlite3.Connection) -> dict[str, list[str]]:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name")]
        out: dict[str, list[str]] = {}
        for name in names:
            if name in LOCAL_TABLES:
                continue
            cols = [str(c[1]) for c in conn.execute(f'PRAGMA table_info("{name}")')]
            if name == "jobs" or "job_id" in cols:
                out[name] = [c for c in cols if not (c == "seq" and name != "jobs")]
        return out

    def job_rows(self, job_id: str) -> dict[str, list[Row]]:
        """Every row of the job, per table (``seq`` columns left out: they are local)."""
        jid = normalise_job_id(job_id)
        with self._read() as conn:
            self._job_row(conn, jid)
            out: dict[str, list[Row]] = {}
            for table, cols in self._job_tables(conn).items():
                key = "id" if table == "jobs" else "job_id"
                order = " ORDER BY idx" if table == "steps" else ""
                select = ", ".join(f'"{c}"' for c in cols)
                rows = conn.execute(
                    f'SELECT {select} FROM "{table}" WHERE "{key}" = ?{order}',  # noqa: S608 - schema names
                    (jid,)
                ).fetchall()
                out[table] = [dict(zip(cols, r, strict=True)) for r in rows]
        return out

    def import_sealed_job(
        self,
        tables: Mapping[str, Sequence[Mapping[str, object]]],
        secrets: Sequence[tuple[str, bytes, bytes]] = (),
        *, followup: Sequence[Step] = (),
        followup_secrets: Sequence[tuple[str, bytes, bytes]] = (),
    ) -> str:
        """Store a sealed job read from a bundle (rows as :meth:`job_rows` gives them) and its
        secrets (``(name, nonce, ciphertext)`` already encrypted for this store's vault).
        ``followup`` and ``followup_secrets``: its follow-up log and the secrets a visit after
        handover created (see :func:`store_followup.insert_followup`).
        Returns the job id. Raises :class:`ImportRefusedError`; nothing is stored then."""
        jobs = tables.get("jobs")
        if not isinstance(jobs, Sequence) or len(jobs) != 1:
            raise ImportRefusedError("the bundle holds no single job record")
        job = dict(jobs[0])
        jid = normalise_job_id(str(job.get("id", "")))
        sealed = job.get("sealed_hash")
        if job.get("status") != "closed" or not isinstance(sealed, str):
            raise ImportRefusedError("only a sealed (handed-over) job can be imported")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (jid,)).fetchone():
                raise ImportRefusedError(f"job {jid} is already in this job store")
            number = job.get("job_number")
            if conn.execute("SELECT 1 FROM jobs WHERE job_number = ?", (number,)).fetchone():
                raise ImportRefusedError(
                    f"another job in this store already uses the job number {number!r}")
            known = self._job_tables(conn)
            opened = {**job, "status": "open", "closed_at": None, "sealed_hash": None}
            self._insert(conn, "jobs", known, jid, [opened])
            for table, rows in tables.items():
                if table != "jobs":
                    self._insert(conn, table, known, jid, rows)
            for name, nonce, ciphertext in secrets:
                conn.execute(
                    "INSERT INTO secrets (job_id, name, nonce, ciphertext, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (jid, name, nonce, ciphertext, job["updated_at"]))
            result = audit.verify_chain(self._raw_steps(conn, jid), jid, sealed_hash=sealed)
            if not result.ok:
                raise ImportRefusedError(f"the job's audit log does not verify: {result}")
            conn.execute(
                "UPDATE jobs SET status = 'closed', closed_at = ?, sealed_hash = ?,"
                " updated_at = ? WHERE id = ?",
                (job.get("closed_at"), sealed, job.get("updated_at"), jid))
            try:
                insert_followup(conn, jid, sealed, followup, followup_secrets,
                                str(job["updated_at"]))
            except (ValueError, sqlite3.IntegrityError) as err:
                raise ImportRefusedError(str(err)) from None
            self._bump_generation(conn)
            if self._anchor is not None:
                state = store_anchor.read_meta(conn)
                self._anchor.write(store_anchor.seal_name(state.store_id, jid), sealed)
        self._anchor_generation()
        return jid

    @staticmethod
    def _insert(conn: sqlite3.Connection, table: str, known: Mapping[str, list[str]],
                jid: str, rows: Sequence[Mapping[str, object]]) -> None:
        cols = known.get(table)
        if cols is None:
            raise ImportRefusedError(f"the bundle holds a table this app does not know: "
                                     f"{str(table)[:40]!r}")
        if not isinstance(rows, Sequence) or len(rows) > MAX_ROWS:
            raise ImportRefusedError(f"the bundle's {table} rows are malformed")
        key = "id" if table == "jobs" else "job_id"
        for row in rows:
            if not isinstance(row, Mapping) or set(row) - set(cols) or row.get(key) != jid:
                raise ImportRefusedError(f"a row of {table} does not belong to job {jid}")
            for value in row.values():
                if value is not None and not isinstance(value, str | int | float):
                    raise ImportRefusedError(f"a row of {table} holds a value of the wrong type")
            names = list(row)
            quoted = ", ".join(f'"{n}"' for n in names)  # checked against the schema above
            marks = ", ".join("?" for _ in names)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'  # noqa: S608
            try:
                conn.execute(sql, [row[n] for n in names])
            except sqlite3.IntegrityError as err:
                raise ImportRefusedError(f"a row of {table} is inconsistent: {err}") from None


def steps_from_rows(rows: Sequence[Mapping[str, object]]) -> list[Step]:
    """Audit-log entries from ``steps`` rows (as :meth:`TransferRecords.job_rows` gives)."""
    out: list[Step] = []
    for pos, r in enumerate(rows):
        try:
            device = r["device_id"]
            out.append(Step(
                seq=pos, job_id=str(r["job_id"]), idx=int(str(r["idx"])), at=str(r["at"]),
                operator=str(r["operator"]), device_id=None if device is None else str(device),
                action=str(r["action"]), detail_json=str(r["detail"]),
                prev_hash=str(r["prev_hash"]), hash=str(r["hash"])))
        except (KeyError, TypeError, ValueError) as err:
            raise ImportRefusedError(f"audit log entry {pos} is malformed ({err})") from None
    return out
