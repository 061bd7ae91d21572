"""Scan and onboard 20 BLE factory devices of a virtual home (separate process, emulated
controller over 127.0.0.1 TCP; the app uses bleak's public API with the Bumble backend).

Figures: time until all 20 are discovered over BLE; time to onboard all 20 one at a time and with
bounded concurrency (4 and 8); time until all appear on the LAN (mDNS) after onboarding.
Devices accept onboarding again once on the LAN, so every mode onboards the same 20 devices.

    .venv/bin/python -m pytest tests/benchmarks/test_ble_bench.py -s -p no:cacheprovider
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from conftest import report
from vh_fixtures import running_virtual_home

from commissioner.ble.adapter import BleAdapter
from commissioner.ble.discovery_transport import BleTransport
from commissioner.ble.workflow import onboard_seen, wait_for_ble_devices, wait_for_lan
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import MdnsTransport
from commissioner.virtualhome.ble_home import read_network
from commissioner.virtualhome.labels import read_label_file


async def _bench(
    home_dir: Path, transport: str, ids: list[str], network_file: Path
) -> dict[str, object]:
    labels = {i: read_label_file(home_dir / "labels" / f"{i}.json") for i in ids}
    network = read_network(network_file)
    adapter = BleAdapter(transport)
    await adapter.open()
    ble = BleTransport(adapter, lost_after=60)
    manager = DiscoveryManager([MdnsTransport(["127.0.0.1"]), ble])
    figures: dict[str, object] = {"devices": len(ids)}
    try:
        t0 = time.perf_counter()
        await manager.async_start()
        seen = await wait_for_ble_devices(manager, ble, ids, 30)
        figures["discover_all_s"] = round(time.perf_counter() - t0, 3)
        assert seen == sorted(ids)
        for concurrency in (1, 4, 8):
            t0 = time.perf_counter()
            results = await onboard_seen(ble, labels, network, ids, concurrency=concurrency)
            figures[f"onboard_c{concurrency}_s"] = round(time.perf_counter() - t0, 3)
            assert all(r.ok for r in results), [r for r in results if not r.ok]
            if concurrency == 1:
                t1 = time.perf_counter()
                on_lan = await wait_for_lan(manager, ids, 60)
                figures["lan_after_sequential_s"] = round(time.perf_counter() - t1, 3)
                assert on_lan == sorted(ids)
            await wait_for_ble_devices(manager, ble, ids, 10)  # advertising again
        figures["speedup_c4"] = round(
            float(figures["onboard_c1_s"]) / float(figures["onboard_c4_s"]), 2  # type: ignore[arg-type]
        )
    finally:
        await manager.async_stop()
        await adapter.close()
    return figures


def test_ble_scan_and_onboard_20(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="ble-20") as home:
        assert home.ble is not None
        ids = [d.device_id for d in home.ble.devices]
        figures = asyncio.run(
            _bench(home.directory, home.ble.transport, ids, home.directory / home.ble.network)
        )
    report("ble_scan_onboard_20", figures)
