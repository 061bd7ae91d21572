"""Firmware: update a job's devices to the catalog's latest signed image; preload images;
a job's firmware status.

:func:`update_firmware` loads the signed catalog (online, or the verified offline cache), plans
every certified device of the job (running version read over its attested TLS connection),
updates the ones behind the latest firmware and records every attempt in the job (history +
``firmware.*`` steps). It then says which devices still block closing the job, and why.

Credentials: the job's own (admin proof + commissioner certificate once a device is
commissioned, its scanned label before); on a training site also the training home's box
labels.

A device that rebooted into its new firmware may come back on another address or port. It is
looked up again by its device id: first where the site says it is (training home), then over
mDNS on the context's interfaces (:class:`~commissioner.firmware.locate.MdnsResolver`; never
on interfaces nobody chose). Only where to connect comes from there; the attested identity and
the version read over TLS confirm the update, never the advertisement.

Events (``operation="firmware"``): ``plan`` per device (``detail``: PlanItem), ``progress``
(``detail``: UpdateProgress; at most every ``progress_interval`` s per device unless the phase
changes or the transfer ends), ``result`` (``detail``: UpdateResult).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Final

from commissioner.app.context import AppContext, find_job, open_job
from commissioner.app.errors import NoDevicesError
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.keyring import open_job_vault
from commissioner.app.site import Site
from commissioner.errors import UserError
from commissioner.firmware.access import ManagementAccess
from commissioner.firmware.cache import (
    FirmwareCache,
    FirmwareImageError,
    ImageProvider,
    VerifiedImage,
    preload,
)
from commissioner.firmware.history import (
    firmware_blockers,
    reconcile,
    record_plan,
    record_result,
)
from commissioner.firmware.locate import MdnsResolver, chain
from commissioner.firmware.plan import DeviceEndpoint, PlanItem, plan_home
from commissioner.firmware.push import (
    DEFAULT_CONCURRENCY,
    Resolver,
    UpdateOptions,
    UpdateProgress,
    UpdateResult,
    update_home,
)
from commissioner.jobs.firmware_models import FirmwareHistoryEntry, FirmwareStatus
from commissioner.jobs.store import JobStore
from commissioner.provisioning.management import JobAccess
from commissioner.trust.gate import trust_store_for

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_REBOOT_TIMEOUT",
    "FirmwareReport",
    "FirmwareRun",
    "device_locator",
    "firmware_status",
    "preload_firmware",
    "site_resolver",
    "update_firmware",
]

DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_REBOOT_TIMEOUT: Final = 180.0
PROGRESS_INTERVAL: Final = 0.05  # seconds between two transfer reports of one device
NO_ADDRESS: Final = "the device has no network address in this job"


@dataclass(frozen=True, slots=True)
class FirmwareRun:
    job_id: str
    catalog_version: int
    plan: tuple[PlanItem, ...]
    results: tuple[UpdateResult, ...]
    blockers: tuple[tuple[str, str], ...]  # (device id, why it is not on the latest firmware)
    failures: tuple[tuple[str, str], ...] = field(default=())  # devices not even planned

    @property
    def ok(self) -> bool:
        return not self.blockers


@dataclass(frozen=True, slots=True)
class FirmwareReport:
    """A job's firmware history, the versions verified running, what blocks closing."""

    job_id: str
    history: tuple[FirmwareHistoryEntry, ...]
    running: tuple[FirmwareStatus, ...]
    blockers: tuple[tuple[str, str], ...]


def site_resolver(site: Site) -> Resolver:
    """Where the site says a device is now (training home; a field site never knows)."""

    async def resolve(device_id: str) -> DeviceEndpoint | None:
        found = await site.locate(device_id)
        return DeviceEndpoint(device_id, *found) if found is not None else None

    return resolve


@contextlib.asynccontextmanager
async def device_locator(ctx: AppContext) -> AsyncIterator[Resolver]:
    """Where a rebooted device is now: the site's answer first (training home), then what it
    announces over mDNS on the context's interfaces (the browser stops with the block)."""
    async with MdnsResolver(ctx.mdns_interfaces) as mdns:
        yield chain(site_resolver(ctx.site), mdns)


