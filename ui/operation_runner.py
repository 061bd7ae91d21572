"""What the field operations of one window share: one operation at a time (the busy flag), the
keyring verdict that disables them, the job-level progress panel above the device table, the
summary dialog, and running a coroutine on the bridge.

Each operation has its own controller (onboard, commission, firmware, keyring); they all use one
:class:`OperationRunner` and see the window only through
:class:`ui.operation_window.OperationWindow`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QWidget

from ui import field_ops
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.device_table import OperationState
from ui.job_service import Failure, JobService
from ui.operation_window import OperationWindow

__all__ = ["BAR_MAXIMUM", "OperationRunner"]

BAR_MAXIMUM: Final = 1000
BAR_REPAINT_MS: Final = 100  # a QProgressBar repaints synchronously on every change


class OperationRunner(QObject):
    """The busy flag, job bar, summary box and bridge plumbing shared by the operations."""

    operation_finished = Signal(str, object)
    """(operation, outcome): "onboard" (OnboardRun | Failure), "commission" (RunSummary |
    Failure), "firmware" (FirmwareRun | Failure), "keyring" (KeyringStatus)."""
    state_changed = Signal()
    """The busy flag, the keyring verdict or the open job changed: actions re-check themselves."""

    def __init__(self, window: OperationWindow, bridge: AsyncBridge) -> None:
        super().__init__(window.window())
        self._window = window
        self._bridge = bridge
        self._busy: str | None = None
        self._keyring: field_ops.KeyringStatus | None = None
        self._fractions: dict[str, float] = {}
        self._fraction_sum = 0.0
        self.summary_box: QMessageBox | None = None
        self.last_summary: str | None = None

        # Job-level progress: a caption and one bar, above the device table.
        self.panel = QWidget(window.window())
        self.panel.setObjectName("operationPanel")
        row = QHBoxLayout(self.panel)
        row.setContentsMargins(0, 0, 0, 0)
        self.job_label = QLabel(self.panel)
        self.job_label.setObjectName("jobProgressLabel")
        self.job_bar = QProgressBar(self.panel)
        self.job_bar.setObjectName("jobProgressBar")
        self.job_bar.setRange(0, BAR_MAXIMUM)
        self.job_bar.setMinimumWidth(320)
        self.job_bar.setFormat("%p %")
        self._bar_value = 0
        self._bar_timer = QTimer(self)
        self._bar_timer.setSingleShot(True)
        self._bar_timer.setInterval(BAR_REPAINT_MS)
        self._bar_timer.timeout.connect(self._show_bar_value)
        row.addWidget(self.job_label, 1)
        row.addWidget(self.job_bar)
        self.panel.setVisible(False)
        window.job_changed.connect(self._on_job_changed)

    # -- state ---------------------------------------------------------------------------------
    @property
    def window(self) -> OperationWindow:
        return self._window

    @property
    def service(self) -> JobService | None:
        return self._window.service

    @property
    def busy(self) -> str | None:
        """The operation running ("onboard", "commission", "firmware") or None."""
        return self._busy

    @property
    def keyring_status(self) -> field_ops.KeyringStatus | None:
        return self._keyring

    def set_keyring_status(self, status: field_ops.KeyringStatus) -> None:
        self._keyring = status
        self.state_changed.emit()

    @property
    def keyring_refused(self) -> bool:
        return self._keyring is not None and not self._keyring.ok

    @property
    def free(self) -> bool:
        """Nothing runs, there is a job store and the keyring was not refused."""
        return self._busy is None and self.service is not None and not self.keyring_refused

    def stored_job_id(self) -> str | None:
        job = self._window.job
        return job.job_id if job is not None else None

    def _on_job_changed(self, _job: object) -> None:
        model = self._window.model
        model.clear_operations()
        model.clear_firmware_marks()
        self.panel.setVisible(False)
        self.state_changed.emit()

    # -- running -------------------------------------------------------------------------------
    def submit(
        self,
        coro: Coroutine[Any, Any, object],
        name: str,
        on_result: Callable[[object], object],
    ) -> bool:
        """Run ``coro`` on the bridge; ``on_result`` gets its result or a "store" Failure."""

        def failed(message: str) -> None:
            on_result(Failure("store", message))

        try:
            self._bridge.submit(coro, name=name, on_result=on_result, on_error=failed)
        except BridgeNotRunningError as err:
            failed(str(err))
            return False
        return True

    def start(self, operation: str, title: str) -> None:
        self._busy = operation
        self._fractions.clear()
        self._fraction_sum = 0.0
        self.job_label.setText(title)
        self.job_label.setStyleSheet("")
        self._bar_value = 0
        self.job_bar.setValue(0)
        self.panel.setVisible(True)
        self.state_changed.emit()

    def finish(self, operation: str, outcome: object, text: str, ok: bool) -> None:
        self._busy = None
        self._bar_timer.stop()
        self._show_bar_value()
        self.job_label.setText(text)
        self.job_label.setStyleSheet("" if ok else "color: #a1140a; font-weight: bold;")
        self.state_changed.emit()
        self.operation_finished.emit(operation, outcome)

    def set_job_fraction(self, fraction: float) -> None:
        """Move the job bar; it is repainted at most about 30 times a second (a progress
        bar repaints at once on every change, which a flood of events must not cause)."""
        self._bar_value = round(max(0.0, min(1.0, fraction)) * BAR_MAXIMUM)
        if not self._bar_timer.isActive():
            self._bar_timer.start()

    def _show_bar_value(self) -> None:
        if self._bar_value != self.job_bar.value():
            self.job_bar.setValue(self._bar_value)

    @property
    def job_fraction(self) -> float:
        return self._bar_value / BAR_MAXIMUM

    @property
    def fractions(self) -> dict[str, float]:
        """Each device's progress in the running operation (set through :meth:`set_state`)."""
        return self._fractions

    def set_state(
        self,
        kind: str,
        device_id: str,
        status: str,
        fraction: float | None,
        text: str,
        detail: str = "",
    ) -> None:
        """One device's row in an operation, and the job bar as the mean of the devices."""
        self._window.model.set_operation(
            device_id, OperationState(kind, status, fraction, text, detail)
        )
        if fraction is not None:
            self._fraction_sum += fraction - self._fractions.get(device_id, 0.0)
            self._fractions[device_id] = fraction
        if self._fractions:  # a running sum: no walk over every device per event
            self.set_job_fraction(self._fraction_sum / len(self._fractions))

    # -- telling the installer -----------------------------------------------------------------
    def show_status(self, text: str, timeout_ms: int) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)

    def show_summary(self, title: str, text: str, details: str, ok: bool) -> None:
        self.last_summary = "\n".join(p for p in (text, details) if p)
        box = self.summary_box
        if box is None:
            box = QMessageBox(self._window.window())
            box.setObjectName("operationSummary")
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.setModal(False)
            box.setStyleSheet("QLabel { min-width: 460px; }")
            self.summary_box = box
        box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        box.setInformativeText(details)
        box.show()
        box.raise_()

    def failure_message(self, failure: Failure) -> str:
        if failure.kind == "keyring":
            return "\n".join(
                (
                    QCoreApplication.translate(
                        "Operations",
                        "The OS keyring cannot keep this job's secrets safely, so nothing was "
                        "changed on the devices.",
                    ),
                    self._details(failure),
                )
            )
        if failure.kind == "ble":
            return "\n".join(
                (
                    QCoreApplication.translate(
                        "Operations", "Bluetooth onboarding could not start."
                    ),
                    self._details(failure),
                )
            )
        return self._window.failure_text(failure)

    def fail_to_start(self, operation: str, failure: Failure, headline: str) -> None:
        """An operation that could not start: the bar says ``headline``, a box says why."""
        text = self.failure_message(failure)
        self.finish(operation, failure, headline, False)
        self._window.show_error(text)

    @staticmethod
    def _details(failure: Failure) -> str:
        return QCoreApplication.translate("Operations", "Details: %1").replace(
            "%1", failure.describe()
        )
