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

from PySide6.QtCore import QCoreApplication

from commissioner.app import devices as app_devices
from commissioner.app import jobs as app_jobs
from commissioner.app import labels as app_labels
from commissioner.app.certify import certify as app_certify
from commissioner.app.context import AppContext, JobNotOpenError, UnknownJobError, make_context
from commissioner.app.devices import NotBlockedError, NotInJobError
from commissioner.app.job_steps import JobSteps, job_steps
from commissioner.app.jobs import JobOpened
from commissioner.app.labels import LabelSource
from commissioner.app.progress import DeviceProgress, JobProgress, read_progress
from commissioner.backends.echonet import FAMILY_ECHONET
from commissioner.discovery.events import DeviceRecord, Sighting
from commissioner.discovery.recording import record_devices
from commissioner.errors import UserError
from commissioner.jobs import schema
from commissioner.jobs.models import JSON, DeviceGateState, Job, JobDevice
from commissioner.jobs.store import (
    DeviceNotBlockedError,
    DeviceNotInJobError,
    JobClosedError,
    JobNotFoundError,
    JobStore,
    JobStoreError,
)
from commissioner.messages import Language, render, render_fix
from commissioner.protocol.label import encode_label
from commissioner.trust.catalog import CatalogConfig, CatalogError
from commissioner.trust.gate import DeviceVerdict
from commissioner.trust.labels import LabelInputError
from commissioner.trust.spoofing import SpoofingAttempt
from ui.i18n import current_language

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
    "resale",
    "device-change",
    "refused",  # a coded refusal of the core: its own message says the cause and next step
]
DEFAULT_GATE_TIMEOUT: Final = 5.0


@dataclass(frozen=True, slots=True)
class Failure:
    """An expected problem, with the core's (English) message and what to do about it."""

    kind: FailureKind
    message: str
    hint: str | None = None
    code: str | None = None  # e.g. the CatalogError reason code ("grace-expired")
    message_code: str | None = None  # the core's message code, rendered in the UI language
    params: Mapping[str, object] | None = None

    @classmethod
    def of(cls, kind: FailureKind, err: UserError, code: str | None = None,
           hint: str | None = None) -> Failure:
        """A refusal of the core, keeping its message code for the UI language."""
        return cls(kind, str(err), hint or err.hint, code, err.code, err.params)

    def describe(self, language: str | None = None) -> str:
        """The message and what to do, in ``language`` (default: the UI's language)."""
        message, hint = self.message, self.hint
        if self.message_code is not None:
            lang: Language = "ja" if (language or _ui_language()) == "ja" else "en"
            message = render(self.message_code, self.params, lang)
            hint = render_fix(self.message_code, self.params, lang)
        return f"{message}\n{hint}" if hint else message


def _ui_language() -> str:
    app = QCoreApplication.instance()
    return current_language(app) if app is not None else "en"


