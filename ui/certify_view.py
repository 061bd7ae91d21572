"""The certification view's widgets: the device details pane and the label entry row.

The gate's verdicts come from the core (:mod:`commissioner.trust.gate`) through the job store;
this module only shows them. Reasons written by the core are English sentences: they are shown
as they are, below a translated explanation of the verdict.
"""

from __future__ import annotations

import html
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commissioner.discovery.events import DeviceRecord
from commissioner.jobs.models import DeviceGateState
from ui.device_table import BLOCKED_FOREGROUND, CERTIFIED_FOREGROUND, UNCHECKED_FOREGROUND
from ui.device_texts import (
    QT_TRANSLATE_NOOP,
    format_address,
    gate_text,
    kind_label,
    state_label,
    verdict_explanation,
)
from ui.job_service import Failure, LabelResult

_CTX: Final = "CertifyView"
OK_STYLE: Final = f"color: {CERTIFIED_FOREGROUND.name()};"
ERROR_STYLE: Final = f"color: {BLOCKED_FOREGROUND.name()}; font-weight: bold;"
INFO_STYLE: Final = ""

LABEL_STATUS_TEXT: Final[dict[str, str]] = {
    "none": QT_TRANSLATE_NOOP("CertifyView", "No label scanned yet"),
    "paired": QT_TRANSLATE_NOOP("CertifyView", "Label matches the certificate"),
    "pending": QT_TRANSLATE_NOOP("CertifyView", "Label recorded; checked at the next check"),
    "mismatch": QT_TRANSLATE_NOOP("CertifyView", "Label does not match the certificate"),
}
CATALOG_HEADLINES: Final[dict[str, str]] = {
    "grace-expired": QT_TRANSLATE_NOOP(
        "CertifyView",
        "The certified-model catalog on this computer is too old to use offline (past its "
        "grace period), so devices cannot be checked. Connect to the internet and check "
        "again: the catalog is then refreshed.",
    ),
    "no-catalog": QT_TRANSLATE_NOOP(
        "CertifyView",
        "There is no certified-model catalog on this computer yet. Connect to the internet "
        "once and check again.",
    ),
    "unreachable": QT_TRANSLATE_NOOP(
        "CertifyView",
        "The catalog server could not be reached and no usable catalog is stored here.",
    ),
}
SECURITY_HEADLINE: Final = QT_TRANSLATE_NOOP(
    "CertifyView",
    "The certified-model catalog failed a security check and was not used. Do not commission; "
    "contact the service platform's support.",
)
GENERIC_CATALOG_HEADLINE: Final = QT_TRANSLATE_NOOP(
    "CertifyView", "The certified-model catalog cannot be used, so devices cannot be checked."
)
SECURITY_CODES: Final = frozenset(
    {
        "bad-signature",
        "rollback",
        "expired",
        "tampered",
        "oversized",
        "invalid-metadata",
        "invalid-catalog",
        "missing-target",
        "bad-trust-root",
    }
)


