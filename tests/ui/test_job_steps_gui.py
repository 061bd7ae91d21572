"""The guided job page: View > Job steps (F2) shows the open job's steps in order with their
state and blockers, in Japanese or English; Up/Down and Enter run the window's action for the
selected line; the window with the page open still fits a 1366×768 laptop."""

from __future__ import annotations

from pathlib import Path

from documents_helpers import make_home
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from commissioner.app.job_steps import JobSteps
from commissioner.jobs.store import JobStore
from ui import i18n
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.job_summary import JobSummary
from ui.main_window import MainWindow

WAIT_MS = 20_000
SHOTS = Path("/tmp/shots/gui")
# 1366×768 less a 40 px taskbar and a 38 px title bar
LAPTOP = (1366, 768 - 40 - 38)


def _window(qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path) -> MainWindow:
    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as store:
        home = make_home(store, 6, blocked=["dev-0003"], provisioned=False)
        job = store.get_job(home.job.id)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"],
                        service=JobService(data / "jobs.sqlite3", data_dir=data))
    qtbot.addWidget(window)
    window.resize(*LAPTOP)
    window.show()
    window.set_job(JobSummary.from_job(job))
    return window


def _open_page(qtbot: QtBot, window: MainWindow) -> JobSteps:
    steps = window.job_steps
    with qtbot.waitSignal(steps.refreshed, timeout=WAIT_MS) as shown:
        assert steps.toggle_action.shortcut().toString() == "F2"
        steps.toggle_action.trigger()
    assert steps.dock.isVisible()
    result = shown.args[0] if shown.args else None
    assert isinstance(result, JobSteps)
    return result


def test_job_steps_page_guides_and_runs_actions_from_the_keyboard(
    qtbot: QtBot, bridge: AsyncBridge, tmp_path: Path, language: str, qapp: QApplication,
) -> None:
    assert language == "ja"
    window = _window(qtbot, bridge, tmp_path)
    result = _open_page(qtbot, window)
    page = window.job_steps.page
    assert result.current is not None and result.current.name == "check"
    lines = page.line_texts()
    assert lines[0].startswith("✓ 1.") and "完了" in lines[0]
    assert "2." in lines[1] and "ブロック" in lines[1]
    assert any("dev-0003" in line for line in lines)
    assert "次に行うこと" in page.next_label.text() or "次" in page.next_label.text()
    # Everything on the page is Japanese apart from ids and numbers.
    for line in [*lines, page.next_label.text(), page.do_button.text()]:
        ascii_words = [w for w in line.replace("/", " ").split() if w.isascii() and
                       w.isalpha() and len(w) > 2]
        assert not ascii_words, line
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(300)
    window.grab().save(str(SHOTS / "gui-job-steps-ja.png"))

    # The keyboard: the current step is selected; Down moves to its blocker, Enter runs it.
    done: list[tuple[str, str]] = []
    for action in ("remove-or-replace", "check", "scan-label"):
        window.job_steps.actions[action] = lambda d, a=action: done.append((a, d))
    tree = page.tree
    tree.setFocus()
    assert tree.currentItem() is tree.topLevelItem(1)
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    assert "dev-0003" in tree.currentItem().text(0)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert done == [("remove-or-replace", "dev-0003")]
    assert window.selected_key() == ("device", "dev-0003") or window.model.row_of(
        "dev-0003") < 0  # selected when listed (no scan ran here)
    qtbot.keyClick(tree, Qt.Key.Key_Up)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert done[-1] == ("check", "")
    assert page.do_button.isEnabled()

    # Fits a 1366×768 laptop: the page and the device table side by side, nothing clipped.
    assert window.width() <= LAPTOP[0] and window.height() <= LAPTOP[1]
    assert window.minimumSizeHint().width() <= LAPTOP[0]
    assert window.minimumSizeHint().height() <= LAPTOP[1]
    dock = window.job_steps.dock
    assert dock.geometry().right() < window.table.mapTo(window, window.table.rect().topLeft()).x()
    assert window.table.width() >= 600
    assert page.do_button.isVisible() and page.tree.height() >= 200

    i18n.install_language(qapp, "en")
    qtbot.waitUntil(lambda: "Done" in page.line_texts()[0], timeout=WAIT_MS)
    assert "Blocked" in page.line_texts()[1]
    qtbot.wait(300)  # the layouts follow the new texts
    window.grab().save(str(SHOTS / "gui-job-steps-en.png"))
