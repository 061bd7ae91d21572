""""Close and hand over": close the job when the home is ready, then offer to print the sheet.

The work is the application layer's :func:`commissioner.app.handover.hand_over`, run on the
bridge's loop (its own connection to the job store, in a worker thread). A refusal lists every
reason (blocked, unchecked or unprovisioned devices, firmware that is not the latest, no owner
invitation...). On success the job is sealed, the report JSON is written in the data folder
(``reports/<job id>-handover-report.json``) and :class:`HandoverDialog` offers to print the
guidance sheet through Qt's print preview, or to save it as PDF.

The sheet is printed in the GUI's language (Japanese by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commissioner.app.documents import record_printed
from commissioner.app.handover import hand_over, offline_catalog
from commissioner.documents import Blocker, HandoverOutcome
from commissioner.documents.render import RenderableDocument
from commissioner.protocol.catalog_format import Catalog
from ui import i18n
from ui.bridge import AsyncBridge, BridgeNotRunningError
from ui.field_ops import context_for
from ui.resale_texts import blocker_detail

if TYPE_CHECKING:
    from ui.job_service import JobService

__all__ = ["HandoverController", "HandoverDialog", "blocker_text"]


def blocker_text(b: Blocker) -> str:
    """One blocker in the GUI's language (the core's English message as a fallback)."""
    p = dict(b.params)
    dev = p.get("device", b.device_id or "")
    model = p.get("model", "")
    who = f"{dev} ({model})" if model else dev
    templates = {
        "no-devices": QCoreApplication.translate(
            "Handover", "The job has no devices yet: scan and check them first."
        ),
        "not-certified": QCoreApplication.translate(
            "Handover", "%1: not checked by the certified-model gate yet."
        ),
        "blocked": QCoreApplication.translate(
            "Handover", "%1: blocked by the certified-model gate (%2)."
        ),
        "unprovisioned": QCoreApplication.translate("Handover", "%1: not provisioned (%2)."),
        "gateway-auth-failed": QCoreApplication.translate(
            "Handover", "%1: the gateway did not authenticate this device."
        ),
        "firmware-outdated": QCoreApplication.translate(
            "Handover", "%1: not on the latest firmware (%2)."
        ),
        "firmware-unknown": QCoreApplication.translate(
            "Handover", "%1: no record that it runs the latest firmware."
        ),
        "firmware-vulnerable": QCoreApplication.translate(
            "Handover", "%1: runs a firmware version known to be vulnerable."
        ),
        "no-invitation": QCoreApplication.translate(
            "Handover", "No owner invitation has been issued (the sheet needs its QR code)."
        ),
        "audit-broken": QCoreApplication.translate("Handover", "The audit log does not verify: %2"),
        "job-closed": QCoreApplication.translate("Handover", "The job is already closed."),
        "level-below-suggestion": QCoreApplication.translate(
            "Handover", "The service level is below the one suggested for this home (%2): "
            "record the reason or raise the level."
        ),
        "personal-data-present": QCoreApplication.translate(
            "Handover", "%1: the device holds personal data (%2); wipe it before handing over."
        ),
        "wipe-unverified": QCoreApplication.translate(
            "Handover", "%1: not verified as wiped (%2); run Wipe and verify again."
        ),
        "no-catalog": QCoreApplication.translate(
            "Handover", "No verified catalog is available: sync the catalog first."
        ),
    }
    template = templates.get(b.code)
    if template is None:
        return b.message
    detail = p.get("reason") or p.get("verdict") or ""
    detail = blocker_detail(b.code, detail) or detail
    return template.replace("%1", who).replace("%2", detail)


def _catalog_for(service: JobService) -> Catalog | None:
    """The verified offline catalog of the service's site (None when it cannot be used: the
    handover then refuses with "no-catalog")."""
    return offline_catalog(context_for(service), required=False)


class HandoverDialog(QDialog):
    """The outcome: the reasons it was refused, or the sealed job with print / save buttons."""

    printed = Signal(int)  # pages sent to the print system

    def __init__(self, outcome: HandoverOutcome, *, store_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handoverDialog")
        self.outcome = outcome
        self._store_path = store_path
        self.preview: QDialog | None = None
        layout = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("handoverMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.reasons = QListWidget(self)
        self.reasons.setObjectName("handoverReasons")
        self.reasons.setWordWrap(True)
        layout.addWidget(self.reasons)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.print_button: QPushButton | None = None
        self.preview_button: QPushButton | None = None
        self.save_button: QPushButton | None = None
        self.print_dialog: QDialog | None = None
        # Logs each print in the job's audit log (set by the controller; None: not logged).
        self.record_print: Callable[[RenderableDocument, int], object] | None = None
        if outcome.closed:
            self.setWindowTitle(QCoreApplication.translate("Handover", "Home handed over"))
            lines = [
                QCoreApplication.translate(
                    "Handover", "Job %1 is closed and its audit log is sealed."
                ).replace("%1", outcome.job.id),
                QCoreApplication.translate(
                    "Handover", "Sealed hash: %1"
                ).replace("%1", outcome.sealed_hash or ""),
            ]
            if outcome.report_path is not None:
                lines.append(QCoreApplication.translate(
                    "Handover", "Report: %1"
                ).replace("%1", str(outcome.report_path)))
            lines.append(QCoreApplication.translate(
                "Handover", "Print the guidance sheet now and give it to the owner."
            ))
            self.message.setText("\n".join(lines))
            self.reasons.hide()
            self.print_button = self.buttons.addButton(
                QCoreApplication.translate(
                    "Handover", "Print guidance sheet…"
                ), QDialogButtonBox.ButtonRole.ActionRole)
            self.print_button.setObjectName("printSheetButton")
            self.print_button.clicked.connect(self.show_print_dialog)
            self.preview_button = self.buttons.addButton(
                QCoreApplication.translate(
                    "Handover", "Print preview…"
                ), QDialogButtonBox.ButtonRole.ActionRole)
            self.preview_button.setObjectName("sheetPreviewButton")
            self.preview_button.clicked.connect(self.show_print_preview)
            self.save_button = self.buttons.addButton(
                QCoreApplication.translate(
                    "Handover", "Save sheet as PDF…"
                ), QDialogButtonBox.ButtonRole.ActionRole)
            self.save_button.setObjectName("saveSheetButton")
            self.save_button.clicked.connect(self._ask_save_pdf)
        else:
            self.setWindowTitle(QCoreApplication.translate("Handover", "Cannot hand over yet"))
            self.message.setText(QCoreApplication.translate(
                "Handover", "The job stays open. Fix these first:"
            ))
            for b in outcome.blockers:
                self.reasons.addItem(blocker_text(b))
        layout.addWidget(self.buttons)
        self.resize(640, 380)

    @property
    def sheet(self) -> RenderableDocument | None:
        return self.outcome.sheet

    def reason_texts(self) -> list[str]:
        return [self.reasons.item(i).text() for i in range(self.reasons.count())]

    def show_print_preview(self) -> QDialog | None:
        """Qt's print preview of the sheet (non-blocking); printing goes through it."""
        if self.sheet is None:
            return None
        from ui.printing import print_preview_dialog

        dialog = print_preview_dialog(self.sheet, self)
        dialog.setObjectName("sheetPrintPreview")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.preview = dialog
        dialog.open()
        return dialog

    def show_print_dialog(self) -> QDialog | None:
        """The operating system's print dialog (non-blocking); accepting it prints the sheet
        on the printer chosen there (:meth:`print_sheet`)."""
        if self.sheet is None:
            return None
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from ui.printing import page_layout

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout())
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("sheetPrintDialog")
        dialog._printer = printer  # type: ignore[attr-defined]  # kept alive with the dialog
        dialog.accepted.connect(lambda: self.print_sheet(printer))
        self.print_dialog = dialog
        QDialog.open(dialog)  # (QPrintDialog.open wants a slot to call)
        return dialog

    def print_sheet(self, printer: Any = None) -> int:
        """Print the sheet through the operating system's print system (``printer``: a
        QPrinter already set up, else the default printer) and log it (``document.print``,
        later ``document.reprint``). Returns the page count (0: nothing printed)."""
        from ui.printing import print_document

        if self.sheet is None:
            return 0
        try:
            pages = print_document(self.sheet, printer=printer)
        except OSError as err:
            self.message.setText(QCoreApplication.translate(
                "Handover", "The sheet could not be printed: %1").replace("%1", str(err)))
            return 0
        if self.record_print is not None:
            self.record_print(self.sheet, pages)
        self.printed.emit(pages)
        return pages

    def save_pdf(self, path: Path) -> int:
        """Save the sheet as PDF; returns the page count."""
        from ui.printing import render_pdf

        assert self.sheet is not None
        return render_pdf(self.sheet, Path(path)).pages

    def _ask_save_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, QCoreApplication.translate(
                "Handover", "Save sheet as PDF"
            ), f"{self.outcome.job.id}-sheet.pdf", "PDF (*.pdf)")
        if name:
            self.save_pdf(Path(name))