def _t(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def catalog_failure_text(failure: Failure) -> str:
    """A translated headline saying what to do, then the core's message and hint."""
    code = failure.code or ""
    if code in CATALOG_HEADLINES:
        headline = _t(CATALOG_HEADLINES[code])
    elif code in SECURITY_CODES:
        headline = _t(SECURITY_HEADLINE)
    else:
        headline = _t(GENERIC_CATALOG_HEADLINE)
    return "\n\n".join(
        (
            headline,
            QCoreApplication.translate("CertifyView", "Details: %1").replace(
                "%1", failure.describe()
            ),
        )
    )


def label_status_text(status: str) -> str:
    text = LABEL_STATUS_TEXT.get(status)
    return _t(text) if text is not None else status


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fingerprint(hex_digest: str) -> str:
    pairs = [hex_digest[i : i + 2].upper() for i in range(0, len(hex_digest), 2)]
    lines = [":".join(pairs[i : i + 16]) for i in range(0, len(pairs), 16)]
    return "<br>".join(_esc(line) for line in lines)


def details_html(
    device_id: str,
    record: DeviceRecord | None,
    state: DeviceGateState | None,
    *,
    catalog_version: str | None,
) -> str:
    """The details pane's rich text for one device (every device-supplied string escaped)."""
    verdict = state.verdict if state is not None else None
    if verdict is None:
        colour = UNCHECKED_FOREGROUND.name()
    else:
        colour = (
            BLOCKED_FOREGROUND if state is not None and state.blocked else CERTIFIED_FOREGROUND
        ).name()
    title = device_id
    if record is not None:
        title = f"{kind_label(record.latest.kind)} — {device_id}"
    parts = [f"<h3 style='margin:0'>{_esc(title)}</h3>"]
    parts.append(
        f"<p style='margin-top:6px'><span style='color:{colour}; font-weight:bold; "
        f"font-size:13pt'>{_esc(gate_text(state))}</span></p>"
    )
    parts.append(f"<p>{_esc(verdict_explanation(verdict))}</p>")
    if state is not None and state.verdict_reason:
        caption = QCoreApplication.translate("CertifyView", "Reason:")
        parts.append(f"<p><b>{_esc(caption)}</b> {_esc(state.verdict_reason)}</p>")
    if state is not None and state.replace_flag:
        caption = QCoreApplication.translate("CertifyView", "To be replaced:")
        parts.append(
            f"<p style='color:{BLOCKED_FOREGROUND.name()}'><b>{_esc(caption)}</b> "
            f"{_esc(state.replace_reason or '')}</p>"
        )
    rows: list[tuple[str, str]] = []
    latest = record.latest if record is not None else None
    attested = state is not None and state.attested_model is not None
    manufacturer = (state.attested_manufacturer if state is not None and attested else None) or (
        latest.manufacturer if latest is not None else ""
    )
    rows.append((QCoreApplication.translate("CertifyView", "Manufacturer"), manufacturer))
    if state is not None and attested:
        rows.append(
            (
                QCoreApplication.translate("CertifyView", "Model (certificate)"),
                state.attested_model or "",
            )
        )
    advertised = (state.advertised_model if state is not None else None) or (
        latest.model if latest is not None else ""
    )
    rows.append((QCoreApplication.translate("CertifyView", "Model (advertised)"), advertised))
    if state is not None and state.serial:
        rows.append(
            (QCoreApplication.translate("CertifyView", "Serial (certificate)"), state.serial)
        )
    if latest is not None:
        rows.append((QCoreApplication.translate("CertifyView", "Firmware"), latest.firmware))
        rows.append((QCoreApplication.translate("CertifyView", "State"), state_label(latest.state)))
        network = record.network if record is not None else None
        if network is not None:
            rows.append(
                (
                    QCoreApplication.translate("CertifyView", "Address"),
                    format_address(network.address, network.port),
                )
            )
    rows.append(
        (
            QCoreApplication.translate("CertifyView", "Label"),
            label_status_text(state.label_status if state else "none"),
        )
    )
    if state is not None and state.checked_at:
        rows.append(
            (
                QCoreApplication.translate("CertifyView", "Checked at (UTC)"),
                state.checked_at[:19].replace("T", " "),
            )
        )
    version = (state.catalog_version if state is not None else None) or catalog_version
    if version:
        rows.append((QCoreApplication.translate("CertifyView", "Catalog version"), version))
    table = "".join(
        f"<tr><td style='padding-right:12px; color:#555'>{_esc(k)}</td><td>{_esc(v)}</td></tr>"
        for k, v in rows
    )
    parts.append(f"<table cellspacing='0' cellpadding='1'>{table}</table>")
    right: list[str] = []
    chain_title = QCoreApplication.translate("CertifyView", "Certificate chain")
    right.append(f"<h4 style='margin-bottom:2px'>{_esc(chain_title)}</h4>")
    if state is not None and state.chain:
        roles = [
            QCoreApplication.translate("CertifyView", "Device"),
            QCoreApplication.translate("CertifyView", "Intermediate CA"),
            QCoreApplication.translate("CertifyView", "Manufacturer root"),
        ]
        items = "".join(
            f"<li><span style='color:#555'>{_esc(roles[i] if i < len(roles) else '')}</span> "
            f"{_esc(subject)}</li>"
            for i, subject in enumerate(state.chain)
        )
        right.append(f"<ol style='margin-top:0'>{items}</ol>")
    elif verdict is None:
        none_text = QCoreApplication.translate("CertifyView", "Not checked yet.")
        right.append(f"<p>{_esc(none_text)}</p>")
    else:
        none_text = QCoreApplication.translate("CertifyView", "No trusted certificate chain.")
        right.append(f"<p>{_esc(none_text)}</p>")
    if state is not None and state.cert_fingerprint:
        caption = QCoreApplication.translate("CertifyView", "SHA-256 fingerprint")
        right.append(
            f"<p><span style='color:#555'>{_esc(caption)}</span><br>"
            f"<code>{_fingerprint(state.cert_fingerprint)}</code></p>"
        )
    # Two columns: verdict and identity on the left, the certificate chain on the right.
    return (
        "<table width='100%' cellspacing='0' cellpadding='0'><tr>"
        f"<td width='58%' valign='top' style='padding-right:16px'>{''.join(parts)}</td>"
        f"<td valign='top'>{''.join(right)}</td></tr></table>"
    )


class DetailsPane(QWidget):
    """The selected device: identity, verdict and reason, chain summary, catalog version.

    A blocked device offers one action only: "Mark to be replaced…". There is no override.
    """

    replace_requested = Signal(str)  # device id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self._device_id: str | None = None
        self._blocked = False
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("detailsBrowser")
        self.browser.setOpenLinks(False)
        self.replace_button = QPushButton(self)
        self.replace_button.setObjectName("replaceButton")
        self.replace_button.clicked.connect(self._on_replace)
        self.no_override_label = QLabel(self)
        self.no_override_label.setWordWrap(True)
        self.no_override_label.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        row = QHBoxLayout()
        row.addWidget(self.no_override_label, 1)
        row.addWidget(self.replace_button)
        layout.addLayout(row)
        self.action_row = row  # other views add their per-device buttons here
        self.retranslateUi()
        self.show_device(None, None, None, catalog_version=None)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.title.setText(QCoreApplication.translate("CertifyView", "Device details"))
        self.replace_button.setText(
            QCoreApplication.translate("CertifyView", "Mark to be replaced…")
        )
        self.replace_button.setToolTip(
            QCoreApplication.translate(
                "CertifyView",
                "A blocked device cannot be commissioned; record that it is to be replaced.",
            )
        )
        self.no_override_label.setText(
            QCoreApplication.translate(
                "CertifyView", "Blocked devices cannot be commissioned and cannot be overridden."
            )
        )

    @property
    def device_id(self) -> str | None:
        return self._device_id

    def show_device(
        self,
        device_id: str | None,
        record: DeviceRecord | None,
        state: DeviceGateState | None,
        *,
        catalog_version: str | None,
        malformed_reason: str | None = None,
    ) -> None:
        self._device_id = device_id
        self._blocked = bool(state is not None and state.verdict is not None and state.blocked)
        if malformed_reason is not None:
            caption = QCoreApplication.translate("CertifyView", "Malformed advertisement")
            self.browser.setHtml(f"<p><b>{_esc(caption)}</b></p><p>{_esc(malformed_reason)}</p>")
        elif device_id is None:
            hint = QCoreApplication.translate("CertifyView", "Select a device.")
            self.browser.setHtml(f"<p style='color:#555'>{_esc(hint)}</p>")
        else:
            self.browser.setHtml(
                details_html(device_id, record, state, catalog_version=catalog_version)
            )
        can_replace = self._blocked and not (state is not None and state.replace_flag)
        self.replace_button.setEnabled(can_replace)
        self.replace_button.setVisible(self._blocked)
        self.no_override_label.setVisible(self._blocked)

    def _on_replace(self) -> None:
        if self._device_id is not None and self._blocked:
            self.replace_requested.emit(self._device_id)


class LabelEntry(QWidget):
    """ "Scan or type label": a USB QR scanner types the payload and presses Enter."""

    submitted = Signal(str)
    image_chosen = Signal(str)  # path of a photo or scan of labels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(self)
        self.image_button = QPushButton(self)
        self.image_button.setObjectName("labelImageButton")
        self.image_button.clicked.connect(self._choose_image)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("labelEdit")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaxLength(512)
        self.edit.returnPressed.connect(self._submit)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("labelResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.addWidget(self.caption)
        row.addWidget(self.edit, 1)
        row.addWidget(self.image_button)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        self.result_label.setVisible(False)
        self.retranslateUi()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def retranslateUi(self) -> None:
        self.caption.setText(QCoreApplication.translate("CertifyView", "Scan or type label:"))
        self.image_button.setText(QCoreApplication.translate("CertifyView", "From image…"))
        self.image_button.setToolTip(
            QCoreApplication.translate(
                "CertifyView", "Read the QR codes of one or more labels from a photo or scan"
            )
        )
        self.edit.setPlaceholderText(
            QCoreApplication.translate(
                "CertifyView", "Scan the QR code on the device or its box (SHC1;…)"
            )
        )

    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("CertifyView", "Label photo or scan"),
            "",
            QCoreApplication.translate("CertifyView", "Images (*.png *.jpg *.jpeg *.bmp)"),
        )
        if path:
            self.image_chosen.emit(path)

    def _submit(self) -> None:
        text = self.edit.text()
        # The payload holds the setup code (a secret): do not leave it in the field.
        self.edit.clear()
        if text.strip():
            self.submitted.emit(text)

    def show_result(self, text: str, *, ok: bool | None) -> None:
        style = INFO_STYLE if ok is None else (OK_STYLE if ok else ERROR_STYLE)
        self.result_label.setStyleSheet(style)
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))


