"""The main window against real zeroconf on 127.0.0.1: the table fills, updates and shrinks."""

from __future__ import annotations

from gui_testing import FIVE_DEVICES, HOSTILE_REASON, HOSTILE_TXT, LoopbackDevices
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from commissioner.protocol.advertisement import build_txt
from ui.bridge import AsyncBridge
from ui.device_table import MALFORMED_BACKGROUND, ROW_KIND_ROLE, Column
from ui.job_summary import JobSummary
from ui.main_window import MainWindow, ScanState

WAIT_MS = 15000


def _cell(
    window: MainWindow, row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    return window.model.data(window.model.index(row, column), role)


def _malformed_rows(window: MainWindow) -> list[int]:
    return [
        row
        for row in range(window.model.rowCount())
        if window.model.data(window.model.index(row, 0), ROW_KIND_ROLE) == "malformed"
    ]


def test_scan_lists_devices_and_malformed_then_removes_unregistered(
    qtbot: QtBot, bridge: AsyncBridge, loopback_devices: LoopbackDevices, language: str
) -> None:
    assert language == "ja"
    entries: dict[str, dict[str, str | bytes]] = {
        name: dict(build_txt(adv)) for name, adv in FIVE_DEVICES.items()
    }
    entries["hostile"] = HOSTILE_TXT
    loopback_devices.register(entries)

    window = MainWindow(
        bridge,
        mdns_interfaces=["127.0.0.1"],
        mdns_service_type=loopback_devices.service_type,
        job=JobSummary("2026-001", "さくら邸", 3, "佐藤"),
    )
    qtbot.addWidget(window)
    window.show()
    assert window.scan_status_label.text() == "スキャン停止中"
    assert window.scan.scan_action.text() == "スキャン開始"

    window.scan.scan_action.trigger()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
    assert window.scan.scan_action.text() == "スキャン停止"
    assert window.scan_status_label.text() == "スキャン中…"
    qtbot.waitUntil(
        lambda: window.model.device_count == 5 and window.model.malformed_count == 1,
        timeout=WAIT_MS,
    )
    model = window.model
    assert model.rowCount() == 6
    assert window.table.model() is model

    # Sorted by kind (protocol order) then id; the malformed row comes last.
    ids = model.device_ids()
    assert ids == ["ac-living", "wh-bath", "lock-front", "cam-garden", "gw-0001"]
    assert [_cell(window, r, Column.KIND) for r in range(5)] == [
        "エアコン",
        "給湯器",
        "電気錠",
        "カメラ",
        "ホームゲートウェイ",
    ]
    lock_row = ids.index("lock-front")
    assert _cell(window, lock_row, Column.STATE) == "設定済み"
    assert _cell(window, lock_row, Column.MANUFACTURER) == "Kagi Co"
    assert _cell(window, 0, Column.STATE) == "工場出荷状態"
    address = _cell(window, 0, Column.ADDRESS)
    assert isinstance(address, str) and address.startswith("127.0.0.1:")
    assert _cell(window, ids.index("cam-garden"), Column.FIRMWARE) == "2.0.10"

    # The malformed row is shown distinctly, with its reason.
    (bad,) = _malformed_rows(window)
    assert bad == 5
    assert _cell(window, bad, Column.KIND) == "不正なアドバタイズ"
    assert _cell(window, bad, Column.DETAILS) == HOSTILE_REASON
    source = _cell(window, bad, Column.DEVICE_ID)
    assert isinstance(source, str) and source.startswith("hostile.")
    tooltip = _cell(window, bad, Column.MODEL, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tooltip, str) and HOSTILE_REASON in tooltip
    background = _cell(window, bad, Column.MANUFACTURER, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush) and background.color() == MALFORMED_BACKGROUND
    assert _cell(window, 0, Column.MANUFACTURER, Qt.ItemDataRole.BackgroundRole) is None
    icon = _cell(window, bad, Column.KIND, Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()  # type: ignore[attr-defined]

    # Counts are shown above the table and in the status bar.
    assert window.device_count_label.text() == "（5台検出）"
    assert window.counts_status_label.text() == "機器 5台、不正 1件"

    # A device that leaves the network leaves the table (its row only).
    inserted_before = model.rowCount()
    loopback_devices.unregister("heater")
    qtbot.waitUntil(lambda: window.model.device_count == 4, timeout=WAIT_MS)
    assert model.rowCount() == inserted_before - 1
    assert model.device_ids() == ["ac-living", "lock-front", "cam-garden", "gw-0001"]
    assert window.counts_status_label.text() == "機器 4台、不正 1件"

    # The hostile source going away clears its row too.
    loopback_devices.unregister("hostile")
    qtbot.waitUntil(lambda: window.model.malformed_count == 0, timeout=WAIT_MS)

    window.scan.scan_action.trigger()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
    assert window.scan_status_label.text() == "スキャン停止中"
    assert window.scan.scan_action.text() == "スキャン開始"
    assert model.device_count == 4  # what was found stays listed after the scan stops
    assert window.last_error is None


def test_job_area_shows_job_or_no_job(qtbot: QtBot, bridge: AsyncBridge, language: str) -> None:
    del language
    window = MainWindow(bridge)
    qtbot.addWidget(window)
    window.show()
    assert window.job_box.job_stack.currentWidget() is window.job_box.no_job_label
    assert window.job_box.no_job_label.text() == "作業が開かれていません"
    window.set_job(JobSummary("2026-042", "Sakura house", 2, "Sato"))
    assert window.job_box.job_stack.currentIndex() == 1
    assert window.job_box.job_number_value.text() == "2026-042"
    assert window.job_box.site_value.text() == "Sakura house"
    assert window.job_box.level_value.text() == "★★"
    assert window.job_box.operator_value.text() == "Sato"
    assert window.job_box.job_number_caption.text() == "作業番号:"


def test_scan_error_reaches_status_bar_and_non_modal_message(
    qtbot: QtBot, bridge: AsyncBridge, language: str
) -> None:
    del language
    # An interface list the mDNS transport refuses: start fails on the loop, not in the GUI.
    window = MainWindow(bridge, mdns_interfaces=["not-an-address"])
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(bridge.task_failed, timeout=WAIT_MS):
        window.start_scan()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
    assert window.last_error is not None
    assert window.last_error.startswith("スキャンを開始できませんでした")
    assert "not-an-address" in window.last_error
    assert window.statusBar().currentMessage() == window.last_error
    assert window.scan_status_label.text() == "スキャン停止（エラー）"
    box = window.error_box
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    assert not box.isModal()
    assert QApplication.activeModalWidget() is None
    assert window.scan.scan_action.isEnabled()  # the installer can try again
