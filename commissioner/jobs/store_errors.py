"""The job store's errors. Those an operator can act on directly (a job another run holds, a
full or read-only disk, a lost store) are also :class:`~commissioner.errors.UserError` with
the fix as their hint."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from commissioner.errors import UserError
from commissioner.jobs.audit import AuditResult


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


def sealed_job_hint(job_id: str) -> str:
    """What to do instead of changing a handed-over (sealed) job."""
    return (f"to check the home run `commissioner verify --job {job_id}`; to fix a finding "
            f"`commissioner remediate --job {job_id} FINDING DEVICE`; for a new owner start a "
            f"resale job (`commissioner job new --kind resale --from-job {job_id} ...`); for "
            "other new work open a new job")


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


class JobBusyError(JobStoreError, UserError):
    """Another live run holds the job's lock (one writer per job)."""

    def __init__(self, message: str | None = None, *, holder_purpose: str, holder_pid: int,
                 holder_host: str, since: str, code: str = "job.busy",
                 params: Mapping[str, object] | None = None) -> None:
        UserError.__init__(self, message, code=code, params=params)
        self.holder_purpose = holder_purpose
        self.holder_pid = holder_pid
        self.holder_host = holder_host
        self.since = since


class StoreFullError(JobStoreError, UserError):
    """The disk holding the job store is full; the write was rolled back."""

    def __init__(self, message: str | None = None, *, code: str = "store.full",
                 params: Mapping[str, object] | None = None) -> None:
        UserError.__init__(self, message, code=code, params=params)


class StoreReadOnlyError(JobStoreError, UserError):
    """The job store's file or its disk cannot be written; the write was rolled back."""

    def __init__(self, message: str | None = None, *, code: str = "store.read-only",
                 params: Mapping[str, object] | None = None) -> None:
        UserError.__init__(self, message, code=code, params=params)


class StoreLostError(JobStoreError, UserError):
    """The job store vanished, was truncated, rolled back or replaced by another file."""

    def __init__(self, message: str | None = None, *, code: str = "store.lost",
                 params: Mapping[str, object] | None = None) -> None:
        UserError.__init__(self, message, code=code, params=params)

# --- storage faults ------------------------------------------------------------------------

_SQLITE_READONLY: Final = 8
_SQLITE_IOERR: Final = 10
_SQLITE_FULL: Final = 13
_SQLITE_CANTOPEN: Final = 14


def _disk_state(path: Path) -> str | None:
    """'read-only' or 'full' if the folder holding ``path`` is so, else None."""
    try:
        st = os.statvfs(path.parent)
    except (OSError, AttributeError):
        return None
    if st.f_flag & getattr(os, "ST_RDONLY", 1):
        return "read-only"
    if st.f_bavail * st.f_frsize < 64 * 1024:
        return "full"
    return None


def _full(path: Path) -> StoreFullError:
    return StoreFullError(code="store.full", params={"path": path})


def _read_only(path: Path) -> StoreReadOnlyError:
    return StoreReadOnlyError(code="store.read-only", params={"path": path})


def _storage_fault(err: sqlite3.Error, path: Path) -> JobStoreError | None:
    """The operator-facing error for a full or read-only disk under SQLite, else None."""
    code = int(getattr(err, "sqlite_errorcode", -1)) & 0xFF
    if code == _SQLITE_FULL:
        return _full(path)
    if code == _SQLITE_READONLY:
        return _read_only(path)
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN) or "disk I/O error" in str(err):
        state = _disk_state(path)
        if state == "read-only":
            return _read_only(path)
        if state == "full":
            return _full(path)
    return None


def _fault_from_os(err: OSError, path: Path) -> JobStoreError | OSError:
    if err.errno == errno.ENOSPC:
        return _full(path)
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _read_only(path)
    return err
