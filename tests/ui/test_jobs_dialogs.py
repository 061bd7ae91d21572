"""Jobs in the GUI: new-job dialog, open-job dialog, --job/--data-dir, discovery recorded into
the open job. Real SQLite store in a temp dir, real zeroconf on 127.0.0.1, no mocks."""

from __future__ import annotations

from pathlib import Path

from gui_testing import FIVE_DEVICES, LoopbackDevices
from pytestqt.qtbot import QtBot

from commissioner import paths
from commissioner.jobs.store import JobStore
from commissioner.protocol.advertisement import build_txt
from ui import app as gui_app
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState
from ui.sealed_job_view import SealedJobWindow

WAIT_MS = 15000


def _service(tmp_path: Path) -> JobService:
    data = tmp_path / "data"
    return JobService(paths.default_store_path(data), data_dir=data)


def _window(qtbot: QtBot, bridge: AsyncBridge, service: JobService, **kw: object) -> MainWindow:
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    return window


def test_new_job_dialog_validates_inline_and_creates_the_job(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    assert language == "ja"
    service = _service(tmp_path)
    window = _window(qtbot, bridge, service)
    assert window.job_box.no_job_label.isVisible()
    assert window.new_job_action.text() == "新規作業(&N)…"
    assert not window.gate.certify_action.isEnabled()  # nothing to check without a job

    window.new_job_action.trigger()
    dialog = window.job_files.new_job_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "新規作業"

    # Empty fields: inline errors, nothing submitted.
    dialog.create_button.click()
    assert dialog.errors["job_number"].isVisible()
    assert dialog.errors["job_number"].text() == "作業番号を入力してください。"
    # The job names the signed-in account (conftest: `tester`): shown, not typed.
    assert dialog.operator_value.text() == "tester"
    assert dialog.captions["operator"].text() == "担当者:"
    assert not hasattr(dialog, "operator_edit") and "operator" not in dialog.errors
    # A job number that looks like a job id is refused before it reaches the store.
    dialog.job_number_edit.setText("J12345678")
    dialog.create_button.click()
    assert "作業ID" in dialog.errors["job_number"].text()

    dialog.job_number_edit.setText("2026-0412")
    dialog.site_name_edit.setText("さくら邸")
    dialog.site_address_edit.setText("東京都千代田区千代田1-1")
    dialog.personal_combo.setCurrentIndex(dialog.personal_combo.findData(True))
    dialog.life_combo.setCurrentIndex(dialog.life_combo.findData(False))
    dialog.set_service_level(3)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.job_files.new_job_dialog is None, timeout=WAIT_MS)

    job = window.job
    assert job is not None and job.job_id is not None
    assert window.job_box.job_number_value.text() == "2026-0412"
    assert window.job_box.site_value.text() == "さくら邸"
    assert window.job_box.address_value.text() == "東京都千代田区千代田1-1"
    assert window.job_box.level_value.text() == "★★★"
    # the job names the signed-in account (conftest: `tester`)
    assert window.job_box.operator_value.text() == "tester"
    assert window.gate.certify_action.isEnabled() and window.gate.label_entry.isEnabled()
    # The job is committed in the store before the window shows it.
    with JobStore.open(service.store_path, create=False) as store:
        stored = store.get_job(job.job_id)
        assert (stored.job_number, stored.site_name, stored.service_level) == (
            "2026-0412", "さくら邸", 3
        )
        assert [s.action for s in store.steps(stored.id)] == ["job.open"]

    # The same job number again: the store refuses; the dialog says so next to the field.
    window.new_job_action.trigger()
    again = window.job_files.new_job_dialog
    assert again is not None
    assert again.operator_value.text() == "tester"  # still the signed-in account
    again.job_number_edit.setText("2026-0412")
    again.site_name_edit.setText("別邸")
    again.site_address_edit.setText("大阪府")
    again.personal_combo.setCurrentIndex(again.personal_combo.findData(False))
    again.life_combo.setCurrentIndex(again.life_combo.findData(False))
    again.create_button.click()
    qtbot.waitUntil(lambda: again.errors["job_number"].isVisible(), timeout=WAIT_MS)
    assert again.errors["job_number"].text() == "この作業番号はすでに使われています。"
    assert again.isVisible() and again.create_button.isEnabled()
    again.reject()
    with JobStore.open(service.store_path, create=False) as store:
        assert len(store.list_jobs()) == 1


