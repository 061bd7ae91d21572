"""Wipe and verify every device of a resale job (R2-4, R2-5, R2-9 (1)).

For each device of the job (the previous job's devices and whatever discovery finds now):

1. ``before``: identify it (attested), read its personal-data inventory and configuration.
2. ``wipe``: on an authenticated session with the previous home's admin credential and
   commissioner certificate when the record holds them; otherwise (no record, or the device
   refuses them) the physical reset path: the app names the device to reset (an event with code
   ``wipe.press-reset``) and waits until the device itself reports factory state.
3. ``verify`` on fresh connections, never from the app's bookkeeping: inventory zero for every
   kind, factory state reported and advertised (mDNS ``st``), no admin credential, operational
   certificate or ACL left, settings back to factory, the gateway's issuing CA, allow-list and
   owner bindings empty; the previous admin credential, commissioner certificate, owner
   certificate and owner invitation are tried and must each be refused by the device.

Every device's evidence is one ``wipe.device`` entry of the job's audit log (an intent entry
``wipe.intent`` is written before anything is sent). A device that cannot be wiped or verified
is recorded as unverified with the reasons; the job cannot be closed while any device is
unverified (``documents.wipe_checks``). Running the wipe again is harmless.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.resale import PreviousHome, previous_home, resale_link
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.backends import (
    DeviceAddress,
    DeviceBackend,
    FactoryEvidence,
    Identification,
    PersonalDataInventory,
    Probe,
    backend_for,
)
from commissioner.backends.errors import NotSupportedByFamilyError
from commissioner.discovery.recording import job_device
from commissioner.discovery.scan import scan
from commissioner.errors import UserError
from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.secrets.job_vault import open_vault

WIPE_INTENT: Final = "wipe.intent"
WIPE_DEVICE: Final = "wipe.device"
METHOD_SESSION: Final = "authenticated-wipe"
METHOD_RESET: Final = "factory-reset-by-technician"
METHOD_NONE: Final = "already-factory"
DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_RESET_TIMEOUT: Final = 300.0
DEFAULT_SCAN_TIMEOUT: Final = 4.0
CONCURRENCY: Final = 8


@dataclass
class DeviceWipe:
    """One device's wipe and the evidence the device gave (JSON in the audit log)."""

    device_id: str
    kind: str = ""
    role: str = ""
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    fingerprint: str | None = None
    attested: bool = False
    firmware: str | None = None
    method: str = ""
    erased: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    probes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""

    @property
    def verified(self) -> bool:
        return not self.problems and bool(self.after)

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "kind": self.kind, "role": self.role,
            "manufacturer": self.manufacturer, "model": self.model, "serial": self.serial,
            "fingerprint": self.fingerprint, "attested": self.attested,
            "firmware": self.firmware, "method": self.method, "erased": self.erased,
            "before": self.before, "after": self.after, "probes": self.probes,
            "verified": self.verified, "problems": self.problems,
            "started_at": self.started_at, "finished_at": self.finished_at,
        }


