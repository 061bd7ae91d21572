"""One writer per job: a lease in the store naming the process that holds it.

``store.job_lock(job, purpose)`` takes the job's lease for the length of a ``with`` block (a
commission run, a firmware update, a handover close...). A lease held by a live process, in
this process or another, is refused with :class:`JobBusyError` naming the holder, what it is
doing and since when. A lease whose holder is provably gone (crashed, killed, rebooted; see
:mod:`commissioner.jobs.process_identity`) is taken over, and the take-over is recorded.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from commissioner.jobs.process_identity import ProcessIdentity, current_process, is_gone
from commissioner.jobs.store_core import MAX_ACTION, StoreCore, _iso
from commissioner.jobs.store_errors import JobBusyError

__all__ = ["JobLease", "JobLocks"]

_PURPOSE_MAX: Final = MAX_ACTION


@dataclass(frozen=True, slots=True)
class JobLease:
    job_id: str
    purpose: str
    token: str
    holder: ProcessIdentity
    since: str
    took_over: ProcessIdentity | None = None


class JobLocks(StoreCore):
    """The job-level lease (see the module docstring)."""

    _held: dict[str, JobLease]

    @contextmanager
    def job_lock(self, job: str, purpose: str) -> Iterator[JobLease]:
        """Hold the job's lease for the block; JobBusyError if a live run holds it.

        One store object is one holder: inside a lease this object already holds (say the
        command's, around the run's own), the block runs under that lease."""
        held = self._leases().get(self.find_job(job).id)
        if held is not None:
            yield held
            return
        lease = self.acquire_job_lock(job, purpose)
        try:
            yield lease
        finally:
            self.release_job_lock(lease)

    def _leases(self) -> dict[str, JobLease]:
        if not hasattr(self, "_held"):
            self._held = {}
        return self._held

    def close(self) -> None:
        """Give back every lease this store object holds, then close it."""
        for lease in list(self._leases().values()):
            with contextlib.suppress(Exception):
                self.release_job_lock(lease)
        super().close()

    def acquire_job_lock(self, job: str, purpose: str) -> JobLease:
        """Take the job's lease until :meth:`release_job_lock` or :meth:`close`."""
        if not isinstance(purpose, str) or not purpose or len(purpose) > _PURPOSE_MAX:
            raise ValueError("a lock's purpose must be a short name such as 'commission'")
        me = current_process()
        token = secrets.token_hex(16)
        now = _iso(self._clock())
        with self._write() as conn:
            job_id = self.find_job(job).id
            row = conn.execute(
                "SELECT purpose, pid, started, host, boot_id, since FROM job_locks"
                " WHERE job_id = ?", (job_id,),
            ).fetchone()
            took_over = None
            if row is not None:
                holder = ProcessIdentity(pid=int(row[1]), started=str(row[2]),
                                         host=str(row[3]), boot_id=str(row[4]))
                if not is_gone(holder):
                    who = ("this process" if holder.pid == me.pid and holder.host == me.host
                           else f"process {holder.pid} on {holder.host}")
                    raise JobBusyError(
                        code="job.busy",
                        params={"job_id": job_id, "purpose": row[0], "holder": who,
                                "since": row[5]},
                        holder_purpose=str(row[0]),
                        holder_pid=holder.pid,
                        holder_host=holder.host,
                        since=str(row[5]))
                took_over = holder
            conn.execute(
                "INSERT OR REPLACE INTO job_locks (job_id, token, purpose, pid, started, host,"
                " boot_id, since) VALUES (?,?,?,?,?,?,?,?)",
                (job_id, token, purpose, me.pid, me.started, me.host, me.boot_id, now),
            )
            self._bump_generation(conn)
        self._anchor_generation()
        lease = JobLease(job_id, purpose, token, me, now, took_over)
        self._leases()[job_id] = lease
        return lease

    def release_job_lock(self, lease: JobLease) -> None:
        """Give the lease back (only if it is still ours)."""
        if self._leases().get(lease.job_id) == lease:
            del self._held[lease.job_id]
        if self._conn is None:
            return
        with self._write() as conn:
            conn.execute("DELETE FROM job_locks WHERE job_id = ? AND token = ?",
                         (lease.job_id, lease.token))
            self._bump_generation(conn)
        self._anchor_generation()

    def job_lock_holder(self, job: str) -> tuple[str, ProcessIdentity, str] | None:
        """(purpose, holder, since) of the job's current lease, or None."""
        with self._read() as conn:
            job_id = self.find_job(job).id
            row = conn.execute(
                "SELECT purpose, pid, started, host, boot_id, since FROM job_locks"
                " WHERE job_id = ?", (job_id,),
            ).fetchone()
        if row is None:
            return None
        return (str(row[0]), ProcessIdentity(int(row[1]), str(row[2]), str(row[3]),
                                             str(row[4])), str(row[5]))
