"""The dialog that takes a blocked device out of the job: removed from the home, or replaced by a
new unit (translation context "DeviceChange").

The dialog only collects what the installer did and why; whether the old device is really gone
and whether the new unit is genuine is asked of the network by the application layer
(:mod:`commissioner.app.device_changes`), through :class:`ui.device_change_controller`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["MAX_REASON", "ChangeMode", "DeviceChangeDialog"]

ChangeMode = Literal["remove", "replace"]
MAX_REASON: Final = 500


class DeviceChangeDialog(QDialog):
    """Remove (with the reason, and the device confirmed taken out) or replace (with the new
    unit's device id). ``submitted`` carries (mode, reason, new device id or "")."""

    submitted = Signal(str, str, str)

    def __init__(self, device_id: str, verdict_text: str, candidates: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deviceChangeDialog")
        self.setModal(True)
        self.device_id = device_id
        self._verdict_text = verdict_text
        self._busy = False
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.remove_radio = QRadioButton(self)
        self.remove_radio.setObjectName("removeRadio")
        self.replace_radio = QRadioButton(self)
        self.replace_radio.setObjectName("replaceRadio")
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.remove_radio)
        self.modes.addButton(self.replace_radio)
        self.replace_radio.setChecked(bool(candidates))
        self.remove_radio.setChecked(not candidates)
        self.new_unit_label = QLabel(self)
        self.new_unit = QComboBox(self)
        self.new_unit.setObjectName("newUnitCombo")
        self.new_unit.setEditable(True)
        self.new_unit.addItems(list(candidates))
        self.new_unit_label.setBuddy(self.new_unit)
        self.gone_check = QCheckBox(self)
        self.gone_check.setObjectName("goneCheck")
        self.reason_label = QLabel(self)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(72)
        self.reason_label.setBuddy(self.reason_edit)
        self.status = QLabel(self)
        self.status.setObjectName("deviceChangeStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button = ok
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.remove_radio, self.replace_radio, self.new_unit_label,
                       self.new_unit, self.gone_check, self.reason_label, self.reason_edit,
                       self.status, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(480)
        for signal in (self.remove_radio.toggled, self.gone_check.toggled,
                       self.reason_edit.textChanged, self.new_unit.editTextChanged):
            signal.connect(self._update)
        self.retranslateUi()
        self._update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(
            QCoreApplication.translate("DeviceChange", "Remove or replace a device"))
        self.intro.setText(QCoreApplication.translate(
            "DeviceChange",
            "Device %1 is blocked (%2) and cannot be handed over. Take it out of the home "
            "(unplug it), then record what was done. The network is asked whether it is "
            "really gone.",
        ).replace("%1", self.device_id).replace("%2", self._verdict_text))
        self.remove_radio.setText(
            QCoreApplication.translate("DeviceChange", "&Removed: taken out, no new unit"))
        self.replace_radio.setText(
            QCoreApplication.translate("DeviceChange", "Re&placed by a new genuine unit"))
        self.new_unit_label.setText(QCoreApplication.translate(
            "DeviceChange", "&New unit's device id (powered on and on the network):"))
        self.gone_check.setText(QCoreApplication.translate(
            "DeviceChange", "The old device is &unplugged and out of the home"))
        self.reason_label.setText(QCoreApplication.translate(
            "DeviceChange", "Rea&son (kept in the job's audit log):"))
        self.reason_edit.setPlaceholderText(QCoreApplication.translate(
            "DeviceChange", "e.g. counterfeit camera, returned to the supplier"))
        self.ok_button.setText(QCoreApplication.translate("DeviceChange", "Record"))

    def add_candidates(self, device_ids: Sequence[str]) -> None:
        """Devices heard since the dialog opened that could be the new unit."""
        known = {self.new_unit.itemText(i) for i in range(self.new_unit.count())}
        fresh = [d for d in device_ids if d not in known and d != self.device_id]
        if not fresh:
            return
        empty = not self.new_unit.currentText().strip()
        self.new_unit.addItems(fresh)
        if empty and not self._busy:
            self.new_unit.setCurrentIndex(self.new_unit.findText(fresh[0]))

    # -- values ---------------------------------------------------------------------------
    @property
    def mode(self) -> ChangeMode:
        return "replace" if self.replace_radio.isChecked() else "remove"

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def new_device_id(self) -> str:
        return self.new_unit.currentText().strip() if self.mode == "replace" else ""

    def _update(self, *_args: object) -> None:
        replacing = self.mode == "replace"
        self.new_unit_label.setEnabled(replacing and not self._busy)
        self.new_unit.setEnabled(replacing and not self._busy)
        ready = (bool(self.reason()) and self.gone_check.isChecked()
                 and (not replacing or bool(self.new_device_id())))
        self.ok_button.setEnabled(ready and not self._busy)

    def _show_status(self, text: str, *, error: bool) -> None:
        self.status.setStyleSheet("color: #a1140a;" if error else "color: #333;")
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def try_submit(self) -> None:
        reason = self.reason()
        new = self.new_device_id()
        problem = ""
        if not self.gone_check.isChecked():
            problem = QCoreApplication.translate("DeviceChange",
                         "Confirm that the old device is unplugged and out of the home.")
        elif not reason:
            problem = QCoreApplication.translate("DeviceChange", "Enter a reason.")
        elif len(reason) > MAX_REASON:
            problem = QCoreApplication.translate(
                "DeviceChange", "The reason is too long (at most %1 characters)."
                         ).replace("%1", str(MAX_REASON))
        elif self.mode == "replace" and (not new or new == self.device_id):
            problem = QCoreApplication.translate(
                "DeviceChange", "Enter the new unit's device id (on its box label).")
        if problem:
            self._show_status(problem, error=True)
            return
        self.set_busy(True)
        self._show_status(
            QCoreApplication.translate("DeviceChange",
               "Checking that the old device is gone and that the new unit is genuine…")
            if self.mode == "replace"
            else QCoreApplication.translate(
                "DeviceChange", "Checking that the device is gone from the network…"),
            error=False)
        self.submitted.emit(self.mode, reason, new)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.remove_radio, self.replace_radio, self.gone_check):
            widget.setEnabled(not busy)
        self.reason_edit.setReadOnly(busy)
        self._update()

    def show_failure(self, message: str) -> None:
        self.set_busy(False)
        self._show_status(QCoreApplication.translate("DeviceChange", "Not recorded: %1")
                          .replace("%1", message), error=True)

    def finish(self) -> None:
        self.set_busy(False)
        self.accept()
