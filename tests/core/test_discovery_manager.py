"""DiscoveryManager merging rules, driven by a real in-test transport (no mocks)."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRemoved,
    DeviceUpdated,
    DiscoveryEvent,
    MalformedAdvertisement,
    MalformedCleared,
    MalformedSeen,
    Sighting,
)
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol.spec import CommissioningState, Role


class FeedTransport:
    """A transport whose 'network' is the test: it reports what it is fed."""

    def __init__(self, name: str, *, fail_start: bool = False) -> None:
        self.name = name
        self.manager: DiscoveryManager | None = None
        self.fail_start = fail_start
        self.stops = 0

    async def async_start(self, manager: DiscoveryManager) -> None:
        if self.fail_start:
            raise OSError("no adapter")
        self.manager = manager

    async def async_stop(self) -> None:
        self.stops += 1
        self.manager = None

    def see(self, source: str, device_id: str, **changes: object) -> None:
        assert self.manager is not None
        fields: dict[str, object] = {
            "transport": self.name,
            "device_id": device_id,
            "role": Role.DEVICE,
            "kind": "lighting",
            "manufacturer": "Hikari",
            "model": "L-1",
            "firmware": "1.0.0",
            "state": CommissioningState.FACTORY,
            "protocol_version": "1",
            "address": source,
            "port": 8443 if self.name == "mdns" else None,
        }
        fields.update(changes)
        self.manager.report_sighting(source, Sighting(**fields))  # type: ignore[arg-type]

    def bad(self, source: str, reason: str) -> None:
        assert self.manager is not None
        self.manager.report_malformed(MalformedAdvertisement(self.name, source, reason))

    def lose(self, source: str) -> None:
        assert self.manager is not None
        self.manager.report_lost(self.name, source)


def kinds(events: list[DiscoveryEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def run(coro_fn):  # type: ignore[no-untyped-def]
    return asyncio.run(coro_fn())


def setup() -> tuple[DiscoveryManager, FeedTransport, FeedTransport, list[DiscoveryEvent]]:
    mdns, ble = FeedTransport("mdns"), FeedTransport("ble")
    ticks = itertools.count(1)
    manager = DiscoveryManager([mdns], clock=lambda: float(next(ticks)))
    manager.add_transport(ble)
    events: list[DiscoveryEvent] = []
    manager.async_subscribe(events.append)
    return manager, mdns, ble, events


def test_merge_across_transports_update_and_remove() -> None:
    async def main() -> None:
        manager, mdns, ble, events = setup()
        await manager.async_start()
        mdns.see("a._x", "dev-1")
        ble.see("AA:BB", "dev-1", rssi=-60)
        mdns.see("a._x", "dev-1")  # identical re-sighting: no event
        assert kinds(events) == ["DeviceAdded", "DeviceUpdated"]
        record = manager.devices["dev-1"]
        assert record.transports == ("ble", "mdns")
        assert record.sightings["mdns"].seen_at > 0
        mdns.see("a._x", "dev-1", firmware="1.1.0")
        assert isinstance(events[-1], DeviceUpdated)
        assert events[-1].record.sightings["mdns"].firmware == "1.1.0"
        mdns.lose("a._x")
        assert isinstance(events[-1], DeviceUpdated)
        assert manager.devices["dev-1"].transports == ("ble",)
        ble.lose("AA:BB")
        assert events[-1] == DeviceRemoved("dev-1")
        assert not manager.devices
        ble.lose("AA:BB")  # unknown source: nothing happens
        assert len(events) == 5
        await manager.async_stop()
        await manager.async_stop()
        assert (mdns.stops, ble.stops) == (1, 1)

    run(main)


def test_malformed_transitions_and_source_changing_id() -> None:
    async def main() -> None:
        manager, mdns, _, events = setup()
        await manager.async_start()
        mdns.bad("s1", "TXT value for 'mn' is not UTF-8")
        assert kinds(events) == ["MalformedSeen"]
        mdns.bad("s1", "TXT value for 'mn' is not UTF-8")  # same reason: no repeat
        assert len(events) == 1
        mdns.see("s1", "dev-1")
        assert kinds(events[1:]) == ["MalformedCleared", "DeviceAdded"]
        mdns.bad("s1", "unknown role 'x'")
        assert kinds(events[3:]) == ["DeviceRemoved", "MalformedSeen"]
        assert ("mdns", "s1") in manager.malformed
        mdns.lose("s1")
        assert kinds(events[5:]) == ["MalformedCleared"]
        assert not manager.malformed
        # A source that starts advertising another id drops the old one.
        mdns.see("s2", "dev-2")
        mdns.see("s2", "dev-3")
        assert kinds(events[6:]) == ["DeviceAdded", "DeviceRemoved", "DeviceAdded"]
        assert set(manager.devices) == {"dev-3"}
        assert manager.source_device("mdns", "s2") == "dev-3"
        await manager.async_stop()

    run(main)


def test_duplicate_id_from_second_source_is_flagged_then_promoted() -> None:
    async def main() -> None:
        manager, mdns, _, events = setup()
        await manager.async_start()
        mdns.see("real", "lock-1", address="10.0.0.2")
        mdns.see("spoof", "lock-1", address="10.0.0.66")
        assert kinds(events) == ["DeviceAdded", "MalformedSeen"]
        entry = manager.malformed[("mdns", "spoof")]
        assert entry.reason == "duplicate device id 'lock-1': also advertised by 'real'"
        assert manager.devices["lock-1"].sightings["mdns"].address == "10.0.0.2"
        mdns.see("spoof", "lock-1", address="10.0.0.66")  # unchanged: no new event
        assert len(events) == 2
        # The owner goes away: the remaining claimant takes over, visibly.
        mdns.lose("real")
        assert kinds(events[2:]) == ["MalformedCleared", "DeviceUpdated"]
        assert manager.devices["lock-1"].sightings["mdns"].address == "10.0.0.66"
        mdns.lose("spoof")
        assert isinstance(events[-1], DeviceRemoved)
        assert not manager.malformed
        await manager.async_stop()

    run(main)


def test_replay_unsubscribe_and_failing_listener(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        manager, mdns, _, events = setup()
        await manager.async_start()

        def broken(event: DiscoveryEvent) -> None:
            raise RuntimeError("listener bug")

        manager.async_subscribe(broken)
        mdns.see("a", "dev-1")
        mdns.bad("b", "bad TXT")
        assert kinds(events) == ["DeviceAdded", "MalformedSeen"]  # others still served
        late: list[DiscoveryEvent] = []
        unsubscribe = manager.async_subscribe(late.append)
        assert kinds(late) == ["DeviceAdded", "MalformedSeen"]
        assert isinstance(late[0], DeviceAdded) and late[0].record.device_id == "dev-1"
        assert isinstance(late[1], MalformedSeen) and late[1].entry.source == "b"
        quiet: list[DiscoveryEvent] = []
        manager.async_subscribe(quiet.append, replay=False)
        assert quiet == []
        unsubscribe()
        unsubscribe()
        mdns.lose("b")
        assert len(late) == 2
        assert isinstance(events[-1], MalformedCleared) and isinstance(quiet[-1], MalformedCleared)
        await manager.async_stop()

    with caplog.at_level(logging.ERROR):
        run(main)
    assert "listener bug" in caplog.text


def test_start_failure_stops_started_transports_and_duplicate_names() -> None:
    async def main() -> None:
        ok, broken = FeedTransport("mdns"), FeedTransport("ble", fail_start=True)
        manager = DiscoveryManager([ok, broken])
        with pytest.raises(OSError):
            await manager.async_start()
        assert ok.stops == 1
        assert not manager.running
        with pytest.raises(ValueError):
            manager.add_transport(FeedTransport("mdns"))
        # A transport added while running is started.
        fine = DiscoveryManager([FeedTransport("mdns")])
        await fine.async_start()
        late = FeedTransport("ble")
        fine.add_transport(late)
        deadline = asyncio.get_running_loop().time() + 5
        while late.manager is not fine:  # started in the background
            assert asyncio.get_running_loop().time() < deadline, "late transport never started"
            await asyncio.sleep(0.01)
        await fine.async_stop()
        assert late.stops == 1

    run(main)
