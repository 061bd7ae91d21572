"""A virtual home with 10 BLE-only factory devices (separate process, emulated controller on
127.0.0.1 TCP): all found by BleakScanner through the Bumble backend, onboarded with
``commissioner onboard --job``, then found over mDNS and merged into one row each."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from vh_fixtures import REPO_ROOT, running_virtual_home

from commissioner.ble.adapter import BleAdapter
from commissioner.ble.discovery_transport import BleTransport
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import MdnsTransport
from commissioner.jobs.store import JobStore
from commissioner.paths import default_store_path
from commissioner.virtualhome.homefile import read_home_file


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "commissioner.cli", *args],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300, input=stdin,
    )


async def _rows(transport: str, expect: int, *, need_mdns: bool) -> dict[str, tuple[str, ...]]:
    adapter = BleAdapter(transport)
    await adapter.open()
    manager = DiscoveryManager([MdnsTransport(["127.0.0.1"]), BleTransport(adapter)])
    await manager.async_start()
    try:
        for _ in range(600):
            rows = {i: r.transports for i, r in manager.devices.items()}
            ble_rows = [t for t in rows.values() if "ble" in t]
            if len(ble_rows) >= expect and (
                not need_mdns or all("mdns" in t for t in ble_rows)
            ):
                break
            await asyncio.sleep(0.02)
        return {i: r.transports for i, r in manager.devices.items()}
    finally:
        await manager.async_stop()
        await adapter.close()


def test_ble_only_home_found_onboarded_and_merged(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="ble-10") as home:
        assert home.ble is not None and home.ble.transport.startswith("tcp-client:127.0.0.1:")
        ble_ids = {d.device_id for d in home.ble.devices}
        assert len(ble_ids) == 10 and not home.devices  # nothing on the LAN yet
        before = asyncio.run(_rows(home.ble.transport, 10, need_mdns=False))
        assert {i for i, t in before.items() if t == ("ble",)} == ble_ids

        scan = _cli("scan", "--ble", "--virtual-home", str(home.directory), "--timeout", "3",
                    "--expect", "11", "--json")
        assert scan.returncode == 0, scan.stderr
        rows = {r["id"]: r for r in json.loads(scan.stdout)}
        assert ble_ids <= set(rows)
        assert all(rows[i]["transport"] == "ble" and rows[i]["rssi"] == -50 for i in ble_ids)

        data = ["--data-dir", str(tmp_path / "data")]
        new = _cli("job", "new", *data, "--job-number", "J-7", "--site-name", "BLE house",
                   "--site-address", "Tokyo", "--level", "2", "--operator", "tester", "--json")
        assert new.returncode == 0, new.stderr
        job_id = json.loads(new.stdout)["id"]
        onboard = _cli("onboard", *data, "--virtual-home", str(home.directory),
                       "--job", job_id, "--json", "--read-box-labels",
                       "--connect-timeout", "20")
        assert onboard.returncode == 0, onboard.stdout + onboard.stderr
        results = json.loads(onboard.stdout)
        assert {r["device_id"] for r in results if r["ok"]} == ble_ids

        after = asyncio.run(_rows(home.ble.transport, 10, need_mdns=True))
        assert all(after[i] == ("ble", "mdns") for i in ble_ids), after
        assert {d.device_id for d in read_home_file(home.directory).devices} == ble_ids

        with JobStore.open(default_store_path(tmp_path / "data")) as store:
            actions = [(s.action, s.device_id) for s in store.steps(job_id)]
        assert {d for a, d in actions if a == "ble.onboarded"} == ble_ids
