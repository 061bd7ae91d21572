"""Take a device out of a job, or put a new unit in its place (the way past a block).

:func:`remove_device` - the installer took the device out of the home. Its absence is asked of
the network, not assumed: a scan must not hear it advertised and it must not answer at its last
known address (a TLS identify naming it). Only then is it recorded as removed, with the reason;
it leaves the set of devices handover requires.

:func:`replace_device` - a new unit took the old one's place. The old one must be gone (as
above); the new one must be heard on the network, be of the same kind and pass the
certified-model gate (genuine, certified for the home's level). It joins the job linked to the
one it replaces (``device.replacement``), and the old one is recorded as replaced, with the
reason. A new unit the gate blocks is recorded with its verdict, and the old one stays.

Neither touches a provisioned device (it holds this home's credentials and the gateway trusts
it) or the home gateway.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.errors import ReasonRequiredError
from commissioner.app.identify import manufacturer_roots
from commissioner.backends import DeviceAddress, backend_for
from commissioner.discovery.events import DeviceRecord
from commissioner.discovery.recording import record_devices
from commissioner.discovery.scan import scan
from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState, JobDevice
from commissioner.jobs.store import JobStore
from commissioner.messages import Text, verdict_reason
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.trust.gate import DeviceVerdict, GateTarget, certify_home
from commissioner.trust.label_records import refresh_labels

__all__ = ["DeviceRemoved", "DeviceReplaced", "StillPresentError", "remove_device",
           "replace_device"]

DEFAULT_SCAN_TIMEOUT: Final = 3.0
DEFAULT_TIMEOUT: Final = 3.0


class StillPresentError(UserError):
    """The device said to be gone is still on the network."""


class NotReplaceableError(UserError):
    """The device cannot be taken out of the job (gateway, provisioned, unknown)."""


class NewUnitError(UserError):
    """The new unit was not found, is of another kind, or was blocked by the gate."""


@dataclass(frozen=True, slots=True)
class DeviceRemoved:
    device_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceReplaced:
    old_device_id: str
    new_device_id: str
    reason: str
    verdict: DeviceVerdict
    gate: tuple[DeviceGateState, ...]


def _retirable(store: JobStore, job_id: str, device_id: str) -> JobDevice:
    device = next((d for d in store.devices(job_id) if d.device_id == device_id), None)
    if device is None:
        raise NotReplaceableError(code="device.not-in-job", params={"device_id": device_id})
    if device.role == "gateway" or device.kind == "gateway":
        raise NotReplaceableError(code="device.is-gateway", params={"device_id": device_id})
    for p in store.provisioning_devices(job_id):
        if p.device_id == device_id and p.status == "provisioned":
            raise NotReplaceableError(
                code="device.already-provisioned", params={"device_id": device_id})
    return device


async def _heard(ctx: AppContext, timeout: float) -> dict[str, DeviceRecord]:  # noqa: ASYNC109
    result = await scan(ctx.mdns_interfaces, timeout)
    return {r.device_id: r for r in result.devices}


async def _answers_as(ctx: AppContext, device: JobDevice, timeout: float) -> bool:  # noqa: ASYNC109
    """Does something at the device's last known address prove it is this device?"""
    if device.address is None or device.port is None:
        return False
    trust = await manufacturer_roots(ctx)
    try:
        ident = await backend_for(trust).identify(
            DeviceAddress(device.device_id, device.address, device.port), timeout=timeout)
    except (DeviceProtocolError, OSError, TimeoutError):
        return False
    return ident.device_id == device.device_id


async def _confirm_gone(ctx: AppContext, device: JobDevice, heard: dict[str, DeviceRecord],
                        timeout: float) -> None:  # noqa: ASYNC109
    if device.device_id in heard:
        raise StillPresentError(
            code="device.still-advertised", params={"device_id": device.device_id})
    if await _answers_as(ctx, device, timeout):
        raise StillPresentError(
            code="device.still-answers",
            params={"device_id": device.device_id, "address": f"{device.address}:{device.port}"})


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ReasonRequiredError(code="reason.required")
    return text


async def remove_device(
    ctx: AppContext, job_ref: str, device_id: str, reason: str, *,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT, timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
) -> DeviceRemoved:
    """Record that ``device_id`` was taken out of the home, once the network confirms it."""
    why = _reason(reason)

    def prepare() -> JobDevice:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            return _retirable(store, job.id, device_id)

    device = await asyncio.to_thread(prepare)
    await _confirm_gone(ctx, device, await _heard(ctx, scan_timeout), timeout)

    def record() -> None:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            with store.job_lock(job.id, "device-remove"):
                _retirable(store, job.id, device_id)
                store.retire_device(job.id, device_id, status="removed", reason=why,
                                    detail={"advertised": "no", "answering": "no"})

    await asyncio.to_thread(record)
    return DeviceRemoved(device_id, why)


async def replace_device(
    ctx: AppContext, job_ref: str, device_id: str, new_device_id: str, reason: str, *,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT, timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
) -> DeviceReplaced:
    """Put the new unit ``new_device_id`` in the place of ``device_id`` (see the module)."""
    why = _reason(reason)
    if new_device_id == device_id:
        raise NewUnitError(code="replace.same-unit", params={"device_id": device_id})

    def prepare() -> JobDevice:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            old = _retirable(store, job.id, device_id)
            if any(d.device_id == new_device_id
                   for d in store.devices(job.id, include_retired=True)
                   if d.retired):
                raise NewUnitError(code="replace.new-taken-out", params={"new_id": new_device_id})
            return old

    old = await asyncio.to_thread(prepare)
    heard = await _heard(ctx, scan_timeout)
    await _confirm_gone(ctx, old, heard, timeout)
    ours = ctx.site.own_device_ids()
    record = heard.get(new_device_id)
    if record is None or (ours is not None and new_device_id not in ours):
        raise NewUnitError(code="replace.new-not-found", params={"new_id": new_device_id})
    if record.latest.kind != old.kind:
        raise NewUnitError(
            code="replace.kind-differs",
            params={"new_id": new_device_id, "new_kind": record.latest.kind,
                    "device_id": device_id, "old_kind": old.kind})

    def level() -> int:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            record_devices(store, job.id, [record])
            return job.service_level

    service_level = await asyncio.to_thread(level)
    catalog = await asyncio.to_thread(ctx.catalog, online=False)
    (verdict,) = await certify_home([GateTarget.from_record(record)], catalog, service_level,
                                    timeout=timeout)

    def link() -> tuple[DeviceGateState, ...]:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            with store.job_lock(job.id, "device-replace"):
                store.record_verdict(job.id, verdict)
                refresh_labels(store, job.id)
                if not verdict.blocked:
                    _retirable(store, job.id, device_id)
                    store.append_step(job.id, "device.replacement",
                                      {"replaces": device_id, "reason": why},
                                      device_id=new_device_id)
                    store.retire_device(job.id, device_id, status="replaced", reason=why,
                                        detail={"replaced_by": new_device_id})
                return tuple(store.gate_states(job.id))

    gate = await asyncio.to_thread(link)
    if verdict.blocked:
        raise NewUnitError(
            code="replace.new-blocked",
            params={"new_id": new_device_id, "verdict": Text(f"verdict.{verdict.verdict.value}"),
                    "detail": verdict_reason(
                        verdict.verdict.value, device_id=new_device_id,
                        manufacturer=verdict.manufacturer, model=verdict.model,
                        reason_code=verdict.reason_code)})
    return DeviceReplaced(device_id, new_device_id, why, verdict, gate)
