"""Help ▸ About names the installed build: the version from the package metadata, in both
languages."""

from __future__ import annotations

from importlib import metadata

from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ui.bridge import AsyncBridge
from ui.main_window import MainWindow


def _about_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "aboutBox":
            return widget
    return None


def test_about_box_shows_the_installed_version_in_both_languages(
    qtbot: QtBot, bridge: AsyncBridge, language: str
) -> None:
    version = metadata.version("commissioner")
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"])
    qtbot.addWidget(window)
    window.show()
    assert language == "ja"
    assert window.help_menu.title() == "ヘルプ(&H)"
    window.help_menu.about_action.trigger()
    qtbot.waitUntil(lambda: _about_box() is not None, timeout=5000)
    box = _about_box()
    assert box is not None
    assert box.text().splitlines()[0] == f"コミッショナー {version}"
    assert box.windowTitle() == "コミッショナーについて"
    box.close()
    box.deleteLater()
    qtbot.waitUntil(lambda: _about_box() is None, timeout=5000)

    window.set_language("en")
    qtbot.waitUntil(lambda: window.help_menu.title() == "&Help", timeout=5000)
    window.help_menu.about_action.trigger()
    qtbot.waitUntil(lambda: _about_box() is not None, timeout=5000)
    box = _about_box()
    assert box is not None
    assert box.text().splitlines()[0] == f"Commissioner {version}"
    box.close()
