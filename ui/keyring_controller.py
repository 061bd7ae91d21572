"""The start-up keyring check: plaintext and "fail" keyrings are refused with a modal message, and
the commissioning actions stay disabled (through :class:`ui.operation_runner.OperationRunner`).
The check is :func:`ui.field_ops.check_keyring` on the bridge's loop (the one call site).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QMessageBox

from ui import field_ops
from ui.job_service import Failure
from ui.operation_runner import OperationRunner

__all__ = ["KeyringController"]


class KeyringController(QObject):
    """Checks the OS keyring once and tells the installer when it is refused."""

    def __init__(self, runner: OperationRunner) -> None:
        super().__init__(runner)
        self._runner = runner
        self.keyring_box: QMessageBox | None = None

    @property
    def status(self) -> field_ops.KeyringStatus | None:
        return self._runner.keyring_status

    def check_keyring(self) -> None:
        """Refuse plaintext and "fail" keyrings at start-up (modal message; the commissioning
        actions stay disabled)."""

        def done(result: object) -> None:
            if isinstance(result, Failure):
                result = field_ops.KeyringStatus(False, message=result.message)
            assert isinstance(result, field_ops.KeyringStatus)
            self._runner.set_keyring_status(result)
            if not result.ok:
                self._show_refusal()
            self._runner.operation_finished.emit("keyring", result)

        self._runner.submit(field_ops.check_keyring(), "check-keyring", done)

    def keyring_refusal_text(self) -> str:
        status = self._runner.keyring_status
        if status is None or status.ok:
            return ""
        details = QCoreApplication.translate("Operations", "Details: %1").replace(
            "%1", "\n".join(p for p in (status.message, status.hint) if p)
        )
        return "\n\n".join(
            (
                QCoreApplication.translate(
                    "Operations",
                    "This computer's keyring cannot keep the job secrets safely (it would store "
                    "them in plain text, or it does not work). Commissioning is disabled.",
                ),
                QCoreApplication.translate(
                    "Operations",
                    "Use the operating system's keyring: on Windows the Credential Manager. "
                    "Then restart the app.",
                ),
                details,
            )
        )

    def _show_refusal(self) -> None:
        box = QMessageBox(self._runner.window.window())
        box.setObjectName("keyringRefusal")
        box.setStyleSheet("QLabel { min-width: 520px; }")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("Operations", "Keyring refused"))
        box.setText(self.keyring_refusal_text())
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.keyring_box = box
        self._runner.show_status(
            QCoreApplication.translate("Operations", "Keyring refused: commissioning is disabled."),
            0,
        )
        box.open()
