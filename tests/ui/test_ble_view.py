"""Bluetooth LE in the GUI against the ble-mixed virtual home in its own process (Bumble
controller relay and zeroconf on 127.0.0.1, real GATT onboarding, real SQLite job store): BLE
sightings with RSSI, merged rows, "Onboard to network" for one device and for all factory BLE
devices, per-device errors with reasons. No mocks."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from ui.bridge import AsyncBridge
from ui.device_table import OPERATION_ROLE, RSSI_ROLE, TRANSPORTS_ROLE, Column, OperationState
from ui.field_ops import OnboardRun
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

WAIT_MS = 20000


def _cell(window: MainWindow, device_id: str, column: Column, role: int = 0) -> object:
    row = window.model.row_of(device_id)
    assert row >= 0, device_id
    return window.model.data(window.model.index(row, column), role)


def _op(window: MainWindow, device_id: str) -> OperationState | None:
    state = _cell(window, device_id, Column.PROGRESS, OPERATION_ROLE)
    assert state is None or isinstance(state, OperationState)
    return state


def test_ble_devices_rssi_merged_rows_and_onboarding(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    assert language == "ja"
    with running_virtual_home(tmp_path / "home", scenario="ble-mixed") as home:
        assert home.ble is not None
        ble_cfg = json.loads((home.directory / "ble.json").read_text())["devices"]
        ble_ids = set(ble_cfg)
        both = sorted(i for i, d in ble_cfg.items() if d["mode"] == "both")
        only_ok = sorted(i for i, d in ble_cfg.items() if d["mode"] == "only" and not d["faults"])
        faulty = {i: d["faults"][0] for i, d in ble_cfg.items() if d["faults"]}
        assert both and len(only_ok) >= 2 and set(faulty.values()) == {
            "ble-vanish", "ble-gatt-error"}

        data_dir = tmp_path / "data"
        with JobStore.open(paths.default_store_path(data_dir)) as store:
            job_id = store.create_job(
                job_number="BLE-1", site_name="青木邸", site_address="東京都港区1-1",
                service_level=2, operator="青木").id
        service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                             virtual_home=home.directory, read_box_labels=True)
        window = MainWindow(bridge, mdns_interfaces=list(home.mdns_interfaces), service=service)
        qtbot.addWidget(window)
        window.show()
        window.open_job(job_id)
        qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
        ops, onboarding = window.operations, window.onboarding
        ble_action = onboarding.ble_action
        assert ble_action.text() == "Bluetooth LE" and ble_action.isCheckable()
        assert not onboarding.onboard_all_action.isEnabled()  # no BLE scan yet

        onboarding.ble_action.setChecked(True)
        window.start_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: ble_ids <= set(window.model.device_ids()), timeout=WAIT_MS)
        # Devices on BLE and the LAN: one row each, both transports, RSSI shown.
        qtbot.waitUntil(
            lambda: all(_cell(window, i, Column.DEVICE_ID, TRANSPORTS_ROLE) == ("ble", "mdns")
                        for i in both), timeout=WAIT_MS)
        for device_id in both:
            text = str(_cell(window, device_id, Column.TRANSPORT))
            rssi = _cell(window, device_id, Column.DEVICE_ID, RSSI_ROLE)
            assert isinstance(rssi, int) and -100 < rssi < 0
            assert f"Bluetooth LE (\u2212{-rssi} dBm)" in text and "mDNS" in text, text
        for device_id in only_ok:
            assert _cell(window, device_id, Column.DEVICE_ID, TRANSPORTS_ROLE) == ("ble",)
        assert len(window.model.device_ids()) == len(set(window.model.device_ids()))

        # "Onboard to network" from the details pane for one BLE-only factory device.
        first = only_ok[0]
        assert window.select_device(first)
        assert onboarding.onboard_action.isEnabled() and onboarding.onboard_button.isVisible()
        assert onboarding.onboard_button.text() == "ネットワークに参加させる"
        with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS * 2) as blocker:
            onboarding.onboard_button.click()
            assert ops.busy == "onboard" and ops.panel.isVisible()
        operation, outcome = blocker.args
        assert operation == "onboard" and isinstance(outcome, OnboardRun), outcome
        assert outcome.ok and outcome.joined == (first,)
        state = _op(window, first)
        assert state is not None and state.status == "done" and state.text == "ネットワーク参加済み"
        qtbot.waitUntil(
            lambda: _cell(window, first, Column.DEVICE_ID, TRANSPORTS_ROLE) == ("ble", "mdns"),
            timeout=WAIT_MS)
        assert "mDNS" in str(_cell(window, first, Column.TRANSPORT))

        # "Onboard all": every other factory BLE device; the two faulty ones fail with reasons.
        assert onboarding.onboard_all_action.isEnabled()
        with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS * 3) as blocker:
            onboarding.onboard_all_action.trigger()
        outcome = blocker.args[1]
        assert isinstance(outcome, OnboardRun)
        results = {r.device_id: r for r in outcome.results}
        assert set(results) == set(only_ok[1:]) | set(faulty)
        assert set(outcome.joined) == set(only_ok[1:])
        for device_id in only_ok[1:]:
            assert results[device_id].ok
            qtbot.waitUntil(
                lambda d=device_id: _cell(window, d, Column.DEVICE_ID, TRANSPORTS_ROLE)
                == ("ble", "mdns"), timeout=WAIT_MS)
        for device_id in faulty:
            assert not results[device_id].ok
            state = _op(window, device_id)
            assert state is not None and state.failed
            assert state.text.startswith("失敗: ") and len(state.text) > 8
            tooltip = str(_cell(window, device_id, Column.PROGRESS, 3))  # ToolTipRole
            assert results[device_id].message in tooltip
        assert ops.job_fraction == 1.0
        assert "失敗 2 台" in ops.job_label.text()

        with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
            steps = store.steps(job_id)
        onboarded = {s.device_id for s in steps if s.action == "ble.onboarded"}
        joined = {s.device_id for s in steps if s.action == "ble.joined-lan"}
        failed = {s.device_id for s in steps if s.action == "ble.onboard-failed"}
        assert onboarded == joined == set(only_ok) and failed == set(faulty)
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
