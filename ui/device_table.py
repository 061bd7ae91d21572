"""Qt table model of the devices (and malformed advertisements) that discovery has seen.

The model is fed with :mod:`commissioner.discovery.events` values on the GUI thread through
:meth:`DeviceTableModel.apply`. Rows are kept sorted (devices by kind then id, malformed entries
after them by transport then source) and are inserted, removed and updated individually so that
selection and scroll position stay stable while a scan runs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DeviceRemoved,
    DeviceUpdated,
    DiscoveryEvent,
    MalformedAdvertisement,
    MalformedCleared,
    MalformedSeen,
    Sighting,
)
from commissioner.protocol.spec import CommissioningState, DeviceKind

# Also here (not only in ui/__init__) in case `ui` was imported as a namespace package.


_CTX: Final = "DeviceTable"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for lupdate (same name as Qt's macro, so lupdate finds it); typed."""
    del context
    return text


# Translated at display time (QT_TRANSLATE_NOOP only marks them for lupdate).
KIND_LABELS: Final[dict[str, str]] = {
    DeviceKind.AIR_CONDITIONER.value: QT_TRANSLATE_NOOP("DeviceTable", "Air conditioner"),
    DeviceKind.WATER_HEATER.value: QT_TRANSLATE_NOOP("DeviceTable", "Water heater"),
    DeviceKind.ELECTRIC_LOCK.value: QT_TRANSLATE_NOOP("DeviceTable", "Electric lock"),
    DeviceKind.SHUTTER.value: QT_TRANSLATE_NOOP("DeviceTable", "Shutter"),
    DeviceKind.HEMS_CONTROLLER.value: QT_TRANSLATE_NOOP("DeviceTable", "HEMS controller"),
    DeviceKind.CAMERA.value: QT_TRANSLATE_NOOP("DeviceTable", "Camera"),
    DeviceKind.LIGHTING.value: QT_TRANSLATE_NOOP("DeviceTable", "Lighting"),
    DeviceKind.STORAGE_BATTERY.value: QT_TRANSLATE_NOOP("DeviceTable", "Storage battery"),
    DeviceKind.GATEWAY.value: QT_TRANSLATE_NOOP("DeviceTable", "Home gateway"),
}
STATE_LABELS: Final[dict[str, str]] = {
    CommissioningState.FACTORY.value: QT_TRANSLATE_NOOP("DeviceTable", "Factory state"),
    CommissioningState.COMMISSIONED.value: QT_TRANSLATE_NOOP("DeviceTable", "Commissioned"),
}
TRANSPORT_LABELS: Final[dict[str, str]] = {
    "mdns": QT_TRANSLATE_NOOP("DeviceTable", "mDNS (network)"),
    "ble": QT_TRANSLATE_NOOP("DeviceTable", "Bluetooth LE"),
}
_KIND_ORDER: Final[dict[str, int]] = {kind.value: i for i, kind in enumerate(DeviceKind)}

MALFORMED_BACKGROUND: Final = QColor("#fde2e1")
MALFORMED_FOREGROUND: Final = QColor("#8b1a10")


class Column(IntEnum):
    KIND = 0
    DEVICE_ID = 1
    MANUFACTURER = 2
    MODEL = 3
    FIRMWARE = 4
    STATE = 5
    TRANSPORT = 6
    ADDRESS = 7
    DETAILS = 8


_HEADERS: Final[dict[Column, str]] = {
    Column.KIND: QT_TRANSLATE_NOOP("DeviceTable", "Kind"),
    Column.DEVICE_ID: QT_TRANSLATE_NOOP("DeviceTable", "Device ID"),
    Column.MANUFACTURER: QT_TRANSLATE_NOOP("DeviceTable", "Manufacturer"),
    Column.MODEL: QT_TRANSLATE_NOOP("DeviceTable", "Model"),
    Column.FIRMWARE: QT_TRANSLATE_NOOP("DeviceTable", "Firmware"),
    Column.STATE: QT_TRANSLATE_NOOP("DeviceTable", "State"),
    Column.TRANSPORT: QT_TRANSLATE_NOOP("DeviceTable", "Transport"),
    Column.ADDRESS: QT_TRANSLATE_NOOP("DeviceTable", "Address"),
    Column.DETAILS: QT_TRANSLATE_NOOP("DeviceTable", "Details"),
}
# Columns whose text depends on the UI language (refreshed on a language change).
_TRANSLATED_COLUMNS: Final = (Column.KIND, Column.STATE, Column.TRANSPORT, Column.DETAILS)

ROW_KIND_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
"""``"device"`` or ``"malformed"``."""
ROW_KEY_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2
"""The device id, or ``"transport/source"`` for a malformed entry."""


