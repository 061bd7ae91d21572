"""A handed-over job, opened read-only (issue 12): the sealed record, its documents and its
history, a "Verify now" action and the verification view, findings grouped by requirement ID
with pass/fail. A selected finding's remediation can be started from here; the home is
verified again after it. The sealed record never changes (visits go to the follow-up log);
the controller (:mod:`ui.verify_controller`) runs the application layer's use cases."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commissioner.app.jobs import SealedJobView
from commissioner.app.remediate import Remediation
from commissioner.app.verify import Verification
from ui.verify_controller import VerifyController

__all__ = ["SealedJobWindow"]

DEVICE_ROLE = Qt.ItemDataRole.UserRole + 1  # a finding row's device id (UserRole: its code)


def action_text(action: str) -> str:
    return {
        "firmware": QCoreApplication.translate("SealedJob", "update the firmware"),
        "reprovision": QCoreApplication.translate("SealedJob", "re-provision the device"),
        "remove-unknown": QCoreApplication.translate("SealedJob", "remove it from the gateway"),
        "replace": QCoreApplication.translate("SealedJob", "put the new unit in its place"),
    }.get(action, action)


def severity_text(severity: str) -> str:
    return {
        "critical": QCoreApplication.translate("SealedJob", "critical"),
        "high": QCoreApplication.translate("SealedJob", "high"),
        "medium": QCoreApplication.translate("SealedJob", "medium"),
        "low": QCoreApplication.translate("SealedJob", "low"),
        "info": QCoreApplication.translate("SealedJob", "info"),
    }.get(severity, severity)


class SealedJobWindow(QDialog):
    """The read-only view of one handed-over job."""

    def __init__(self, controller: VerifyController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sealedJobWindow")
        self.resize(860, 600)
        self.controller = controller
        controller.setParent(self)
        self.view: SealedJobView | None = None
        self.verification: Verification | None = None
        self.error = ""
        self.header = QLabel(self)
        self.header.setObjectName("sealedJobHeader")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only = QLabel(self)
        self.read_only.setObjectName("readOnlyNote")
        self.read_only.setWordWrap(True)
        self.verify_button = QPushButton(self)
        self.verify_button.setObjectName("verifyNowButton")
        self.verify_button.clicked.connect(self.controller.verify_now)
        self.summary = QLabel(self)
        self.summary.setObjectName("verifySummary")
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.findings = QTreeWidget(self)
        self.findings.setObjectName("findingsTree")
        self.findings.setColumnCount(3)
        self.history = QListWidget(self)
        self.history.setObjectName("historyList")
        self.documents = QListWidget(self)
        self.documents.setObjectName("documentsList")
        self.documents.itemActivated.connect(self._open_document)
        self.findings.currentItemChanged.connect(lambda *_: self._fill_remedy())
        self.remedy_note = QLabel(self)
        self.remedy_note.setObjectName("remedyNote")
        self.remedy_note.setWordWrap(True)
        self.remediate_button = QPushButton(self)
        self.remediate_button.setObjectName("remediateButton")
        self.remediate_button.clicked.connect(self._remediate)
        self.remediation: Remediation | None = None
        self.tabs.addTab(self.findings, "")
        self.tabs.addTab(self.history, "")
        self.tabs.addTab(self.documents, "")
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.read_only)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        fix = QHBoxLayout()
        fix.addWidget(self.remedy_note, 1)
        fix.addWidget(self.remediate_button)
        layout.addLayout(fix)
        controller.loaded.connect(self._on_loaded)
        controller.verified.connect(self._on_verified)
        controller.remediated.connect(self._on_remediated)
        controller.failed.connect(self._on_failed)
        controller.busy_changed.connect(self._on_busy)
        self.retranslate()

    # -- language -----------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("SealedJob", "Handed-over job (read-only)"))
        self.read_only.setText(
            QCoreApplication.translate(
                "SealedJob",
                "This job was handed over and is sealed: it is shown read-only. Verify the home "
                "against its record; fix a finding with a remediation; for a new owner start a "
                "resale job.",
            )
        )
        busy = self.controller.busy_with if self.controller.busy else ""
        self.verify_button.setText(
            QCoreApplication.translate("SealedJob", "Verifying…")
            if busy == "verify"
            else QCoreApplication.translate("SealedJob", "Verify now")
        )
        self.remediate_button.setText(
            QCoreApplication.translate("SealedJob", "Remediating…")
            if busy == "remediate"
            else QCoreApplication.translate("SealedJob", "Fix this finding")
        )
        self.tabs.setTabText(0, QCoreApplication.translate("SealedJob", "Verification"))
        self.tabs.setTabText(1, QCoreApplication.translate("SealedJob", "History"))
        self.tabs.setTabText(2, QCoreApplication.translate("SealedJob", "Documents"))
        self.findings.setHeaderLabels(
            [
                QCoreApplication.translate("SealedJob", "Requirement"),
                QCoreApplication.translate("SealedJob", "Result"),
                QCoreApplication.translate("SealedJob", "Finding"),
            ]
        )
        self._fill()

    # -- results --------------------------------------------------------------------------
    def _on_loaded(self, view: object) -> None:
        assert isinstance(view, SealedJobView)
        self.view = view
        self._fill()

    def _on_verified(self, verification: object) -> None:
        assert isinstance(verification, Verification)
        self.verification = verification
        self.error = ""
        self.tabs.setCurrentIndex(0)
        self._fill()

    def _on_remediated(self, remediation: object) -> None:
        assert isinstance(remediation, Remediation)
        self.remediation = remediation

    def _on_failed(self, text: str) -> None:
        self.error = text
        self._fill()

    def _on_busy(self, busy: bool) -> None:
        self.verify_button.setEnabled(not busy)
        self.retranslate()

    def _fill(self) -> None:
        self._fill_header()
        self._fill_findings()
        self._fill_lists()
        self._fill_remedy()

    def _fill_header(self) -> None:
        view = self.view
        if view is None:
            self.header.setText(QCoreApplication.translate("SealedJob", "Loading…"))
            return
        job = view.details.job
        record = (
            QCoreApplication.translate("SealedJob", "record intact")
            if view.audit_ok
            else QCoreApplication.translate("SealedJob", "RECORD DOES NOT VERIFY")
        )
        self.header.setText(
            QCoreApplication.translate("SealedJob", "Job %1 · %2 · handed over %3 · %4")
            .replace("%1", job.job_number)
            .replace("%2", job.site_name)
            .replace("%3", str(job.closed_at)[:19])
            .replace("%4", record)
        )

    def _fill_findings(self) -> None:
        v = self.verification
        self.findings.clear()
        if self.error:
            self.summary.setText(self.error)
        elif v is None:
            self.summary.setText(
                QCoreApplication.translate(
                    "SealedJob",
                    "Not verified in this session yet: press “Verify now”. "
                    "Nothing is written to any device.",
                )
            )
        elif v.matches:
            self.summary.setText(
                QCoreApplication.translate("SealedJob", "This home matches its state at handover")
            )
        else:
            self.summary.setText(
                QCoreApplication.translate(
                    "SealedJob", "%1 difference(s) from the state at handover"
                ).replace("%1", str(len(v.differences)))
            )
        if v is None:
            return
        for req, row in v.requirements.items():
            item = QTreeWidgetItem(
                [
                    req,
                    QCoreApplication.translate("SealedJob", "pass")
                    if row["passed"]
                    else QCoreApplication.translate("SealedJob", "fail"),
                    "",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, req)
            if not row["passed"]:
                item.setForeground(1, Qt.GlobalColor.red)
            for f in v.findings:
                if req in f.requirements:
                    child = QTreeWidgetItem(
                        ["", severity_text(f.severity), f"{f.code}: {f.message}"]
                    )
                    child.setData(0, Qt.ItemDataRole.UserRole, f.code)
                    child.setData(0, DEVICE_ROLE, f.device_id)
                    item.addChild(child)
            self.findings.addTopLevelItem(item)
            item.setExpanded(not row["passed"])
        for col in range(2):
            self.findings.resizeColumnToContents(col)

    def _fill_lists(self) -> None:
        self.history.clear()
        self.documents.clear()
        view = self.view
        if view is None:
            return
        sealed = view.details.job.sealed_hash
        after = False
        for step in view.history:
            if not after and step.prev_hash == sealed:
                after = True
                self.history.addItem(
                    QCoreApplication.translate("SealedJob", "— after handover (follow-up log) —")
                )
            self.history.addItem(
                f"#{step.idx}  {step.at[:19]}  {step.action}  {step.device_id or ''}".rstrip()
            )
        for path in view.documents:
            item = QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.documents.addItem(item)
        if not view.documents:
            self.documents.addItem(
                QCoreApplication.translate(
                    "SealedJob", "No document of this job is on this laptop."
                )
            )

    # -- remediation ----------------------------------------------------------------------
    def selected_finding(self) -> tuple[str, str] | None:
        """(code, device id) of the selected finding row, if it names a device."""
        item = self.findings.currentItem()
        if item is None or item.parent() is None:
            return None
        code, device = item.data(0, Qt.ItemDataRole.UserRole), item.data(0, DEVICE_ROLE)
        if not isinstance(code, str) or not isinstance(device, str):
            return None
        return code, device

    def select_finding(self, code: str, device_id: str | None = None) -> bool:
        """Select the first finding row with ``code`` (and ``device_id``)."""
        for i in range(self.findings.topLevelItemCount()):
            top = self.findings.topLevelItem(i)
            for j in range(top.childCount()):
                child = top.child(j)
                if child.data(0, Qt.ItemDataRole.UserRole) == code and (
                        device_id is None or child.data(0, DEVICE_ROLE) == device_id):
                    self.findings.setCurrentItem(child)
                    return True
        return False

    def _fill_remedy(self) -> None:
        chosen = self.selected_finding()
        action = None if chosen is None else self.controller.action_for(chosen[0])
        self.remediate_button.setEnabled(action is not None and not self.controller.busy)
        done = self.remediation
        if chosen is None:
            text = QCoreApplication.translate(
                "SealedJob", "Select a finding to see how to fix it.")
            if done is not None:
                text = QCoreApplication.translate(
                    "SealedJob", "Done: %1 on %2 (follow-up entry #%3); the home was verified "
                    "again.").replace("%1", action_text(done.action)).replace(
                    "%2", done.device_id).replace("%3", str(done.followup_idx))
        elif action is not None:
            text = QCoreApplication.translate("SealedJob", "Remediation: %1 on %2.").replace(
                "%1", action_text(action)).replace("%2", chosen[1])
        else:
            advice = self.controller.advice_for(chosen[0])
            text = QCoreApplication.translate(
                "SealedJob", "No device action fixes this finding.") + (
                f" {advice}" if advice else "")
        self.remedy_note.setText(text)

    def _remediate(self) -> None:
        chosen = self.selected_finding()
        if chosen is not None:
            self.remediation = None
            self.error = ""
            self.controller.remediate(*chosen)

    def _open_document(self, item: QListWidgetItem) -> None:
        path: Any = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(path, str):
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))
