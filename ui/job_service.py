"""The GUI's access to the job store, the signed catalog and the certified-model gate.

Every public method is a coroutine meant to run on the bridge's asyncio loop
(``bridge.submit(service.create_job(...))``); blocking store and catalog calls go through
``asyncio.to_thread``, so neither the GUI thread nor the loop ever waits on SQLite or HTTP.
Nothing here imports Qt: the window turns the plain values returned here into widgets.

Expected problems (a duplicate job number, a catalog past its grace period, a malformed label,
a device that is not blocked...) come back as a :class:`Failure` value rather than an exception,
so the window can show a specific, translated message next to the core's own explanation.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypeVar

from commissioner.cli.catalog import config_from_args
from commissioner.discovery.events import DeviceRecord
from commissioner.errors import UserError
from commissioner.jobs import schema
from commissioner.jobs.firmware_models import FirmwareHistoryEntry, FirmwareStatus
from commissioner.jobs.models import JSON, DeviceGateState, Job, ProvisioningDevice
from commissioner.jobs.recording import record_devices
from commissioner.jobs.store import (
    DeviceNotBlockedError,
    DeviceNotInJobError,
    JobClosedError,
    JobNotFoundError,
    JobStore,
    JobStoreError,
)
from commissioner.protocol.firmware_manifest import parse_version
from commissioner.protocol.label import encode_label
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.vault import SecretVault
from commissioner.trust.catalog import CatalogError, async_get_catalog
from commissioner.trust.gate import DeviceVerdict, GateTarget, LabelFacts, certify_home
from commissioner.trust.label_records import add_labels, refresh_labels
from commissioner.trust.labels import LabelInputError, parse_payload, read_label_image

T = TypeVar("T")

FailureKind = Literal[
    "store",
    "invalid",
    "not-found",
    "closed",
    "catalog",
    "no-devices",
    "not-blocked",
    "not-in-job",
    "label",
    "keyring",
    "ble",
    "provisioning",
    "firmware",
]
DEFAULT_GATE_TIMEOUT: Final = 5.0


@dataclass(frozen=True, slots=True)
class Failure:
    """An expected problem, with the core's (English) message and what to do about it."""

    kind: FailureKind
    message: str
    hint: str | None = None
    code: str | None = None  # e.g. the CatalogError reason code ("grace-expired")

    def describe(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


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
    (blocking: call it in a worker thread)."""
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


@dataclass(frozen=True, slots=True)
class JobOpened:
    job: Job
    gate: tuple[DeviceGateState, ...]
    progress: JobProgress | None = None  # provisioning and firmware already recorded


@dataclass(frozen=True, slots=True)
class CertifyResult:
    job: Job  # with the catalog version and refresh time it was checked against
    verdicts: tuple[DeviceVerdict, ...]
    gate: tuple[DeviceGateState, ...]


@dataclass(frozen=True, slots=True)
class LabelResult:
    device_id: str
    model: str
    serial: str
    status: str  # paired | pending | mismatch | unmatched
    reason: str
    gate: tuple[DeviceGateState, ...]


class JobService:
    """One job store file (kept open while the app runs) plus where the catalog comes from."""

    def __init__(
        self,
        store_path: Path,
        *,
        data_dir: Path,
        virtual_home: Path | None = None,
        gate_timeout: float = DEFAULT_GATE_TIMEOUT,
    ) -> None:
        self.store_path = Path(store_path)
        self.data_dir = Path(data_dir)
        self.virtual_home = virtual_home
        self.gate_timeout = gate_timeout
        self._store: JobStore | None = None
        self._lock = threading.Lock()

    # -- plumbing --------------------------------------------------------------------------
    def _get_store(self) -> JobStore:
        with self._lock:
            if self._store is None:
                self._store = JobStore.open(self.store_path)
            return self._store

    async def _call(self, fn: Callable[[JobStore], T]) -> T | Failure:
        def run() -> T:
            return fn(self._get_store())

        try:
            return await asyncio.to_thread(run)
        except JobNotFoundError as err:
            return Failure("not-found", str(err))
        except JobClosedError as err:
            return Failure("closed", str(err), "open a new job for new work")
        except DeviceNotBlockedError as err:
            return Failure("not-blocked", str(err))
        except DeviceNotInJobError as err:
            return Failure("not-in-job", str(err), "scan for devices first")
        except (JobStoreError, schema.SchemaError, OSError) as err:
            return Failure("store", str(err))
        except UserError as err:
            return Failure("store", str(err), err.hint)
        except ValueError as err:
            return Failure("invalid", str(err))

    async def close(self) -> None:
        """Close the store (registered as a bridge cleanup)."""

        def close() -> None:
            with self._lock:
                store, self._store = self._store, None
            if store is not None:
                store.close()

        await asyncio.to_thread(close)

    # -- jobs ------------------------------------------------------------------------------
    async def create_job(
        self,
        *,
        job_number: str,
        site_name: str,
        site_address: str,
        service_level: int,
        operator: str,
    ) -> Job | Failure:
        """Create the job; returns only once its COMMIT returned."""
        return await self._call(
            lambda s: s.create_job(
                job_number=job_number,
                site_name=site_name,
                site_address=site_address,
                service_level=service_level,
                operator=operator,
            )
        )

    async def list_open_jobs(self) -> list[Job] | Failure:
        return await self._call(lambda s: s.list_jobs("open"))

    async def open_job(self, ref: str) -> JobOpened | Failure:
        """The job with this id or job number (open ones only), what the gate recorded and
        the devices' provisioning and firmware state."""

        def run(store: JobStore) -> JobOpened:
            job = store.find_job(ref)
            if job.is_closed:
                raise JobClosedError(f"job {job.id} ({job.job_number}) is closed")
            return JobOpened(job, tuple(store.gate_states(job.id)), read_progress(store, job.id))

        return await self._call(run)

    async def job_progress(self, job_id: str) -> JobProgress | Failure:
        """The provisioning and firmware state the job already records (nothing is run)."""
        return await self._call(lambda s: read_progress(s, job_id))

    async def record_discovery(
        self,
        job_id: str,
        devices: Sequence[DeviceRecord],
        malformed: Sequence[Mapping[str, JSON]] = (),
    ) -> int | Failure:
        """Record devices seen while the job is open ('discovery.seen' for new ones)."""
        return await self._call(lambda s: record_devices(s, job_id, devices, malformed))

    # -- the gate --------------------------------------------------------------------------
    def catalog_config_args(self) -> argparse.Namespace:
        return argparse.Namespace(
            data_dir=self.data_dir, virtual_home=self.virtual_home, url=None, root=None
        )

    async def certify(
        self, job_id: str, devices: Sequence[DeviceRecord]
    ) -> CertifyResult | Failure:
        """Certify ``devices`` for the job against the signed catalog and record each verdict.

        A catalog that is missing, fails a security check or is past its offline grace period
        is a :class:`Failure` of kind "catalog" and nothing is recorded.
        """
        if not devices:
            return Failure(
                "no-devices",
                "no devices have been found yet",
                "start a scan and wait for the devices to appear",
            )
        try:
            config = await asyncio.to_thread(config_from_args, self.catalog_config_args())
            catalog = await async_get_catalog(config)
        except CatalogError as err:
            return Failure("catalog", err.message, err.hint, err.reason_code)
        except UserError as err:
            return Failure("catalog", str(err), err.hint)

        def prepare(store: JobStore) -> tuple[Job, dict[str, LabelFacts]]:
            job = store.find_job(job_id)
            if job.is_closed:
                raise JobClosedError(f"job {job.id} is closed")
            record_devices(store, job.id, devices)
            job = store.set_job_catalog(job.id, catalog.version, catalog.refreshed_at)
            labels = {
                lab.device_id: LabelFacts(
                    lab.device_id, lab.manufacturer, lab.model, lab.serial, lab.kind
                )
                for lab in store.labels(job.id)
            }
            return job, labels

        prepared = await self._call(prepare)
        if isinstance(prepared, Failure):
            return prepared
        job, labels = prepared
        verdicts = await certify_home(
            [GateTarget.from_record(r) for r in devices],
            catalog,
            job.service_level,
            labels=labels,
            timeout=self.gate_timeout,
        )

        def save(store: JobStore) -> tuple[DeviceGateState, ...]:
            for verdict in verdicts:
                store.record_verdict(job.id, verdict)
            refresh_labels(store, job.id)
            return tuple(store.gate_states(job.id))

        gate = await self._call(save)
        if isinstance(gate, Failure):
            return gate
        return CertifyResult(job, tuple(verdicts), gate)

    async def mark_to_replace(
        self, job_id: str, device_id: str, reason: str
    ) -> tuple[DeviceGateState, ...] | Failure:
        """Mark a blocked device "to be replaced" (there is no override to certify it)."""

        def run(store: JobStore) -> tuple[DeviceGateState, ...]:
            store.mark_to_replace(job_id, device_id, reason)
            return tuple(store.gate_states(job_id))

        return await self._call(run)

    async def add_label(self, job_id: str, payload: str) -> LabelResult | Failure:
        """Pair a typed or scanned label payload with the job's devices and record it.

        The setup code is never stored (see :mod:`commissioner.trust.labels`).
        """
        try:
            label = parse_payload(payload)
        except LabelInputError as err:
            return Failure("label", str(err), err.hint)

        def run(store: JobStore) -> LabelResult:
            job = store.find_job(job_id)
            # The setup code is kept (encrypted under the keyring's master key) for
            # provisioning and firmware updates; without a usable keyring only the public
            # fields are recorded.
            try:
                vault: SecretVault | None = open_vault(store)
            except UserError:
                vault = None
            (result,) = add_labels(store, job, [label], vault=vault)
            return LabelResult(
                device_id=str(result["device_id"]),
                model=str(result["model"]),
                serial=str(result["serial"]),
                status=str(result["status"]),
                reason=str(result["reason"] or ""),
                gate=tuple(store.gate_states(job.id)),
            )

        return await self._call(run)

    async def label_image_payloads(self, path: Path) -> list[str] | Failure:
        """The label payloads of every device QR code in a photo or scan of labels."""
        try:
            labels = await asyncio.to_thread(read_label_image, path)
        except LabelInputError as err:
            return Failure("label", str(err), err.hint)
        return [encode_label(label) for label in labels]


__all__ = [
    "CertifyResult",
    "DeviceProgress",
    "Failure",
    "JobOpened",
    "JobProgress",
    "JobService",
    "LabelResult",
    "read_progress",
]