@dataclass(frozen=True, slots=True)
class WipeOutcome:
    job_id: str
    devices: tuple[DeviceWipe, ...]

    @property
    def unverified(self) -> tuple[DeviceWipe, ...]:
        return tuple(d for d in self.devices if not d.verified)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class _Wiper:
    def __init__(self, ctx: AppContext, store: JobStore, job_id: str, backend: DeviceBackend,
                 previous: PreviousHome | None, sink: EventSink, *, timeout: float,
                 reset_timeout: float, poll_interval: float,
                 concurrency: int = CONCURRENCY) -> None:
        self.ctx, self.store, self.job_id, self.backend = ctx, store, job_id, backend
        self.previous, self.sink = previous, sink
        self.timeout, self.reset_timeout, self.poll = timeout, reset_timeout, poll_interval
        self.addresses: dict[str, DeviceAddress] = {}
        self.semaphore = asyncio.Semaphore(concurrency)
        self.done = 0
        self.total = 0

    def emit(self, stage: str, device_id: str | None, code: str, **params: object) -> None:
        fraction = self.done / self.total if self.total else None
        self.sink(Event("wipe", stage, device_id, code, params, fraction))  # type: ignore[arg-type]

    async def address(self, device_id: str, *, fresh: bool = False) -> DeviceAddress | None:
        if fresh or device_id not in self.addresses:
            found = await self.ctx.site.locate(device_id)
            if found is not None:
                self.addresses[device_id] = DeviceAddress(device_id, found[0], found[1])
        return self.addresses.get(device_id)

    def record(self, action: str, device_id: str, detail: dict[str, Any]) -> None:
        self.store.append_step(self.job_id, action, detail, device_id=device_id)

    async def finish(self, r: DeviceWipe) -> None:
        """Record the device's evidence and tell the face."""
        await asyncio.to_thread(self.record, WIPE_DEVICE, r.device_id, r.to_json())
        self.emit("result", r.device_id, "wipe.verified" if r.verified else "wipe.unverified",
                  problems=", ".join(r.problems))

    async def evidence(self, addr: DeviceAddress) -> tuple[PersonalDataInventory,
                                                           FactoryEvidence]:
        inventory = await self.backend.read_personal_data(addr, timeout=self.timeout)
        config = await self.backend.read_factory_evidence(addr, timeout=self.timeout)
        return inventory, config

    async def run_one(self, device_id: str) -> DeviceWipe:
        async with self.semaphore:
            result = DeviceWipe(device_id, started_at=_now())
            try:
                await self._wipe_and_verify(result)
            except (DeviceProtocolError, NotSupportedByFamilyError, OSError) as err:
                result.problems.append(f"{getattr(err, 'reason', 'unreachable')}: {err}"[:200])
            result.finished_at = _now()
            self.done += 1
            self.emit("progress", device_id, "wipe.checked")
            return result

    async def _wipe_and_verify(self, r: DeviceWipe) -> None:
        addr = await self.address(r.device_id)
        if addr is None:
            r.problems.append("not-found: the device was not found on the network")
            return
        ident = await self.backend.identify(addr, timeout=self.timeout)
        self._identity(r, ident)
        inventory, config = await self.evidence(addr)
        r.before = {"state": config.state, "personal_data": dict(inventory.counts),
                    "config": config.to_json()}
        self.emit("progress", r.device_id, "wipe.before", state=config.state,
                  items=sum(inventory.counts.values()))
        if config.factory and inventory.empty:
            r.method = METHOD_NONE
        else:
            await self._wipe(r, addr, config)
        await self._verify(r, ident)

    def _identity(self, r: DeviceWipe, ident: Identification) -> None:
        r.kind, r.role, r.manufacturer = ident.kind, ident.role, ident.manufacturer
        r.model, r.serial, r.fingerprint = ident.model, ident.serial, ident.fingerprint
        r.attested, r.firmware = ident.attested, ident.firmware_version

    async def _wipe(self, r: DeviceWipe, addr: DeviceAddress, config: FactoryEvidence) -> None:
        prev = self.previous
        if prev is not None and config.state == "commissioned" \
                and prev.access.admin_credential(r.device_id) is not None:
            await asyncio.to_thread(self.record, WIPE_INTENT, r.device_id,
                                    {"method": METHOD_SESSION})
            try:
                session = await self.backend.open_session(
                    addr, prev.access, timeout=self.timeout,
                    expected_fingerprint=r.fingerprint, check_identity=True)
                async with session:
                    report = await session.wipe()
                r.method, r.erased = METHOD_SESSION, list(report.erased)
                self.emit("progress", r.device_id, "wipe.erased", erased=len(report.erased))
                return
            except DeviceProtocolError as err:
                if err.reason in {"timeout", "connection-refused", "unreachable",
                                  "connection-closed"}:
                    raise
                self.emit("note", r.device_id, "wipe.session-refused", reason=err.reason)
        await asyncio.to_thread(self.record, WIPE_INTENT, r.device_id, {"method": METHOD_RESET})
        await self._wait_for_reset(r, addr)

    async def _wait_for_reset(self, r: DeviceWipe, addr: DeviceAddress) -> None:
        self.emit("note", r.device_id, "wipe.press-reset", model=r.model, kind=r.kind,
                  manufacturer=r.manufacturer)
        deadline = time.monotonic() + self.reset_timeout
        while True:
            try:
                inventory, config = await self.evidence(addr)
                if config.factory and inventory.empty:
                    r.method = METHOD_RESET
                    self.emit("progress", r.device_id, "wipe.reset-seen")
                    return
            except DeviceProtocolError:
                fresh = await self.address(r.device_id, fresh=True)
                addr = fresh or addr
            if time.monotonic() >= deadline:
                r.method = METHOD_RESET
                r.problems.append("reset-timeout: the device did not come back in factory "
                                  "state")
                return
            await asyncio.sleep(self.poll)

    async def _verify(self, r: DeviceWipe, before: Identification) -> None:
        addr = await self.address(r.device_id, fresh=True)
        if addr is None:
            r.problems.append("not-found: the device is gone after the wipe")
            return
        ident = await self.backend.identify(addr, timeout=self.timeout)
        if ident.fingerprint != before.fingerprint:
            r.problems.append("identity-changed: another unit answers at this address")
            return
        r.firmware = ident.firmware_version
        inventory, config = await self.evidence(addr)
        r.after = {"state": config.state, "personal_data": dict(inventory.counts),
                   "config": config.to_json()}
        left = {k: n for k, n in inventory.counts.items() if n}
        if left:
            r.problems.append("personal-data-left: " + ", ".join(
                f"{k}={n}" for k, n in sorted(left.items())))
        if config.state != "factory":
            r.problems.append(f"state-not-factory: the device reports {config.state}")
        elif not config.factory:
            r.problems.append("configuration-left: the device still reports settings, "
                              "credentials, ACL or gateway bindings")
        await self._probes(r, addr)

    async def _probes(self, r: DeviceWipe, addr: DeviceAddress) -> None:
        prev = self.previous
        if prev is None:
            r.probes.append({"name": "previous-credentials", "refused": None,
                             "evidence": "no record of the previous home: nothing to try"})
            return
        probes: list[Probe] = list(await self.backend.probe_management(
            addr, admin_credential=prev.access.admin_credential(r.device_id),
            client=prev.access.client_credentials(), timeout=self.timeout))
        if prev.owner_probe is not None:
            probes.append(await self.backend.probe_owner(addr, prev.owner_probe,
                                                         timeout=self.timeout))
        if r.role == "gateway" and prev.invitation is not None:
            probes.append(await self.backend.probe_invitation(
                addr, prev.invitation[0], prev.invitation[1], timeout=self.timeout))
        for p in probes:
            r.probes.append({"name": p.name, "refused": p.refused, "evidence": p.evidence})
            if not p.refused:
                r.problems.append(f"{p.name}-accepted: the device still accepts the previous "
                                  f"home's {p.name.replace('-', ' ')}")


