"""What earlier visits recorded in the job (provisioning, firmware), shown when the job is opened
as finished states in the progress column and as marks in the firmware column; nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject

from ui.device_table import FirmwareMark
from ui.job_service import JobProgress
from ui.operation_runner import OperationRunner
from ui.operation_states import recorded_state

__all__ = ["RecordedStateView"]


class RecordedStateView(QObject):
    """Shows a job's recorded progress; ``on_vulnerable`` hears each known-vulnerable device."""

    def __init__(self, runner: OperationRunner, on_vulnerable: Callable[[str], object]) -> None:
        super().__init__(runner)
        self._runner = runner
        self._window = runner.window
        self._top = runner.window.window()  # the window widget: source of LanguageChange
        self._on_vulnerable = on_vulnerable
        self._progress: JobProgress | None = None
        self._window.job_changed.connect(self._forget)
        self._top.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._top and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def _forget(self, _job: object) -> None:
        self._progress = None

    @property
    def progress(self) -> JobProgress | None:
        """The provisioning and firmware state read from the job when it was opened."""
        return self._progress

    def show(self, progress: JobProgress) -> None:
        """Show each device's recorded provisioning and firmware state as a finished state in
        the progress column (and its verified firmware in the firmware column); nothing runs.
        Ignored while an operation runs or if another job is open."""
        if self._runner.busy is not None or self._runner.stored_job_id() != progress.job_id:
            return
        self._progress = progress
        model = self._window.model
        for device in progress.devices:
            status = device.firmware
            if status is not None:
                model.set_firmware_mark(
                    device.device_id, FirmwareMark(status.version, status.latest, status.vulnerable)
                )
                if status.vulnerable:
                    self._on_vulnerable(device.device_id)
            state = recorded_state(device)
            if state is not None:
                model.set_operation(device.device_id, state)

    def retranslate(self) -> None:
        recorded = self._progress
        if recorded is None or self._runner.busy is not None:
            return
        model = self._window.model
        for device in recorded.devices:
            current = model.operation(device.device_id)
            if current is not None and current.operation == "recorded":
                model.set_operation(device.device_id, recorded_state(device))
