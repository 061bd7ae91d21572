"""Dialogs for jobs and the gate: new job, open job, mark a blocked device to be replaced.

The dialogs never touch the store. They validate what they can locally, emit ``submitted``
and stay open (busy) until the window reports the outcome of the store call made through the
bridge: :meth:`finish` closes them once the COMMIT returned, :meth:`show_failure` shows the
problem inline, next to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commissioner.jobs.models import Job
from commissioner.jobs.store import JOB_ID_RE, MAX_JOB_NUMBER, MAX_TEXT, normalise_job_id

ERROR_STYLE: Final = "color: #a1140a;"
FIELDS: Final = ("job_number", "site_name", "site_address", "operator")
MAX_REASON: Final = 500


def _t(text: str) -> str:
    return QCoreApplication.translate("JobDialogs", text)


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def _show(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))


class NewJobDialog(QDialog):
    """Job number, site name and address, service level ★★/★★★, operator."""

    submitted = Signal(object)  # dict[str, str | int]: the create_job keyword arguments

    def __init__(self, parent: QWidget | None = None, *, operator: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("newJobDialog")
        self.setModal(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.job_number_edit = QLineEdit(self)
        self.job_number_edit.setMaxLength(MAX_JOB_NUMBER)
        self.site_name_edit = QLineEdit(self)
        self.site_name_edit.setMaxLength(MAX_TEXT)
        self.site_address_edit = QLineEdit(self)
        self.site_address_edit.setMaxLength(MAX_TEXT)
        self.level_combo = QComboBox(self)
        self.level_combo.addItem("★★", 2)
        self.level_combo.addItem("★★★", 3)
        self.operator_edit = QLineEdit(operator, self)
        self.operator_edit.setMaxLength(MAX_TEXT)
        self.edits: dict[str, QLineEdit] = {
            "job_number": self.job_number_edit,
            "site_name": self.site_name_edit,
            "site_address": self.site_address_edit,
            "operator": self.operator_edit,
        }
        self.errors: dict[str, QLabel] = {name: _error_label(self) for name in FIELDS}
        self.captions: dict[str, QLabel] = {name: QLabel(self) for name in (*FIELDS, "level")}
        for name in ("job_number", "site_name", "site_address"):
            form.addRow(self.captions[name], self._with_error(self.edits[name], name))
        form.addRow(self.captions["level"], self.level_combo)
        form.addRow(self.captions["operator"], self._with_error(self.operator_edit, "operator"))
        for name, edit in self.edits.items():
            edit.textEdited.connect(lambda _t, n=name: _show(self.errors[n], None))
        self.general_error = _error_label(self)
        self.general_error.setObjectName("newJobGeneralError")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.retranslateUi()

    def _with_error(self, edit: QWidget, name: str) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(edit)
        column.addWidget(self.errors[name])
        return box

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("JobDialogs", "New job"))
        self.captions["job_number"].setText(QCoreApplication.translate("JobDialogs", "Job number:"))
        self.captions["site_name"].setText(QCoreApplication.translate("JobDialogs", "Site name:"))
        self.captions["site_address"].setText(
            QCoreApplication.translate("JobDialogs", "Site address:")
        )
        self.captions["level"].setText(QCoreApplication.translate("JobDialogs", "Service level:"))
        self.captions["operator"].setText(QCoreApplication.translate("JobDialogs", "Operator:"))
        self.job_number_edit.setPlaceholderText(
            QCoreApplication.translate("JobDialogs", "e.g. 2026-0412")
        )
        self.site_name_edit.setPlaceholderText(
            QCoreApplication.translate("JobDialogs", "e.g. Sakura residence")
        )
        self.site_address_edit.setPlaceholderText(
            QCoreApplication.translate("JobDialogs", "Street address of the home")
        )
        self.operator_edit.setPlaceholderText(QCoreApplication.translate("JobDialogs", "Your name"))
        self.level_combo.setItemText(0, QCoreApplication.translate("JobDialogs", "★★ (level 2)"))
        self.level_combo.setItemText(1, QCoreApplication.translate("JobDialogs", "★★★ (level 3)"))
        self.create_button.setText(QCoreApplication.translate("JobDialogs", "Create job"))

    # -- values and validation -------------------------------------------------------------
    def set_service_level(self, level: int) -> None:
        self.level_combo.setCurrentIndex(self.level_combo.findData(level))

    def values(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {name: edit.text().strip() for name, edit in self.edits.items()}
        out["service_level"] = int(self.level_combo.currentData())
        return out

    def validate(self) -> dict[str, str]:
        """Problems by field name (empty when the values can be submitted)."""
        problems: dict[str, str] = {}
        values = self.values()
        required = {
            "job_number": QCoreApplication.translate("JobDialogs", "Enter the job number."),
            "site_name": QCoreApplication.translate("JobDialogs", "Enter the site name."),
            "site_address": QCoreApplication.translate("JobDialogs", "Enter the site address."),
            "operator": QCoreApplication.translate("JobDialogs", "Enter the operator's name."),
        }
        for name, message in required.items():
            if not values[name]:
                problems[name] = message
        number = str(values["job_number"])
        if number and JOB_ID_RE.match(normalise_job_id(number)):
            problems["job_number"] = QCoreApplication.translate(
                "JobDialogs",
                "This looks like a job ID (J + 8 characters); choose another job number.",
            )
        for name in FIELDS:
            text = str(values[name])
            if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
                problems[name] = QCoreApplication.translate(
                    "JobDialogs", "Remove the control characters."
                )
        return problems

    def try_submit(self) -> None:
        problems = self.validate()
        for name in FIELDS:
            _show(self.errors[name], problems.get(name))
        _show(self.general_error, None)
        if problems:
            first = next(name for name in FIELDS if name in problems)
            self.edits[first].setFocus()
            return
        self.set_busy(True)
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        for edit in self.edits.values():
            edit.setReadOnly(busy)
        self.level_combo.setEnabled(not busy)
        self.create_button.setEnabled(not busy)

    def show_failure(self, message: str) -> None:
        """Show the store's refusal next to the field it is about (English core message)."""
        self.set_busy(False)
        lowered = message.lower()
        if "already in use" in lowered:
            _show(
                self.errors["job_number"],
                QCoreApplication.translate("JobDialogs", "This job number is already in use."),
            )
            self.job_number_edit.setFocus()
            return
        for name, prefix in (
            ("job_number", "job number"),
            ("site_name", "site name"),
            ("site_address", "site address"),
            ("operator", "operator"),
        ):
            if lowered.startswith(prefix):
                _show(
                    self.errors[name],
                    QCoreApplication.translate("JobDialogs", "Not accepted: %1").replace(
                        "%1", message
                    ),
                )
                self.edits[name].setFocus()
                return
        _show(
            self.general_error,
            QCoreApplication.translate("JobDialogs", "The job could not be saved: %1").replace(
                "%1", message
            ),
        )

    def finish(self) -> None:
        self.set_busy(False)
        self.accept()


