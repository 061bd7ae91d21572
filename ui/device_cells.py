"""What the device table shows in a cell, apart from the model: colours, the verdict badge,
a device's texts, the progress and firmware cells, and the values behind them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPen, QPixmap

from commissioner.discovery.events import DeviceRecord, Sighting
from ui.device_texts import format_address, kind_label, state_label, transports_text

MALFORMED_BACKGROUND: Final = QColor("#fde2e1")
MALFORMED_FOREGROUND: Final = QColor("#8b1a10")
CERTIFIED_BACKGROUND: Final = QColor("#dff3e3")
CERTIFIED_FOREGROUND: Final = QColor("#17692f")
BLOCKED_BACKGROUND: Final = QColor("#fbd5d2")
BLOCKED_FOREGROUND: Final = QColor("#a1140a")
UNCHECKED_FOREGROUND: Final = QColor("#6b6b6b")
VULNERABLE_FOREGROUND: Final = QColor("#a1140a")


class Column(IntEnum):
    KIND = 0
    VERDICT = 1
    PROGRESS = 2
    DEVICE_ID = 3
    MANUFACTURER = 4
    MODEL = 5
    FIRMWARE = 6
    STATE = 7
    TRANSPORT = 8
    ADDRESS = 9
    DETAILS = 10


@dataclass(frozen=True, slots=True)
class OperationState:
    """What a long operation is doing to one device, for the progress column.

    ``status``: ``running``, ``done``, ``failed`` (``detail`` says why and what to do),
    ``skipped`` (nothing to do, or not eligible). ``fraction`` is 0..1, or None when the
    step has no measurable progress. ``text`` is the (translated) label painted on the bar.
    """

    operation: str  # "onboard" | "commission" | "firmware" | "recorded" (from the job)
    status: str
    fraction: float | None
    text: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True, slots=True)
class FirmwareMark:
    """The firmware a device was verified to run (over its attested connection)."""

    version: str
    latest: str | None
    vulnerable: bool


def verdict_icon(kind: str) -> QIcon:
    """A small round badge painted in code: a tick (certified), a cross (blocked) or a dot."""
    colours = {"ok": CERTIFIED_FOREGROUND, "blocked": BLOCKED_FOREGROUND}
    colour = colours.get(kind, UNCHECKED_FOREGROUND)
    icon = QIcon()
    for size in (16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        m = size * 0.06
        painter.drawEllipse(int(m), int(m), int(size - 2 * m), int(size - 2 * m))
        pen = QPen(QColor("white"))
        pen.setWidthF(size * 0.14)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        s = float(size)
        if kind == "ok":
            painter.drawLine(int(s * 0.28), int(s * 0.52), int(s * 0.44), int(s * 0.68))
            painter.drawLine(int(s * 0.44), int(s * 0.68), int(s * 0.72), int(s * 0.34))
        elif kind == "blocked":
            painter.drawLine(int(s * 0.32), int(s * 0.32), int(s * 0.68), int(s * 0.68))
            painter.drawLine(int(s * 0.68), int(s * 0.32), int(s * 0.32), int(s * 0.68))
        else:
            painter.drawLine(int(s * 0.3), int(s * 0.5), int(s * 0.7), int(s * 0.5))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def operation_cell(op: OperationState | None, role: int) -> object:
    if op is None:
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return op.text
    if role == Qt.ItemDataRole.ToolTipRole:
        return "\n".join(p for p in (op.text, op.detail) if p)
    if role == Qt.ItemDataRole.ForegroundRole and op.failed:
        return QBrush(BLOCKED_FOREGROUND)
    return None

def firmware_cell(mark: FirmwareMark, role: int) -> object:
    if role == Qt.ItemDataRole.DisplayRole:
        if mark.vulnerable:
            return QCoreApplication.translate("DeviceTable", "%1 ⚠ vulnerable").replace(
                "%1", mark.version
            )
        return mark.version
    if role == Qt.ItemDataRole.ToolTipRole:
        if mark.vulnerable:
            text = QCoreApplication.translate(
                "DeviceTable",
                "Firmware %1 is known to be vulnerable; the latest is %2. Update it before "
                "handover.",
            )
        elif mark.latest is not None and mark.latest != mark.version:
            text = QCoreApplication.translate(
                "DeviceTable", "Firmware %1 (verified); the latest is %2."
            )
        else:
            text = QCoreApplication.translate(
                "DeviceTable", "Firmware %1 (verified); this is the latest."
            )
        return text.replace("%1", mark.version).replace("%2", mark.latest or "?")
    if role == Qt.ItemDataRole.ForegroundRole and mark.vulnerable:
        return QBrush(VULNERABLE_FOREGROUND)
    if role == Qt.ItemDataRole.FontRole and mark.vulnerable:
        font = QFont()
        font.setBold(True)
        return font
    return None


def device_text(record: DeviceRecord, column: Column) -> str:
    latest: Sighting = record.latest
    if column == Column.KIND:
        return kind_label(latest.kind)
    if column == Column.DEVICE_ID:
        return record.device_id
    if column == Column.MANUFACTURER:
        return latest.manufacturer
    if column == Column.MODEL:
        return latest.model
    if column == Column.FIRMWARE:
        return latest.firmware
    if column == Column.STATE:
        return state_label(latest.state)
    if column == Column.TRANSPORT:
        return transports_text(record)
    if column == Column.ADDRESS:
        network = record.network
        if network is not None:
            return format_address(network.address, network.port)
        return latest.address or ""
    return ""
