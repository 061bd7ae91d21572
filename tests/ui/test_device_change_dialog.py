"""The remove-or-replace dialog asks for what the application layer needs and nothing is sent
until it is complete: the old device confirmed taken out, a reason, and for a replacement the
new unit's id (offered as soon as a new unit is heard)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.device_change_dialog import MAX_REASON, DeviceChangeDialog


def test_nothing_is_sent_until_the_change_is_complete(qtbot: QtBot, language: str) -> None:
    assert language == "ja"
    dialog = DeviceChangeDialog("kws-cam-1", "偽造の疑い")
    qtbot.addWidget(dialog)
    sent: list[tuple[str, str, str]] = []
    dialog.submitted.connect(lambda *args: sent.append(args))
    assert dialog.windowTitle() == "機器の取り外し・交換"
    assert "kws-cam-1" in dialog.intro.text() and "偽造の疑い" in dialog.intro.text()
    assert dialog.mode == "remove" and not dialog.new_unit.isEnabled()
    assert not dialog.ok_button.isEnabled()
    dialog.reason_edit.setPlainText("偽造品")
    assert not dialog.ok_button.isEnabled()  # not yet confirmed taken out
    dialog.try_submit()
    assert sent == [] and "取り外した" in dialog.status.text()
    dialog.gone_check.setChecked(True)
    dialog.reason_edit.setPlainText("x" * (MAX_REASON + 1))
    dialog.try_submit()
    assert sent == [] and str(MAX_REASON) in dialog.status.text()

    dialog.replace_radio.setChecked(True)
    dialog.reason_edit.setPlainText("正規品に交換")
    assert dialog.new_unit.isEnabled() and not dialog.ok_button.isEnabled()
    dialog.add_candidates(["kws-cam-1", "kws-cam-2"])  # the old one is never offered
    assert [dialog.new_unit.itemText(i) for i in range(dialog.new_unit.count())] == [
        "kws-cam-2"]
    assert dialog.new_device_id() == "kws-cam-2" and dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert sent == [("replace", "正規品に交換", "kws-cam-2")]
    assert not dialog.ok_button.isEnabled() and dialog.reason_edit.isReadOnly()
    dialog.show_failure("まだ応答しています")
    assert dialog.ok_button.isEnabled() and "まだ応答しています" in dialog.status.text()