class OpenJobDialog(QDialog):
    """The jobs of the store, newest first; double-click or Open to choose one. Handed-over
    jobs are listed too, marked as such: they open read-only (documents, history, verify)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("openJobDialog")
        self.setModal(True)
        self._jobs: list[Job] = []
        self.status_label = QLabel(self)
        self.table = QTableWidget(0, 6, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemDoubleClicked.connect(lambda _item: self._accept_selected())
        self.table.itemSelectionChanged.connect(self._update_button)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.open_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.buttons.accepted.connect(self._accept_selected)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 360)
        self._loading = True
        self._failure: str | None = None
        self.retranslateUi()
        self._update_button()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("JobDialogs", "Open job"))
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("JobDialogs", "Job number"),
                QCoreApplication.translate("JobDialogs", "Site"),
                QCoreApplication.translate("JobDialogs", "Level"),
                QCoreApplication.translate("JobDialogs", "Operator"),
                QCoreApplication.translate("JobDialogs", "Created (UTC)"),
                QCoreApplication.translate("JobDialogs", "Status"),
            ]
        )
        for row, job in enumerate(self._jobs):
            item = self.table.item(row, STATUS_COLUMN)
            if item is not None:
                item.setText(_status_text(job))
        if self._failure is not None:
            self.status_label.setText(
                QCoreApplication.translate("JobDialogs", "The jobs could not be read: %1").replace(
                    "%1", self._failure
                )
            )
        elif self._loading:
            self.status_label.setText(QCoreApplication.translate("JobDialogs", "Reading the jobs…"))
        elif not self._jobs:
            self.status_label.setText(
                QCoreApplication.translate(
                    "JobDialogs", "There are no jobs yet. Create one with New job."
                )
            )
        else:
            self.status_label.setText(
                QCoreApplication.translate("JobDialogs", "Choose the job to open:")
            )

    def set_jobs(self, jobs: Sequence[Job]) -> None:
        self._loading = False
        self._jobs = list(jobs)
        self.table.setRowCount(len(self._jobs))
        for row, job in enumerate(self._jobs):
            created = job.created_at[:16].replace("T", " ")
            for column, text in enumerate(
                (job.job_number, job.site_name, job.stars, job.operator, created,
                 _status_text(job))
            ):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.id)
                if column == 1:
                    item.setToolTip(job.site_address)
                self.table.setItem(row, column, item)
        if self._jobs:
            self.table.selectRow(0)
        self.retranslateUi()
        self._update_button()

    def show_failure(self, message: str) -> None:
        self._loading = False
        self._failure = message
        self.retranslateUi()

    def _update_button(self) -> None:
        job = self.selected_job()
        self.open_button.setText(
            QCoreApplication.translate("JobDialogs", "Open read-only")
            if job is not None and job.is_closed
            else QCoreApplication.translate("JobDialogs", "Open")
        )
        self.open_button.setEnabled(job is not None)

    def selected_job(self) -> Job | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def _accept_selected(self) -> None:
        if self.selected_job() is not None:
            self.accept()


STATUS_COLUMN: Final = 5


def _status_text(job: Job) -> str:
    if job.is_closed:
        return QCoreApplication.translate("JobDialogs", "Handed over (read-only)")
    return QCoreApplication.translate("JobDialogs", "In progress")


class ReplaceDialog(QDialog):
    """Ask why a blocked device is to be replaced (the only action for a blocked device)."""

    submitted = Signal(str)

    def __init__(self, device_id: str, verdict_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replaceDialog")
        self.setModal(True)
        self.device_id = device_id
        self._verdict_text = verdict_text
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(90)
        self.error_label = _error_label(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._update_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.retranslateUi()
        self._update_button()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("JobDialogs", "Mark to be replaced"))
        self.intro.setText(
            QCoreApplication.translate(
                "JobDialogs",
                "Device %1 is blocked (%2) and cannot be commissioned. Record why it is to be "
                "replaced; the reason is kept in the job.",
            )
            .replace("%1", self.device_id)
            .replace("%2", self._verdict_text)
        )
        self.reason_edit.setPlaceholderText(
            QCoreApplication.translate("JobDialogs", "e.g. counterfeit camera; order a genuine one")
        )
        self.ok_button.setText(QCoreApplication.translate("JobDialogs", "Mark to be replaced"))

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def _update_button(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()) and not self.reason_edit.isReadOnly())

    def try_submit(self) -> None:
        reason = self.reason()
        if not reason:
            _show(self.error_label, QCoreApplication.translate("JobDialogs", "Enter a reason."))
            return
        if len(reason) > MAX_REASON:
            _show(
                self.error_label,
                QCoreApplication.translate(
                    "JobDialogs", "The reason is too long (at most %1 characters)."
                ).replace("%1", str(MAX_REASON)),
            )
            return
        _show(self.error_label, None)
        self.reason_edit.setReadOnly(True)
        self._update_button()
        self.submitted.emit(reason)

    def show_failure(self, message: str) -> None:
        self.reason_edit.setReadOnly(False)
        self._update_button()
        _show(
            self.error_label,
            QCoreApplication.translate("JobDialogs", "Not recorded: %1").replace("%1", message),
        )

    def finish(self) -> None:
        self.accept()


__all__ = ["NewJobDialog", "OpenJobDialog", "ReplaceDialog"]
