"""The new-job dialog asks the guideline's two questions (R2-1/R3-2), suggests the level live,
and needs a reason for a lower one; the job keeps the answers and the reason. Real SQLite
store in a temp dir, real window, no mocks."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from commissioner import paths
from commissioner.jobs.store import JobStore
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow

WAIT_MS = 15000


def test_new_job_dialog_suggests_the_level_and_needs_a_reason_below_it(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    assert language == "ja"
    data = tmp_path / "data"
    service = JobService(paths.default_store_path(data), data_dir=data)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.show()
    window.new_job_action.trigger()
    dialog = window.job_files.new_job_dialog
    assert dialog is not None
    assert dialog.captions["personal_data"].text() == "個人情報を扱いますか？"
    assert "二つの質問" in dialog.suggestion_label.text()

    dialog.job_number_edit.setText("L-1")
    dialog.site_name_edit.setText("つばき邸")
    dialog.site_address_edit.setText("名古屋市")
    # Unanswered questions are refused inline; nothing reaches the store.
    dialog.create_button.click()
    assert dialog.question_errors["personal_data"].isVisible()
    assert dialog.question_errors["life_or_property"].isVisible()

    # No, no: ★★ suggested and chosen, no reason asked.
    dialog.personal_combo.setCurrentIndex(dialog.personal_combo.findData(False))
    dialog.life_combo.setCurrentIndex(dialog.life_combo.findData(False))
    assert dialog.level_combo.currentData() == 2
    assert not dialog.reason_edit.isEnabled()
    # Life or property: yes → ★★★ suggested live, and the level follows.
    dialog.life_combo.setCurrentIndex(dialog.life_combo.findData(True))
    assert dialog.level_combo.currentData() == 3
    assert dialog.suggestion_label.text().startswith("推奨: ★★★")
    # Choosing ★★ anyway asks for the reason before anything is submitted.
    dialog.set_service_level(2)
    assert dialog.reason_edit.isEnabled()
    dialog.create_button.click()
    assert dialog.question_errors["reason"].isVisible()
    assert dialog.question_errors["reason"].text() == (
        "推奨より低いレベルにする理由を入力してください。")
    assert window.job is None

    dialog.reason_edit.setText("施主と合意: 電気錠は連携しない")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    job = window.job
    assert job is not None and job.job_id is not None
    with JobStore.open(service.store_path, create=False) as store:
        stored = store.get_job(job.job_id)
        assert (stored.service_level, stored.personal_data, stored.life_or_property,
                stored.level_reason) == (2, False, True, "施主と合意: 電気錠は連携しない")
        opened = store.steps(stored.id)[0]
        assert opened.detail["life_or_property"] is True
        assert opened.detail["level_reason"] == "施主と合意: 電気錠は連携しない"
