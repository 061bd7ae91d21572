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
from commissioner.jobs.service_level import answers_level
from commissioner.jobs.store import JOB_ID_RE, MAX_JOB_NUMBER, MAX_TEXT, normalise_job_id

ERROR_STYLE: Final = "color: #a1140a;"
FIELDS: Final = ("job_number", "site_name", "site_address")
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
    """Job number, site name and address, the guideline's two questions (R2-1/R3-2) with the
    level they suggest, service level ★★/★★★ (a lower one needs a reason), and the signed-in
    account the job will name (shown, not typed: the app layer takes it from the sign-in)."""

    submitted = Signal(object)  # dict[str, str | int]: the create_job keyword arguments

    def __init__(self, parent: QWidget | None = None, *, account: str = "") -> None:
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
        self.personal_combo = self._question_combo()
        self.life_combo = self._question_combo()
        self.suggestion_label = QLabel(self)
        self.suggestion_label.setObjectName("levelSuggestion")
        self.suggestion_label.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(MAX_TEXT)
        self.question_errors: dict[str, QLabel] = {
            name: _error_label(self) for name in ("personal_data", "life_or_property", "reason")}
        self.account = account
        self.operator_value = QLabel(self)
        self.operator_value.setObjectName("newJobAccount")
        self.operator_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edits: dict[str, QLineEdit] = {
            "job_number": self.job_number_edit,
            "site_name": self.site_name_edit,
            "site_address": self.site_address_edit,
        }
        self.errors: dict[str, QLabel] = {name: _error_label(self) for name in FIELDS}
        self.captions: dict[str, QLabel] = {name: QLabel(self) for name in (
            *FIELDS, "operator", "level", "personal_data", "life_or_property", "reason")}
        for name in ("job_number", "site_name", "site_address"):
            form.addRow(self.captions[name], self._with_error(self.edits[name], name))
        form.addRow(self.captions["personal_data"],
                    self._with_label(self.personal_combo, self.question_errors["personal_data"]))
        form.addRow(self.captions["life_or_property"],
                    self._with_label(self.life_combo, self.question_errors["life_or_property"]))
        form.addRow(self.captions["level"],
                    self._with_label(self.level_combo, self.suggestion_label))
        form.addRow(self.captions["reason"],
                    self._with_label(self.reason_edit, self.question_errors["reason"]))
        self.personal_combo.currentIndexChanged.connect(self._answers_changed)
        self.life_combo.currentIndexChanged.connect(self._answers_changed)
        self.level_combo.currentIndexChanged.connect(self._level_changed)
        form.addRow(self.captions["operator"], self.operator_value)
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
        return self._with_label(edit, self.errors[name])

    def _with_label(self, edit: QWidget, label: QLabel) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(edit)
        column.addWidget(label)
        return box

    def _question_combo(self) -> QComboBox:
        combo = QComboBox(self)
        for data in (None, True, False):
            combo.addItem("", data)
        return combo

    # -- the level the answers suggest -----------------------------------------------------
    def answers(self) -> tuple[bool | None, bool | None]:
        return self.personal_combo.currentData(), self.life_combo.currentData()

    def suggested_level(self) -> int | None:
        """The level the two answers call for (None until both are answered)."""
        personal, life = self.answers()
        if personal is None or life is None:
            return None
        return answers_level(personal, life)

    def _answers_changed(self, _index: int = 0) -> None:
        for name in ("personal_data", "life_or_property"):
            _show(self.question_errors[name], None)
        suggested = self.suggested_level()
        if suggested is not None:
            self.set_service_level(suggested)
        self._level_changed()

    def _level_changed(self, _index: int = 0) -> None:
        suggested = self.suggested_level()
        below = suggested is not None and int(self.level_combo.currentData()) < suggested
        self.reason_edit.setEnabled(below)
        self.captions["reason"].setEnabled(below)
        if not below:
            _show(self.question_errors["reason"], None)
        if suggested is None:
            self.suggestion_label.setText(QCoreApplication.translate(
                "JobDialogs", "Answer both questions to see the suggested level."))
        elif suggested == 3:
            self.suggestion_label.setText(QCoreApplication.translate(
                "JobDialogs",
                "Suggested: ★★★ (level 3): the service handles personal data or affects life "
                "or property."))
        else:
            self.suggestion_label.setText(QCoreApplication.translate(
                "JobDialogs",
                "Suggested: ★★ (level 2). A lock or camera found later suggests ★★★."))

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
        self.operator_value.setText(self.account or QCoreApplication.translate(
            "JobDialogs", "Nobody is signed in"))
        self.level_combo.setItemText(0, QCoreApplication.translate("JobDialogs", "★★ (level 2)"))
        self.level_combo.setItemText(1, QCoreApplication.translate("JobDialogs", "★★★ (level 3)"))
        self.captions["personal_data"].setText(QCoreApplication.translate(
            "JobDialogs", "Handles personal data?"))
        self.captions["life_or_property"].setText(QCoreApplication.translate(
            "JobDialogs", "Affects life or property?"))
        self.captions["reason"].setText(QCoreApplication.translate(
            "JobDialogs", "Reason for a lower level:"))
        self.reason_edit.setPlaceholderText(QCoreApplication.translate(
            "JobDialogs", "Why the level is below the suggested one"))
        for combo in (self.personal_combo, self.life_combo):
            combo.setItemText(0, QCoreApplication.translate("JobDialogs", "Choose…"))
            combo.setItemText(1, QCoreApplication.translate("JobDialogs", "Yes"))
            combo.setItemText(2, QCoreApplication.translate("JobDialogs", "No"))
        self._level_changed()
        self.create_button.setText(QCoreApplication.translate("JobDialogs", "Create job"))

    # -- values and validation -------------------------------------------------------------
    def set_service_level(self, level: int) -> None:
        self.level_combo.setCurrentIndex(self.level_combo.findData(level))

    def values(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {name: edit.text().strip() for name, edit in self.edits.items()}
        out["operator"] = self.account
        out["service_level"] = int(self.level_combo.currentData())
        personal, life = self.answers()
        if personal is not None:
            out["personal_data"] = personal
        if life is not None:
            out["life_or_property"] = life
        reason = self.reason_edit.text().strip()
        if reason and self.reason_edit.isEnabled():
            out["reason"] = reason
        return out

    def validate(self) -> dict[str, str]:
        """Problems by field name (empty when the values can be submitted)."""
        problems: dict[str, str] = {}
        values = self.values()
        required = {
            "job_number": QCoreApplication.translate("JobDialogs", "Enter the job number."),
            "site_name": QCoreApplication.translate("JobDialogs", "Enter the site name."),
            "site_address": QCoreApplication.translate("JobDialogs", "Enter the site address."),
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
        personal, life = self.answers()
        if personal is None:
            problems["personal_data"] = QCoreApplication.translate(
                "JobDialogs", "Answer: does the service handle personal data?")
        if life is None:
            problems["life_or_property"] = QCoreApplication.translate(
                "JobDialogs", "Answer: can the service affect life or property?")
        if self.reason_edit.isEnabled() and not self.reason_edit.text().strip():
            problems["reason"] = QCoreApplication.translate(
                "JobDialogs", "Give the reason for a level below the suggested one.")
        return problems

    def try_submit(self) -> None:
        problems = self.validate()
        for name in FIELDS:
            _show(self.errors[name], problems.get(name))
        for name, label in self.question_errors.items():
            _show(label, problems.get(name))
        _show(self.general_error, None)
        if problems:
            first = next((name for name in FIELDS if name in problems), None)
            if first is not None:
                self.edits[first].setFocus()
            return
        self.set_busy(True)
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        for edit in self.edits.values():
            edit.setReadOnly(busy)
        self.level_combo.setEnabled(not busy)
        self.personal_combo.setEnabled(not busy)
        self.life_combo.setEnabled(not busy)
        self.reason_edit.setReadOnly(busy)
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
