"""Sign-in window: the first administrator on a first run, then the operator's sign-in, and a
new password when the account must choose one. A thin face over commissioner.app.operators.

The window is modal and shown before the main window at a field site (a training site signs
its trainee in without a password; the main window says so). A cancelled sign-in ends the app.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, Literal

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from commissioner.app import operators
from commissioner.app.context import AppContext
from commissioner.errors import UserError
from commissioner.operators.signed_in import SignedIn
from ui.i18n import user_error_text

ERROR_STYLE: Final = "color: #a1140a;"
Mode = Literal["first-run", "sign-in", "new-password"]

def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    del context
    return text


# Every string of this window, marked for lupdate (the code builds some of them).
_STRINGS: Final = (
    QT_TRANSLATE_NOOP("SignInDialog", "Create the administrator"),
    QT_TRANSLATE_NOOP("SignInDialog", "Sign in"),
    QT_TRANSLATE_NOOP("SignInDialog", "Choose a new password"),
    QT_TRANSLATE_NOOP("SignInDialog", "This is the first start on this computer. Create the administrator account: the administrator adds the installers, resale technicians and support staff."),  # noqa: E501
    QT_TRANSLATE_NOOP("SignInDialog", "Sign in with your operator account. Every step you take is recorded under your name."),  # noqa: E501
    QT_TRANSLATE_NOOP("SignInDialog", "Your password was set by an administrator. Choose your own password (at least 10 characters)."),  # noqa: E501
    QT_TRANSLATE_NOOP("SignInDialog", "User name"),
    QT_TRANSLATE_NOOP("SignInDialog", "Display name"),
    QT_TRANSLATE_NOOP("SignInDialog", "New password"),
    QT_TRANSLATE_NOOP("SignInDialog", "Password"),
    QT_TRANSLATE_NOOP("SignInDialog", "Repeat the password"),
    QT_TRANSLATE_NOOP("SignInDialog", "Save"),
    QT_TRANSLATE_NOOP("SignInDialog", "Cancel"),
    QT_TRANSLATE_NOOP("SignInDialog", "Enter the user name and the password."),
    QT_TRANSLATE_NOOP("SignInDialog", "The two passwords differ."),
    QT_TRANSLATE_NOOP("SignInDialog", "Sign-in failed."),
    QT_TRANSLATE_NOOP("SignInDialog", "Not saved."),
)


def _t(text: str) -> str:
    return QCoreApplication.translate("SignInDialog", text)


class SignInDialog(QDialog):
    """Modal sign-in; :attr:`signed_in` holds the operator once accepted."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setModal(True)
        self.setMinimumWidth(460)
        self._ctx = ctx
        self.signed_in: SignedIn | None = None
        self._mode: Mode = ("first-run" if operators.needs_first_administrator(ctx)
                            else "sign-in")
        self._intro = QLabel(self)
        self._intro.setWordWrap(True)
        self.user = QLineEdit(self)
        self.user.setObjectName("user")
        self.display = QLineEdit(self)
        self.display.setObjectName("displayName")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self._form = QFormLayout()
        self._labels = {name: QLabel(self) for name in ("user", "display", "password",
                                                        "repeat")}
        for name, field in (("user", self.user), ("display", self.display),
                            ("password", self.password), ("repeat", self.repeat)):
            self._form.addRow(self._labels[name], field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._intro)
        layout.addLayout(self._form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._old_password = ""
        self._retranslate()

    @property
    def mode(self) -> Mode:
        return self._mode

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        titles = {"first-run": _t("Create the administrator"), "sign-in": _t("Sign in"),
                  "new-password": _t("Choose a new password")}
        intros = {
            "first-run": _t("This is the first start on this computer. Create the "
                            "administrator account: the administrator adds the installers, "
                            "resale technicians and support staff."),
            "sign-in": _t("Sign in with your operator account. Every step you take is "
                          "recorded under your name."),
            "new-password": _t("Your password was set by an administrator. Choose your own "
                               "password (at least 10 characters)."),
        }
        self.setWindowTitle(titles[self._mode])
        self._intro.setText(intros[self._mode])
        self._labels["user"].setText(_t("User name"))
        self._labels["display"].setText(_t("Display name"))
        self._labels["password"].setText(
            _t("New password") if self._mode == "new-password" else _t("Password"))
        self._labels["repeat"].setText(_t("Repeat the password"))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_t("Sign in") if self._mode == "sign-in" else _t("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_t("Cancel"))
        self._form.setRowVisible(self.display, self._mode == "first-run")
        self._form.setRowVisible(self.repeat, self._mode != "sign-in")
        self.user.setReadOnly(self._mode == "new-password")

    def show_error(self, headline: str, detail: str = "") -> None:
        self.error.setText(headline + (f"\n{detail}" if detail else ""))
        self.error.setVisible(True)

    def submit(self) -> None:
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            self.show_error(_t("Enter the user name and the password."))
            return
        if self._mode != "sign-in" and password != self.repeat.text():
            self.show_error(_t("The two passwords differ."))
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._submit(user, password)
        except operators.SignInError as err:
            self.show_error(_t("Sign-in failed."), user_error_text(err))
        except UserError as err:
            self.show_error(_t("Not saved."), user_error_text(err))
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _submit(self, user: str, password: str) -> None:
        if self._mode == "first-run":
            self.signed_in = operators.create_administrator(
                self._ctx, username=user, display_name=self.display.text(),
                password=password)
            self.accept()
        elif self._mode == "sign-in":
            who = operators.sign_in(self._ctx, user, password)
            if operators.must_change_password(self._ctx, who.username):
                self._old_password = password
                self._switch("new-password")
                return
            self.signed_in = who
            self.accept()
        else:
            self.signed_in = operators.change_password(self._ctx, user, self._old_password,
                                                       password)
            self.accept()

    def _switch(self, mode: Mode) -> None:
        self._mode = mode
        self.password.clear()
        self.repeat.clear()
        self.error.setVisible(False)
        self._retranslate()


def sign_in_for(ctx: AppContext, parent: QWidget | None = None) -> AppContext | None:
    """The context with its operator: a valid CLI session counts, else the window asks; a
    training site has its trainee. None: the person cancelled (the app ends)."""
    try:
        if ctx.signed_in() is not None:
            return ctx
    except UserError:
        pass  # an expired or refused session: sign in again
    try:
        dialog = SignInDialog(ctx, parent)
    except UserError:
        # No usable keyring: nobody can sign in; the window shows jobs read-only and says why
        # (its keyring check), and every workflow refuses.
        return ctx
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.signed_in is None:
        return None
    return replace(ctx, operator=dialog.signed_in)