@dataclass(frozen=True, slots=True)
class CertifyResult:
    job: Job  # with the catalog version and refresh time it was checked against
    verdicts: tuple[DeviceVerdict, ...]
    gate: tuple[DeviceGateState, ...]
    spoofing: tuple[SpoofingAttempt, ...] = ()  # look-alikes of a device id (address each)
    # Equipment no mDNS scan lists (ECHONET Lite), found by the check: the table shows it.
    equipment: tuple[JobDevice, ...] = ()


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
        context: AppContext | None = None,
        read_box_labels: bool = False,
    ) -> None:
        self.store_path = Path(store_path)
        self.read_box_labels = read_box_labels  # training option: labels without a scan
        self.data_dir = Path(data_dir)
        self.virtual_home = virtual_home
        self.gate_timeout = gate_timeout
        self.context = context if context is not None else make_context(
            data_dir=self.data_dir, virtual_home=virtual_home, allow_unanchored=True,
            read_box_labels=read_box_labels,
        )
        self._store: JobStore | None = None
        self._lock = threading.Lock()

    # -- plumbing --------------------------------------------------------------------------
    def _get_store(self) -> JobStore:
        with self._lock:
            if self._store is None:
                self._store = self.context.open_store()
            return self._store

    async def _call(self, fn: Callable[[JobStore], T]) -> T | Failure:
        return await self._run(lambda: fn(self._get_store()))

    async def _run(self, fn: Callable[[], T]) -> T | Failure:
        """Run a blocking use case on a worker thread; expected problems become Failures."""
        try:
            return await asyncio.to_thread(fn)
        except CatalogError as err:
            return Failure.of("catalog", err, err.reason_code)
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
            return _failure_of(err)
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
        personal_data: bool | None = None,
        life_or_property: bool | None = None,
        reason: str | None = None,
    ) -> Job | Failure:
        """Create the job with the basis of its level; returns only once its COMMIT returned."""
        return await self._run(
            lambda: app_jobs.create_job(
                self.context, job_number=job_number, site_name=site_name,
                site_address=site_address, service_level=service_level, operator=operator,
                personal_data=personal_data, life_or_property=life_or_property, reason=reason,
            )
        )

    async def list_open_jobs(self) -> list[Job] | Failure:
        return await self._run(lambda: app_jobs.list_jobs(self.context, "open"))

    async def list_jobs(self) -> list[Job] | Failure:
        """Every job, newest first: open ones and handed-over ones (those open read-only)."""
        return await self._run(lambda: app_jobs.list_jobs(self.context))

    async def open_job(self, ref: str) -> JobOpened | Failure:
        """The job with this id or job number (open ones only), what the gate recorded and
        the devices' provisioning and firmware state."""
        return await self._run(lambda: app_jobs.open_for_work(self.context, ref))

    async def job_steps(self, job_id: str) -> JobSteps | Failure:
        """The job's steps in order with their state and blockers (from its records)."""
        return await self._call(lambda s: job_steps(s, job_id))

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
    def catalog_config(self) -> CatalogConfig:
        """Where this site's catalog comes from (blocking: reads the trust root)."""
        return self.context.catalog_config()

    def catalog_config_args(self) -> argparse.Namespace:
        """Deprecated: the options a CLI module would parse (use :meth:`catalog_config`)."""
        return argparse.Namespace(
            data_dir=self.data_dir, virtual_home=self.virtual_home, url=None, root=None
        )

    async def certify(
        self, job_id: str, devices: Sequence[DeviceRecord],
        contested: Mapping[str, Sequence[tuple[str, Sighting]]] | None = None,
    ) -> CertifyResult | Failure:
        """Certify the job's devices against the signed catalog and record each verdict: the
        ones discovery sees now (``devices``) and every device recorded earlier, re-checked at
        its last known address (the same use case as ``commissioner certify``).

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
            outcome = await app_certify(self.context, job_id, heard=list(devices),
                                        timeout=self.gate_timeout, contested=contested)
        except CatalogError as err:
            return Failure.of("catalog", err, err.reason_code)
        except UserError as err:
            return _failure_of(err)
        except (JobStoreError, schema.SchemaError, OSError) as err:
            return Failure("store", str(err))
        equipment = await self._call(lambda s: tuple(
            d for d in s.devices(job_id) if d.family == FAMILY_ECHONET))
        return CertifyResult(outcome.job, outcome.verdicts, outcome.gate, outcome.spoofing,
                             () if isinstance(equipment, Failure) else equipment)

    async def mark_to_replace(
        self, job_id: str, device_id: str, reason: str
    ) -> tuple[DeviceGateState, ...] | Failure:
        """Mark a blocked device "to be replaced" (there is no override to certify it)."""
        result = await self._run(
            lambda: app_devices.mark_to_replace(self.context, job_id, device_id, reason)
        )
        if isinstance(result, Failure):
            return result
        return result[1]

    async def add_label(self, job_id: str, payload: str, *,
                        source: LabelSource = "scanned") -> LabelResult | Failure:
        """Pair a typed or scanned label payload with the job's devices and record it.

        The setup code is never stored in clear (see :mod:`commissioner.trust.labels`).
        """
        try:
            label = app_labels.parse_payload(payload)
        except LabelInputError as err:
            return Failure.of("label", err)
        result = await self._run(
            lambda: app_labels.add_scanned_labels(self.context, job_id, [label],
                                                  require_vault=False, source=source)
        )
        if isinstance(result, Failure):
            return result
        (outcome,), gate = result
        return LabelResult(outcome.device_id, outcome.model, outcome.serial, outcome.status,
                           outcome.reason, gate)

    async def label_image_payloads(self, path: Path) -> list[str] | Failure:
        """The label payloads of every device QR code in a photo or scan of labels."""
        labels = await self._run(lambda: app_labels.read_label_image(path))
        if isinstance(labels, Failure):
            return labels
        return [encode_label(label) for label in labels]


def _failure_of(err: UserError) -> Failure:
    """A use case's refusal as the kind of failure the window explains."""
    kinds: tuple[tuple[type[UserError], FailureKind], ...] = (
        (LabelInputError, "label"), (JobNotOpenError, "closed"), (UnknownJobError, "not-found"),
        (NotBlockedError, "not-blocked"), (NotInJobError, "not-in-job"),
    )
    for cls, kind in kinds:
        if isinstance(err, cls):
            return Failure.of(kind, err)
    coded = err.code is not None and not err.code.startswith("store.")
    return Failure.of("refused" if coded else "store", err)


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
