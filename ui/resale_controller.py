"""Resale in the main window: "New resale job…" (from a handed-over job on this laptop, from an
imported job bundle, or with no record), "Wipe and verify" with each device's progress in the
table and the reset-button prompts, and "Wipe certificate…" to print or save it.

After the wipe the technician goes on with the actions every job has: check the devices,
update the firmware, commission the home for the new owner, then close and hand over (which
prints the new owner's guidance sheet). The work is :mod:`ui.resale_ops` on the bridge's loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QApplication, QStyle

from commissioner.app.events import Event
from ui import i18n, resale_ops
from ui.job_service import Failure
from ui.operation_controller import OperationController
from ui.operation_runner import OperationRunner
from ui.resale_dialogs import ResaleJobDialog, ResetPromptDialog, WipeCertificateDialog
from ui.resale_texts import method_text, problem_text

__all__ = ["ResaleController"]

# Where a device is in the wipe: the fraction of its bar for each progress code.
_STEPS = {"wipe.before": 0.2, "wipe.erased": 0.6, "wipe.reset-seen": 0.6, "wipe.checked": 0.9}


class ResaleController(OperationController):
    """The actions ``new_resale_action``, ``wipe_action`` and ``certificate_action``."""

    resale_started = Signal(object)  # ResaleStarted | Failure
    bundle_imported = Signal(object)  # ImportOutcome | Failure
    certificate_ready = Signal(object)  # WipeCertificate | Failure

    def __init__(self, runner: OperationRunner, open_job: Callable[[str], object]) -> None:
        super().__init__(runner)
        self._open_job = open_job
        self.dialog: ResaleJobDialog | None = None
        self.certificate_dialog: WipeCertificateDialog | None = None
        self.prompt = ResetPromptDialog(self._top)
        self.reset_timeout = resale_ops.DEFAULT_RESET_TIMEOUT
        self._total = 0
        self.new_resale_action = self._action(
            "newResaleJobAction", QStyle.StandardPixmap.SP_BrowserReload
        )
        self.new_resale_action.triggered.connect(self.show_resale_dialog)
        self.wipe_action = self._action("wipeAction", QStyle.StandardPixmap.SP_TrashIcon)
        self.wipe_action.triggered.connect(self.wipe)
        self.certificate_action = self._action(
            "wipeCertificateAction", QStyle.StandardPixmap.SP_FileDialogDetailedView
        )
        self.certificate_action.triggered.connect(self.show_certificate)
        self._ready()

    def retranslate(self) -> None:
        self.new_resale_action.setText(QCoreApplication.translate("Resale", "New resale job…"))
        self.new_resale_action.setToolTip(
            QCoreApplication.translate(
                "Resale", "Start a job that wipes a handed-over home for its next owner"
            )
        )
        self.wipe_action.setText(QCoreApplication.translate("Resale", "Wipe and verify"))
        self.wipe_action.setToolTip(
            QCoreApplication.translate(
                "Resale",
                "Erase the previous owner's data and credentials on every device and the gateway, "
                "then ask each device to prove it",
            )
        )
        self.certificate_action.setText(QCoreApplication.translate("Resale", "Wipe certificate…"))
        self.certificate_action.setToolTip(
            QCoreApplication.translate(
                "Resale", "Show, print or save the wipe certificate of this resale job"
            )
        )

    def update_actions(self) -> None:
        runner = self._runner
        has_job = runner.stored_job_id() is not None
        self.new_resale_action.setEnabled(runner.service is not None and runner.busy is None)
        self.wipe_action.setEnabled(runner.free and has_job)
        self.certificate_action.setEnabled(runner.service is not None and has_job)

    # -- the resale job --------------------------------------------------------------------
    def show_resale_dialog(self) -> ResaleJobDialog | None:
        service = self._runner.service
        if service is None:
            return None
        job = self._window.job
        dialog = ResaleJobDialog(self._top, operator=job.operator if job is not None else "")
        dialog.submitted.connect(self._start)
        dialog.import_requested.connect(self.import_bundle)
        self.dialog = dialog
        self._list_jobs()
        dialog.open()
        return dialog

    def _list_jobs(self, select: str | None = None) -> None:
        service, dialog = self._runner.service, self.dialog
        assert service is not None and dialog is not None

        def listed(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(self._window.failure_text(result))
            else:
                assert isinstance(result, list)
                dialog.set_jobs(result, select=select)

        self._runner.submit(resale_ops.sealed_jobs(service), "list-sealed-jobs", listed)

    def import_bundle(self, bundle: Path, sender: Path) -> bool:
        """Import the previous job from a bundle (checked against the sender's card)."""
        service, dialog = self._runner.service, self.dialog
        if service is None or dialog is None:
            return False
        operator = dialog.operator_edit.text().strip()

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_import(
                    QCoreApplication.translate("Resale", "The bundle was not imported: %1").replace(
                        "%1", result.describe()
                    ),
                    False,
                )
            else:
                assert isinstance(result, resale_ops.ImportOutcome)
                dialog.show_import(
                    QCoreApplication.translate("Resale", "Imported job %1 (sealed %2…).")
                    .replace("%1", result.job_number)
                    .replace("%2", result.sealed_hash[:16]),
                    True,
                )
                self._list_jobs(select=result.job_id)
            self.bundle_imported.emit(result)

        return self._runner.submit(
            resale_ops.import_job_bundle(service, bundle, sender, operator), "import-bundle", done
        )

    def _start(self, values: dict[str, object]) -> None:
        service, dialog = self._runner.service, self.dialog
        assert service is not None and dialog is not None

        def done(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(result.describe())
            else:
                assert isinstance(result, resale_ops.ResaleStarted)
                dialog.finish()
                self._open_job(result.job.id)
                self._runner.show_status(
                    QCoreApplication.translate("Resale", "Resale job %1 started.").replace(
                        "%1", result.job.job_number
                    ),
                    10000,
                )
            self.resale_started.emit(result)

        self._runner.submit(
            resale_ops.start_resale(service, **values),  # type: ignore[arg-type]
            "start-resale",
            done,
        )

    # -- wipe ------------------------------------------------------------------------------
    def wipe(self) -> bool:
        runner = self._runner
        service, job_id = runner.service, runner.stored_job_id()
        if runner.busy is not None or service is None or job_id is None or runner.keyring_refused:
            return False
        self._window.model.clear_operations()
        self.prompt.clear()
        runner.start(
            "wipe", QCoreApplication.translate("Resale", "Wiping the home: finding the devices…")
        )
        return runner.submit(
            resale_ops.wipe(service, job_id, self._progress.emit, reset_timeout=self.reset_timeout),
            "wipe",
            self._done,
        )

    def _on_progress(self, event: object) -> None:
        assert isinstance(event, Event)
        runner, device = self._runner, event.device_id
        if event.code == "wipe.plan":
            self._total = int(str(event.params.get("devices", 0)))
            runner.job_label.setText(
                QCoreApplication.translate("Resale", "Wiping %1 devices…").replace(
                    "%1", str(event.params.get("devices", 0))
                )
            )
            return
        if event.code == "wipe.checked" and event.fraction is not None and self._total:
            runner.job_label.setText(
                QCoreApplication.translate("Resale", "Wiping the home: %1 of %2 devices checked")
                .replace("%1", str(round(event.fraction * self._total)))
                .replace("%2", str(self._total))
            )
        if device is None:
            return
        code = event.code
        if code == "wipe.press-reset":
            self.prompt.add(device, event.params)
            runner.set_state(
                "wipe",
                device,
                "running",
                0.3,
                QCoreApplication.translate("Resale", "Press its reset button…"),
                QCoreApplication.translate(
                    "Resale", "Waiting until the device reports factory state"
                ),
            )
        elif code == "wipe.session-refused":
            runner.set_state(
                "wipe",
                device,
                "running",
                0.25,
                QCoreApplication.translate("Resale", "Refused the previous home's credentials"),
                str(event.params.get("reason", "")),
            )
        elif code == "wipe.before":
            items = str(event.params.get("items", 0))
            runner.set_state(
                "wipe",
                device,
                "running",
                _STEPS[code],
                QCoreApplication.translate("Resale", "Read: %1 items of personal data").replace(
                    "%1", items
                ),
            )
        elif code in ("wipe.erased", "wipe.reset-seen"):
            if code == "wipe.reset-seen":
                self.prompt.resolve(device)
            runner.set_state(
                "wipe",
                device,
                "running",
                _STEPS[code],
                QCoreApplication.translate("Resale", "Erased; verifying…"),
            )
        elif code == "wipe.checked":
            runner.set_state(
                "wipe",
                device,
                "running",
                _STEPS[code],
                QCoreApplication.translate("Resale", "Verifying…"),
            )

    def _done(self, result: object) -> None:
        runner = self._runner
        self.prompt.clear()
        if isinstance(result, Failure):
            runner.fail_to_start(
                "wipe", result, QCoreApplication.translate("Resale", "The wipe could not start.")
            )
            return
        assert isinstance(result, resale_ops.WipeOutcome)
        lines: list[str] = []
        for d in result.devices:
            if d.verified:
                runner.set_state(
                    "wipe",
                    d.device_id,
                    "done",
                    1.0,
                    QCoreApplication.translate("Resale", "Wiped and verified"),
                    method_text(d.method),
                )
            else:
                why = "; ".join(problem_text(p) for p in d.problems)
                runner.set_state(
                    "wipe",
                    d.device_id,
                    "failed",
                    1.0,
                    QCoreApplication.translate("Resale", "Not verified"),
                    why,
                )
                lines.append(f"{d.device_id}: {why}")
        runner.set_job_fraction(1.0)
        bad = len(result.unverified)
        text = (
            QCoreApplication.translate("Resale", "Wipe finished: %1 verified, %2 not verified.")
            .replace("%1", str(len(result.devices) - bad))
            .replace("%2", str(bad))
        )
        if bad:
            lines.append(
                QCoreApplication.translate(
                    "Resale",
                    "Run Wipe and verify again once these devices are back; the job "
                    "cannot be closed meanwhile.",
                )
            )
        else:
            lines.append(
                QCoreApplication.translate(
                    "Resale",
                    "Next: check the devices, update the firmware, commission the home "
                    "for the new owner, then close and hand over.",
                )
            )
        runner.finish("wipe", result, text, not bad)
        runner.show_summary(
            QCoreApplication.translate("Resale", "Wipe and verify"), text, "\n".join(lines), not bad
        )

    # -- certificate -----------------------------------------------------------------------
    def show_certificate(self) -> bool:
        service, job_id = self._runner.service, self._runner.stored_job_id()
        if service is None or job_id is None:
            return False
        app = QApplication.instance()
        language = i18n.current_language(app) if app is not None else "ja"

        def done(result: object) -> None:
            if isinstance(result, Failure):
                self._window.show_error(self._window.failure_text(result))
            else:
                dialog = WipeCertificateDialog(result, language, self._top)
                self.certificate_dialog = dialog
                dialog.show()
            self.certificate_ready.emit(result)

        return self._runner.submit(
            resale_ops.certificate(service, job_id), "wipe-certificate", done
        )
