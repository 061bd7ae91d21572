"""The job store: :class:`JobStore` combines the core (connection, jobs, devices, the step log;
:mod:`commissioner.jobs.store_core`, which states the durability contract) with one record
mixin per feature. Import the store and its errors from here."""

from __future__ import annotations

from commissioner.jobs.store_core import (
    ACTION_RE,
    BUSY_TIMEOUT_MS,
    JOB_ID_RE,
    MAX_ACTION,
    MAX_JOB_NUMBER,
    MAX_TEXT,
    MIN_SQLITE,
    new_job_id,
    normalise_job_id,
)
from commissioner.jobs.store_errors import (
    AuditBrokenError,
    DeviceNotBlockedError,
    DeviceNotInJobError,
    JobBusyError,
    JobClosedError,
    JobNotFoundError,
    JobStoreError,
    StoreCorruptError,
    StoreFullError,
    StoreLockedError,
    StoreLostError,
    StoreReadOnlyError,
)
from commissioner.jobs.store_firmware import FirmwareRecords
from commissioner.jobs.store_followup import FollowupRecords
from commissioner.jobs.store_gate import GateRecords
from commissioner.jobs.store_jobs import JobRecords
from commissioner.jobs.store_lock import JobLease, JobLocks
from commissioner.jobs.store_provisioning import ProvisioningRecords
from commissioner.jobs.store_secrets import SecretRecords
from commissioner.jobs.store_transfer import TransferRecords

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
    "JobBusyError",
    "JobClosedError",
    "JobLease",
    "JobNotFoundError",
    "JobStore",
    "JobStoreError",
    "StoreCorruptError",
    "StoreFullError",
    "StoreLockedError",
    "StoreLostError",
    "StoreReadOnlyError",
    "new_job_id",
    "normalise_job_id",
]


class JobStore(JobRecords, GateRecords, SecretRecords, ProvisioningRecords, FirmwareRecords,
               JobLocks, FollowupRecords, TransferRecords):
    """The job store: the core (jobs, devices, step log) plus one record mixin per feature."""
