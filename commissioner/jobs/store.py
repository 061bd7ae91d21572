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

from commissioner.jobs.store_core import (
    ACTION_RE,
    BUSY_TIMEOUT_MS,
    JOB_ID_RE,
    MAX_ACTION,
    MAX_JOB_NUMBER,
    MAX_TEXT,
    MIN_SQLITE,
    AuditBrokenError,
    DeviceNotBlockedError,
    DeviceNotInJobError,
    JobClosedError,
    JobNotFoundError,
    JobStoreError,
    StoreCorruptError,
    StoreLockedError,
    new_job_id,
    normalise_job_id,
)
from commissioner.jobs.store_firmware import FirmwareRecords
from commissioner.jobs.store_gate import GateRecords
from commissioner.jobs.store_provisioning import ProvisioningRecords
from commissioner.jobs.store_secrets import SecretRecords

__all__ = [
    "ACTION_RE",
    "BUSY_TIMEOUT_MS",
    "JOB_ID_RE",
    "MAX_ACTION",
    "MAX_JOB_NUMBER",
    "MAX_TEXT",
    "MIN_SQLITE",
    "AuditBrokenError",
    "DeviceNotBlockedError",
    "DeviceNotInJobError",
    "JobClosedError",
    "JobNotFoundError",
    "JobStore",
    "JobStoreError",
    "StoreCorruptError",
    "StoreLockedError",
    "new_job_id",
    "normalise_job_id",
]


class JobStore(GateRecords, SecretRecords, ProvisioningRecords, FirmwareRecords):
    """The job store: the core (jobs, devices, step log) plus one record mixin per feature."""