class _Reporter:
    """Pass on a device's transfer report when its phase changes, when the transfer ends, or
    at most every ``interval`` s (chunks arrive far faster than anyone can read them)."""

    def __init__(self, sink: EventSink, interval: float) -> None:
        self._sink, self._interval = sink, interval
        self._last: dict[str, tuple[object, float]] = {}

    def __call__(self, p: UpdateProgress) -> None:
        now = time.monotonic()
        before = self._last.get(p.device_id)
        if (before is not None and before[0] == p.phase and now - before[1] < self._interval
                and p.bytes_done < p.bytes_total):
            return
        self._last[p.device_id] = (p.phase, now)
        self._sink(Event("firmware", "progress", p.device_id, code=p.phase.value,
                         params={"message": p.message, "bytes_done": p.bytes_done,
                                 "bytes_total": p.bytes_total},
                         fraction=p.fraction, detail=p))


def _targets(
    store: JobStore, job_id: str, site: Site, heard: Mapping[str, tuple[str, int]] | None,
    only: Sequence[str] | None,
) -> tuple[list[DeviceEndpoint], list[tuple[str, str]]]:
    """Certified devices of the job and where they are: the job's scan record < what the
    face last heard < where the site says."""
    where = dict(heard or {})
    where.update(site.endpoints())
    gate = {g.device_id: g for g in store.gate_states(job_id)}
    endpoints: list[DeviceEndpoint] = []
    unaddressed: list[tuple[str, str]] = []
    wanted = None if only is None else set(only)
    for d in store.devices(job_id):
        g = gate.get(d.device_id)
        if g is None or g.verdict != "certified" or g.replace_flag:
            continue
        if wanted is not None and d.device_id not in wanted:
            continue
        found = where.get(d.device_id)
        host, port = found if found is not None else (d.address, d.port)
        if host is None or port is None:
            unaddressed.append((d.device_id, NO_ADDRESS))
        else:
            endpoints.append(DeviceEndpoint(d.device_id, host, port))
    return endpoints, unaddressed


