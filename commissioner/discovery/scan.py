"""One-shot discovery: browse for a while and return what was seen (for the CLI's ``scan``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from zeroconf.asyncio import AsyncZeroconf

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DiscoveryEvent,
    MalformedAdvertisement,
    Sighting,
)
from commissioner.discovery.manager import DiscoveryManager, Transport
from commissioner.discovery.mdns import DEFAULT_REQUEST_TIMEOUT, MdnsTransport
from commissioner.protocol import spec

__all__ = ["ScanResult", "malformed_to_json", "scan", "sighting_to_json"]


@dataclass
class ScanResult:
    devices: list[DeviceRecord] = field(default_factory=list)
    malformed: list[MalformedAdvertisement] = field(default_factory=list)
    elapsed: float = 0.0  # seconds the scan ran
    # mDNS device ids that two or more service instances claim: (instance, sighting) each,
    # the one the manager kept first (see DiscoveryManager.contested)
    contested: dict[str, tuple[tuple[str, Sighting], ...]] = field(default_factory=dict)


async def scan(
    interfaces: Sequence[str],
    timeout: float,  # noqa: ASYNC109 - the scan's duration, not a cancellation timeout
    *,
    expect: int | None = None,
    settle: float = 0.3,
    service_type: str = spec.SERVICE_TYPE,
    zeroconf: AsyncZeroconf | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    extra_transports: Sequence[Transport] = (),
    expect_ids: Collection[str] | None = None,
    requery: float = 1.0,
) -> ScanResult:
    """Browse mDNS on ``interfaces`` for ``timeout`` seconds.

    With ``expect``, stop early once that many devices are known, after waiting ``settle``
    more seconds (never beyond ``timeout``) for stragglers and malformed advertisements.
    Devices are sorted by device id; malformed entries by source.
    ``zeroconf`` may be an :class:`zeroconf.asyncio.AsyncZeroconf` to share (left open).
    ``extra_transports`` (e.g. the BLE transport of :mod:`commissioner.ble`) run alongside.

    With ``expect_ids`` (the devices a job knows) the scan ends early only once every one of
    them is known; until then, every ``requery`` seconds, it asks again for the missing ones
    (a fresh browse, and a direct request for the instance named after each missing id)
    instead of waiting on the browser's backed-off schedule, up to ``timeout``.
    """
    if timeout < 0:
        raise ValueError("timeout must not be negative")
    if expect is not None and expect < 0:
        raise ValueError("expect must not be negative")
    loop = asyncio.get_running_loop()
    transport = MdnsTransport(
        interfaces,
        service_type=service_type,
        zeroconf=zeroconf,
        request_timeout=min(request_timeout, max(timeout, 0.1)),
    )
    manager = DiscoveryManager([transport, *extra_transports])
    enough = asyncio.Event()

    wanted = frozenset(expect_ids) if expect_ids is not None else None

    def complete() -> bool:
        if wanted is not None:
            return wanted <= manager.devices.keys()
        return expect is not None and len(manager.devices) >= expect

    def on_event(event: DiscoveryEvent) -> None:
        if isinstance(event, DeviceAdded) and complete():
            enough.set()

    unsubscribe = manager.async_subscribe(on_event, replay=False)
    started = loop.time()
    deadline = started + timeout
    try:
        await manager.async_start()
        if complete():
            enough.set()
        while not enough.is_set() and loop.time() < deadline:
            wait = deadline - loop.time() if wanted is None else min(requery,
                                                                     deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), timeout=max(wait, 0.0))
            if not enough.is_set() and wanted is not None and loop.time() < deadline:
                missing = sorted(wanted - manager.devices.keys())
                await transport.async_requery([f"{d}.{service_type}" for d in missing])
        if enough.is_set():
            await asyncio.sleep(max(min(settle, deadline - loop.time()), 0.0))
    finally:
        unsubscribe()
        await manager.async_stop()
    return ScanResult(
        devices=sorted(manager.devices.values(), key=lambda r: r.device_id),
        malformed=sorted(manager.malformed.values(), key=lambda m: (m.transport, m.source)),
        elapsed=loop.time() - started,
        contested=manager.contested(transport.name),
    )


def _primary(record: DeviceRecord) -> Sighting:
    return record.network or record.latest


def sighting_to_json(record: DeviceRecord) -> dict[str, Any]:
    """A JSON-ready summary of one device for ``scan --json``."""
    primary = _primary(record)
    transports = list(record.transports)
    rssi = next((s.rssi for s in record.sightings.values() if s.rssi is not None), None)
    return {
        "id": record.device_id,
        "manufacturer": primary.manufacturer,
        "model": primary.model,
        "firmware": primary.firmware,
        "state": primary.state.value,
        "kind": primary.kind,
        "role": primary.role.value,
        "protocol_version": primary.protocol_version,
        "address": primary.address,
        "port": primary.port,
        "transport": ",".join(transports),
        "transports": transports,
        "rssi": rssi,
    }


def malformed_to_json(entry: MalformedAdvertisement) -> dict[str, Any]:
    return {"transport": entry.transport, "source": entry.source, "reason": entry.reason}
