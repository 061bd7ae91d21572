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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.scan import site_scan
from commissioner.backends.echonet import FAMILY_ECHONET
from commissioner.discovery.events import DeviceRecord, Sighting
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
from commissioner.trust.spoofing import SpoofingAttempt, resolve_contested

SPOOFING_STEP: Final = "discovery.spoofing-attempt"

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
    # Advertisements that claimed a device id their endpoint could not prove while another
    # endpoint did (the genuine device is judged, the impostor reported with its address).
    spoofing: tuple[SpoofingAttempt, ...] = ()

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
    contested: Mapping[str, Sequence[tuple[str, Sighting]]] | None = None,
) -> CertifyOutcome:
    """Load the verified catalog, find the devices (scan unless ``heard`` is given), certify
    every device of the job and record each verdict.

    A device id that two advertisements claim (the scan's, or ``contested`` from a face's own
    discovery) is settled first: each endpoint is asked to prove the id, the one whose
    attestation verifies is the one judged, and every other is recorded as a spoofing attempt
    with its address (step ``discovery.spoofing-attempt``, a malformed advertisement of the
    job, and :attr:`CertifyOutcome.spoofing`).

    A catalog that is missing, fails a security check or is past its offline grace period
    raises :class:`commissioner.trust.catalog.CatalogError` and nothing is recorded."""
    ctx.require("certify")
    if not 0 < timeout <= 120:
        raise UserError(
            code="value.out-of-range", params={"option": "--timeout", "low": 0, "high": 120})
    if not 0 < scan_timeout <= 600:
        raise UserError(
            code="value.out-of-range", params={"option": "--scan-timeout", "low": 0, "high": 600})
    if not 1 <= concurrency <= 256:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 256})
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
        contested = result.contested if contested is None else contested
    ours = ctx.site.own_device_ids()
    if ours is not None:
        # Training: loopback mDNS is shared with any other virtual home on this computer.
        heard = [r for r in heard if r.device_id in ours]
    heard_by_id = {r.device_id: r for r in heard}
    spoofing = await _settle_claims(heard_by_id, malformed, contested or {}, catalog,
                                    job.service_level, timeout)

    def prepare() -> tuple[Job, list[GateTarget], dict[str, LabelFacts]]:
        with ctx.store() as store:
            fresh = open_job(store, job.id)
            record_devices(store, fresh.id, list(heard_by_id.values()), malformed)
            for attempt in spoofing:
                store.append_step(fresh.id, SPOOFING_STEP, attempt.to_json(),
                                  device_id=attempt.device_id)
            _add_listed(ctx, store, fresh.id, set(heard_by_id))
            fresh = store.set_job_catalog(fresh.id, catalog.version, catalog.refreshed_at)
            devices = store.devices(fresh.id)
            if not devices:
                raise UserError(code="certify.no-devices")
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
    return CertifyOutcome(job, catalog, tuple(verdicts), gate, basis, spoofing)


async def _settle_claims(
    heard_by_id: dict[str, DeviceRecord],
    malformed: list[dict[str, Any]],
    contested: Mapping[str, Sequence[tuple[str, Sighting]]],
    catalog: Catalog,
    service_level: int,
    timeout: float,  # noqa: ASYNC109 - per endpoint
) -> tuple[SpoofingAttempt, ...]:
    """Settle each heard device id that several advertisements claim (in place): the record
    keeps the endpoint that proved the id; the others become spoofing attempts."""
    claims = {i: c for i, c in contested.items() if i in heard_by_id and len(c) > 1}
    if not claims:
        return ()
    attempts: list[SpoofingAttempt] = []
    for settled in await resolve_contested(claims, catalog, service_level, timeout=timeout):
        if settled.kept is None:
            continue
        source, sighting = settled.kept
        record = heard_by_id[settled.device_id]
        heard_by_id[settled.device_id] = DeviceRecord(
            record.device_id, {**record.sightings, sighting.transport: sighting})
        sources = {s for s, _ in claims[settled.device_id]}
        malformed[:] = [m for m in malformed if m.get("source") not in sources]
        for attempt in settled.attempts:
            malformed.append({
                "transport": sighting.transport, "source": attempt.source,
                "reason": f"spoofing attempt: claims device id {attempt.device_id!r} from "
                          f"{attempt.endpoint} but cannot prove it ({attempt.reason_code}); "
                          f"the genuine device answers as {source!r}",
            })
            attempts.append(attempt)
    return tuple(attempts)


def _level_finding(store: JobStore, job: Job) -> LevelBasis:
    """The level's basis now the kinds are known; a level below the suggestion with no
    reason is recorded as a finding (handover stays blocked until a reason is recorded)."""
    basis = level_basis(job, (d.kind for d in store.devices(job.id)))
    if basis.needs_reason:
        store.append_step(job.id, "job.level-finding", {
            "service_level": basis.level, "suggested_level": basis.suggested_level,
            "suggested_by": list(basis.suggested_by)})
    return basis
