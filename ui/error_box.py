"""The main window's one non-modal error message box (reused for every error)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["show_error_box", "task_failure_text"]


def show_error_box(parent: QWidget, box: QMessageBox | None, text: str) -> QMessageBox:
    """Show ``text`` in ``box`` (created the first time); returns the box to keep."""
    if box is None:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setModal(False)
    box.setWindowTitle(QCoreApplication.translate("MainWindow", "Commissioner: error"))
    box.setText(text)
    box.show()
    box.raise_()
    return box


def task_failure_text(name: str, message: str) -> str:
    """A background task's failure, in the GUI's language (context "MainWindow")."""
    if name == "start-scan":
        return QCoreApplication.translate("MainWindow", "Could not start the scan: %1").replace(
            "%1", message)
    if name == "stop-scan":
        return QCoreApplication.translate(
            "MainWindow", "Could not stop the scan cleanly: %1").replace("%1", message)
    return (QCoreApplication.translate("MainWindow", "A background task failed (%1): %2")
            .replace("%1", name).replace("%2", message))
