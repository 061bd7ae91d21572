"""Qt table model of the devices (and malformed advertisements) that discovery has seen.

The model is fed with :mod:`commissioner.discovery.events` values on the GUI thread through
:meth:`DeviceTableModel.apply`. Rows are kept sorted (devices by kind then id, malformed entries
after them by transport then source) and are inserted, removed and updated individually so that
selection and scroll position stay stable while a scan runs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon
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
)
from commissioner.jobs.models import DeviceGateState
from commissioner.protocol.spec import DeviceKind
from ui.device_cells import (
    BLOCKED_BACKGROUND,
    BLOCKED_FOREGROUND,
    CERTIFIED_BACKGROUND,
    CERTIFIED_FOREGROUND,
    MALFORMED_BACKGROUND,
    MALFORMED_FOREGROUND,
    UNCHECKED_FOREGROUND,
    Column,
    FirmwareMark,
    OperationState,
    device_text,
    firmware_cell,
    operation_cell,
    verdict_icon,
)
from ui.device_texts import (
    QT_TRANSLATE_NOOP,
    gate_text,
    transport_label,
    verdict_explanation,
)

_KIND_ORDER: Final[dict[str, int]] = {kind.value: i for i, kind in enumerate(DeviceKind)}



_HEADERS: Final[dict[Column, str]] = {
    Column.KIND: QT_TRANSLATE_NOOP("DeviceTable", "Kind"),
    Column.VERDICT: QT_TRANSLATE_NOOP("DeviceTable", "Certification"),
    Column.PROGRESS: QT_TRANSLATE_NOOP("DeviceTable", "Progress"),
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
_TRANSLATED_COLUMNS: Final = (
    Column.KIND,
    Column.VERDICT,
    Column.PROGRESS,
    Column.FIRMWARE,
    Column.STATE,
    Column.TRANSPORT,
    Column.DETAILS,
)

ROW_KIND_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
"""``"device"`` or ``"malformed"``."""
ROW_KEY_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2
"""The device id, or ``"transport/source"`` for a malformed entry."""
VERDICT_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 3
"""The gate's verdict code ("certified", "counterfeit", ...) or None if not checked yet."""
BLOCKED_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 4
"""True if the gate blocked the device, False if certified, None if not checked yet."""
OPERATION_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 5
"""The device's :class:`OperationState` (onboarding, provisioning, firmware) or None."""
VULNERABLE_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 6
"""True if the device's verified firmware version is known to be vulnerable."""
TRANSPORTS_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 7
"""The transports that have seen the device, e.g. ``("ble", "mdns")``."""
RSSI_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 8
"""The BLE signal strength in dBm (None if not seen over BLE)."""


def _t(text: str) -> str:
    return QCoreApplication.translate("DeviceTable", text)


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


PROGRESS_FLUSH_MS: Final = 33
"""Progress cells are repainted at most this often (about 30 Hz), however fast events come."""
REBOOTING_FOREGROUND: Final = QColor("#8a5a00")


