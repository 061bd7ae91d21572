"""The Help menu and its About box: the app's name and version, read from the installed
package's metadata (a frozen build carries it too), so the box names the build in use."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from commissioner.version import app_version


def about_text() -> str:
    return QCoreApplication.translate(
        "HelpMenu", "Commissioner %1\nSmart home commissioning for installation crews"
    ).replace("%1", app_version())


def show_about(parent: QWidget | None) -> QMessageBox:
    """Open the About box (window-modal, not blocking); returns it."""
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(QCoreApplication.translate("HelpMenu", "About the commissioner"))
    box.setText(about_text())
    box.open()
    return box


class HelpMenu(QMenu):
    """Help ▸ About; retranslates itself when the language changes."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpMenu")
        self.about_action = QAction(self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(lambda: show_about(self.parentWidget()))
        self.addAction(self.about_action)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(QCoreApplication.translate("HelpMenu", "&Help"))
        self.about_action.setText(QCoreApplication.translate("HelpMenu", "&About…"))