def label_result_ok(result: LabelResult) -> bool | None:
    """True: paired; None: recorded, checked later; False: mismatch or no such device."""
    if result.status == "paired":
        return True
    if result.status == "pending":
        return None
    return False


def label_result_text(result: LabelResult) -> str:
    """What pairing a scanned label did (translation context "MainWindow")."""
    if result.status == "paired":
        text = QCoreApplication.translate(
            "MainWindow", "Label paired with %1 (serial %2): it matches the certificate."
        )
    elif result.status == "pending":
        text = QCoreApplication.translate(
            "MainWindow",
            "Label recorded for %1 (serial %2); it is checked against the certificate at "
            "the next Check devices.",
        )
    elif result.status == "mismatch":
        text = QCoreApplication.translate(
            "MainWindow",
            "The label does not match device %1 (label serial %2): the device is blocked.",
        )
    else:
        text = QCoreApplication.translate(
            "MainWindow",
            "This label (%1, serial %2) matches no device found in this job.",
        )
    text = text.replace("%1", result.device_id).replace("%2", result.serial)
    details = QCoreApplication.translate("MainWindow", "Details: %1").replace(
        "%1", result.reason
    )
    return f"{text}\n{details}" if result.status in ("mismatch", "unmatched") else text


__all__ = [
    "DetailsPane",
    "LabelEntry",
    "catalog_failure_text",
    "details_html",
    "label_result_ok",
    "label_result_text",
]
