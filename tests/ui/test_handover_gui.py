"""GUI: "Close and hand over" refuses with the reasons, or closes the job and offers the sheet."""

from __future__ import annotations

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
