"""What a job already records per device: provisioning and firmware (nothing is run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from commissioner.jobs.firmware_models import FirmwareHistoryEntry, FirmwareStatus
from commissioner.jobs.models import ProvisioningDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.firmware_manifest import parse_version

FirmwareState = Literal["latest", "outdated", "vulnerable", "ahead", "unknown"]


@dataclass(frozen=True, slots=True)
class DeviceProgress:
    """What the job already holds for one device: its provisioning and firmware records."""

    device_id: str
    provisioning: ProvisioningDevice | None = None
    firmware: FirmwareStatus | None = None  # the version last verified running
    last_update: FirmwareHistoryEntry | None = None  # the latest update attempt

    @property
    def firmware_state(self) -> FirmwareState | None:
        """How the verified version compares with the catalog's latest (None: not checked)."""
        status = self.firmware
        if status is None:
            return None
        if status.vulnerable:
            return "vulnerable"
        if status.latest is None:
            return "unknown"
        try:
            running, latest = parse_version(status.version), parse_version(status.latest)
        except ValueError:
            return "latest" if status.version == status.latest else "outdated"
        if running < latest:
            return "outdated"
        return "ahead" if running > latest else "latest"


@dataclass(frozen=True, slots=True)
class JobProgress:
    """The provisioning and firmware state recorded in a job, by device id."""

    job_id: str
    devices: tuple[DeviceProgress, ...] = ()

    def device(self, device_id: str) -> DeviceProgress | None:
        return next((d for d in self.devices if d.device_id == device_id), None)


def read_progress(store: JobStore, job_id: str) -> JobProgress:
    """The job's provisioning status, verified firmware and last update attempt per device
    (blocking: call it in a worker thread from async code)."""
    provisioning = {p.device_id: p for p in store.provisioning_devices(job_id)}
    firmware = {f.device_id: f for f in store.firmware_statuses(job_id)}
    history: dict[str, FirmwareHistoryEntry] = {}
    for entry in store.firmware_history(job_id):  # oldest first: the last one wins
        history[entry.device_id] = entry
    ids = sorted(set(provisioning) | set(firmware) | set(history))
    return JobProgress(
        job_id,
        tuple(
            DeviceProgress(i, provisioning.get(i), firmware.get(i), history.get(i)) for i in ids
        ),
    )
