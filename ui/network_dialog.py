"""The "Home network…" dialog: the home's Wi-Fi settings given to devices onboarded over BLE.

In the field the installer types the home network's SSID and passphrase (the home owner's
secret); the home id is the open job's id. The settings are checked with
:meth:`commissioner.protocol.ble_pake.NetworkConfig.validate` and the problem is shown
inline, next to
the field it concerns. The dialog never writes anything: the accepted
:class:`~commissioner.protocol.ble_pake.NetworkConfig` is kept in memory by the window's operations
controller for its session only (no file, no log, no job store, no "remember" option).
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.ble_spec import (
    MAX_PASSPHRASE_CHARS,
    MAX_SSID_BYTES,
    MIN_PASSPHRASE_CHARS,
)

__all__ = ["NetworkDialog"]

ERROR_STYLE: Final = "color: #a1140a;"
FIELDS: Final = ("ssid", "passphrase", "home_id")


def _error_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(f"networkError_{name}")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class NetworkDialog(QDialog):
    """SSID, passphrase (hidden as typed) and the home id (the open job's id, read-only).

    :attr:`config` is the validated configuration once the dialog is accepted."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        home_id: str | None,
        current: NetworkConfig | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("networkDialog")
        self.setModal(True)
        self._home_id = home_id
        self.config: NetworkConfig | None = None
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.ssid_edit = QLineEdit(self)
        self.ssid_edit.setObjectName("networkSsidEdit")
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setObjectName("networkPassphraseEdit")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setMaxLength(MAX_PASSPHRASE_CHARS)
        self.passphrase_edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.home_id_label = QLabel(home_id or "", self)
        self.home_id_label.setObjectName("networkHomeIdLabel")
        self.home_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if current is not None:
            self.ssid_edit.setText(current.ssid)
            self.passphrase_edit.setText(current.passphrase)
        self.edits: dict[str, QLineEdit] = {
            "ssid": self.ssid_edit, "passphrase": self.passphrase_edit}
        self.errors: dict[str, QLabel] = {name: _error_label(self, name) for name in FIELDS}
        self.captions: dict[str, QLabel] = {name: QLabel(self) for name in FIELDS}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.captions["ssid"], self._with_error(self.ssid_edit, "ssid"))
        form.addRow(self.captions["passphrase"],
                    self._with_error(self.passphrase_edit, "passphrase"))
        form.addRow(self.captions["home_id"], self._with_error(self.home_id_label, "home_id"))
        for name, edit in self.edits.items():
            edit.textEdited.connect(lambda _t, n=name: self._show(n, None))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.retranslateUi()

    def _with_error(self, field: QWidget, name: str) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(self.errors[name])
        return box

    def _show(self, name: str, text: str | None) -> None:
        label = self.errors[name]
        label.setText(text or "")
        if label.isVisible() != bool(text):
            label.setVisible(bool(text))
            # Grow (or shrink back) with the error line instead of squeezing it.
            layout = self.layout()
            if layout is not None:
                layout.activate()
            self.resize(self.width(), self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("NetworkDialog", "Home network"))
        self.intro.setText(
            QCoreApplication.translate(
                "NetworkDialog",
                "The home's Wi-Fi network, given to each device onboarded over Bluetooth LE. "
                "The settings are kept only while this window is open; they are never saved.",
            )
        )
        self.captions["ssid"].setText(QCoreApplication.translate("NetworkDialog", "SSID:"))
        self.captions["passphrase"].setText(
            QCoreApplication.translate("NetworkDialog", "Passphrase:")
        )
        self.captions["home_id"].setText(QCoreApplication.translate("NetworkDialog", "Home ID:"))
        self.ssid_edit.setPlaceholderText(
            QCoreApplication.translate("NetworkDialog", "Network name (SSID)")
        )
        self.passphrase_edit.setPlaceholderText(
            QCoreApplication.translate("NetworkDialog", "%1 to %2 characters")
            .replace("%1", str(MIN_PASSPHRASE_CHARS))
            .replace("%2", str(MAX_PASSPHRASE_CHARS))
        )
        if not self._home_id:
            self.home_id_label.setText(
                QCoreApplication.translate("NetworkDialog", "(no job open)")
            )
        if any(label.isVisible() or label.text() for label in self.errors.values()):
            self.validate()

    # -- values and validation -------------------------------------------------------------
    def values(self) -> NetworkConfig:
        return NetworkConfig(
            self.ssid_edit.text(), self.passphrase_edit.text(), self._home_id or ""
        )

    def _message(self, name: str) -> str:
        if name == "ssid":
            return QCoreApplication.translate(
                "NetworkDialog", "Enter the network name (1 to %1 bytes)."
            ).replace("%1", str(MAX_SSID_BYTES))
        if name == "passphrase":
            return (
                QCoreApplication.translate(
                    "NetworkDialog",
                    "The passphrase must be %1 to %2 printable ASCII characters.",
                )
                .replace("%1", str(MIN_PASSPHRASE_CHARS))
                .replace("%2", str(MAX_PASSPHRASE_CHARS))
            )
        return QCoreApplication.translate(
            "NetworkDialog", "Open the job of this home first (its job ID is the home ID)."
        )

    def validate(self) -> dict[str, str]:
        """Problems by field name (empty when the settings can be used), shown inline.

        Each field is checked on its own with :meth:`NetworkConfig.validate` (the others
        replaced by valid values), so every problem is shown at once."""
        values = self.values()
        filler = NetworkConfig("x", "x" * MIN_PASSPHRASE_CHARS, "x")
        candidates = {
            "ssid": NetworkConfig(values.ssid, filler.passphrase, filler.home_id),
            "passphrase": NetworkConfig(filler.ssid, values.passphrase, filler.home_id),
            "home_id": NetworkConfig(filler.ssid, filler.passphrase, values.home_id),
        }
        problems: dict[str, str] = {}
        for name, candidate in candidates.items():
            try:
                candidate.validate()
            except ValueError:
                problems[name] = self._message(name)
        if not problems:
            try:
                values.validate()
            except ValueError:  # not expected: every field passed on its own
                problems["ssid"] = self._message("ssid")
        for name in FIELDS:
            self._show(name, problems.get(name))
        return problems

    def try_accept(self) -> None:
        problems = self.validate()
        if problems:
            first = next((n for n in ("ssid", "passphrase") if n in problems), None)
            if first is not None:
                self.edits[first].setFocus()
            return
        self.config = self.values()
        self.accept()

    def done(self, result: int) -> None:
        # The widgets hold no copy of the secret once the dialog is closed.
        self.passphrase_edit.clear()
        super().done(result)
