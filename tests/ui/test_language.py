"""UI language: Japanese by default, English on request, switchable at runtime."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from commissioner.discovery.events import DeviceAdded, DeviceRecord, Sighting
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from ui import i18n
from ui.bridge import AsyncBridge
from ui.device_table import Column
from ui.job_summary import JobSummary
from ui.main_window import MainWindow


def _header(window: MainWindow, column: Column) -> object:
    # Ask the view's header (what is painted), not only the model.
    header = window.table.horizontalHeader()
    return header.model().headerData(column, Qt.Orientation.Horizontal)


def _scan_button_text(window: MainWindow) -> str:
    button = window.toolbar.widgetForAction(window.scan.scan_action)
    assert button is not None
    return button.text()  # type: ignore[attr-defined, no-any-return]


def _record() -> DeviceRecord:
    sighting = Sighting(
        transport="mdns",
        device_id="sb-garage",
        role=Role.DEVICE,
        kind=DeviceKind.STORAGE_BATTERY.value,
        manufacturer="Sakura Denki",
        model="SB-9",
        firmware="3.1.4",
        state=CommissioningState.FACTORY,
        protocol_version="1",
        address="127.0.0.1",
        port=8443,
    )
    return DeviceRecord("sb-garage", {"mdns": sighting})


def test_default_is_japanese_and_switching_retranslates_visible_labels(
    qtbot: QtBot, qapp: QApplication, bridge: AsyncBridge, language: str
) -> None:
    assert language == "ja"
    window = MainWindow(bridge, job=JobSummary("2026-007", "Sakura", 3, "Sato"))
    qtbot.addWidget(window)
    window.show()
    window.model.apply(DeviceAdded(_record()))

    assert _header(window, Column.KIND) == "種類"
    assert _header(window, Column.MANUFACTURER) == "メーカー"
    assert _scan_button_text(window) == "スキャン開始"
    assert window.language_menu.title() == "言語(&L)"
    assert window.job_box.title() == "現在の作業"
    assert window.scan_status_label.text() == "スキャン停止中"
    assert window.model.data(window.model.index(0, Column.KIND)) == "蓄電池"
    assert window.model.data(window.model.index(0, Column.STATE)) == "工場出荷状態"
    assert window.language_actions["ja"].isChecked()

    header_changes: list[tuple[object, int, int]] = []
    window.model.headerDataChanged.connect(lambda o, a, b: header_changes.append((o, a, b)))
    cell_changes: list[int] = []
    window.model.dataChanged.connect(lambda tl, br, roles=(): cell_changes.append(tl.column()))

    window.language_actions["en"].trigger()
    assert i18n.current_language(qapp) == "en"
    # Widgets retranslate on the QEvent.LanguageChange that Qt posts to them.
    qtbot.waitUntil(lambda: _scan_button_text(window) == "Start scan", timeout=5000)
    assert window.language_actions["en"].isChecked()
    assert _header(window, Column.KIND) == "Kind"
    assert _header(window, Column.MANUFACTURER) == "Manufacturer"
    assert _scan_button_text(window) == "Start scan"
    assert window.language_menu.title() == "&Language"
    assert window.job_box.title() == "Current job"
    assert window.job_box.job_number_caption.text() == "Job number:"
    assert window.scan_status_label.text() == "Scan stopped"
    assert window.windowTitle() == "Commissioner — smart home commissioning"
    assert window.counts_status_label.text() == "1 device, 0 malformed"
    assert window.model.data(window.model.index(0, Column.KIND)) == "Storage battery"
    assert window.model.data(window.model.index(0, Column.STATE)) == "Factory state"
    assert header_changes  # views were told to repaint headers and translated cells
    assert Column.KIND in cell_changes and Column.STATE in cell_changes

    # Switching from outside the window (e.g. a settings dialog) works the same way.
    i18n.install_language(qapp, "ja")
    qtbot.waitUntil(lambda: _scan_button_text(window) == "スキャン開始", timeout=5000)
    assert _header(window, Column.KIND) == "種類"
    assert window.language_actions["ja"].isChecked()


def test_language_resolution_order() -> None:
    assert i18n.resolve_language(None, {}) == "ja"
    assert i18n.resolve_language(None, {"COMMISSIONER_LANG": "en"}) == "en"
    assert i18n.resolve_language(None, {"COMMISSIONER_LANG": "en_US.UTF-8"}) == "en"
    assert i18n.resolve_language("ja", {"COMMISSIONER_LANG": "en"}) == "ja"
    assert i18n.resolve_language(None, {"COMMISSIONER_LANG": "klingon"}) == "ja"
