""""Update firmware" in the main window: its action, the plan and each device's transfer in the
table, the firmware column's marks and the summary. The work is
:func:`ui.field_ops.update_firmware` on the bridge's loop (the one call site); device addresses
come from the discovery manager's records, not from the table.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QStyle

from commissioner.firmware.plan import PlanAction, PlanItem
from commissioner.firmware.push import Outcome, Phase, UpdateProgress, UpdateResult
from ui import field_ops
from ui.device_table import FirmwareMark
from ui.job_service import Failure
from ui.operation_controller import OperationController
from ui.operation_runner import OperationRunner
from ui.operation_states import (
    FIRMWARE_CANNOT,
    FIRMWARE_OUTCOMES,
    FIRMWARE_PHASES,
    NO_ACCESS_HEADLINE,
    latest_text,
    mib,
    percent,
    translated,
    updated_text,
)
from ui.scan_session import network_addresses

__all__ = ["FirmwareController"]


class FirmwareController(OperationController):
    """The "Update firmware" action (``firmware_action``) of one window."""

    def __init__(self, runner: OperationRunner) -> None:
        super().__init__(runner)
        self._vulnerable_seen: set[str] = set()
        self.firmware_action = self._action("firmwareAction", QStyle.StandardPixmap.SP_ArrowUp)
        self.firmware_action.triggered.connect(self.update_firmware)
        self._window.job_changed.connect(lambda _job: self._vulnerable_seen.clear())
        self._ready()

    def retranslate(self) -> None:
        self.firmware_action.setText(QCoreApplication.translate("Operations", "Update firmware"))
        self.firmware_action.setToolTip(
            QCoreApplication.translate(
                "Operations", "Install the latest signed firmware on every certified device"
            )
        )

    def update_actions(self) -> None:
        runner = self._runner
        self.firmware_action.setEnabled(runner.free and runner.stored_job_id() is not None)

    @property
    def vulnerable_seen(self) -> set[str]:
        """Devices the last firmware plan (or the job's record) found running a
        known-vulnerable version."""
        return set(self._vulnerable_seen)

    def note_vulnerable(self, device_id: str) -> None:
        self._vulnerable_seen.add(device_id)

    def update_firmware(self, *, reboot_timeout: float = field_ops.DEFAULT_REBOOT_TIMEOUT) -> bool:
        runner = self._runner
        service, job_id = runner.service, runner.stored_job_id()
        if runner.busy is not None or service is None or job_id is None or runner.keyring_refused:
            return False
        discovery = self._window.discovery
        self._window.model.clear_operations()
        self._vulnerable_seen.clear()
        runner.start(
            "firmware", QCoreApplication.translate("Operations", "Checking firmware versions…")
        )
        emit = self._progress.emit

        async def run() -> object:
            # On the loop thread, where the discovery manager lives.
            return await field_ops.update_firmware(
                service,
                job_id,
                on_plan=emit,
                on_progress=emit,
                on_result=emit,
                addresses=network_addresses(discovery),
                reboot_timeout=reboot_timeout,
            )

        return runner.submit(run(), "update-firmware", self._done)

    def _state(
        self, device_id: str, status: str, fraction: float | None, text: str, detail: str = ""
    ) -> None:
        self._runner.set_state("firmware", device_id, status, fraction, text, detail)

    def _on_progress(self, event: object) -> None:
        if isinstance(event, UpdateProgress):
            self._transfer(event)
        elif isinstance(event, PlanItem):
            self._plan(event)
        elif isinstance(event, UpdateResult):
            self._result(event)

    def _plan(self, item: PlanItem) -> None:
        model = self._window.model
        if item.current is not None:
            model.set_firmware_mark(
                item.device_id, FirmwareMark(item.current, item.latest, item.vulnerable)
            )
        if item.vulnerable:
            self._vulnerable_seen.add(item.device_id)
        self._runner.job_label.setText(
            QCoreApplication.translate("Operations", "Updating firmware…")
        )
        if item.action is PlanAction.UPDATE:
            self._state(
                item.device_id,
                "running",
                0.0,
                QCoreApplication.translate("Operations", "Waiting: %1 → %2")
                .replace("%1", item.current or "?")
                .replace("%2", item.latest or "?"),
                item.reason,
            )
        elif item.action is PlanAction.CURRENT:
            self._state(item.device_id, "done", 1.0, latest_text(item.current or ""))
        else:
            cannot = FIRMWARE_CANNOT.get(item.action.value)
            self._state(
                item.device_id,
                "failed",
                1.0,
                translated(cannot) if cannot else item.reason,
                item.reason,
            )

    def _transfer(self, p: UpdateProgress) -> None:
        phase = translated(FIRMWARE_PHASES.get(p.phase.value, p.phase.value))
        if p.phase in (Phase.DOWNLOAD, Phase.TRANSFER) and p.bytes_total:
            text = (
                QCoreApplication.translate("Operations", "%1 %2 (%3 / %4 MiB)")
                .replace("%1", phase)
                .replace("%2", percent(p.bytes_done / p.bytes_total))
                .replace("%3", mib(p.bytes_done))
                .replace("%4", mib(p.bytes_total))
            )
        else:
            text = phase + ("" if p.phase is Phase.DONE else "…")
        self._state(p.device_id, "running", p.fraction, text, p.message)

    def _result(self, r: UpdateResult) -> None:
        model = self._window.model
        if r.outcome is Outcome.UPDATED:
            self._state(r.device_id, "done", 1.0, updated_text(r.from_version, r.running_version))
        elif r.outcome is Outcome.CURRENT:
            self._state(r.device_id, "done", 1.0, latest_text(r.running_version or ""))
        else:
            if r.outcome is Outcome.SKIPPED and r.device_id in self._runner.fractions:
                return  # the plan already said why
            headline = FIRMWARE_OUTCOMES.get(r.outcome.value)
            if r.reason_code in (field_ops.NO_ACCESS, "another-home"):
                # Set up already, with credentials this job does not hold: not a retry case.
                headline = NO_ACCESS_HEADLINE
            self._state(
                r.device_id,
                "failed",
                1.0,
                translated(headline) if headline else r.reason,
                r.reason,
            )
        if r.running_version is not None:
            previous = model.firmware_mark(r.device_id)
            latest = previous.latest if previous is not None else r.to_version
            vulnerable = bool(
                previous is not None and previous.vulnerable and r.outcome is not Outcome.UPDATED
            )
            mark = FirmwareMark(r.running_version, latest, vulnerable)
            model.set_firmware_mark(r.device_id, mark)

    def _done(self, result: object) -> None:
        runner = self._runner
        if isinstance(result, Failure):
            headline = QCoreApplication.translate(
                "Operations", "The firmware update could not start."
            )
            runner.fail_to_start("firmware", result, headline)
            return
        assert isinstance(result, field_ops.FirmwareRun)
        for device_id, why in result.failures:
            text = QCoreApplication.translate("Operations", "Cannot update")
            self._state(device_id, "failed", 1.0, text, why)
        runner.set_job_fraction(1.0)
        updated = sum(1 for r in result.results if r.outcome is Outcome.UPDATED)
        latest = sum(1 for r in result.results if r.ok)
        text = (
            QCoreApplication.translate(
                "Operations", "Firmware: %1 updated; %2 of %3 devices run the latest firmware."
            )
            .replace("%1", str(updated))
            .replace("%2", str(latest))
            .replace("%3", str(len(result.results) + len(result.failures)))
        )
        lines = []
        for device_id, why in result.blockers:
            state = self._window.model.operation(device_id)
            lines.append(f"{device_id}: {state.text if state is not None else why}")
        if result.blockers:
            text += "\n" + QCoreApplication.translate(
                "Operations", "These devices keep the job from being closed:"
            )
        runner.finish("firmware", result, text.splitlines()[0], result.ok)
        runner.show_summary(
            QCoreApplication.translate("Operations", "Update firmware"),
            text,
            "\n".join(lines),
            result.ok,
        )
