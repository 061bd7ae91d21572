"""The device table against the virtual home in its own process: it fills as the home's devices
appear, and drops a device whose power is cut (the virtual home's control command)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner.virtualhome.control import control
from ui.bridge import AsyncBridge
from ui.main_window import MainWindow

WAIT_MS = 20000


def test_table_fills_from_virtual_home_and_drops_a_powered_off_device(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path
) -> None:
    with running_virtual_home(tmp_path / "home", scenario="standard") as home:
        ours = {d.device_id for d in home.devices} | {home.gateway.device_id}
        window = MainWindow(bridge, mdns_interfaces=list(home.mdns_interfaces))
        qtbot.addWidget(window)
        window.show()
        window.scan.scan_action.trigger()
        qtbot.waitUntil(lambda: ours <= set(window.model.device_ids()), timeout=WAIT_MS)

        victim = home.devices[0].device_id
        asyncio.run(control(home.directory, "power-cycle", victim, downtime=30.0))
        qtbot.waitUntil(lambda: victim not in window.model.device_ids(), timeout=WAIT_MS)
        assert (ours - {victim}) <= set(window.model.device_ids())
        window.stop_scan()
