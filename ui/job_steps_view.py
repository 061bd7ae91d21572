"""The guided job page: the job's steps in order with their state, what blocks each and the
action that unblocks it (translation context "JobSteps"). It only displays
:class:`commissioner.app.job_steps.JobSteps`; activating a step or a blocker (Enter, a
double-click, or the button) emits :attr:`JobStepsPage.action_requested`.

Keyboard: the list takes the focus; Up/Down move between steps and their blockers,
Left/Right fold a step, Enter runs the selected line's action.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commissioner.app.job_steps import JobStep, JobSteps, StepBlocker

__all__ = ["JobStepsPage", "action_text", "blocker_text", "state_text", "step_title"]

ACTION_ROLE = Qt.ItemDataRole.UserRole
DEVICE_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_COLOURS = {"done": "#17692f", "ready": "#0b4f8a", "blocked": "#a1140a",
                 "waiting": "#666666", "not-needed": "#666666"}
STATE_MARKS = {"done": "✓", "ready": "▶", "blocked": "✕", "waiting": "…", "not-needed": "–"}


def step_title(name: str) -> str:
    titles = {
        "scan": QCoreApplication.translate("JobSteps", "Scan for devices"),
        "check": QCoreApplication.translate("JobSteps", "Check devices (certified models)"),
        "onboard": QCoreApplication.translate("JobSteps", "Onboard Bluetooth devices"),
        "labels": QCoreApplication.translate("JobSteps", "Pair box labels"),
        "provision": QCoreApplication.translate("JobSteps", "Commission (provision)"),
        "firmware": QCoreApplication.translate("JobSteps", "Update firmware"),
        "handover": QCoreApplication.translate("JobSteps", "Owner's sheet and handover"),
    }
    return titles.get(name, name)


def state_text(state: str) -> str:
    texts = {
        "done": QCoreApplication.translate("JobSteps", "Done"),
        "ready": QCoreApplication.translate("JobSteps", "Next"),
        "blocked": QCoreApplication.translate("JobSteps", "Blocked"),
        "waiting": QCoreApplication.translate("JobSteps", "Waiting for an earlier step"),
        "not-needed": QCoreApplication.translate("JobSteps", "Not needed"),
    }
    return texts.get(state, state)


def action_text(action: str) -> str:
    texts = {
        "scan": QCoreApplication.translate("JobSteps", "Start the scan"),
        "check": QCoreApplication.translate("JobSteps", "Check devices"),
        "onboard": QCoreApplication.translate("JobSteps", "Onboard all over Bluetooth"),
        "scan-label": QCoreApplication.translate("JobSteps", "Scan or type the label"),
        "commission": QCoreApplication.translate("JobSteps", "Commission"),
        "update": QCoreApplication.translate("JobSteps", "Update firmware"),
        "handover": QCoreApplication.translate("JobSteps", "Close and hand over"),
        "remove-or-replace": QCoreApplication.translate("JobSteps", "Remove or replace"),
    }
    return texts.get(action, action)


def blocker_text(b: StepBlocker) -> str:
    texts = {
        "blocked": QCoreApplication.translate(
            "JobSteps", "%1: blocked by the check - remove it or replace it with a genuine unit"),
        "ble-only": QCoreApplication.translate(
            "JobSteps", "%1: heard only over Bluetooth - onboard it to the home network"),
        "label-missing": QCoreApplication.translate(
            "JobSteps", "%1: its box label is not scanned yet"),
        "label-mismatch": QCoreApplication.translate(
            "JobSteps", "%1: its label does not match the device - check the box"),
        "provisioning-failed": QCoreApplication.translate(
            "JobSteps", "%1: commissioning failed - run Commission again"),
        "firmware-outdated": QCoreApplication.translate(
            "JobSteps", "%1: not on the latest firmware"),
        "firmware-vulnerable": QCoreApplication.translate(
            "JobSteps", "%1: runs a firmware version known to be vulnerable"),
    }
    template = texts.get(b.code, "%1: " + b.code)
    return template.replace("%1", b.device_id or "")


class JobStepsPage(QWidget):
    """The steps of the open job; ``action_requested`` carries (action, device id or "")."""

    action_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobStepsPage")
        self._steps: JobSteps | None = None
        self.next_label = QLabel(self)
        self.next_label.setObjectName("jobStepsNext")
        self.next_label.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("jobStepsTree")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.itemActivated.connect(lambda item, _col: self._activate(item))
        self.tree.currentItemChanged.connect(lambda *_a: self._update_button())
        # The selected line in full (the list elides long lines) and what its button does.
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("jobStepsDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.do_button = QPushButton(self)
        self.do_button.setObjectName("jobStepsDoButton")
        self.do_button.clicked.connect(lambda: self._activate(self.tree.currentItem()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.next_label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.do_button)
        self.setMinimumWidth(300)
        self.retranslateUi()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.show_steps(self._steps)

    @property
    def steps(self) -> JobSteps | None:
        return self._steps

    def show_steps(self, steps: JobSteps | None) -> None:
        """Show ``steps`` (None: no job open); the current step is selected."""
        self._steps = steps
        self.tree.clear()
        if steps is None:
            self.next_label.setText(QCoreApplication.translate(
                "JobSteps", "Open or create a job to see its steps."))
            self._update_button()
            return
        current_item: QTreeWidgetItem | None = None
        for number, step in enumerate(steps.steps, start=1):
            item = self._step_item(number, step)
            self.tree.addTopLevelItem(item)
            if step is steps.current:
                current_item = item
            item.setExpanded(step.state in ("ready", "blocked"))
        current = steps.current
        if current is None:
            self.next_label.setText(QCoreApplication.translate(
                "JobSteps", "Every step is done: the home is handed over."))
        else:
            self.next_label.setText(QCoreApplication.translate("JobSteps", "Next: %1 (%2)")
                                    .replace("%1", step_title(current.name))
                                    .replace("%2", state_text(current.state)))
        self.tree.setCurrentItem(current_item or self.tree.topLevelItem(0))
        self._update_button()

    def _step_item(self, number: int, step: JobStep) -> QTreeWidgetItem:
        count = f"  {step.done}/{step.total}" if step.total and step.name != "handover" else ""
        text = (f"{STATE_MARKS.get(step.state, '')} {number}. {step_title(step.name)}"
                f" — {state_text(step.state)}{count}")
        item = QTreeWidgetItem([text])
        item.setData(0, ACTION_ROLE, step.action if step.state in ("ready", "blocked") else "")
        item.setData(0, DEVICE_ROLE, "")
        item.setForeground(0, QBrush(QColor(STATE_COLOURS.get(step.state, "#111111"))))
        font = item.font(0)
        font.setBold(step.state in ("ready", "blocked"))
        item.setFont(0, font)
        item.setToolTip(0, action_text(step.action))
        for blocker in step.blockers[:50]:
            child = QTreeWidgetItem([blocker_text(blocker)])
            child.setData(0, ACTION_ROLE, blocker.action)
            child.setData(0, DEVICE_ROLE, blocker.device_id or "")
            child.setToolTip(0, action_text(blocker.action))
            item.addChild(child)
        if len(step.blockers) > 50:
            item.addChild(QTreeWidgetItem([QCoreApplication.translate(
                "JobSteps", "…and %1 more").replace("%1", str(len(step.blockers) - 50))]))
        return item

    def line_texts(self) -> list[str]:
        """Every line as shown (steps and their blockers), top to bottom."""
        out: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            out.append(item.text(0))
            out.extend(item.child(j).text(0) for j in range(item.childCount()))
        return out

    def _update_button(self) -> None:
        item = self.tree.currentItem()
        action = str(item.data(0, ACTION_ROLE) or "") if item is not None else ""
        self.do_button.setText(action_text(action) if action else
                               QCoreApplication.translate("JobSteps", "Nothing to do here"))
        self.do_button.setEnabled(bool(action))
        self.detail_label.setText(item.text(0).lstrip("✓▶✕…– ") if item is not None else "")

    def _activate(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        action = str(item.data(0, ACTION_ROLE) or "")
        if action:
            self.action_requested.emit(action, str(item.data(0, DEVICE_ROLE) or ""))
