"""Reopening a job shows what it already holds: the gate's verdicts and each device's recorded
provisioning and firmware state, as finished states in the progress column (nothing runs).
Also: the toolbar follows the handover flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

from documents_helpers import make_home, record_firmware
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from commissioner.discovery.events import DeviceAdded, DeviceRecord, Sighting
from commissioner.jobs.store import JobStore
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from ui.bridge import AsyncBridge
from ui.device_table import BLOCKED_ROLE, OPERATION_ROLE, VERDICT_ROLE, Column, OperationState
from ui.job_service import JobProgress, JobService
from ui.main_window import MainWindow

WAIT_MS = 20_000
JOB_NUMBER = "2025-0142"


def _store(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    """A job with a gateway and three devices, all certified and provisioned, then:
    dev-0002 verified on outdated firmware, dev-0003 failed provisioning and runs a
    vulnerable version."""
    store_path = tmp_path / "data" / "jobs.sqlite3"
    with JobStore.open(store_path) as store:
        home = make_home(store, 4)
        job_id = home.job.id
        record_firmware(store, job_id, "dev-0002", home.models["dev-0002"], latest=False)
        store.set_provisioning_status(
            job_id, "dev-0003", role="device", status="failed", reason_code="unreachable",
            reason="the device did not answer", action="check its power")
        store.record_firmware_status(job_id, device_id="dev-0003", model=home.models["dev-0003"],
                                     version="1.0.3", latest="1.2.0", vulnerable=True)
        return store_path, job_id, dict(home.models)


def _record(device_id: str, model: str) -> DeviceRecord:
    gateway = device_id.startswith("gw-")
    sighting = Sighting(
        transport="mdns", device_id=device_id, role=Role.GATEWAY if gateway else Role.DEVICE,
        kind=(DeviceKind.GATEWAY if gateway else DeviceKind.LIGHTING).value,
        manufacturer="Test", model=model, firmware="1.0.0",
        state=CommissioningState.COMMISSIONED, protocol_version="1.0",
        address="127.0.0.1", port=8443)
    return DeviceRecord(device_id, {"mdns": sighting})


def _op(window: MainWindow, device_id: str) -> OperationState:
    index = window.model.index(window.model.row_of(device_id), Column.PROGRESS)
    state = window.model.data(index, OPERATION_ROLE)
    assert isinstance(state, OperationState), device_id
    return state


def _cell(window: MainWindow, device_id: str, column: Column,
          role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return window.model.data(window.model.index(window.model.row_of(device_id), column), role)


def test_job_service_reads_the_recorded_progress(tmp_path: Path) -> None:
    store_path, job_id, _models = _store(tmp_path)
    service = JobService(store_path, data_dir=tmp_path / "data")
    try:
        progress = asyncio.run(service.job_progress(job_id))
    finally:
        asyncio.run(service.close())
    assert isinstance(progress, JobProgress)
    states = {d.device_id: d for d in progress.devices}
    assert set(states) == {"gw-0001", "dev-0001", "dev-0002", "dev-0003"}
    assert states["dev-0001"].provisioning is not None
    assert states["dev-0001"].provisioning.status == "provisioned"
    assert states["dev-0001"].firmware_state == "latest"
    assert states["dev-0002"].firmware_state == "outdated"
    assert states["dev-0003"].firmware_state == "vulnerable"
    assert states["dev-0003"].provisioning is not None
    assert states["dev-0003"].provisioning.status == "failed"
    last = states["dev-0001"].last_update
    assert last is not None and last.result == "updated" and last.to_version == "1.2.0"


def test_reopened_job_shows_gate_provisioning_and_firmware(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str
) -> None:
    assert language == "ja"
    store_path, job_id, models = _store(tmp_path)
    with JobStore.open(store_path) as store:
        steps_before = store.step_count(job_id)
    service = JobService(store_path, data_dir=tmp_path / "data")
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.show()
    for device_id, model in models.items():
        window.model.apply(DeviceAdded(_record(device_id, model)))
    assert window.model.device_count == 4
    assert all(window.model.operation(d) is None for d in models)

    window.open_job(JOB_NUMBER)  # what File ▸ Open job and --job ID do
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    assert window.job is not None and window.job.job_id == job_id

    # The gate's verdicts.
    for device_id in models:
        assert _cell(window, device_id, Column.VERDICT, VERDICT_ROLE) == "certified"
        assert _cell(window, device_id, Column.VERDICT, BLOCKED_ROLE) is False
        assert _cell(window, device_id, Column.VERDICT) == "認証済み"
    assert window.gate.gate_summary_label.text()

    # Provisioned and on the latest firmware (updated 1.0.0 -> 1.2.0 in an earlier visit).
    for device_id in ("gw-0001", "dev-0001"):
        state = _op(window, device_id)
        assert state.status == "done" and state.fraction == 1.0
        assert state.text == "設定完了 · 更新済み: 1.0.0 → 1.2.0", state.text
        assert _cell(window, device_id, Column.FIRMWARE) == "1.2.0"
    assert "認証" in str(_cell(window, "dev-0001", Column.PROGRESS, Qt.ItemDataRole.ToolTipRole))

    # Provisioned, but the verified firmware is behind the latest.
    outdated = _op(window, "dev-0002")
    assert outdated.failed
    assert outdated.text == "設定完了 · 旧版のファームウェア 1.0.0 (最新 1.2.0)", outdated.text
    assert _cell(window, "dev-0002", Column.FIRMWARE) == "1.0.0"

    # Provisioning failed with its reason and what to do; the firmware is vulnerable.
    failed = _op(window, "dev-0003")
    assert failed.failed
    assert failed.text.startswith("失敗: the device did not answer"), failed.text
    assert "脆弱性のあるファームウェア 1.0.3 (最新 1.2.0)" in failed.text
    assert "the device did not answer" in failed.detail, failed.detail
    assert "設定実行" in failed.detail, failed.detail  # what to do: run Commission home again
    assert _cell(window, "dev-0003", Column.FIRMWARE) == "1.0.3 ⚠ 脆弱性あり"
    assert "dev-0003" in window.firmware.vulnerable_seen

    # Shown as finished states: nothing was started.
    ops = window.operations
    assert ops.busy is None and not ops.panel.isVisible()
    assert window.recorded.progress is not None and window.recorded.progress.job_id == job_id
    qtbot.waitUntil(lambda: window.recording_idle, timeout=WAIT_MS)
    with JobStore.open(store_path) as store:
        actions = [s.action for s in store.steps(job_id)[steps_before:]]
    assert not [a for a in actions if a.startswith(("provision.", "firmware."))], actions

    # The recorded states follow a language switch.
    window.set_language("en")
    qtbot.waitUntil(
        lambda: _op(window, "dev-0001").text == "Provisioned · Updated: 1.0.0 → 1.2.0",
        timeout=5000,
    )
    assert _op(window, "dev-0002").text == "Provisioned · Outdated firmware 1.0.0 (latest 1.2.0)"


def test_toolbar_follows_the_handover_flow(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str
) -> None:
    assert language == "ja"
    store_path, _job_id, _models = _store(tmp_path)
    service = JobService(store_path, data_dir=tmp_path / "data")
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    actions = [a for a in window.toolbar.actions() if not a.isSeparator()]
    assert actions == [
        window.scan.scan_action,
        window.onboarding.ble_action,
        window.onboarding.onboard_all_action,
        window.resale.wipe_action,
        window.gate.certify_action,
        window.commissioning.commission_action,
        window.firmware.firmware_action,
        window.handover.action,
    ]
    texts = [a.text() for a in actions[3:]]
    assert texts == ["消去と検証", "認証確認", "設定実行", "ファームウェア更新",
                     "完了して引き渡す…"]
    # The enabling logic is unchanged: without a job only scanning (and BLE) are possible.
    assert window.scan.scan_action.isEnabled()
    assert not window.gate.certify_action.isEnabled()
    commission_action, firmware_action = (
        window.commissioning.commission_action,
        window.firmware.firmware_action,
    )
    assert not commission_action.isEnabled() and not firmware_action.isEnabled()
    window.open_job(JOB_NUMBER)
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    assert window.gate.certify_action.isEnabled()
    assert commission_action.isEnabled() and firmware_action.isEnabled()
