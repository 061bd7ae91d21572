""""Remove or replace…" for a blocked device in the main window: the button in the details pane
and the table's context menu open :class:`ui.device_change_dialog.DeviceChangeDialog`; what it
records runs as :func:`ui.field_ops.change_device` on the bridge (translation context
"DeviceChange")."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QPushButton

from commissioner.jobs.models import DeviceGateState
from ui.device_change_dialog import DeviceChangeDialog
from ui.device_table import DeviceTableModel
from ui.device_texts import gate_text
from ui.failure_text import failure_text
from ui.field_ops import change_device
from ui.job_service import Failure
from ui.window_host import WindowHost

__all__ = ["DeviceChangeController", "DeviceChangeHost", "device_change_failure_text"]


class DeviceChangeHost(WindowHost, Protocol):
    @property
    def model(self) -> DeviceTableModel: ...

    @property
    def mdns_interfaces(self) -> tuple[str, ...]: ...

    def selected_key(self) -> tuple[str, str] | None: ...

    def update_details(self) -> None: ...


def device_change_failure_text(failure: Failure) -> str:
    """Why a removal or replacement was not recorded, in the GUI's language, with the core's
    details after it."""
    headlines = {
        "still-present": QCoreApplication.translate(
            "DeviceChange",
            "The old device still answers on the network. Unplug it (or switch it off), "
            "take it out and try again.",
        ),
        "new-unit": QCoreApplication.translate(
            "DeviceChange",
            "The new unit was not accepted: it must be powered on, on the home network, the "
            "same kind of device, genuine and certified for this home's level.",
        ),
        "not-replaceable": QCoreApplication.translate(
            "DeviceChange",
            "This device cannot be taken out of the job (the home gateway, or already "
            "provisioned with this home's credentials).",
        ),
    }
    headline = headlines.get(failure.code or "")
    if headline is None:
        return failure_text(failure)
    details = QCoreApplication.translate("DeviceChange", "Details: %1").replace(
        "%1", failure.describe())
    return f"{headline}\n{details}"


class DeviceChangeController(QObject):
    """Owns ``action`` ("Remove or replace device…", Ctrl+R) and ``button`` (in the details
    pane); ``finished`` carries the device id once a change is recorded."""

    finished = Signal(str)

    def __init__(self, host: DeviceChangeHost) -> None:
        top = host.window()
        super().__init__(top)
        self._host = host
        self._top = top
        self.dialog: DeviceChangeDialog | None = None
        self.action = QAction(top)
        self.action.setObjectName("deviceChangeAction")
        self.action.setShortcut(QKeySequence("Ctrl+R"))
        self.action.triggered.connect(self.show_for_selected)
        self.button = QPushButton(top)
        self.button.setObjectName("deviceChangeButton")
        self.button.clicked.connect(self.show_for_selected)
        self.retranslate()
        top.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._top and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        text = QCoreApplication.translate("DeviceChange", "Remove or replace…")
        self.action.setText(text)
        self.button.setText(text)
        tip = QCoreApplication.translate(
            "DeviceChange",
            "A blocked device: record that it was taken out, or replaced by a new genuine unit",
        )
        self.action.setToolTip(tip)
        self.button.setToolTip(tip)

    def _blocked_state(self, device_id: str | None) -> DeviceGateState | None:
        if device_id is None:
            return None
        state = self._host.model.gate_state(device_id)
        return state if state is not None and state.verdict is not None and state.blocked else None

    def _selected_device(self) -> str | None:
        selected = self._host.selected_key()
        return selected[1] if selected is not None and selected[0] == "device" else None

    def update(self) -> None:
        """Enable the action and show the button for a selected blocked device only."""
        job = self._host.job
        open_job = (self._host.service is not None and job is not None
                    and job.job_id is not None and not getattr(job, "closed", False))
        blocked = open_job and self._blocked_state(self._selected_device()) is not None
        self.action.setEnabled(blocked)
        self.button.setVisible(blocked)

    def candidates(self, device_id: str) -> list[str]:
        """Devices heard now that the gate has not seen yet and could be the new unit (the
        same kind first)."""
        model = self._host.model
        old = model.record(device_id)
        kind = old.latest.kind if old is not None else None
        fresh = [d for d in model.device_ids() if d != device_id and model.gate_state(d) is None]
        same = [d for d in fresh if (r := model.record(d)) is not None and r.latest.kind == kind]
        return same + [d for d in fresh if d not in same]

    def show_for_selected(self) -> DeviceChangeDialog | None:
        return self.show_dialog(self._selected_device())

    def show_dialog(self, device_id: str | None) -> DeviceChangeDialog | None:
        state = self._blocked_state(device_id)
        if state is None or device_id is None or self._host.service is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = DeviceChangeDialog(device_id, gate_text(state), self.candidates(device_id),
                                    self._host.window())
        dialog.submitted.connect(
            lambda _mode, reason, new: self._record(dialog, device_id, reason, new))
        # A new unit switched on while the dialog is open is offered as soon as it is heard.
        model = self._host.model

        def heard(*_args: object) -> None:
            dialog.add_candidates(self.candidates(device_id))

        model.rowsInserted.connect(heard)
        dialog.finished.connect(lambda _r: model.rowsInserted.disconnect(heard))
        dialog.finished.connect(lambda _r: self._forget(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _record(self, dialog: DeviceChangeDialog, device_id: str, reason: str, new: str) -> None:
        service, job = self._host.service, self._host.job
        if service is None or job is None or job.job_id is None:
            dialog.show_failure(QCoreApplication.translate("DeviceChange", "No job is open."))
            return

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(device_change_failure_text(result))
                return
            assert isinstance(result, tuple)
            self._host.model.set_gate_states(result, replace=True)
            self._host.update_details()
            dialog.finish()
            message = (QCoreApplication.translate("DeviceChange", "%1 was replaced by %2.")
                       .replace("%1", device_id).replace("%2", new) if new else
                       QCoreApplication.translate("DeviceChange", "%1 was removed from the job.")
                       .replace("%1", device_id))
            self._host.statusBar().showMessage(message, 15000)
            self.update()
            self.finished.emit(device_id)

        self._host.submit(
            change_device(service, job.job_id, device_id, reason, new_device_id=new or None,
                          mdns_interfaces=self._host.mdns_interfaces),
            "device-change", done, dialog.show_failure)

    def _forget(self, dialog: DeviceChangeDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
