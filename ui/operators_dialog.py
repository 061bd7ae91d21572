"""Operator administration (administrators only) and the Account menu: who is signed in,
change your password, and the operators list with add, disable/enable and password reset.

A thin face over commissioner.app.operators: the role check happens there (an installer who
opens this window is refused by the same check as on the command line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commissioner.app import operators
from commissioner.app.context import AppContext
from commissioner.errors import UserError
from commissioner.operators.roles import Role
from ui.i18n import user_error_text

ERROR_STYLE: Final = "color: #a1140a;"
ROLE_NAMES: Final = {
    Role.INSTALLER: "Installer", Role.TECHNICIAN: "Resale technician",
    Role.SUPPORT: "Support", Role.ADMINISTRATOR: "Administrator",
}

def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    del context
    return text


# Every string of this window, marked for lupdate (the code builds some of them).
_STRINGS: Final = (
    QT_TRANSLATE_NOOP("OperatorsDialog", "Installer"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Resale technician"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Support"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Administrator"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Add an operator"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "User name"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Display name"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Roles"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Initial password"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Add"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Cancel"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "The operator chooses their own password at the first sign-in."),  # noqa: E501
    QT_TRANSLATE_NOOP("OperatorsDialog", "State"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Operators"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Add…"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Disable / enable"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Reset password…"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Not done."),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Disabled"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Locked"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Must change password"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Active"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Reset password"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "New password (changed at the next sign-in)"),
    QT_TRANSLATE_NOOP("OperatorsDialog", ", "),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Account"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Signed in: {name}"),
    QT_TRANSLATE_NOOP("OperatorsDialog", "Operators…"),
)


def _t(text: str) -> str:
    return QCoreApplication.translate("OperatorsDialog", text)


def role_text(value: str) -> str:
    return _t(ROLE_NAMES[Role(value)])


class AddOperatorDialog(QDialog):
    """User name, display name, roles and the initial password (changed at first sign-in)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addOperatorDialog")
        self.setWindowTitle(_t("Add an operator"))
        self.user = QLineEdit(self)
        self.display = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.roles = {role: QCheckBox(role_text(role.value), self) for role in Role}
        form = QFormLayout()
        form.addRow(_t("User name"), self.user)
        form.addRow(_t("Display name"), self.display)
        boxes = QVBoxLayout()
        for box in self.roles.values():
            boxes.addWidget(box)
        form.addRow(_t("Roles"), boxes)
        form.addRow(_t("Initial password"), self.password)
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_t("Add"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_t("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_t("The operator chooses their own password at the first "
                                   "sign-in."), self))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def chosen_roles(self) -> list[str]:
        return [role.value for role, box in self.roles.items() if box.isChecked()]


class OperatorsDialog(QDialog):
    """The operators of this installation, for an administrator."""

    COLUMNS: Final = ("User name", "Display name", "Roles", "State")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operatorsDialog")
        self.setMinimumSize(720, 320)
        self._ctx = ctx
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.add_button = QPushButton(self)
        self.toggle_button = QPushButton(self)
        self.reset_button = QPushButton(self)
        self.add_button.clicked.connect(self.add_operator)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.reset_button.clicked.connect(self.reset_selected)
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        row = QHBoxLayout()
        for button in (self.add_button, self.toggle_button, self.reset_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self._retranslate()
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.refresh()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(_t("Operators"))
        self.table.setHorizontalHeaderLabels([_t(c) for c in self.COLUMNS])
        self.add_button.setText(_t("Add…"))
        self.toggle_button.setText(_t("Disable / enable"))
        self.reset_button.setText(_t("Reset password…"))

    def _run(self, work: Callable[[], object]) -> bool:
        try:
            work()
        except UserError as err:
            self.error.setText(_t("Not done.") + "\n" + user_error_text(err))
            self.error.setVisible(True)
            return False
        self.error.setVisible(False)
        self.refresh()
        return True

    def refresh(self) -> None:
        try:
            views = operators.list_operators(self._ctx)
        except UserError as err:
            self.error.setText(_t("Not done.") + "\n" + user_error_text(err))
            self.error.setVisible(True)
            views = []
        self.table.setRowCount(len(views))
        for r, v in enumerate(views):
            state = (_t("Disabled") if v.disabled else _t("Locked") if v.locked_seconds
                     else _t("Must change password") if v.must_change else _t("Active"))
            for c, text in enumerate((v.username, v.display_name,
                                      _t(", ").join(role_text(x) for x in v.roles), state)):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def selected_user(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        return None if item is None else item.text()

    def add_operator(self, dialog: AddOperatorDialog | None = None) -> bool:
        form = dialog if dialog is not None else AddOperatorDialog(self)
        if dialog is None and form.exec() != QDialog.DialogCode.Accepted:
            return False
        return self._run(lambda: operators.add_operator(
            self._ctx, username=form.user.text(), display_name=form.display.text(),
            roles=form.chosen_roles(), password=form.password.text()))

    def toggle_selected(self) -> bool:
        user = self.selected_user()
        if user is None:
            return False
        views = {v.username: v for v in operators.list_operators(self._ctx)}
        return self._run(lambda: operators.set_disabled(self._ctx, user,
                                                        not views[user].disabled))

    def reset_selected(self, password: str | None = None) -> bool:
        from PySide6.QtWidgets import QInputDialog

        user = self.selected_user()
        if user is None:
            return False
        if password is None:
            text, ok = QInputDialog.getText(self, _t("Reset password"),
                                            _t("New password (changed at the next sign-in)"),
                                            QLineEdit.EchoMode.Password)
            if not ok:
                return False
            password = text
        chosen = password
        return self._run(lambda: operators.reset_password(self._ctx, user, chosen))


def install_account_menu(window: QMainWindow, context: Callable[[], AppContext]) -> None:
    """An Account menu: who is signed in, and Operators… (administrators only)."""
    try:
        who = context().signed_in()
    except UserError:
        who = None
    menu = window.menuBar().addMenu(_t("Account"))
    name = "-" if who is None else who.audit_name
    menu.addAction(_t("Signed in: {name}").format(name=name)).setEnabled(False)
    action = menu.addAction(_t("Operators…"))
    action.setEnabled(who is not None and who.may("operators"))
    action.triggered.connect(lambda: OperatorsDialog(context(), window).exec())