class DeviceTableModel(QAbstractTableModel):
    """Devices found by discovery, one row each, plus one distinct row per malformed source.

    Progress (:meth:`set_operation`) is stored at once but told to views in batches: a timer
    flushes the changed progress cells about 30 times a second, so a flood of progress events
    costs the GUI thread one repaint per batch, not one per event. :attr:`operation_set` is
    emitted for each change at once (for whoever must see every step, e.g. tests).

    A device that goes silent on the network (its mDNS record withdrawn) while an operation
    is running on it, as a device does when it reboots into new firmware, keeps its row and is
    shown as rebooting until it is heard again.
    """

    operation_set = Signal(str)
    """A device's progress changed (emitted at once, before views are told)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._index: dict[tuple[bool, str], int] | None = None  # (malformed, key) -> row
        self._malformed_total = 0
        self._warning_icon: QIcon | None = None
        self._gate: dict[str, DeviceGateState] = {}
        self._verdict_icons: dict[str, QIcon] = {}
        self._operations: dict[str, OperationState] = {}
        self._firmware: dict[str, FirmwareMark] = {}
        self._silent: set[str] = set()  # listed, running an operation, not heard (rebooting)
        self._dirty_progress: set[str] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(PROGRESS_FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)

    # -- feeding -------------------------------------------------------------------------------
    def apply(self, event: DiscoveryEvent) -> None:
        """Apply one discovery event (call on the GUI thread)."""
        match event:
            case DeviceAdded(record=record) | DeviceUpdated(record=record):
                self._silent.discard(record.device_id)
                self._upsert(_DeviceRow(record))
            case DeviceRemoved(device_id=device_id):
                if self._busy(device_id) and self._find(device_id, malformed=False) >= 0:
                    # Rebooting (e.g. into new firmware): keep the row, say so.
                    self._silent.add(device_id)
                    self._row_changed(device_id)
                else:
                    self._silent.discard(device_id)
                    self._remove(device_id, malformed=False)
            case MalformedSeen(entry=entry):
                self._upsert(_MalformedRow(entry))
            case MalformedCleared(transport=transport, source=source):
                self._remove(f"{transport}/{source}", malformed=True)
            case _:
                raise TypeError(f"not a discovery event: {event!r}")

    def clear(self) -> None:
        self._silent.clear()
        if not self._rows:
            return
        self.beginResetModel()
        self._rows.clear()
        self._index = None
        self._malformed_total = 0
        self.endResetModel()

    def _busy(self, device_id: str) -> bool:
        op = self._operations.get(device_id)
        return op is not None and op.status == "running"

    def is_rebooting(self, device_id: str) -> bool:
        """Listed and running an operation, but not heard on the network right now."""
        return device_id in self._silent

    def _row_changed(self, device_id: str) -> None:
        row = self._find(device_id, malformed=False)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def _forget_silent(self, device_ids: Iterable[str]) -> None:
        """Devices no longer worked on that were not heard again leave the table."""
        for device_id in list(device_ids):
            if device_id in self._silent and not self._busy(device_id):
                self._silent.discard(device_id)
                self._remove(device_id, malformed=False)

    def set_gate_states(self, states: Iterable[DeviceGateState], *, replace: bool = False) -> None:
        """Show the gate's verdicts (from the job store); ``replace`` forgets earlier ones."""
        if replace:
            self._gate.clear()
        for state in states:
            self._gate[state.device_id] = state
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def clear_gate_states(self) -> None:
        self.set_gate_states((), replace=True)

    def gate_state(self, device_id: str) -> DeviceGateState | None:
        return self._gate.get(device_id)

    def set_operation(self, device_id: str, state: OperationState | None) -> None:
        """Show (or with None, clear) a device's progress in the progress column; views hear
        of it at the next flush (at most :data:`PROGRESS_FLUSH_MS` later)."""
        if state is None:
            if self._operations.pop(device_id, None) is None:
                return
        else:
            self._operations[device_id] = state
        self.operation_set.emit(device_id)
        self._dirty_progress.add(device_id)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Tell views about the progress cells changed since the last flush (one signal per
        run of adjacent rows)."""
        self._flush_timer.stop()
        dirty, self._dirty_progress = self._dirty_progress, set()
        rows = sorted(r for r in (self._find(d, malformed=False) for d in dirty) if r >= 0)
        start = previous = -2
        for row in [*rows, -2]:
            if row != previous + 1:
                if start >= 0:
                    self.dataChanged.emit(
                        self.index(start, Column.PROGRESS), self.index(previous, Column.PROGRESS)
                    )
                start = row
            previous = row
        # A silent device whose operation ended is shown with its outcome (and stays until the
        # operations are cleared); its state cell changes from "rebooting".
        for device_id in dirty & self._silent:
            if not self._busy(device_id):
                self._row_changed(device_id)

    def operation(self, device_id: str) -> OperationState | None:
        return self._operations.get(device_id)

    def clear_operations(self) -> None:
        ended = list(self._operations)
        self._operations.clear()
        self._dirty_progress.clear()
        self._forget_silent(ended)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.PROGRESS), self.index(len(self._rows) - 1, Column.PROGRESS)
            )

    def set_firmware_mark(self, device_id: str, mark: FirmwareMark | None) -> None:
        if mark is None:
            self._firmware.pop(device_id, None)
        else:
            self._firmware[device_id] = mark
        row = self._find(device_id, malformed=False)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def firmware_mark(self, device_id: str) -> FirmwareMark | None:
        return self._firmware.get(device_id)

    def clear_firmware_marks(self) -> None:
        self._firmware.clear()
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def retranslate(self) -> None:
        """Tell views that headers and translated cells changed (after a language switch)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self._rows:
            for column in _TRANSLATED_COLUMNS:
                self.dataChanged.emit(
                    self.index(0, column), self.index(len(self._rows) - 1, column)
                )

    def _find(self, key: str, malformed: bool) -> int:
        index = self._index
        if index is None:  # rebuilt after rows were inserted or removed
            index = self._index = {
                (isinstance(row, _MalformedRow), row.key): i for i, row in enumerate(self._rows)
            }
        return index.get((malformed, key), -1)

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
            self._take(current)
        position = self._insert_position(row)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, row)
        self._index = None
        self._malformed_total += isinstance(row, _MalformedRow)
        self.endInsertRows()

    def _take(self, current: int) -> None:
        self.beginRemoveRows(QModelIndex(), current, current)
        removed = self._rows.pop(current)
        self._index = None
        self._malformed_total -= isinstance(removed, _MalformedRow)
        self.endRemoveRows()

    def _remove(self, key: str, *, malformed: bool) -> None:
        current = self._find(key, malformed)
        if current < 0:
            return
        self._take(current)

    # -- queries -------------------------------------------------------------------------------
    @property
    def device_count(self) -> int:
        return len(self._rows) - self._malformed_total

    @property
    def malformed_count(self) -> int:
        return self._malformed_total

    def device_ids(self) -> list[str]:
        return [row.key for row in self._rows if isinstance(row, _DeviceRow)]

    def records(self) -> list[DeviceRecord]:
        """The discovery records of the devices listed (not the malformed entries)."""
        return [row.record for row in self._rows if isinstance(row, _DeviceRow)]

    def record(self, device_id: str) -> DeviceRecord | None:
        row = self._find(device_id, malformed=False)
        found = self._rows[row] if row >= 0 else None
        return found.record if isinstance(found, _DeviceRow) else None

    def row_of(self, device_id: str) -> int:
        """The row of a device (-1 if it is not listed)."""
        return self._find(device_id, malformed=False)

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
        state = self._gate.get(record.device_id)
        if role == VERDICT_ROLE:
            return state.verdict if state is not None else None
        if role == BLOCKED_ROLE:
            return state.blocked if state is not None and state.verdict is not None else None
        if role == OPERATION_ROLE:
            return self._operations.get(record.device_id)
        if role == TRANSPORTS_ROLE:
            return record.transports
        if role == RSSI_ROLE:
            ble = record.sightings.get("ble")
            return ble.rssi if ble is not None else None
        mark = self._firmware.get(record.device_id)
        if role == VULNERABLE_ROLE:
            return bool(mark is not None and mark.vulnerable)
        if column == Column.VERDICT:
            return self._verdict_data(state, role)
        if column == Column.PROGRESS:
            return operation_cell(self._operations.get(record.device_id), role)
        if column == Column.FIRMWARE and mark is not None:
            shown = firmware_cell(mark, role)
            if shown is not None:
                return shown
        if column == Column.STATE and record.device_id in self._silent:
            if role == Qt.ItemDataRole.DisplayRole:
                if self._busy(record.device_id):
                    return QCoreApplication.translate("DeviceTable", "Rebooting…")
                return QCoreApplication.translate("DeviceTable", "Not heard since the restart")
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(REBOOTING_FOREGROUND)
        if role == Qt.ItemDataRole.DisplayRole:
            return device_text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is Column.DEVICE_ID:
                return record.device_id  # the whole id, shown elided in the cell
            sighting = record.latest
            text = QCoreApplication.translate("DeviceTable", "Protocol version %1")
            return text.replace("%1", sighting.protocol_version)
        return None

    def _verdict_data(self, state: DeviceGateState | None, role: int) -> object:
        verdict = state.verdict if state is not None else None
        blocked = bool(state.blocked) if state is not None and verdict is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            return gate_text(state)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [verdict_explanation(verdict)]
            if state is not None and state.verdict_reason:
                parts.append(state.verdict_reason)
            if state is not None and state.replace_flag and state.replace_reason:
                parts.append(
                    QCoreApplication.translate("DeviceTable", "To be replaced: %1").replace(
                        "%1", state.replace_reason
                    )
                )
            return "\n".join(p for p in parts if p)
        if role == Qt.ItemDataRole.DecorationRole:
            key = "none" if blocked is None else ("blocked" if blocked else "ok")
            icon = self._verdict_icons.get(key)
            if icon is None:
                icon = self._verdict_icons[key] = verdict_icon(key)
            return icon
        if role == Qt.ItemDataRole.ForegroundRole:
            if blocked is None:
                return QBrush(UNCHECKED_FOREGROUND)
            return QBrush(BLOCKED_FOREGROUND if blocked else CERTIFIED_FOREGROUND)
        if role == Qt.ItemDataRole.BackgroundRole and blocked is not None:
            return QBrush(BLOCKED_BACKGROUND if blocked else CERTIFIED_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and blocked:
            font = QFont()
            font.setBold(True)
            return font
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


__all__ = [
    "BLOCKED_BACKGROUND",
    "BLOCKED_FOREGROUND",
    "BLOCKED_ROLE",
    "CERTIFIED_BACKGROUND",
    "CERTIFIED_FOREGROUND",
    "MALFORMED_BACKGROUND",
    "MALFORMED_FOREGROUND",
    "OPERATION_ROLE",
    "PROGRESS_FLUSH_MS",
    "ROW_KEY_ROLE",
    "ROW_KIND_ROLE",
    "RSSI_ROLE",
    "TRANSPORTS_ROLE",
    "UNCHECKED_FOREGROUND",
    "VERDICT_ROLE",
    "VULNERABLE_ROLE",
    "Column",
    "DeviceTableModel",
    "FirmwareMark",
    "OperationState",
]
