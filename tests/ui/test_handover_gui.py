"""GUI: "Close and hand over" refuses with the reasons, or closes the job and offers the sheet."""

from __future__ import annotations

import subprocess
from pathlib import Path

from documents_helpers import catalog, make_home, record_firmware, sources
from pytestqt.qtbot import QtBot

from commissioner.jobs.store import JobStore
from ui.bridge import AsyncBridge
from ui.handover import HandoverDialog
from ui.job_service import JobService
from ui.job_summary import JobSummary
from ui.main_window import MainWindow

WAIT_MS = 20_000


def _window(qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, *, outdated: bool) -> MainWindow:
    data = tmp_path / "data"
    store_path = data / "jobs.sqlite3"
    with JobStore.open(store_path) as store:
        home = make_home(store, 6)
        if outdated:
            record_firmware(store, home.job.id, "dev-0002", home.models["dev-0002"], latest=False)
        job = store.get_job(home.job.id)
    service = JobService(store_path, data_dir=data)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.set_job(JobSummary.from_job(job))
    window.handover.sources = sources()
    window.handover.catalog_loader = lambda _service: catalog()
    return window


def _run(qtbot: QtBot, window: MainWindow) -> HandoverDialog:
    with qtbot.waitSignal(window.handover.finished, timeout=WAIT_MS):
        window.handover.action.trigger()
    dialog = window.handover.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_close_refused_with_an_unupdated_device(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str
) -> None:
    del language  # Japanese UI
    window = _window(qtbot, bridge, tmp_path, outdated=True)
    assert window.handover.action in window.file_menu.actions()
    dialog = _run(qtbot, window)
    assert not dialog.outcome.closed
    reasons = dialog.reason_texts()
    assert any("dev-0002" in r and "1.0.0" in r and "1.2.0" in r for r in reasons), reasons
    assert dialog.print_button is None
    with JobStore.open(tmp_path / "data" / "jobs.sqlite3") as store:
        assert store.list_jobs("closed") == []
    dialog.grab().save(str(_shots() / "gui-handover-refused.png"))


def test_close_complete_job_produces_the_sheet(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str
) -> None:
    del language
    window = _window(qtbot, bridge, tmp_path, outdated=False)
    dialog = _run(qtbot, window)
    outcome = dialog.outcome
    assert outcome.closed and outcome.sheet is not None and outcome.sealed_hash
    assert outcome.report_path is not None and outcome.report_path.exists()
    assert dialog.print_button is not None and dialog.print_button.isVisible()
    assert outcome.sealed_hash in dialog.message.text()
    with JobStore.open(tmp_path / "data" / "jobs.sqlite3") as store:
        job = store.get_job(outcome.job.id)
        assert job.status == "closed" and store.verify_audit(job.id).ok
    dialog.grab().save(str(_shots() / "gui-handover-done.png"))
    pdf = tmp_path / "sheet.pdf"
    assert 1 <= dialog.save_pdf(pdf) <= 2 and pdf.stat().st_size > 10_000
    preview = dialog.show_print_preview()
    assert preview is not None
    qtbot.waitUntil(preview.isVisible, timeout=WAIT_MS)
    preview.grab().save(str(_shots() / "gui-print-preview.png"))
    preview.reject()


def _shots() -> Path:
    path = Path("/tmp/shots/docs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_printing_the_sheet_goes_through_the_print_system_and_is_logged(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str
) -> None:
    """The dialog's Print button opens the system's print dialog; what it prints goes through
    ``ui.printing.print_document`` to a QPrinter (here one that writes PDF, as a print queue
    would receive it) and each print is logged after the seal: a print, then a reprint."""
    from PySide6.QtPrintSupport import QPrinter

    del language
    window = _window(qtbot, bridge, tmp_path, outdated=False)
    dialog = _run(qtbot, window)
    assert dialog.outcome.closed and dialog.print_button is not None
    dialog.print_button.click()
    system_dialog = dialog.print_dialog
    assert system_dialog is not None and system_dialog.isVisible()
    system_dialog.reject()
    outputs = []
    for name in ("first.pdf", "again.pdf"):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / name))
        with qtbot.waitSignal(dialog.printed, timeout=WAIT_MS) as sent:
            assert dialog.print_sheet(printer) >= 1
        assert sent.args is not None and sent.args[0] >= 1
        outputs.append(tmp_path / name)
    text = subprocess.run(["pdftotext", "-layout", str(outputs[0]), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "サポート" in text or "お問い合わせ" in text, text[:400]
    info = subprocess.run(["pdfinfo", str(outputs[0])], capture_output=True, text=True,
                          check=True).stdout
    assert ("595.2" in info and "841.8" in info) or "A4" in info, info
    with JobStore.open(tmp_path / "data" / "jobs.sqlite3") as store:
        job_id = dialog.outcome.job.id
        follow = store.followup_steps(job_id)
        assert [s.action for s in follow] == ["document.print", "document.reprint"]
        assert all(s.detail["kind"] == "sheet" and s.detail["pages"] >= 1 for s in follow)
        assert follow[0].detail["sha256"] == dialog.outcome.sheet.sha256()  # type: ignore[union-attr]
        assert store.verify_audit(job_id).ok and store.verify_followup(job_id).ok
