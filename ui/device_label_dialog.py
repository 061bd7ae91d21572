"""A label for one selected device (translation context "DeviceLabel"): a JC-STAR label's QR
code (scanned or typed: the URL of the product's registration page, kept as evidence), or the
model and serial on the box of equipment that cannot attest its identity (ECHONET Lite)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from commissioner.app.device_labels import DeviceLabelResult

__all__ = ["DeviceLabelDialog", "label_result_text"]


def label_result_text(result: DeviceLabelResult) -> str:
    if result.kind == "jcstar":
        text = QCoreApplication.translate(
            "DeviceLabel", "JC-STAR label %1 recorded for %2 (model %3).").replace(
            "%1", result.registration_number or "").replace("%2", result.device_id).replace(
            "%3", result.model)
        if result.finding:
            text += "\n" + QCoreApplication.translate(
                "DeviceLabel", "Warning: the catalog lists another JC-STAR number for this "
                "model (%1). Check the label and the box.").replace(
                "%1", result.catalog_number or "-")
        return text
    return QCoreApplication.translate(
        "DeviceLabel", "Box label recorded for %1 (model %2, serial %3). Run Check devices "
        "again to compare it with the equipment.").replace("%1", result.device_id).replace(
        "%2", result.model).replace("%3", result.serial or "")


class DeviceLabelDialog(QDialog):
    """``submitted`` carries (qr, model, serial): the QR, or "" and the box label's fields."""

    submitted = Signal(str, str, str)

    def __init__(self, device_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deviceLabelDialog")
        self.setModal(True)
        self.device_id = device_id
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.tabs = QTabWidget(self)
        jcstar = QWidget(self.tabs)
        self.qr_label = QLabel(jcstar)
        self.qr_edit = QLineEdit(jcstar)
        self.qr_edit.setObjectName("jcstarQrEdit")
        self.qr_label.setBuddy(self.qr_edit)
        form = QFormLayout(jcstar)
        form.addRow(self.qr_label, self.qr_edit)
        box = QWidget(self.tabs)
        self.model_label = QLabel(box)
        self.model_edit = QLineEdit(box)
        self.model_edit.setObjectName("boxModelEdit")
        self.serial_label = QLabel(box)
        self.serial_edit = QLineEdit(box)
        self.serial_edit.setObjectName("boxSerialEdit")
        self.model_label.setBuddy(self.model_edit)
        self.serial_label.setBuddy(self.serial_edit)
        box_form = QFormLayout(box)
        box_form.addRow(self.model_label, self.model_edit)
        box_form.addRow(self.serial_label, self.serial_edit)
        self.tabs.addTab(jcstar, "")
        self.tabs.addTab(box, "")
        self.status = QLabel(self)
        self.status.setObjectName("deviceLabelStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close, self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button = ok
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        self.qr_edit.returnPressed.connect(self.try_submit)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.tabs, self.status, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(480)
        self.retranslateUi()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("DeviceLabel", "Device label"))
        self.intro.setText(QCoreApplication.translate(
            "DeviceLabel", "Record a label of device %1: scan the QR code of its JC-STAR label, "
            "or type the model and serial from the box of equipment that cannot prove its "
            "identity (ECHONET Lite).").replace("%1", self.device_id))
        self.tabs.setTabText(0, QCoreApplication.translate("DeviceLabel", "JC-STAR label"))
        self.tabs.setTabText(1, QCoreApplication.translate("DeviceLabel", "Box label"))
        self.qr_label.setText(QCoreApplication.translate("DeviceLabel", "&QR code:"))
        self.qr_edit.setPlaceholderText(QCoreApplication.translate(
            "DeviceLabel", "Scan the JC-STAR label (https://…)"))
        self.model_label.setText(QCoreApplication.translate("DeviceLabel", "&Model:"))
        self.serial_label.setText(QCoreApplication.translate("DeviceLabel", "&Serial:"))
        self.ok_button.setText(QCoreApplication.translate("DeviceLabel", "Record"))

    def try_submit(self) -> None:
        if self.tabs.currentIndex() == 0:
            qr, model, serial = self.qr_edit.text().strip(), "", ""
            missing = not qr
        else:
            qr, model, serial = "", self.model_edit.text().strip(), self.serial_edit.text().strip()
            missing = not model or not serial
        if missing:
            self.show_result(QCoreApplication.translate(
                "DeviceLabel", "Fill in the label first."), ok=False)
            return
        self.ok_button.setEnabled(False)
        self.show_result(QCoreApplication.translate("DeviceLabel", "Recording…"), ok=None)
        self.submitted.emit(qr, model, serial)

    def show_result(self, text: str, *, ok: bool | None) -> None:
        colour = {True: "#17692f", False: "#a1140a", None: "#333"}[ok]
        self.status.setStyleSheet(f"color: {colour};")
        self.status.setText(text)
        if ok is not None:
            self.ok_button.setEnabled(True)
        self.adjustSize()  # a long result wraps onto more lines: the dialog grows
