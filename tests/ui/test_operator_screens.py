"""Sign-in and operator screens (issue 16): first run, sign-in with a wrong password, a new
password chosen after a reset, the operators list of an administrator, and an installer refused.
Real keyring, real operator store, offscreen Qt; screenshots in Japanese and English are saved
in $COMMISSIONER_SCREENSHOTS (else the test's temp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import operator_fixtures as of
import pytest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from commissioner.app.context import make_context
from ui import i18n
from ui.operators_dialog import AddOperatorDialog, OperatorsDialog
from ui.signin_dialog import SignInDialog


@pytest.fixture(params=["ja", "en"])
def lang(request: pytest.FixtureRequest, qapp: QApplication, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COMMISSIONER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMMISSIONER_ACCOUNTS_DIR", str(tmp_path))
    i18n.install_language(qapp, request.param)
    with of.fast_kdf():
        yield str(request.param)
    i18n.install_language(qapp, "ja")


def _shot(widget: QWidget, name: str, lang: str, tmp_path: Path) -> Path:
    out = Path(os.environ.get("COMMISSIONER_SCREENSHOTS", tmp_path)) / f"{name}-{lang}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    widget.adjustSize()
    assert widget.grab().save(str(out))
    return out


def test_first_run_then_sign_in(qtbot: QtBot, lang: str, tmp_path: Path) -> None:
    ctx = make_context(data_dir=tmp_path)
    first = SignInDialog(ctx)
    qtbot.addWidget(first)
    first.show()
    assert first.mode == "first-run"
    assert first.windowTitle() == {"ja": "管理者の作成", "en": "Create the administrator"}[lang]
    first.user.setText("admin")
    first.display.setText("山田 管理者")
    first.password.setText(of.ADMIN_PASSWORD)
    first.repeat.setText("something else")
    first.submit()
    assert first.error.isVisible()
    assert first.error.text() == {"ja": "2つのパスワードが一致しません。",
                                  "en": "The two passwords differ."}[lang]
    first.repeat.setText(of.ADMIN_PASSWORD)
    _shot(first, "first-run", lang, tmp_path)
    first.submit()
    assert first.result() == QDialog.DialogCode.Accepted
    assert first.signed_in is not None and first.signed_in.username == "admin"

    again = SignInDialog(ctx)
    qtbot.addWidget(again)
    again.show()
    assert again.mode == "sign-in" and not again.display.isVisible()
    again.user.setText("admin")
    again.password.setText("wrong-password-9")
    again.submit()
    assert again.error.isVisible() and {  # the core's coded refusal, in the UI's language
        "ja": "ユーザー名またはパスワードが違います", "en": "wrong user name or password",
    }[lang] in again.error.text()
    assert {"ja": "大文字と小文字は区別されます", "en": "case-sensitive"}[
        lang] in again.error.text()
    assert again.error.text().startswith({"ja": "サインインできませんでした。",
                                          "en": "Sign-in failed."}[lang])
    _shot(again, "sign-in-failed", lang, tmp_path)
    again.password.setText(of.ADMIN_PASSWORD)
    again.submit()
    assert again.result() == QDialog.DialogCode.Accepted


def test_a_reset_account_chooses_its_own_password(qtbot: QtBot, lang: str,
                                                   tmp_path: Path) -> None:
    admin = of.admin_context(tmp_path)
    OperatorsDialog(admin).add_operator(_filled_add("sato", ["installer"], "initial-pass-1"))
    dialog = SignInDialog(make_context(data_dir=tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user.setText("sato")
    dialog.password.setText("initial-pass-1")
    dialog.submit()
    assert dialog.mode == "new-password" and dialog.repeat.isVisible()
    assert dialog.user.isReadOnly()
    _shot(dialog, "new-password", lang, tmp_path)
    dialog.password.setText("sato-own-password")
    dialog.repeat.setText("sato-own-password")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.signed_in is not None and sorted(dialog.signed_in.roles) == ["installer"]


def _filled_add(user: str, roles: list[str], password: str) -> AddOperatorDialog:
    form = AddOperatorDialog()
    form.user.setText(user)
    form.display.setText({"sato": "佐藤 一郎", "suzuki": "鈴木 花子"}.get(user, user))
    for role, box in form.roles.items():
        box.setChecked(role.value in roles)
    form.password.setText(password)
    return form


def test_administrator_manages_operators_and_an_installer_is_refused(
    qtbot: QtBot, lang: str, tmp_path: Path
) -> None:
    admin = of.admin_context(tmp_path)
    dialog = OperatorsDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.add_operator(_filled_add("sato", ["installer"], "initial-pass-1"))
    assert dialog.add_operator(_filled_add("suzuki", ["support", "technician"],
                                           "initial-pass-2"))
    assert not dialog.add_operator(_filled_add("x", [], "initial-pass-3"))  # no role
    assert {"ja": "少なくとも一つのロールが必要", "en": "at least one role"}[
        lang] in dialog.error.text()
    assert dialog.table.rowCount() == 3
    dialog.table.selectRow(1)  # sato
    assert dialog.selected_user() == "sato"
    assert dialog.toggle_selected()
    item = dialog.table.item(1, 3)
    assert item is not None and item.text() == {"ja": "無効", "en": "Disabled"}[lang]
    roles = dialog.table.item(2, 2)
    assert roles is not None and roles.text() == {
        "ja": "サポート、再販技術者", "en": "Support, Resale technician"}[lang]
    dialog.error.setVisible(False)
    _shot(dialog, "operators", lang, tmp_path)
    signin = SignInDialog(make_context(data_dir=tmp_path))
    qtbot.addWidget(signin)
    signin.user.setText("sato")
    signin.password.setText("initial-pass-1")
    signin.submit()
    assert {"ja": "sato は無効にされています", "en": "sato is disabled"}[
        lang] in signin.error.text()
    assert {"ja": "管理者にアカウントを再び有効に", "en": "Ask an administrator to enable"}[
        lang] in signin.error.text()

    installer = of.add(tmp_path, "tanaka", "installer")
    refused = OperatorsDialog(replace(make_context(data_dir=tmp_path), operator=installer))
    qtbot.addWidget(refused)
    refused.show()
    assert refused.table.rowCount() == 0
    assert {"ja": "tanaka は operators を開始できません", "en": "tanaka may not start operators"}[
        lang] in refused.error.text()
    assert {"ja": "管理者にロール administrator の付与を依頼",
            "en": "Ask an administrator to give you the administrator role"}[
        lang] in refused.error.text()
