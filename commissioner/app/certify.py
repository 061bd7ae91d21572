"""Certify: is every device of the job genuine and a certified model for the home's level?

One path for both faces. The devices judged are the job's: the ones heard now (by a scan run
here, or the live discovery a GUI passes in), the ones the site lists without hearing them
(training), and every device recorded earlier but not heard this time, checked at its last
known address (blocked as unreachable when it does not answer). Verdicts are recorded in the
job's step log; there is no override.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.scan import site_scan
from commissioner.backends.echonet import FAMILY_ECHONET
from commissioner.discovery.events import DeviceRecord
from commissioner.discovery.recording import record_devices
from commissioner.discovery.scan import malformed_to_json
from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState, Job, JobDevice
from commissioner.jobs.service_level import LevelBasis, level_basis
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.echonet import ECHONET_PORT
from commissioner.trust.gate import (
    DEFAULT_CONCURRENCY,
    DeviceVerdict,
    GateTarget,
    LabelFacts,
    certify_home,
)
from commissioner.trust.label_records import refresh_labels

NOT_ADVERTISED: Final = "(not advertised)"
DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_SCAN_TIMEOUT: Final = 5.0


@dataclass(frozen=True, slots=True)
class CertifyOutcome:
    job: Job  # with the catalog version and refresh time it was checked against
    catalog: Catalog
    verdicts: tuple[DeviceVerdict, ...]
    gate: tuple[DeviceGateState, ...]
    level: LevelBasis | None = None  # the level's basis given the kinds found

    @property
    def blocked(self) -> tuple[DeviceVerdict, ...]:
        return tuple(v for v in self.verdicts if v.blocked)


def target_of(device: JobDevice) -> GateTarget:
    """Where the gate reaches a recorded device, and what it advertised; the recorded family
    picks the backend (ECHONET Lite equipment answers on UDP 3610 at its last address)."""
    echonet = device.family == FAMILY_ECHONET
    return GateTarget(
        device_id=device.device_id,
        host=device.address if device.port is not None or echonet else None,
        port=ECHONET_PORT if echonet else device.port,
        family=device.family,
        role=device.role,
        kind=device.kind,
        # A device listed by the site but never heard has no advertised identity to compare.
        advertised_manufacturer="" if device.manufacturer == NOT_ADVERTISED
        else device.manufacturer,
        advertised_model="" if device.model == NOT_ADVERTISED else device.model,
    )


def label_facts(store: JobStore, job_id: str) -> dict[str, LabelFacts]:
    return {
        lab.device_id: LabelFacts(lab.device_id, lab.manufacturer, lab.model, lab.serial, lab.kind)
        for lab in store.labels(job_id)
    }


def _add_listed(ctx: AppContext, store: JobStore, job_id: str, heard: set[str]) -> None:
    """Record the site's listed devices that were not heard (training homes)."""
    known = {d.device_id for d in store.devices(job_id)}
    at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    for d in ctx.site.listed_devices():
        if d.device_id in heard or d.device_id in known:
            continue
        store.upsert_device(job_id, JobDevice(
            device_id=d.device_id, role=d.role, kind=d.kind,
            manufacturer=d.manufacturer or NOT_ADVERTISED, model=d.model or NOT_ADVERTISED,
            firmware="0.0.0", state="unknown", transports=("home-file",), address=d.host,
            port=None if d.family == FAMILY_ECHONET else d.port, first_seen=at, last_seen=at,
            status="listed", family=d.family,
        ))


async def certify(
    ctx: AppContext,
    job_ref: str,
    *,
    heard: Sequence[DeviceRecord] | None = None,
    online: bool = True,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per device
    concurrency: int = DEFAULT_CONCURRENCY,
    catalog: Catalog | None = None,
) -> CertifyOutcome:
    """Load the verified catalog, find the devices (scan unless ``heard`` is given), certify
    every device of the job and record each verdict.

    A catalog that is missing, fails a security check or is past its offline grace period
    raises :class:`commissioner.trust.catalog.CatalogError` and nothing is recorded."""
    ctx.require("certify")
    if not 0 < timeout <= 120:
        raise UserError("the per-device timeout must be between 0 and 120 seconds")
    if not 0 < scan_timeout <= 600:
        raise UserError("the scan time must be between 0 and 600 seconds")
    if not 1 <= concurrency <= 256:
        raise UserError("the concurrency must be between 1 and 256")
    def opened() -> Job:
        with ctx.store() as store:
            return open_job(store, job_ref)

    job = await asyncio.to_thread(opened)  # SQLite never on the loop thread
    if catalog is None:
        catalog = await asyncio.to_thread(ctx.catalog, online=online)
    malformed: list[dict[str, Any]] = []
    if heard is None:
        result = await site_scan(ctx, scan_timeout, expect=ctx.site.expected_count())
        heard = result.devices
        malformed = [malformed_to_json(m) for m in result.malformed]
    ours = ctx.site.own_device_ids()
    if ours is not None:
        # Training: loopback mDNS is shared with any other virtual home on this computer.
        heard = [r for r in heard if r.device_id in ours]
    heard_by_id = {r.device_id: r for r in heard}

    def prepare() -> tuple[Job, list[GateTarget], dict[str, LabelFacts]]:
        with ctx.store() as store:
            fresh = open_job(store, job.id)
            record_devices(store, fresh.id, list(heard_by_id.values()), malformed)
            _add_listed(ctx, store, fresh.id, set(heard_by_id))
            fresh = store.set_job_catalog(fresh.id, catalog.version, catalog.refreshed_at)
            devices = store.devices(fresh.id)
            if not devices:
                raise UserError(
                    "no devices were found for this job",
                    hint="check that the devices are powered and on this network "
                    "(mDNS interfaces in the settings)",
                )
            targets = [GateTarget.from_record(heard_by_id[d.device_id])
                       if d.device_id in heard_by_id else target_of(d) for d in devices]
            return fresh, targets, label_facts(store, fresh.id)

    job, targets, labels = await asyncio.to_thread(prepare)
    verdicts = await certify_home(targets, catalog, job.service_level, concurrency=concurrency,
                                  labels=labels, timeout=timeout)

    def save() -> tuple[tuple[DeviceGateState, ...], LevelBasis]:
        with ctx.store() as store:
            for verdict in verdicts:
                store.record_verdict(job.id, verdict)
            refresh_labels(store, job.id)
            return tuple(store.gate_states(job.id)), _level_finding(store, job)

    gate, basis = await asyncio.to_thread(save)
    return CertifyOutcome(job, catalog, tuple(verdicts), gate, basis)


def _level_finding(store: JobStore, job: Job) -> LevelBasis:
    """The level's basis now the kinds are known; a level below the suggestion with no
    reason is recorded as a finding (handover stays blocked until a reason is recorded)."""
    basis = level_basis(job, (d.kind for d in store.devices(job.id)))
    if basis.needs_reason:
        store.append_step(job.id, "job.level-finding", {
            "service_level": basis.level, "suggested_level": basis.suggested_level,
            "suggested_by": list(basis.suggested_by)})
    return basis