class HandoverController(QObject):
    """The "Close and hand over" action of a main window (``action``) and its dialog."""

    finished = Signal(object)  # HandoverOutcome, or an error message (str)

    def __init__(self, window: QWidget, bridge: AsyncBridge, *, sources: Any = None) -> None:
        super().__init__(window)
        self._window = window
        self._bridge = bridge
        # Where provisioning/firmware facts and the owner invitation come from (None: the job
        # store, see commissioner.documents.facts.StoreSources), and how the verified catalog
        # is loaded (the offline cache). Both replaceable, e.g. by tests.
        self.sources = sources
        self.catalog_loader: Callable[[JobService], Catalog | None] = _catalog_for
        self.busy = False
        self.dialog: HandoverDialog | None = None
        self.action = QAction(window)
        self.action.setObjectName("closeHandoverAction")
        self.action.triggered.connect(self.start)
        self.retranslate()
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self.action.setText(QCoreApplication.translate("Handover", "Close and hand over…"))
        self.action.setToolTip(QCoreApplication.translate(
            "Handover", "Close the job and print the owner's guidance sheet"
        ))

    def _job_and_service(self) -> tuple[str, JobService] | None:
        job = getattr(self._window, "job", None)
        service = getattr(self._window, "service", None)
        if job is None or getattr(job, "job_id", None) is None or service is None:
            return None
        return job.job_id, service

    def start(self) -> bool:
        """Run the close on the bridge; the result arrives as :attr:`finished` and a dialog."""
        found = self._job_and_service()
        if found is None or self.busy:
            return False
        job_id, service = found
        app = QApplication.instance()
        language = i18n.current_language(app) if app is not None else "ja"
        self.busy = True
        self.action.setEnabled(False)

        async def work() -> HandoverOutcome:
            catalog = await asyncio.to_thread(self.catalog_loader, service)
            ctx = await asyncio.to_thread(context_for, service)
            return await hand_over(ctx, job_id, catalog=catalog, language=language,
                                   sources=self.sources)

        try:
            self._bridge.submit(work(), name="close-handover", on_result=self._done,
                                on_error=self._failed)
        except BridgeNotRunningError as err:
            self._failed(str(err))
            return False
        return True

    def _done(self, outcome: object) -> None:
        self.busy = False
        self.action.setEnabled(True)
        assert isinstance(outcome, HandoverOutcome)
        self.dialog = HandoverDialog(outcome, parent=self._window)
        found = self._job_and_service()
        if found is not None:
            service, job_id = found[1], outcome.job.id
            self.dialog.record_print = lambda sheet, pages: record_printed(
                context_for(service), job_id, sheet, pages=pages)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.show()
        refresh = getattr(self._window, "job_closed", None)
        if outcome.closed and callable(refresh):
            refresh(outcome.job)
        self.finished.emit(outcome)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.action.setEnabled(True)
        self.finished.emit(message)
