""""Commission home" (provisioning) in the main window: its action, each device's progress in the
table and the summary. The work is :func:`ui.field_ops.commission` on the bridge's loop (the one
call site); device addresses come from the discovery manager's records, not from the table.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QStyle

from commissioner.provisioning.run import ProgressEvent, RunSummary
from ui import field_ops
from ui.device_table import OperationState
from ui.job_service import Failure
from ui.operation_controller import OperationController
from ui.operation_runner import OperationRunner
from ui.operation_states import (
    COMMISSION_ORDER,
    COMMISSION_STEPS,
    commission_action_text,
    failed_text,
    gateway_auth_text,
    reason_and_action,
    translated,
)
from ui.scan_session import network_addresses

__all__ = ["CommissionController"]


class CommissionController(OperationController):
    """The "Commission home" action (``commission_action``) of one window."""

    def __init__(self, runner: OperationRunner) -> None:
        super().__init__(runner)
        self.commission_action = self._action(
            "commissionAction", QStyle.StandardPixmap.SP_DialogSaveButton
        )
        self.commission_action.triggered.connect(self.commission)
        self._ready()

    def retranslate(self) -> None:
        self.commission_action.setText(QCoreApplication.translate("Operations", "Commission home"))
        self.commission_action.setToolTip(
            QCoreApplication.translate(
                "Operations",
                "Give every certified device a unique credential, its own certificate and "
                "access control, and set up the gateway",
            )
        )

    def update_actions(self) -> None:
        runner = self._runner
        self.commission_action.setEnabled(runner.free and runner.stored_job_id() is not None)

    def commission(self) -> bool:
        runner = self._runner
        service, job_id = runner.service, runner.stored_job_id()
        if runner.busy is not None or service is None or job_id is None or runner.keyring_refused:
            return False
        discovery = self._window.discovery
        self._window.model.clear_operations()
        runner.start(
            "commission", QCoreApplication.translate("Operations", "Commissioning the home…")
        )
        emit = self._progress.emit

        async def run() -> object:
            # On the loop thread, where the discovery manager lives.
            addresses = network_addresses(discovery)
            return await field_ops.commission(service, job_id, emit, addresses=addresses)

        return runner.submit(run(), "commission", self._done)

    def _on_progress(self, e: object) -> None:
        assert isinstance(e, ProgressEvent)
        runner = self._runner
        if e.total:
            runner.job_label.setText(
                QCoreApplication.translate(
                    "Operations", "Commissioning the home: %1 of %2 devices finished"
                )
                .replace("%1", str(e.finished))
                .replace("%2", str(e.total))
            )
            runner.set_job_fraction(e.finished / e.total)
        if e.device_id in ("", "-"):
            return
        step = e.step
        name = COMMISSION_STEPS.get(step)
        step_text = translated(name) if name is not None else step
        model = self._window.model
        current = model.operation(e.device_id)
        fraction = current.fraction if current is not None else 0.0
        if step in COMMISSION_ORDER:
            position = COMMISSION_ORDER.index(step) + (1 if e.status == "done" else 0.5)
            fraction = position / (len(COMMISSION_ORDER) + 1)
        if e.status == "provisioned":
            text = QCoreApplication.translate("Operations", "Provisioned")
            model.set_operation(e.device_id, OperationState("commission", "running", 0.95, text))
        elif e.status == "failed":
            model.set_operation(
                e.device_id,
                OperationState("commission", "failed", 1.0, failed_text(step_text), e.message),
            )
        elif e.status == "skipped":
            if current is None or current.status != "done":
                text = QCoreApplication.translate("Operations", "Skipped")
                model.set_operation(
                    e.device_id, OperationState("commission", "skipped", 0.0, text, e.message)
                )
        elif e.status == "retry":
            text = QCoreApplication.translate("Operations", "%1: retrying…").replace(
                "%1", step_text
            )
            model.set_operation(
                e.device_id, OperationState("commission", "running", fraction, text, e.message)
            )
        elif e.status in ("started", "done"):
            if current is not None and current.status in ("failed", "done"):
                return
            model.set_operation(
                e.device_id, OperationState("commission", "running", fraction, step_text + "…")
            )

    def _done(self, result: object) -> None:
        runner = self._runner
        if isinstance(result, Failure):
            headline = QCoreApplication.translate("Operations", "Commissioning could not start.")
            runner.fail_to_start("commission", result, headline)
            return
        assert isinstance(result, RunSummary)
        model = self._window.model
        lines: list[str] = []
        for o in result.outcomes:
            if o.status == "provisioned":
                text = QCoreApplication.translate("Operations", "Provisioned")
                auth = gateway_auth_text(o.gateway_authenticated)
                state = OperationState("commission", "done", 1.0, text, auth)
                model.set_operation(o.device_id, state)
            elif o.status == "blocked":
                text = QCoreApplication.translate("Operations", "Not provisioned (not certified)")
                model.set_operation(
                    o.device_id,
                    OperationState("commission", "skipped", 0.0, text, o.reason or ""),
                )
            else:
                action = commission_action_text(o.reason_code, o.action)
                reason = o.reason or o.reason_code or ""
                model.set_operation(
                    o.device_id,
                    OperationState(
                        "commission",
                        "failed",
                        1.0,
                        failed_text(reason),
                        reason_and_action(reason, action),
                    ),
                )
                lines.append(f"{o.device_id}: {reason}" + (f"\n  → {action}" if action else ""))
        runner.set_job_fraction(1.0)
        text = (
            QCoreApplication.translate(
                "Operations",
                "Commissioning finished: %1 provisioned, %2 failed, %3 not certified (%4 s).",
            )
            .replace("%1", str(result.count("provisioned")))
            .replace("%2", str(result.count("failed")))
            .replace("%3", str(result.count("blocked")))
            .replace("%4", f"{result.elapsed_s:.1f}")
        )
        if result.ok and result.owner_invitation_id:
            text += "\n" + QCoreApplication.translate(
                "Operations", "The owner invitation is ready for the guidance sheet."
            )
        runner.finish("commission", result, text.splitlines()[0], result.ok)
        runner.show_summary(
            QCoreApplication.translate("Operations", "Commission home"),
            text,
            "\n".join(lines),
            result.ok,
        )