async def update_firmware(
    ctx: AppContext,
    job_key: str,
    *,
    sink: EventSink = ignore,
    addresses: Mapping[str, tuple[str, int]] | None = None,
    device_ids: Sequence[str] | None = None,
    offline: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    reboot_timeout: float = DEFAULT_REBOOT_TIMEOUT,
    progress_interval: float = PROGRESS_INTERVAL,
    catalog_url: str | None = None,
    catalog_root: Path | None = None,
    sealed: bool = False,
    access: ManagementAccess | None = None,
) -> FirmwareRun:
    """Plan, push and confirm the latest firmware on every certified device of the job
    (``device_ids``: only these). Resumable: run again after a failure.

    ``sealed``: a remediation on a handed-over job - the job must be sealed, nothing is
    written to it (the caller records the run in the follow-up log) and ``access`` may give
    the credentials a visit after handover holds."""
    ctx.require("remediate" if sealed else "firmware")
    if not 1 <= concurrency <= 64:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 64})
    if not 0 < timeout <= 120 or not 0 < reboot_timeout <= 3600:
        raise UserError(code="firmware.timeouts-out-of-range")
    config = await asyncio.to_thread(ctx.catalog_config, url=catalog_url, root=catalog_root)
    store = await asyncio.to_thread(ctx.open_store)
    writes: list[asyncio.Task[None]] = []  # results being written (see ``finished``)
    try:
        job = await asyncio.to_thread(find_job if sealed else open_job, store, job_key)
        if sealed and not job.is_closed:
            raise UserError(code="firmware.not-handed-over", params={"job_id": job.id})
        # One run per job: the lease is given back when the store closes.
        await asyncio.to_thread(store.acquire_job_lock, job.id, "update")
        catalog = await asyncio.to_thread(
            ctx.catalog, online=not offline, url=catalog_url, root=catalog_root)
        index = catalog.firmware
        if index is None:
            raise UserError(code="firmware.no-index", params={"version": catalog.version})
        trust = trust_store_for(catalog)
        if trust is None:
            raise UserError(code="catalog.no-roots")
        endpoints, unaddressed = await asyncio.to_thread(
            _targets, store, job.id, ctx.site, addresses, device_ids)
        if not endpoints and not unaddressed:
            raise NoDevicesError(code="firmware.no-certified-device")
        ids = [e.device_id for e in endpoints]
        box_labels = await asyncio.to_thread(ctx.site.box_labels, ids)
        vault = await asyncio.to_thread(open_job_vault, store)
        if access is None:
            access = JobAccess(store, vault, job.id, fallback_labels=box_labels)
        provider = ImageProvider(FirmwareCache(ctx.firmware_cache_dir), index,
                                 None if offline else config)
        options = UpdateOptions(timeout=timeout, reboot_timeout=reboot_timeout)
        version = catalog.version

        def planned(item: PlanItem) -> None:
            sink(Event("firmware", "plan", item.device_id, code=item.action.value,
                       params={"current": item.current, "latest": item.latest,
                               "vulnerable": item.vulnerable}, detail=item))

        # Each result is written off the loop thread (SQLite must not stall the transfers of
        # the other devices), one write after the other in the order the results came; the
        # event follows its write. A handed-over (sealed) job records nothing here.
        async def record(result: UpdateResult, before: asyncio.Task[None] | None) -> None:
            if before is not None:
                await asyncio.wait([before])  # in order, whether or not it succeeded
            if not sealed:
                await asyncio.to_thread(record_result, store, job.id, result, version)
            sink(Event("firmware", "result", result.device_id, code=result.outcome.value,
                       params={"reason": result.reason, "reason_code": result.reason_code},
                       fraction=1.0, detail=result))

        def finished(result: UpdateResult) -> None:
            writes.append(asyncio.ensure_future(record(result, writes[-1] if writes else None)))

        items = await plan_home(endpoints, index, trust, timeout=timeout, on_item=planned)
        if not sealed:
            before = await asyncio.to_thread(store.firmware_statuses, job.id)
            await asyncio.to_thread(record_plan, store, job.id, items)
            await asyncio.to_thread(partial(reconcile, before=before), store, job.id, items,
                                    version)
        async with device_locator(ctx) as locate:
            results = await update_home(
                items, provider, trust, access, concurrency=concurrency, options=options,
                on_progress=_Reporter(sink, progress_interval), on_result=finished,
                resolver=locate,
            )
        if writes:
            await asyncio.gather(*writes)
        blockers = [] if sealed else await asyncio.to_thread(firmware_blockers, store, job.id,
                                                             index)
    finally:
        if writes:  # never close the store under a write
            await asyncio.gather(*writes, return_exceptions=True)
        await asyncio.to_thread(store.close)
    return FirmwareRun(job.id, version, tuple(items), tuple(results), tuple(blockers),
                       tuple(unaddressed))


async def preload_firmware(
    ctx: AppContext,
    *,
    models: Sequence[str] | None = None,
    offline: bool = False,
    catalog_url: str | None = None,
    catalog_root: Path | None = None,
) -> list[VerifiedImage]:
    """Download and verify the latest image of ``models`` (None: every model of the catalog)
    into the firmware cache, for sites without internet."""
    ctx.require("firmware")

    def run() -> list[VerifiedImage]:
        config = ctx.catalog_config(url=catalog_url, root=catalog_root)
        catalog = ctx.catalog(online=not offline, url=catalog_url, root=catalog_root)
        if catalog.firmware is None:
            raise UserError(code="firmware.no-index", params={"version": catalog.version})
        try:
            return preload(FirmwareCache(ctx.firmware_cache_dir), config, catalog.firmware,
                           None if models is None else list(models))
        except FirmwareImageError as err:
            raise UserError(
                code="firmware.image-refused", params={"detail": err.message}) from None

    return await asyncio.to_thread(run)


async def firmware_status(
    ctx: AppContext,
    job_key: str,
    *,
    offline: bool = False,
    catalog_url: str | None = None,
    catalog_root: Path | None = None,
) -> FirmwareReport:
    """The job's firmware history, verified running versions and close blockers."""

    def run() -> FirmwareReport:
        catalog = ctx.catalog(online=not offline, url=catalog_url, root=catalog_root)
        with ctx.store() as store:
            job = find_job(store, job_key)
            return FirmwareReport(
                job.id, tuple(store.firmware_history(job.id)),
                tuple(store.firmware_statuses(job.id)),
                tuple(firmware_blockers(store, job.id, catalog.firmware)),
            )

    return await asyncio.to_thread(run)