async def wipe_job(
    ctx: AppContext,
    job_ref: str,
    *,
    sink: EventSink = ignore,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    reset_timeout: float = DEFAULT_RESET_TIMEOUT,
    poll_interval: float = 0.5,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT,
    device_ids: Sequence[str] | None = None,
    concurrency: int = CONCURRENCY,
) -> WipeOutcome:
    """Wipe and verify the devices of a resale job (all, or ``device_ids``), at most
    ``concurrency`` at once."""
    ctx.require("wipe")
    if not 1 <= concurrency <= 64:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 64})
    store = ctx.open_store()
    try:
        job = open_job(store, job_ref)
        link = resale_link(store, job.id)
        if link is None:
            raise UserError(code="wipe.not-resale", params={"job_id": job.id})
        lock = store.job_lock(job.id, "wipe")
        lock.__enter__()
    except BaseException:
        store.close()
        raise
    try:
        previous = None
        if link.from_job is not None:
            vault = open_vault(store)
            previous = await asyncio.to_thread(previous_home, store, vault, link)
        trust = await asyncio.to_thread(manufacturer_trust, ctx)
        backend = backend_for(trust)
        wiper = _Wiper(ctx, store, job.id, backend, previous, sink, timeout=timeout,
                       reset_timeout=reset_timeout, poll_interval=poll_interval,
                       concurrency=concurrency)
        recorded = {d.device_id: d for d in store.devices(job.id)}
        heard = await _discover(ctx, wiper, len(recorded), scan_timeout)
        for device_id in heard:
            if device_id not in recorded:
                recorded[device_id] = heard[device_id]
                store.upsert_device(job.id, heard[device_id])
        ids = sorted(recorded) if device_ids is None else [i for i in device_ids
                                                             if i in recorded]
        for device_id in ids:
            d = recorded[device_id]
            if device_id not in wiper.addresses and d.address and d.port:
                wiper.addresses[device_id] = DeviceAddress(device_id, d.address, d.port)
        wiper.total = len(ids)
        wiper.emit("plan", None, "wipe.plan", devices=len(ids))
        results = await asyncio.gather(*(wiper.run_one(i) for i in ids))
        await _check_advertised(ctx, list(results), scan_timeout)
        for r in results:
            await wiper.finish(r)
        return WipeOutcome(job.id, tuple(results))
    finally:
        lock.__exit__(None, None, None)
        store.close()


async def _discover(ctx: AppContext, wiper: _Wiper, expected: int,
                    scan_timeout: float) -> dict[str, JobDevice]:
    result = await scan(ctx.mdns_interfaces, scan_timeout,
                        expect=ctx.site.expected_count() or expected or None)
    ours = ctx.site.own_device_ids()
    found: dict[str, JobDevice] = {}
    for record in result.devices:
        if ours is not None and record.device_id not in ours:
            continue
        device = job_device(record, at=_now())
        found[record.device_id] = device
        if device.address and device.port:
            wiper.addresses[record.device_id] = DeviceAddress(record.device_id, device.address,
                                                              device.port)
    at = _now()
    for d in ctx.site.listed_devices():  # training: the home lists devices it cannot hear
        if d.device_id not in found:
            found[d.device_id] = JobDevice(
                device_id=d.device_id, role=d.role, kind=d.kind, manufacturer=d.manufacturer,
                model=d.model, firmware="0.0.0", state="unknown", transports=("home-file",),
                address=d.host, port=d.port, first_seen=at, last_seen=at, status="listed")
    return found


async def _check_advertised(ctx: AppContext, results: list[DeviceWipe],
                            scan_timeout: float) -> None:
    """Factory state as the devices advertise it (mDNS ``st``), heard by a fresh browse."""
    candidates = [r for r in results if r.after]
    if not candidates:
        return
    result = await scan(ctx.mdns_interfaces, scan_timeout,
                        expect_ids={r.device_id for r in candidates})
    advertised = {rec.device_id: str(rec.latest.state) for rec in result.devices}
    for r in candidates:
        st = advertised.get(r.device_id)
        r.after["advertised_state"] = st
        if st != "factory":
            r.problems.append(f"advertised-not-factory: the device advertises {st or 'nothing'}")
