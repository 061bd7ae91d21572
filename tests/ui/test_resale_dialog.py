"""The "New resale job" dialog in the GUI: with no handed-over job it offers the no-record
path and asks for the site; a bad job bundle is refused with the reason and nothing is stored;
the resale job is created in the store, linked to discovery, and opened in the window."""

from __future__ import annotations

from pathlib import Path

import keyring_fixtures
from pytestqt.qtbot import QtBot

from commissioner import paths
from commissioner.app.resale import resale_link
from commissioner.jobs.store import JobStore
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
WAIT_MS = 20_000


def test_resale_job_without_record_and_a_refused_bundle(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    data = tmp_path / "data"
    service = JobService(paths.default_store_path(data), data_dir=data)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    resale = window.resale
    assert resale.new_resale_action.text() == "新規再販ジョブ…"
    assert not resale.wipe_action.isEnabled()
    dialog = resale.show_resale_dialog()
    assert dialog is not None
    qtbot.waitUntil(dialog.no_record_radio.isChecked, timeout=WAIT_MS)  # nothing handed over

    dialog.job_number_edit.setText("R-1")
    dialog.operator_edit.setText("田中")
    dialog.try_submit()
    assert dialog.error.text() == "記録がない場合は、現場名と住所を入力してください。"

    bundle, card = tmp_path / "x.bundle", tmp_path / "card.pem"
    bundle.write_bytes(b"\x00\xffnot json")
    card.write_text("not a card", encoding="utf-8")
    with qtbot.waitSignal(resale.bundle_imported, timeout=WAIT_MS):
        assert resale.import_bundle(bundle, card)
    assert dialog.import_status.text().startswith("バンドルは取り込まれませんでした")
    assert dialog.table.rowCount() == 0

    dialog.site_name_edit.setText("見本邸")
    dialog.site_address_edit.setText("東京都港区1-1")
    with qtbot.waitSignal(resale.resale_started, timeout=WAIT_MS):
        dialog.try_submit()
    qtbot.waitUntil(lambda: window.job is not None and window.job.job_number == "R-1",
                    timeout=WAIT_MS)
    assert resale.wipe_action.isEnabled() and resale.certificate_action.isEnabled()
    assert window.job is not None and window.job.job_id is not None
    with JobStore.open(data / "jobs.sqlite3") as store:
        link = resale_link(store, window.job.job_id)
    assert link is not None and link.source == "discovery" and link.from_job is None

    window.set_language("en")
    qtbot.waitUntil(lambda: resale.wipe_action.text() == "Wipe and verify", timeout=WAIT_MS)
    window.set_language("ja")