def test_open_job_dialog_lists_open_jobs_and_opens_one(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    del language
    service = _service(tmp_path)
    with JobStore.open(service.store_path) as store:
        first = store.create_job(job_number="A-1", site_name="青木邸", site_address="横浜市",
                                 service_level=2, operator="田中")
        store.create_job(job_number="B-2", site_name="坂本邸", site_address="川崎市",
                         service_level=3, operator="田中")
        closed = store.create_job(job_number="C-3", site_name="完了邸", site_address="東京都",
                                  service_level=2, operator="田中")
        store.close_job(closed.id)
    window = _window(qtbot, bridge, service)
    window.open_job_action.trigger()
    dialog = window.job_files.open_job_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT_MS)
    status = {dialog.table.item(r, 0).text(): dialog.table.item(r, 5).text() for r in range(3)}
    # Handed-over jobs are offered too, marked as opening read-only.
    assert status == {"A-1": "進行中", "B-2": "進行中", "C-3": "引き渡し済み（閲覧のみ）"}
    row = next(r for r in range(3) if dialog.table.item(r, 0).text() == "A-1")
    dialog.table.selectRow(row)
    assert dialog.open_button.text() == "開く"
    dialog.open_button.click()
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    assert window.job is not None and window.job.job_id == first.id
    panel = window.job_box
    assert panel.site_value.text() == "青木邸" and panel.level_value.text() == "★★"

    # Opening a job that does not exist reports it instead of failing silently.
    window.open_job("NO-SUCH-JOB")
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(),
                    timeout=WAIT_MS)
    assert "その作業はありません" in window.error_box.text()  # type: ignore[union-attr]
    assert window.job is not None and window.job.job_id == first.id


def test_devices_discovered_while_a_job_is_open_are_recorded(
    qtbot: QtBot, bridge: AsyncBridge, loopback_devices: LoopbackDevices, tmp_path: Path
) -> None:
    service = _service(tmp_path)
    with JobStore.open(service.store_path) as store:
        job = store.create_job(job_number="R-1", site_name="記録邸", site_address="札幌市",
                               service_level=2, operator="鈴木")
    loopback_devices.register({n: dict(build_txt(a)) for n, a in FIVE_DEVICES.items()})
    window = MainWindow(
        bridge, mdns_interfaces=["127.0.0.1"], service=service,
        mdns_service_type=loopback_devices.service_type,
    )
    qtbot.addWidget(window)
    window.open_job("R-1")  # by job number
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    window.start_scan()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.device_count == 5, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.recording_idle, timeout=WAIT_MS)
    expected = {a.device_id for a in FIVE_DEVICES.values()}

    def recorded() -> set[str]:
        with JobStore.open(service.store_path, create=False) as store:
            return {d.device_id for d in store.devices(job.id)}

    qtbot.waitUntil(lambda: recorded() == expected, timeout=WAIT_MS)
    with JobStore.open(service.store_path, create=False) as store:
        seen = [s for s in store.steps(job.id) if s.action == "discovery.seen"]
        assert sorted(str(s.device_id) for s in seen) == sorted(expected)  # once each
        lock = next(d for d in store.devices(job.id) if d.device_id == "lock-front")
        assert lock.manufacturer == "Kagi Co" and lock.state == "commissioned"
        assert store.verify_audit(job.id).ok
    window.stop_scan()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)


def test_app_options_job_and_data_dir(tmp_path: Path) -> None:
    args = gui_app.build_parser().parse_args(["--data-dir", str(tmp_path), "--job", "A-1"])
    assert args.data_dir == tmp_path and args.job == "A-1"


def test_open_job_dialog_opens_a_handed_over_job_read_only(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    del language
    service = _service(tmp_path)
    with JobStore.open(service.store_path) as store:
        store.create_job(job_number="A-1", site_name="青木邸", site_address="横浜市",
                         service_level=2, operator="田中")
        closed = store.create_job(job_number="C-3", site_name="完了邸", site_address="東京都",
                                  service_level=2, operator="田中")
        store.close_job(closed.id)
        steps_before = [s.action for s in store.steps(closed.id)]
    window = _window(qtbot, bridge, service)
    window.open_job_action.trigger()
    dialog = window.job_files.open_job_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    row = next(r for r in range(2) if dialog.table.item(r, 0).text() == "C-3")
    dialog.table.selectRow(row)
    assert dialog.open_button.text() == "閲覧のみで開く" and dialog.open_button.isEnabled()
    dialog.open_button.click()
    qtbot.waitUntil(lambda: isinstance(window.job_files.sealed_job_window, SealedJobWindow),
                    timeout=WAIT_MS)
    view = window.job_files.sealed_job_window
    assert isinstance(view, SealedJobWindow)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.view is not None, timeout=WAIT_MS)
    assert view.windowTitle() == "引き渡し済みの作業（閲覧のみ）"
    assert "C-3" in view.header.text() and "完了邸" in view.header.text()
    assert window.job is None  # not loaded into the work view: nothing can change it there
    history = [view.history.item(i).text() for i in range(view.history.count())]
    assert any("job.close" in h for h in history)
    with JobStore.open(service.store_path, create=False) as store:
        assert store.get_job(closed.id).is_closed
        assert [s.action for s in store.steps(closed.id)] == steps_before  # nothing written
