""""Device label…" in the main window (translation context "DeviceLabel"): for the selected
device, a JC-STAR label or the box label of equipment without attestation, recorded through
:func:`ui.field_ops.add_device_label`."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from commissioner.app.device_labels import DeviceLabelResult
from ui.device_label_dialog import DeviceLabelDialog, label_result_text
from ui.failure_text import failure_text
from ui.field_ops import add_device_label
from ui.job_service import Failure
from ui.window_host import WindowHost

__all__ = ["DeviceLabelController", "DeviceLabelHost", "place_device_label"]


class DeviceLabelHost(WindowHost, Protocol):
    def selected_key(self) -> tuple[str, str] | None: ...


class DeviceLabelController(QObject):
    """Owns ``action`` and ``button``; ``recorded`` carries each DeviceLabelResult."""

    recorded = Signal(object)

    def __init__(self, window: DeviceLabelHost) -> None:
        top = window.window()
        super().__init__(top)
        self._window = window
        self._top = top
        self.dialog: DeviceLabelDialog | None = None
        self.action = QAction(top)
        self.action.setObjectName("deviceLabelAction")
        self.action.triggered.connect(self.show_for_selected)
        self.button = QPushButton(top)
        self.button.setObjectName("deviceLabelButton")
        self.button.clicked.connect(self.show_for_selected)
        self.retranslate()
        top.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._top and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        text = QCoreApplication.translate("DeviceLabel", "Device label…")
        tip = QCoreApplication.translate(
            "DeviceLabel", "Record the selected device's JC-STAR label, or the box label of "
            "equipment that cannot prove its identity")
        for widget in (self.action, self.button):
            widget.setText(text)
            widget.setToolTip(tip)

    def _selected(self) -> str | None:
        selected = self._window.selected_key()
        return selected[1] if selected is not None and selected[0] == "device" else None

    def update(self) -> None:
        job = self._window.job
        usable = (self._window.service is not None and job is not None
                  and job.job_id is not None and self._selected() is not None)
        self.action.setEnabled(usable)
        self.button.setVisible(usable)

    def show_for_selected(self) -> DeviceLabelDialog | None:
        device_id = self._selected()
        if device_id is None or self._window.service is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = DeviceLabelDialog(device_id, self._top)
        dialog.submitted.connect(lambda qr, model, serial: self._record(
            dialog, device_id, qr, model, serial))
        dialog.finished.connect(lambda _r: self._forget(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _record(self, dialog: DeviceLabelDialog, device_id: str, qr: str, model: str,
                serial: str) -> None:
        service, job = self._window.service, self._window.job
        if service is None or job is None or job.job_id is None:
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_result(failure_text(result), ok=False)
                return
            assert isinstance(result, DeviceLabelResult)
            dialog.show_result(label_result_text(result), ok=not result.finding)
            self.recorded.emit(result)

        self._window.submit(
            add_device_label(service, job.job_id, device_id, qr=qr or None,
                             model=model or None, serial=serial or None),
            "device-label", done, lambda message: dialog.show_result(message, ok=False))

    def _forget(self, dialog: DeviceLabelDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()


def place_device_label(window: Any) -> DeviceLabelController:
    """"Device label…" under the details pane and in the table's context menu of ``window``
    (a ``ui.main_window.MainWindow``; not imported: the window imports this module)."""
    labels = DeviceLabelController(window)
    window.details.action_row.addWidget(labels.button, 0, Qt.AlignmentFlag.AlignRight)
    window.onboarding.context_actions.append(labels.action)
    labels.update()
    return labels
