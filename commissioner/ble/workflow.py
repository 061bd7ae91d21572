"""Whole-home BLE onboarding on top of a running discovery manager (used by the CLI; the GUI
can call the same functions from its asyncio worker thread).

    adapter = BleAdapter(transport); await adapter.open()
    ble = BleTransport(adapter)
    manager = DiscoveryManager([MdnsTransport(interfaces), ble]); await manager.async_start()
    ids = await wait_for_ble_devices(manager, ble, wanted_ids, timeout=5)
    results = await onboard_seen(ble, labels, network, ids, concurrency=4, progress=cb)
    joined = await wait_for_lan(manager, [r.device_id for r in results if r.ok], timeout=10)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Mapping, Sequence

from commissioner.ble.discovery_transport import BleTransport
from commissioner.ble.onboarding import (
    DEFAULT_CONCURRENCY,
    OnboardingResult,
    ProgressCallback,
    onboard_devices,
)
from commissioner.discovery.events import DiscoveryEvent
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.ble_spec import DEFAULT_CONNECT_TIMEOUT, DEFAULT_OP_TIMEOUT
from commissioner.protocol.label import Label

__all__ = ["duplicate_device", "onboard_seen", "wait_for_ble_devices", "wait_for_lan"]


async def _wait(
    manager: DiscoveryManager, done: Callable[[], bool], timeout: float  # noqa: ASYNC109
) -> None:
    event = asyncio.Event()

    def check(_event: DiscoveryEvent | None = None) -> None:
        if done():
            event.set()

    unsubscribe = manager.async_subscribe(check, replay=False)
    try:
        check()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
    finally:
        unsubscribe()


async def wait_for_ble_devices(
    manager: DiscoveryManager,
    ble: BleTransport,
    wanted: Collection[str] | None,
    timeout: float,  # noqa: ASYNC109
) -> list[str]:
    """Wait until every wanted id is seen over BLE (``None``: wait ``timeout``, take all seen).

    Returns the wanted ids that were seen (sorted).
    """
    if wanted is None:
        await asyncio.sleep(timeout)
        return sorted(i for i in manager.devices if ble.claimants(i))
    want = set(wanted)
    await _wait(manager, lambda: all(ble.claimants(i) for i in want), timeout)
    return sorted(i for i in want if ble.claimants(i))


async def onboard_seen(
    ble: BleTransport,
    labels: Mapping[str, Label],
    network: NetworkConfig,
    device_ids: Sequence[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    op_timeout: float = DEFAULT_OP_TIMEOUT,
    progress: ProgressCallback | None = None,
    addresses: Mapping[str, str] | None = None,
) -> list[OnboardingResult]:
    """Onboard devices seen by ``ble``; a device without a label or sighting fails alone.

    A device id that two or more BLE addresses advertise fails with ``duplicate-device`` and
    nothing is sent to any of them, unless ``addresses`` names the address to use for that id
    (the installer's choice: the unit that carries the label)."""
    results: dict[str, OnboardingResult] = {}
    targets = []
    chosen = addresses or {}
    for device_id in device_ids:
        label = labels.get(device_id)
        claimants = ble.claimants(device_id)
        address = chosen.get(device_id)
        device = ble.ble_device(device_id, address)
        if label is None:
            results[device_id] = OnboardingResult(
                device_id, False, "no-label", "scan the device's label first"
            )
        elif address is None and len(claimants) > 1:
            results[device_id] = duplicate_device(device_id, claimants)
        elif device is None:
            where = f" at {address}" if address is not None else ""
            results[device_id] = OnboardingResult(
                device_id, False, "not-seen", f"the device was not seen over BLE{where}"
            )
        else:
            targets.append((device, label))
    for result in await onboard_devices(
        ble.adapter, targets, network, concurrency=concurrency,
        connect_timeout=connect_timeout, op_timeout=op_timeout, progress=progress,
    ):
        results[result.device_id] = result
    return [results[i] for i in device_ids]


def duplicate_device(device_id: str, claimants: Sequence[str]) -> OnboardingResult:
    """The refusal for an id that several BLE addresses advertise (nothing was sent)."""
    return OnboardingResult(
        device_id, False, "duplicate-device",
        f"{len(claimants)} Bluetooth devices advertise this device id "
        f"({', '.join(claimants)}); at most one is genuine, so nothing was sent to any of "
        "them. Switch off the one that is not the unit with this label (or choose the "
        "label's unit by its address) and onboard it again",
        claimants=tuple(claimants),
    )


async def wait_for_lan(
    manager: DiscoveryManager, device_ids: Collection[str], timeout: float  # noqa: ASYNC109
) -> list[str]:
    """Wait until the devices are seen over mDNS too; returns those that were (sorted)."""
    want = set(device_ids)

    def on_lan(i: str) -> bool:
        record = manager.devices.get(i)
        return record is not None and "mdns" in record.sightings

    await _wait(manager, lambda: all(on_lan(i) for i in want), timeout)
    return sorted(i for i in want if on_lan(i))
