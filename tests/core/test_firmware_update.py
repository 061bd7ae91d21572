"""Firmware update end to end against in-process virtual devices: real TLS, real TUF catalog
over HTTP, real files. Each fault is its own test."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from firmware_helpers import FAST, DroppingRelay, fw_home

from commissioner.firmware.locate import MdnsResolver
from commissioner.firmware.plan import DeviceEndpoint, PlanAction
from commissioner.firmware.push import (
    Outcome,
    Phase,
    UpdateProgress,
    update_device,
    update_home,
)
from commissioner.protocol.firmware_spec import FirmwareEndpoint
from commissioner.virtualhome.control import control
from commissioner.virtualhome.device import VirtualDevice

SMALL = 256 * 1024


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_update_confirms_new_version_and_skips_current(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            assert item.action is PlanAction.UPDATE
            assert (item.current, item.latest) == ("1.2.0", "1.3.0")
            seen: list[UpdateProgress] = []
            result = await update_device(item, h.provider(), h.trust, h.access(), options=FAST,
                                         on_progress=seen.append, resolver=h.resolve)
            assert result.outcome is Outcome.UPDATED, result.reason
            assert result.running_version == "1.3.0"
            assert result.bytes_sent == SMALL and result.resumed_from == ()
            phases = [p.phase for p in seen]
            for phase in (Phase.DOWNLOAD, Phase.TRANSFER, Phase.VERIFY, Phase.REBOOT,
                          Phase.CONFIRM, Phase.DONE):
                assert phase in phases
            assert seen[-1].fraction == 1.0
            fractions = [p.fraction for p in seen]
            assert fractions == sorted(fractions)
            d = h.device(dev)
            assert d.state.firmware == "1.3.0" and d.state.active_slot == "b"
            assert d.advertisement().firmware == "1.3.0"  # re-announced over mDNS
            again = await h.plan(dev)
            assert again.action is PlanAction.CURRENT
            results = await update_home([again], h.provider(), h.trust, h.access(), options=FAST)
            assert results[0].outcome is Outcome.CURRENT and results[0].bytes_sent == 0

    run(body())


def test_outdated_vulnerable_device_is_flagged_and_updated(tmp_path: Path) -> None:
    async def body() -> None:
        # mixed-faults device 7 (index 6) is the outdated-firmware one (1.0.3, vulnerable)
        async with fw_home(tmp_path, scenario="mixed-faults", devices=7, size=SMALL) as h:
            items = [await h.plan(d) for d in h.device_ids]
            vulnerable = [i for i in items if i.vulnerable]
            assert [i.current for i in vulnerable] == ["1.0.3"]
            assert vulnerable[0].advisory
            result = await update_device(vulnerable[0], h.provider(), h.trust, h.access(),
                                         options=FAST, resolver=h.resolve)
            assert result.outcome is Outcome.UPDATED and result.vulnerable_before

    run(body())


def test_power_cycle_mid_transfer_resumes_on_old_firmware(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=2 * 1024 * 1024) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            cut: list[asyncio.Task[object]] = []
            on_resume: list[tuple[str, int]] = []

            def progress(p: UpdateProgress) -> None:
                if p.phase is Phase.TRANSFER and p.bytes_done >= 512 * 1024 and not cut:
                    cut.append(asyncio.create_task(
                        control(h.directory, "power-cycle", dev, downtime=0.3)))
                if p.message == "resuming":
                    on_resume.append((h.device(dev).state.firmware, p.bytes_done))

            opts = dataclasses.replace(FAST, chunk_bytes=64 * 1024)
            result = await update_device(item, h.provider(), h.trust, h.access(), options=opts,
                                         on_progress=progress, resolver=h.resolve)
            assert cut and cut[0].done()
            assert result.outcome is Outcome.UPDATED, result.reason
            assert result.reconnects >= 1
            assert result.resumed_from and result.resumed_from[0] >= 512 * 1024
            # after the power cut the device booted its old firmware and kept the bytes
            assert on_resume and on_resume[0][0] == "1.2.0" and on_resume[0][1] > 0
            assert result.bytes_sent < 2 * 2 * 1024 * 1024
            assert h.device(dev).state.firmware == "1.3.0"

    run(body())


def test_connection_drop_resumes_from_offset(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=1024 * 1024) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            async with DroppingRelay(h.device(dev).port, drop_after=400 * 1024) as relay:
                via = dataclasses.replace(item, port=relay.port)

                async def resolve(device_id: str) -> DeviceEndpoint:
                    return DeviceEndpoint(device_id, "127.0.0.1", relay.port)

                opts = dataclasses.replace(FAST, chunk_bytes=32 * 1024)
                result = await update_device(via, h.provider(), h.trust, h.access(),
                                             options=opts, resolver=resolve)
            assert relay.dropped == 1
            assert result.outcome is Outcome.UPDATED, result.reason
            assert result.resumed_from and 0 < result.resumed_from[0] < 1024 * 1024
            assert result.bytes_sent < 1024 * 1024 + 64 * 1024  # nothing re-sent from 0

    run(body())


def test_new_image_fails_to_boot_device_falls_back(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            reply = await control_fault(h.directory, dev, "fail-boot")
            assert "fail-boot" in reply["firmware_faults"]
            item = await h.plan(dev)
            result = await update_device(item, h.provider(), h.trust, h.access(), options=FAST,
                                         resolver=h.resolve)
            assert result.outcome is Outcome.FELL_BACK, result.reason
            assert result.running_version == "1.2.0"
            assert "did not start" in result.reason
            d = h.device(dev)
            assert d.state.firmware == "1.2.0" and d.state.active_slot == "a"
            assert (await h.plan(dev)).action is PlanAction.UPDATE  # still outdated

    run(body())


def test_device_never_comes_back_times_out_and_stays_resumable(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            await control_fault(h.directory, dev, "no-return", boot_delay_s=2.0)
            item = await h.plan(dev)
            opts = dataclasses.replace(FAST, reboot_timeout=0.8)
            result = await update_device(item, h.provider(), h.trust, h.access(), options=opts,
                                         resolver=h.resolve)
            assert result.outcome is Outcome.TIMEOUT and result.resumable
            assert "did not come back within 0.8 s" in result.reason
            for _ in range(100):  # the device comes back later on its own
                await asyncio.sleep(0.1)
                if h.device(dev).powered:
                    break
            assert h.device(dev).powered, "the device never came back"
            later = await h.plan(dev)
            assert later.action is PlanAction.CURRENT and later.current == "1.3.0"

    run(body())


async def control_fault(directory: Path, device_id: str, fault: str, **extra: object) -> dict:  # type: ignore[type-arg]
    """Send the firmware-fault control command (raw JSON line, like `virtual-home ctl`)."""
    import json

    raw = json.loads((directory / "control.json").read_text())
    reader, writer = await asyncio.open_connection(raw["host"], raw["port"])
    writer.write(json.dumps({"token": raw["token"], "command": "firmware-fault",
                             "device_id": device_id, "fault": fault, **extra}).encode() + b"\n")
    await writer.drain()
    reply = json.loads(await reader.readline())
    writer.close()
    assert reply["ok"], reply
    return reply


def test_whole_home_concurrent_update(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=5, size=SMALL) as h:
            ids = [*h.device_ids, h.home.manifest.gateway.device_id]
            items = [await h.plan(d) for d in ids]
            assert all(i.action is PlanAction.UPDATE for i in items)
            results = await update_home(items, h.provider(), h.trust, h.access(),
                                        concurrency=3, options=FAST, resolver=h.resolve)
            assert [r.outcome for r in results] == [Outcome.UPDATED] * len(ids)
            gw = results[-1]
            assert (gw.from_version, gw.running_version) == ("2.1.0", "2.2.0")
            # the image was downloaded once per model into the cache
            assert len(list(h.cache.directory.glob("*.bin"))) == len({i.model for i in items})

    run(body())


def test_transfer_endpoint_needs_authentication(tmp_path: Path) -> None:
    from commissioner.protocol.client import open_session

    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            ep = h.endpoint(h.device_ids[0])
            async with await open_session(ep.host, ep.port, h.trust) as s:
                resp = await s.request("GET", FirmwareEndpoint.TRANSFER.value)
                assert resp.status == 401
                resp = await s.request_bytes(
                    "PUT", FirmwareEndpoint.CHUNK.value + "?transfer=" + "0" * 32 + "&offset=0",
                    b"x" * 1000, "application/octet-stream")
                assert resp.status == 401

    run(body())



@contextmanager
def back_on_another_port(device: VirtualDevice) -> Iterator[int]:
    """The device's next reboot finds its old port taken (a plain TCP listener that never
    speaks TLS), so it comes back on another one and the virtual home re-announces it over
    mDNS - like a real device with a new DHCP lease. Yields the old port."""
    old_port = device.port
    reboot = device.firmware.reboot_hook
    assert reboot is not None
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    async def reboot_elsewhere(downtime: float) -> object:
        result = await reboot(downtime)  # powered off now; back on after ``downtime``
        squatter.bind(("127.0.0.1", old_port))
        squatter.listen()
        return result

    device.firmware.reboot_hook = reboot_elsewhere
    try:
        yield old_port
    finally:
        device.firmware.reboot_hook = reboot
        squatter.close()


def test_device_back_on_another_port_is_found_over_mdns(tmp_path: Path) -> None:
    """After its reboot the device answers on another port; the update finds it by device id
    over real zeroconf on 127.0.0.1 only (no home.json) and confirms it over the attested
    connection."""

    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            device = h.device(dev)
            with back_on_another_port(device) as old_port:
                item = await h.plan(dev)
                async with MdnsResolver(["127.0.0.1"]) as mdns:
                    result = await update_device(item, h.provider(), h.trust, h.access(),
                                                 options=FAST, resolver=mdns)
                    assert result.outcome is Outcome.UPDATED, result.reason
                    assert result.running_version == "1.3.0"
                    assert device.port != old_port
                    assert mdns.lookups >= 1
                    assert await mdns(dev) == DeviceEndpoint(dev, "127.0.0.1", device.port)
                async with MdnsResolver(["127.0.0.1"], wait=0.3) as other:
                    assert await other("no-such-device") is None

    run(body())


def test_moved_device_is_not_confirmed_at_its_old_address(tmp_path: Path) -> None:
    """Control for the test above: keeping the old address (what the app did outside training
    mode before it looked devices up over mDNS), the moved device is never confirmed."""

    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            device = h.device(dev)
            with back_on_another_port(device) as old_port:
                item = await h.plan(dev)
                opts = dataclasses.replace(FAST, timeout=0.3, reboot_timeout=1.5)
                result = await update_device(item, h.provider(), h.trust, h.access(),
                                             options=opts)
                assert result.outcome is Outcome.TIMEOUT, result.reason
                assert device.port != old_port and device.state.firmware == "1.3.0"

    run(body())
