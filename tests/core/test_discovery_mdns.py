"""Discovery over real python-zeroconf on loopback only (never a real interface).

Every test browses its own random service type, so tests (and other people's processes on this
machine) cannot see each other's services.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRemoved,
    DeviceUpdated,
    DiscoveryEvent,
    MalformedCleared,
    MalformedSeen,
)
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import MdnsTransport, ip_version_for
from commissioner.discovery.scan import scan, sighting_to_json
from commissioner.protocol.advertisement import Advertisement, build_txt
from commissioner.protocol.spec import CommissioningState, Role

LOOPBACK = ["127.0.0.1"]
pytestmark = pytest.mark.timeout(60)


def loopback_zeroconf() -> AsyncZeroconf:
    return AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)


def random_service_type() -> str:
    return f"_t{secrets.token_hex(5)}._tcp.local."


def adv(device_id: str, *, firmware: str = "1.2.3", gateway: bool = False) -> Advertisement:
    return Advertisement(
        device_id=device_id,
        role=Role.GATEWAY if gateway else Role.DEVICE,
        kind="gateway" if gateway else "air-conditioner",
        manufacturer="Daikou Denki",
        model="AC-220J",
        firmware=firmware,
        state=CommissioningState.FACTORY,
        protocol_version="1",
    )


def service(
    service_type: str,
    instance: str,
    properties: dict[Any, Any],
    *,
    port: int = 8443,
    addresses: Iterable[str] = ("127.0.0.1",),
) -> AsyncServiceInfo:
    return AsyncServiceInfo(
        service_type,
        f"{instance}.{service_type}",
        port=port,
        properties=properties,
        server=f"{instance.replace(' ', '-')}.local.",
        parsed_addresses=list(addresses),
    )


class Recorder:
    """Collects events and lets a test wait for a condition on them."""

    def __init__(self) -> None:
        self.events: list[DiscoveryEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: DiscoveryEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], limit: float = 8.0) -> None:
        async with asyncio.timeout(limit):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


async def close_all(*closers: Awaitable[Any]) -> None:
    await asyncio.gather(*closers)


async def register_all(zc: AsyncZeroconf, infos: Iterable[AsyncServiceInfo]) -> None:
    # Probing takes about a second per service: probe all at once, then await the announcements.
    announcements = await asyncio.gather(*(zc.async_register_service(i) for i in infos))
    await asyncio.gather(*announcements)


def test_transport_requires_explicit_interfaces() -> None:
    for bad in ([], (), "127.0.0.1", ["0.0.0.0"], ["::"], ["eth0"], ["224.0.0.251"]):
        with pytest.raises(ValueError):
            MdnsTransport(bad)  # type: ignore[arg-type]
    assert ip_version_for(["127.0.0.1"]) is IPVersion.V4Only
    assert ip_version_for(["fe80::1"]) is IPVersion.V6Only
    assert ip_version_for(["127.0.0.1", "fe80::1"]) is IPVersion.All


def test_devices_malformed_update_remove_and_subscriptions() -> None:
    async def main() -> None:
        stype = random_service_type()
        publisher = loopback_zeroconf()
        browser_zc = loopback_zeroconf()
        transport = MdnsTransport(LOOPBACK, service_type=stype, zeroconf=browser_zc)
        manager = DiscoveryManager([transport])
        rec = Recorder()
        unsubscribe = manager.async_subscribe(rec)
        aircon = service(stype, "aircon-1", build_txt(adv("aircon-1")))
        gateway = service(stype, "gw", build_txt(adv("gw-1", gateway=True)), port=9443)
        too_big = build_txt(adv("big-1"))
        too_big.update({f"x{i}": "v" * 240 for i in range(6)})  # > 1300 bytes in total
        missing = build_txt(adv("missing-1"))
        del missing["fw"]
        bad_port = service(stype, "port-zero", build_txt(adv("port-0")), port=0)
        # 63 bytes is the longest label DNS can carry (zeroconf refuses to publish longer), so the
        # transport's own length check cannot be reached from the wire; the longest must pass.
        long_name = "L" * 63
        hostile = [
            service(stype, "non-utf8", {**build_txt(adv("nu-1")), "mn": b"\xff\xfe\x80"}),
            service(stype, "too-big", too_big),
            service(stype, "missing-fw", missing),
            service(stype, "flag-only", {**build_txt(adv("flag-1")), "st": None}),
            bad_port,
            service(stype, long_name, {**build_txt(adv("long-1")), "kind": "toaster"}),
        ]
        try:
            await manager.async_start()
            await register_all(publisher, [aircon, gateway, *hostile])
            await rec.wait_for(lambda: len(manager.devices) == 2 and len(manager.malformed) == 6)

            # Valid ones: correct fields.
            record = manager.devices["aircon-1"]
            sighting = record.sightings["mdns"]
            assert sighting.address == "127.0.0.1"
            assert sighting.port == 8443
            assert (sighting.manufacturer, sighting.model, sighting.firmware) == (
                "Daikou Denki",
                "AC-220J",
                "1.2.3",
            )
            assert sighting.role is Role.DEVICE
            assert sighting.state is CommissioningState.FACTORY
            gw = manager.devices["gw-1"].network
            assert gw is not None
            assert (gw.role, gw.kind, gw.port) == (Role.GATEWAY, "gateway", 9443)
            assert {e.record.device_id for e in rec.of(DeviceAdded)} == {"aircon-1", "gw-1"}

            # Hostile ones: a reason each, keyed by service instance name.
            reasons = {src.split(".")[0]: m.reason for (_, src), m in manager.malformed.items()}
            assert "not UTF-8" in reasons["non-utf8"]
            assert "larger than 1300" in reasons["too-big"]
            assert "'fw' is missing" in reasons["missing-fw"]
            assert "'st' has no value" in reasons["flag-only"]
            assert "port" in reasons["port-zero"]
            assert "unknown device kind 'toaster'" in reasons[long_name]
            assert len(rec.of(MalformedSeen)) == 6

            # A late subscriber is replayed the current state.
            late = Recorder()
            unsubscribe_late = manager.async_subscribe(late)
            assert {e.record.device_id for e in late.of(DeviceAdded)} == {"aircon-1", "gw-1"}
            assert len(late.of(MalformedSeen)) == 6
            assert len(late.events) == 8
            unsubscribe_late()
            unsubscribe_late()  # idempotent

            # Firmware change → DeviceUpdated.
            aircon_v2 = service(stype, "aircon-1", build_txt(adv("aircon-1", firmware="1.3.0")))
            await (await publisher.async_update_service(aircon_v2))
            await rec.wait_for(lambda: bool(rec.of(DeviceUpdated)))
            (updated,) = rec.of(DeviceUpdated)
            assert updated.record.sightings["mdns"].firmware == "1.3.0"
            assert manager.devices["aircon-1"].sightings["mdns"].firmware == "1.3.0"

            # A malformed service that is fixed: MalformedCleared, then DeviceAdded.
            fixed = service(stype, "missing-fw", build_txt(adv("missing-1")))
            await (await publisher.async_update_service(fixed))
            await rec.wait_for(lambda: "missing-1" in manager.devices)
            tail = rec.events[-2:]
            assert isinstance(tail[0], MalformedCleared)
            assert tail[0].source == f"missing-fw.{stype}"
            assert isinstance(tail[1], DeviceAdded)

            # Goodbye → DeviceRemoved.
            await (await publisher.async_unregister_service(gateway))
            await rec.wait_for(lambda: bool(rec.of(DeviceRemoved)))
            assert [e.device_id for e in rec.of(DeviceRemoved)] == ["gw-1"]
            assert "gw-1" not in manager.devices
            assert not late.events[8:]  # the unsubscribed listener heard nothing more

            # After unsubscribing, nothing more arrives.
            unsubscribe()
            seen = len(rec.events)
            other = Recorder()
            manager.async_subscribe(other, replay=False)
            await (await publisher.async_unregister_service(aircon))
            await other.wait_for(lambda: bool(other.of(DeviceRemoved)))
            assert len(rec.events) == seen
        finally:
            await manager.async_stop()
            await manager.async_stop()  # idempotent
            await close_all(publisher.async_close(), browser_zc.async_close())

    asyncio.run(main())


def test_duplicate_device_id_is_reported_not_merged() -> None:
    async def main() -> None:
        stype = random_service_type()
        publisher = loopback_zeroconf()
        browser_zc = loopback_zeroconf()
        manager = DiscoveryManager(
            [MdnsTransport(LOOPBACK, service_type=stype, zeroconf=browser_zc)]
        )
        rec = Recorder()
        manager.async_subscribe(rec)
        try:
            await manager.async_start()
            await register_all(publisher, [service(stype, "real", build_txt(adv("lock-1")))])
            await rec.wait_for(lambda: "lock-1" in manager.devices)
            await register_all(publisher, [service(stype, "spoof", build_txt(adv("lock-1")))])
            await rec.wait_for(lambda: bool(manager.malformed))
            (entry,) = manager.malformed.values()
            assert entry.source == f"spoof.{stype}"
            assert "duplicate device id 'lock-1'" in entry.reason
            assert f"real.{stype}" in entry.reason
            assert manager.devices["lock-1"].sightings["mdns"].device_id == "lock-1"
            assert len(rec.of(DeviceAdded)) == 1
        finally:
            await manager.async_stop()
            await close_all(publisher.async_close(), browser_zc.async_close())

    asyncio.run(main())


def test_scan_returns_early_once_expected_devices_are_seen() -> None:
    async def main() -> None:
        stype = random_service_type()
        publisher = loopback_zeroconf()
        count = 20
        infos = [
            service(stype, f"dev-{i:02d}", build_txt(adv(f"dev-{i:02d}")), port=8000 + i)
            for i in range(count)
        ]
        infos.append(service(stype, "broken", {"pv": "9"}))
        try:
            await register_all(publisher, infos)
            started = time.monotonic()
            result = await scan(
                LOOPBACK, timeout=120.0, expect=count, settle=0.2, service_type=stype
            )
            elapsed = time.monotonic() - started
            print(f"scan found {len(result.devices)} services in {elapsed * 1000:.0f} ms")
            assert [r.device_id for r in result.devices] == [f"dev-{i:02d}" for i in range(count)]
            # Early: far before the (long) timeout, however busy the machine is. The speed claim
            # itself is measured in tests/benchmarks/test_scan_bench.py.
            assert elapsed < 60.0
            assert result.elapsed < 60.0
            assert [m.source for m in result.malformed] == [f"broken.{stype}"]
            assert "unsupported protocol version" in result.malformed[0].reason
            js = sighting_to_json(result.devices[3])
            assert js["id"] == "dev-03"
            assert js["port"] == 8003
            assert js["address"] == "127.0.0.1"
            assert js["transport"] == "mdns"
            assert js["transports"] == ["mdns"]
            assert js["firmware"] == "1.2.3"
            assert js["state"] == "factory"
            assert js["role"] == "device"
            assert js["rssi"] is None

            # Without enough devices the scan runs for its whole timeout. (The publisher does
            # not repeat a multicast answer within a second, RFC 6762 section 6.2.)
            await asyncio.sleep(1.0)
            started = time.monotonic()
            short = await scan(LOOPBACK, timeout=0.8, expect=count + 5, service_type=stype)
            assert 0.75 <= time.monotonic() - started < 3.0
            # How many answers arrive within 0.8 s depends on the machine; the bound is the point.
            assert len(short.devices) <= count
            assert {r.device_id for r in short.devices} <= {f"dev-{i:02d}" for i in range(count)}
        finally:
            await publisher.async_close()

    asyncio.run(main())
