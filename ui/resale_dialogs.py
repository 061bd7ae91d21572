"""The resale dialogs: start a resale job (from a handed-over job on this laptop, from an
imported job bundle, or with no record), the devices waiting for their reset button, and the
wipe certificate with print and save.

Like the job dialogs, they never touch the store: they validate locally, emit a signal and
the controller (:mod:`ui.resale_controller`) reports the outcome back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commissioner.jobs.models import Job
from commissioner.jobs.store import MAX_JOB_NUMBER, MAX_TEXT
from ui.device_texts import kind_label
from ui.resale_texts import method_text, problem_text

__all__ = ["ResaleJobDialog", "ResetPromptDialog", "WipeCertificateDialog"]

ERROR_STYLE: Final = "color: #a1140a;"


class ResaleJobDialog(QDialog):
    """Where the resale starts (a sealed job, an imported bundle, or no record) and the new
    job's number and operator."""

    submitted = Signal(object)  # dict[str, Any]: start_resale keyword arguments
    import_requested = Signal(object, object)  # (bundle path, sender card path)

    def __init__(self, parent: QWidget | None = None, *, operator: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("resaleJobDialog")
        self.setModal(True)
        self._jobs: list[Job] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.from_job_radio = QRadioButton(self)
        self.from_job_radio.setObjectName("resaleFromJob")
        self.no_record_radio = QRadioButton(self)
        self.no_record_radio.setObjectName("resaleNoRecord")
        group = QButtonGroup(self)
        group.addButton(self.from_job_radio)
        group.addButton(self.no_record_radio)
        self.from_job_radio.setChecked(True)
        layout.addWidget(self.from_job_radio)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("sealedJobsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(140)
        layout.addWidget(self.table)
        self.import_button = QPushButton(self)
        self.import_button.setObjectName("importBundleButton")
        self.import_button.clicked.connect(self._ask_import)
        self.import_status = QLabel(self)
        self.import_status.setWordWrap(True)
        self.import_status.setObjectName("importStatus")
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.import_status)
        layout.addWidget(self.no_record_radio)

        form = QFormLayout()
        self.site_name_edit = QLineEdit(self)
        self.site_name_edit.setMaxLength(MAX_TEXT)
        self.site_address_edit = QLineEdit(self)
        self.site_address_edit.setMaxLength(MAX_TEXT)
        self.level_combo = QComboBox(self)
        self.level_combo.addItem("★★", 2)
        self.level_combo.addItem("★★★", 3)
        self.job_number_edit = QLineEdit(self)
        self.job_number_edit.setObjectName("resaleJobNumber")
        self.job_number_edit.setMaxLength(MAX_JOB_NUMBER)
        self.operator_edit = QLineEdit(operator, self)
        self.operator_edit.setMaxLength(MAX_TEXT)
        self.captions = {
            k: QLabel(self)
            for k in ("site_name", "site_address", "level", "job_number", "operator")
        }
        form.addRow(self.captions["site_name"], self.site_name_edit)
        form.addRow(self.captions["site_address"], self.site_address_edit)
        form.addRow(self.captions["level"], self.level_combo)
        form.addRow(self.captions["job_number"], self.job_number_edit)
        form.addRow(self.captions["operator"], self.operator_edit)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("resaleError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.start_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        group.buttonToggled.connect(lambda *_a: self._update_enabled())
        self.setMinimumWidth(620)
        self.retranslateUi()
        self._update_enabled()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("Resale", "New resale job"))
        self.intro.setText(
            QCoreApplication.translate(
                "Resale",
                "A resale job wipes a handed-over home for its next owner: it erases the previous "
                "owner's data and credentials on every device, proves it by asking each device, "
                "updates the firmware and commissions the home for the new owner.",
            )
        )
        self.from_job_radio.setText(
            QCoreApplication.translate("Resale", "From the home's handed-over job:")
        )
        self.no_record_radio.setText(
            QCoreApplication.translate(
                "Resale", "No record of the home (every device is reset with its reset button)"
            )
        )
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("Resale", "Job number"),
                QCoreApplication.translate("Resale", "Site"),
                QCoreApplication.translate("Resale", "Address"),
                QCoreApplication.translate("Resale", "Handed over"),
            ]
        )
        self.import_button.setText(QCoreApplication.translate("Resale", "Import job bundle…"))
        self.import_button.setToolTip(
            QCoreApplication.translate(
                "Resale",
                "Import the previous job from the bundle another laptop exported, checked against "
                "that laptop's installation card",
            )
        )
        self.captions["site_name"].setText(QCoreApplication.translate("Resale", "Site name:"))
        self.captions["site_address"].setText(QCoreApplication.translate("Resale", "Site address:"))
        self.captions["level"].setText(QCoreApplication.translate("Resale", "Service level:"))
        self.captions["job_number"].setText(QCoreApplication.translate("Resale", "New job number:"))
        self.captions["operator"].setText(QCoreApplication.translate("Resale", "Operator:"))
        self.start_button.setText(QCoreApplication.translate("Resale", "Start resale job"))

    def _update_enabled(self) -> None:
        from_job = self.from_job_radio.isChecked()
        self.table.setEnabled(from_job)
        self.import_button.setEnabled(from_job)
        for w in (self.site_name_edit, self.site_address_edit, self.level_combo):
            w.setEnabled(not from_job)

    # -- the sealed jobs -------------------------------------------------------------------
    def set_jobs(self, jobs: Sequence[Job], *, select: str | None = None) -> None:
        self._jobs = list(jobs)
        self.table.setRowCount(len(self._jobs))
        for row, job in enumerate(self._jobs):
            for col, text in enumerate(
                (
                    job.job_number,
                    job.site_name,
                    job.site_address,
                    (job.closed_at or "")[:16].replace("T", " "),
                )
            ):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.id)
                self.table.setItem(row, col, item)
        if select is not None:
            self.select_job(select)
        elif self._jobs:
            self.table.selectRow(0)
        if not self._jobs:
            self.no_record_radio.setChecked(True)

    def select_job(self, job_id: str) -> bool:
        for row, job in enumerate(self._jobs):
            if job.id == job_id:
                self.from_job_radio.setChecked(True)
                self.table.selectRow(row)
                return True
        return False

    def selected_job(self) -> Job | None:
        rows = self.table.selectionModel().selectedRows()
        return self._jobs[rows[0].row()] if rows else None

    def _ask_import(self) -> None:
        bundle, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("Resale", "Job bundle of the previous job"),
            "",
            QCoreApplication.translate("Resale", "Job bundles (*)"),
        )
        if not bundle:
            return
        card, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate(
                "Resale", "Installation card of the laptop that exported it"
            ),
            "",
            QCoreApplication.translate("Resale", "Installation cards (*.pem *.card *)"),
        )
        if card:
            self.import_requested.emit(Path(bundle), Path(card))

    def show_import(self, text: str, ok: bool) -> None:
        self.import_status.setText(text)
        self.import_status.setStyleSheet("" if ok else ERROR_STYLE)

    # -- submitting ------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        job = self.selected_job() if self.from_job_radio.isChecked() else None
        out: dict[str, Any] = {
            "job_number": self.job_number_edit.text().strip(),
            "operator": self.operator_edit.text().strip(),
            "from_job": job.id if job is not None else None,
        }
        if job is None:
            out.update(
                site_name=self.site_name_edit.text().strip() or None,
                site_address=self.site_address_edit.text().strip() or None,
                service_level=int(self.level_combo.currentData()),
            )
        return out

    def problem(self) -> str | None:
        v = self.values()
        if not v["job_number"]:
            return QCoreApplication.translate("Resale", "Enter the new job number.")
        if not v["operator"]:
            return QCoreApplication.translate("Resale", "Enter the operator's name.")
        if self.from_job_radio.isChecked() and v["from_job"] is None:
            return QCoreApplication.translate(
                "Resale", "Choose the home's handed-over job, or import its bundle."
            )
        if v["from_job"] is None and not (v["site_name"] and v["site_address"]):
            return QCoreApplication.translate(
                "Resale", "Without a record, enter the site name and address."
            )
        return None

    def try_submit(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.show_failure(problem)
            return
        self.error.setVisible(False)
        self.start_button.setEnabled(False)
        self.submitted.emit(self.values())

    def show_failure(self, message: str) -> None:
        self.start_button.setEnabled(True)
        self.error.setText(message)
        self.error.setVisible(True)

    def finish(self) -> None:
        self.start_button.setEnabled(True)
        self.accept()


class ResetPromptDialog(QDialog):
    """The devices the technician must reset by hand; each leaves the list once the device
    itself reports factory state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resetPromptDialog")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._waiting: dict[str, Mapping[str, object]] = {}
        layout = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("resetPromptMessage")
        layout.addWidget(self.message)
        self.devices = QListWidget(self)
        self.devices.setObjectName("resetPromptDevices")
        self.devices.setWordWrap(True)
        layout.addWidget(self.devices)
        self.setMinimumWidth(560)
        self.retranslateUi()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("Resale", "Reset these devices by hand"))
        self.message.setText(
            QCoreApplication.translate(
                "Resale",
                "These devices cannot be wiped with the previous home's credentials. Press and "
                "hold each one's factory-reset button (see its manual). The app waits until the "
                "device itself reports factory state, then verifies it.",
            )
        )
        self._refill()

    def _line(self, device_id: str, p: Mapping[str, object]) -> str:
        what = " ".join(str(x) for x in (p.get("manufacturer"), p.get("model")) if x)
        kind = kind_label(str(p.get("kind") or ""))
        return (
            QCoreApplication.translate("Resale", "%1 %2 (%3): press its reset button — waiting…")
            .replace("%1", kind)
            .replace("%2", what)
            .replace("%3", device_id)
        )

    def _refill(self) -> None:
        self.devices.clear()
        for device_id, params in self._waiting.items():
            self.devices.addItem(self._line(device_id, params))

    def add(self, device_id: str, params: Mapping[str, object]) -> None:
        self._waiting[device_id] = dict(params)
        self._refill()
        self.show()
        self.raise_()

    def resolve(self, device_id: str) -> None:
        if self._waiting.pop(device_id, None) is not None:
            self._refill()
        if not self._waiting:
            self.hide()

    def clear(self) -> None:
        self._waiting.clear()
        self._refill()
        self.hide()

    @property
    def waiting(self) -> list[str]:
        return list(self._waiting)


class WipeCertificateDialog(QDialog):
    """The certificate's verdict, with buttons to print it (Qt's preview) or save it as PDF."""

    def __init__(self, certificate: Any, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wipeCertificateDialog")
        self.certificate = certificate  # ui.resale_ops.WipeCertificate
        self.language = language
        self.preview: QDialog | None = None
        layout = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("wipeCertificateMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.devices = QListWidget(self)
        self.devices.setObjectName("wipeCertificateDevices")
        self.devices.setWordWrap(True)
        layout.addWidget(self.devices)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.print_button = self.buttons.addButton(
            QCoreApplication.translate("Resale", "Print certificate…"),
            QDialogButtonBox.ButtonRole.ActionRole,
        )
        self.print_button.setObjectName("printCertificateButton")
        self.print_button.clicked.connect(self.show_print_preview)
        self.save_button = self.buttons.addButton(
            QCoreApplication.translate("Resale", "Save as PDF…"),
            QDialogButtonBox.ButtonRole.ActionRole,
        )
        self.save_button.setObjectName("saveCertificateButton")
        self.save_button.clicked.connect(self._ask_save_pdf)
        layout.addWidget(self.buttons)
        self._fill()
        self.resize(680, 420)

    def _fill(self) -> None:
        content = self.certificate.content
        self.setWindowTitle(QCoreApplication.translate("Resale", "Wipe certificate"))
        prev = content["previous_job"]
        lines = [
            QCoreApplication.translate("Resale", "Resale job %1 (%2)")
            .replace("%1", content["job"]["job_number"])
            .replace("%2", content["job"]["id"])
        ]
        if prev.get("id"):
            lines.append(
                QCoreApplication.translate("Resale", "Previous job: %1, sealed hash %2")
                .replace("%1", str(prev.get("job_number") or prev["id"]))
                .replace("%2", str(prev.get("sealed_hash") or ""))
            )
        else:
            lines.append(
                QCoreApplication.translate(
                    "Resale", "Previous job: no record (started from discovery alone)"
                )
            )
        devices = content["devices"]
        if content["all_verified"]:
            lines.append(
                QCoreApplication.translate(
                    "Resale",
                    "Every device (%1) confirmed that nothing of the previous occupant remains.",
                ).replace("%1", str(len(devices)))
            )
        else:
            lines.append(
                QCoreApplication.translate(
                    "Resale",
                    "NOT fully wiped: %1 of %2 devices are unverified. The job cannot "
                    "be closed until they are wiped and verified.",
                )
                .replace("%1", str(len(content["unverified"])))
                .replace("%2", str(len(devices)))
            )
        lines.append(
            QCoreApplication.translate("Resale", "Requirements: %1").replace(
                "%1", ", ".join(content["requirements"])
            )
        )
        self.message.setText("\n".join(lines))
        self.devices.clear()
        for d in devices:
            if d["verified"]:
                text = (
                    QCoreApplication.translate("Resale", "%1: verified (%2)")
                    .replace("%1", d["device_id"])
                    .replace("%2", method_text(d.get("method")))
                )
            else:
                text = (
                    QCoreApplication.translate("Resale", "%1: UNVERIFIED — %2")
                    .replace("%1", d["device_id"])
                    .replace("%2", "; ".join(problem_text(p) for p in d.get("problems") or []))
                )
            self.devices.addItem(text)

    def show_print_preview(self) -> QDialog:
        from ui.printing import print_preview_dialog

        dialog = print_preview_dialog(self.certificate.document(self.language), self)
        dialog.setObjectName("certificatePrintPreview")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.preview = dialog
        dialog.open()
        return dialog

    def save_pdf(self, path: Path) -> int:
        """Save the certificate as PDF; returns the page count."""
        from ui.printing import render_pdf

        return render_pdf(self.certificate.document(self.language), Path(path)).pages

    def _ask_save_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            QCoreApplication.translate("Resale", "Save certificate as PDF"),
            f"{self.certificate.job_id}-wipe-certificate.pdf",
            "PDF (*.pdf)",
        )
        if name:
            self.save_pdf(Path(name))
