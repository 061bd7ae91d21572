"""The guided job page in the main window: a dock with :class:`ui.job_steps_view.JobStepsPage`
(View > Job steps, F2), refreshed from the job's records after every operation, and the
window's action behind each step (translation context "JobSteps")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from commissioner.app.job_steps import JobSteps
from ui.job_service import Failure
from ui.job_steps_view import JobStepsPage
from ui.window_host import WindowHost

__all__ = ["JobStepsController", "JobStepsHost", "place_job_steps"]

REFRESH_MS = 400


class JobStepsHost(WindowHost, Protocol):
    def select_device(self, device_id: str) -> bool: ...


class JobStepsController(QObject):
    """Owns ``dock`` (hidden until asked for), ``page``, ``view_menu`` and ``toggle_action``.
    ``actions`` maps a step action ("scan", "check", "remove-or-replace"...) to what the
    window does for it (the window fills it in); ``refreshed`` follows each refresh."""

    refreshed = Signal(object)  # JobSteps | None

    def __init__(self, host: JobStepsHost) -> None:
        top = host.window()
        assert isinstance(top, QMainWindow)
        super().__init__(top)
        self._host = host
        self._top = top
        self.actions: dict[str, Callable[[str], object]] = {}
        self.page = JobStepsPage()
        self.page.action_requested.connect(self.perform)
        self.dock = QDockWidget(top)
        self.dock.setObjectName("jobStepsDock")
        self.dock.setWidget(self.page)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                                  | Qt.DockWidgetArea.RightDockWidgetArea)
        top.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock.visibilityChanged.connect(lambda visible: visible and self.refresh_soon())
        self.toggle_action: QAction = self.dock.toggleViewAction()
        self.toggle_action.setObjectName("jobStepsAction")
        self.toggle_action.setShortcut(QKeySequence("F2"))
        self.toggle_action.toggled.connect(lambda on: on and self.page.tree.setFocus())
        self.view_menu = QMenu(top)
        self.view_menu.addAction(self.toggle_action)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._busy = False
        self.retranslate()
        top.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._top and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self.view_menu.setTitle(QCoreApplication.translate("JobSteps", "&View"))
        self.dock.setWindowTitle(QCoreApplication.translate("JobSteps", "Job steps"))
        self.toggle_action.setText(QCoreApplication.translate("JobSteps", "&Job steps"))
        self.toggle_action.setToolTip(QCoreApplication.translate(
            "JobSteps", "The job's steps in order: what is done, what blocks, what to do next"))

    def refresh_soon(self, *_args: object) -> None:
        """Refresh after a short pause (many changes in a row: one read of the store)."""
        if self.dock.isVisible():
            self._timer.start()

    def refresh(self) -> None:
        """Read the open job's steps (on the bridge) and show them."""
        service, job = self._host.service, self._host.job
        if service is None or job is None or job.job_id is None:
            self.page.show_steps(None)
            self.refreshed.emit(None)
            return
        if self._busy:
            self._timer.start()
            return
        self._busy = True

        def done(result: object) -> None:
            self._busy = False
            steps = result if isinstance(result, JobSteps) else None
            if isinstance(result, Failure):
                self._host.statusBar().showMessage(result.describe(), 10000)
            self.page.show_steps(steps)
            self.refreshed.emit(steps)

        def failed(_message: str) -> None:
            self._busy = False

        self._host.submit(service.job_steps(job.job_id), "job-steps", done, failed)

    def perform(self, action: str, device_id: str) -> None:
        """Run the window's action for a step (or for one device of it)."""
        if device_id:
            self._host.select_device(device_id)
        handler = self.actions.get(action)
        if handler is not None:
            handler(device_id)


def place_job_steps(window: Any) -> JobStepsController:
    """The guided job page in ``window`` (a ``ui.main_window.MainWindow``; not imported: the
    window imports this module) (View > Job steps) and the window's action for each
    step; refreshed whenever the job, an operation or the table changes."""
    steps = JobStepsController(window)
    window.menuBar().insertMenu(window.language_menu.menuAction(), steps.view_menu)
    window.addAction(steps.toggle_action)  # F2 wherever the focus is
    window.resizeDocks([steps.dock], [320], Qt.Orientation.Horizontal)
    steps.actions.update({
        "scan": lambda _d: window.scan.scan_action.trigger(),
        "check": lambda _d: window.gate.certify_action.trigger(),
        "onboard": lambda _d: window.onboarding.onboard_all_action.trigger(),
        "scan-label": lambda _d: window.gate.label_entry.edit.setFocus(),
        "commission": lambda _d: window.commissioning.commission_action.trigger(),
        "update": lambda _d: window.firmware.firmware_action.trigger(),
        "handover": lambda _d: window.handover.action.trigger(),
        "remove-or-replace": window.device_change.show_dialog,
    })
    for signal in (window.job_changed, window.operations.operation_finished,
                   window.handover.finished, window.device_change.finished,
                   window.model.modelReset, window.model.rowsInserted,
                   window.model.dataChanged):
        signal.connect(steps.refresh_soon)
    return steps
