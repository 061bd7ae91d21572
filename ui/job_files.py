"""New job and open job: the dialogs and the job service calls behind them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QDialog

from commissioner.errors import UserError
from commissioner.jobs.models import Job
from ui.failure_text import failure_text
from ui.job_dialogs import NewJobDialog, OpenJobDialog
from ui.job_service import Failure, JobOpened
from ui.window_host import WindowHost

__all__ = ["JobFilesController"]


class JobFilesController(QObject):
    """Creates and opens jobs for a window; ``on_loaded`` gets each job created or opened."""

    def __init__(self, host: WindowHost, on_loaded: Callable[[JobOpened], object]) -> None:
        super().__init__(host.window())
        self._host = host
        self._on_loaded = on_loaded
        self.new_job_dialog: NewJobDialog | None = None
        self.sealed_job_window: object = None
        self.open_job_dialog: OpenJobDialog | None = None

    def show_new_job_dialog(self) -> NewJobDialog | None:
        if self._host.service is None:
            return None
        dialog = NewJobDialog(self._host.window(), account=self._account())
        dialog.submitted.connect(lambda values: self._create_job(dialog, values))
        dialog.finished.connect(lambda _r: self._forget_dialog("new_job_dialog", dialog))
        self.new_job_dialog = dialog
        dialog.open()
        return dialog

    def _account(self) -> str:
        """The signed-in account the new job will name ("" when nobody is signed in)."""
        service = self._host.service
        try:
            who = service.context.signed_in() if service is not None else None
        except UserError:  # a session that ended: the create itself then says why
            return ""
        if who is None:
            return ""
        name = who.audit_name
        return name if who.display_name in ("", name) else f"{who.display_name} ({name})"

    def _forget_dialog(self, attribute: str, dialog: QDialog) -> None:
        if getattr(self, attribute) is dialog:
            setattr(self, attribute, None)
        dialog.deleteLater()

    def _create_job(self, dialog: NewJobDialog, values: dict[str, str | int]) -> None:
        service = self._host.service
        assert service is not None

        def done(result: object) -> None:
            if isinstance(result, Failure):
                if result.kind == "invalid":
                    dialog.show_failure(result.message)
                else:
                    dialog.show_failure(failure_text(result))
                return
            assert isinstance(result, Job)
            dialog.finish()
            self._on_loaded(JobOpened(result, ()))
            self._host.statusBar().showMessage(
                QCoreApplication.translate("MainWindow", "Job %1 created.").replace(
                    "%1", result.job_number
                ),
                10000,
            )

        self._host.submit(
            service.create_job(
                job_number=str(values["job_number"]),
                site_name=str(values["site_name"]),
                site_address=str(values["site_address"]),
                service_level=int(values["service_level"]),
                operator=str(values["operator"]),
                personal_data=_answer(values.get("personal_data")),
                life_or_property=_answer(values.get("life_or_property")),
                reason=str(values["reason"]) if "reason" in values else None,
            ),
            "create-job",
            done,
            lambda message: dialog.show_failure(message),
        )

    def show_open_job_dialog(self) -> OpenJobDialog | None:
        service = self._host.service
        if service is None:
            return None
        dialog = OpenJobDialog(self._host.window())
        dialog.accepted.connect(lambda: self._open_chosen(dialog))
        dialog.finished.connect(lambda _r: self._forget_dialog("open_job_dialog", dialog))
        self.open_job_dialog = dialog

        def listed(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_failure(result.describe())
            else:
                assert isinstance(result, list)
                dialog.set_jobs(result)

        self._host.submit(service.list_jobs(), "list-jobs", listed, dialog.show_failure)
        dialog.open()
        return dialog

    def _open_chosen(self, dialog: OpenJobDialog) -> None:
        job = dialog.selected_job()
        if job is not None and job.is_closed:
            self.open_sealed_job(job.id)  # handed over: read-only, with "Verify now"
        elif job is not None:
            self.open_job(job.id)

    def open_job(self, ref: str) -> None:
        """Open the job with this id or job number (through the bridge)."""
        service = self._host.service
        if service is None:
            return

        def done(result: object) -> None:
            if isinstance(result, Failure) and result.kind == "closed":
                self.open_sealed_job(ref)  # handed over: read-only, with "Verify now"
                return
            if isinstance(result, Failure):
                self._host.show_error(failure_text(result))
                return
            assert isinstance(result, JobOpened)
            self._on_loaded(result)

        self._host.submit(service.open_job(ref), "open-job", done)

    def open_sealed_job(self, ref: str) -> object:
        """Open a handed-over job read-only (its documents, history and "Verify now")."""
        from ui.sealed_job_view import SealedJobWindow
        from ui.verify_controller import VerifyController

        service = self._host.service
        if service is None:
            return None
        controller = VerifyController(service.context, ref, self._host.submit)
        window = SealedJobWindow(controller, self._host.window())
        self.sealed_job_window = window
        controller.load()
        window.show()
        return window


def _answer(value: object) -> bool | None:
    return None if value is None else bool(value)