def _t(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def kind_label(kind: str) -> str:
    """The translated name of a device kind (the raw value if the kind is unknown)."""
    label = KIND_LABELS.get(kind)
    return _t(label) if label is not None else kind


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return _t(label) if label is not None else state


def transport_label(transport: str) -> str:
    label = TRANSPORT_LABELS.get(transport)
    return _t(label) if label is not None else transport


def format_address(address: str | None, port: int | None) -> str:
    if not address:
        return ""
    if port is None:
        return address
    if ":" in address and not address.startswith("["):  # IPv6 literal
        return f"[{address}]:{port}"
    return f"{address}:{port}"


@dataclass(frozen=True, slots=True)
class _DeviceRow:
    record: DeviceRecord

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        kind = self.record.latest.kind
        return (0, _KIND_ORDER.get(kind, len(_KIND_ORDER)), kind, self.record.device_id)

    @property
    def key(self) -> str:
        return self.record.device_id


@dataclass(frozen=True, slots=True)
class _MalformedRow:
    entry: MalformedAdvertisement

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (1, 0, self.entry.transport, self.entry.source)

    @property
    def key(self) -> str:
        return f"{self.entry.transport}/{self.entry.source}"


_Row = _DeviceRow | _MalformedRow

_Index = QModelIndex | QPersistentModelIndex


class DeviceTableModel(QAbstractTableModel):
    """Devices found by discovery, one row each, plus one distinct row per malformed source."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._warning_icon: QIcon | None = None

    # -- feeding -------------------------------------------------------------------------------
    def apply(self, event: DiscoveryEvent) -> None:
        """Apply one discovery event (call on the GUI thread)."""
        match event:
            case DeviceAdded(record=record) | DeviceUpdated(record=record):
                self._upsert(_DeviceRow(record))
            case DeviceRemoved(device_id=device_id):
                self._remove(device_id, malformed=False)
            case MalformedSeen(entry=entry):
                self._upsert(_MalformedRow(entry))
            case MalformedCleared(transport=transport, source=source):
                self._remove(f"{transport}/{source}", malformed=True)
            case _:
                raise TypeError(f"not a discovery event: {event!r}")

    def clear(self) -> None:
        if not self._rows:
            return
        self.beginResetModel()
        self._rows.clear()
        self.endResetModel()

    def retranslate(self) -> None:
        """Tell views that headers and translated cells changed (after a language switch)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self._rows:
            for column in _TRANSLATED_COLUMNS:
                self.dataChanged.emit(
                    self.index(0, column), self.index(len(self._rows) - 1, column)
                )

    def _find(self, key: str, malformed: bool) -> int:
        cls = _MalformedRow if malformed else _DeviceRow
        for i, row in enumerate(self._rows):
            if isinstance(row, cls) and row.key == key:
                return i
        return -1

    def _insert_position(self, row: _Row) -> int:
        keys = [r.sort_key for r in self._rows]
        return bisect.bisect_left(keys, row.sort_key)

    def _upsert(self, row: _Row) -> None:
        current = self._find(row.key, isinstance(row, _MalformedRow))
        if current >= 0:
            if self._rows[current].sort_key == row.sort_key:
                self._rows[current] = row
                self.dataChanged.emit(self.index(current, 0), self.index(current, len(Column) - 1))
                return
            self.beginRemoveRows(QModelIndex(), current, current)
            del self._rows[current]
            self.endRemoveRows()
        position = self._insert_position(row)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, row)
        self.endInsertRows()

    def _remove(self, key: str, *, malformed: bool) -> None:
        current = self._find(key, malformed)
        if current < 0:
            return
        self.beginRemoveRows(QModelIndex(), current, current)
        del self._rows[current]
        self.endRemoveRows()

    # -- queries -------------------------------------------------------------------------------
    @property
    def device_count(self) -> int:
        return sum(1 for row in self._rows if isinstance(row, _DeviceRow))

    @property
    def malformed_count(self) -> int:
        return sum(1 for row in self._rows if isinstance(row, _MalformedRow))

    def device_ids(self) -> list[str]:
        return [row.key for row in self._rows if isinstance(row, _DeviceRow)]

    # -- QAbstractTableModel -------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        try:
            return _t(_HEADERS[Column(section)])
        except ValueError:
            return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == ROW_KIND_ROLE:
            return "malformed" if isinstance(row, _MalformedRow) else "device"
        if role == ROW_KEY_ROLE:
            return row.key
        if isinstance(row, _MalformedRow):
            return self._malformed_data(row.entry, column, role)
        return self._device_data(row.record, column, role)

    def _device_data(self, record: DeviceRecord, column: Column, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return _device_text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            sighting = record.latest
            text = QCoreApplication.translate("DeviceTable", "Protocol version %1")
            return text.replace("%1", sighting.protocol_version)
        return None

    def _malformed_data(self, entry: MalformedAdvertisement, column: Column, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.KIND:
                return QCoreApplication.translate("DeviceTable", "Malformed advertisement")
            if column == Column.DEVICE_ID:
                return entry.source
            if column == Column.TRANSPORT:
                return transport_label(entry.transport)
            if column == Column.DETAILS:
                return entry.reason
            return ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                QCoreApplication.translate("DeviceTable", "Malformed advertisement from %1: %2")
                .replace("%1", entry.source)
                .replace("%2", entry.reason)
            )
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(MALFORMED_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(MALFORMED_FOREGROUND)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.KIND:
            return self._warning()
        return None

    def _warning(self) -> QIcon:
        if self._warning_icon is None:
            style = QApplication.style()
            self._warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning_icon


def _device_text(record: DeviceRecord, column: Column) -> str:
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
        return ", ".join(transport_label(t) for t in record.transports)
    if column == Column.ADDRESS:
        network = record.network
        if network is not None:
            return format_address(network.address, network.port)
        return latest.address or ""
    return ""
