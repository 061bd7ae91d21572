"""DeviceTableModel: rows inserted, updated and removed one by one, in a stable order."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DeviceRemoved,
    DeviceUpdated,
    MalformedAdvertisement,
    MalformedCleared,
    MalformedSeen,
    Sighting,
)
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from ui import i18n
from ui.device_table import ROW_KIND_ROLE, Column, DeviceTableModel
from ui.device_texts import format_address


def _record(device_id: str, kind: DeviceKind, **changes: object) -> DeviceRecord:
    sighting = Sighting(
        transport="mdns",
        device_id=device_id,
        role=Role.GATEWAY if kind is DeviceKind.GATEWAY else Role.DEVICE,
        kind=kind.value,
        manufacturer="Sakura Denki",
        model="X-1",
        firmware="1.0.0",
        state=CommissioningState.FACTORY,
        protocol_version="1",
        address="127.0.0.1",
        port=8443,
    )
    sighting = dataclasses.replace(sighting, **changes)  # type: ignore[arg-type]
    return DeviceRecord(device_id, {"mdns": sighting})


class Spy:
    def __init__(self, model: DeviceTableModel) -> None:
        self.log: list[tuple[str, int, int]] = []
        model.rowsInserted.connect(lambda _p, a, b: self.log.append(("insert", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.log.append(("remove", a, b)))
        model.dataChanged.connect(
            lambda tl, br, _roles=(): self.log.append(("changed", tl.row(), br.row()))
        )
        model.modelReset.connect(lambda: self.log.append(("reset", -1, -1)))


def _kinds(model: DeviceTableModel) -> list[object]:
    return [model.data(model.index(r, Column.DEVICE_ID)) for r in range(model.rowCount())]


def test_rows_are_inserted_in_kind_then_id_order(qapp: QApplication) -> None:
    i18n.install_language(qapp, "en")
    model = DeviceTableModel()
    spy = Spy(model)
    model.apply(DeviceAdded(_record("gw-1", DeviceKind.GATEWAY)))
    model.apply(DeviceAdded(_record("cam-b", DeviceKind.CAMERA)))
    model.apply(DeviceAdded(_record("ac-1", DeviceKind.AIR_CONDITIONER)))
    model.apply(DeviceAdded(_record("cam-a", DeviceKind.CAMERA)))
    model.apply(
        MalformedSeen(MalformedAdvertisement("mdns", "bad._x._tcp.local.", "TXT key 'id' bad"))
    )
    model.apply(DeviceAdded(_record("wh-1", DeviceKind.WATER_HEATER)))
    assert _kinds(model) == ["ac-1", "wh-1", "cam-a", "cam-b", "gw-1", "bad._x._tcp.local."]
    assert spy.log == [
        ("insert", 0, 0),
        ("insert", 0, 0),
        ("insert", 0, 0),
        ("insert", 1, 1),
        ("insert", 4, 4),
        ("insert", 1, 1),
    ]
    assert model.device_count == 5 and model.malformed_count == 1
    assert model.data(model.index(5, 0), ROW_KIND_ROLE) == "malformed"
    assert model.data(model.index(5, Column.KIND)) == "Malformed advertisement"
    assert model.data(model.index(5, Column.DETAILS)) == "TXT key 'id' bad"
    assert model.data(model.index(0, Column.ADDRESS)) == "127.0.0.1:8443"
    assert model.data(model.index(0, Column.TRANSPORT)) == "mDNS (network)"
    i18n.install_language(qapp, "ja")


def test_updates_change_cells_in_place_and_removals_remove_one_row(qapp: QApplication) -> None:
    i18n.install_language(qapp, "ja")
    model = DeviceTableModel()
    for device_id, kind in [("a", DeviceKind.SHUTTER), ("b", DeviceKind.LIGHTING)]:
        model.apply(DeviceAdded(_record(device_id, kind)))
    spy = Spy(model)
    model.apply(DeviceUpdated(_record("b", DeviceKind.LIGHTING, firmware="1.0.1")))
    assert spy.log == [("changed", 1, 1)]
    assert model.data(model.index(1, Column.FIRMWARE)) == "1.0.1"
    assert model.data(model.index(1, Column.KIND)) == "照明"

    # A change of kind moves the row to keep the order.
    spy.log.clear()
    model.apply(DeviceUpdated(_record("b", DeviceKind.AIR_CONDITIONER)))
    assert _kinds(model) == ["b", "a"]
    assert spy.log == [("remove", 1, 1), ("insert", 0, 0)]

    spy.log.clear()
    model.apply(DeviceRemoved("a"))
    model.apply(DeviceRemoved("not-there"))
    assert spy.log == [("remove", 1, 1)]
    assert _kinds(model) == ["b"]

    source = "evil._x._tcp.local."
    model.apply(MalformedSeen(MalformedAdvertisement("mdns", source, "first")))
    spy.log.clear()
    model.apply(MalformedSeen(MalformedAdvertisement("mdns", source, "second")))
    assert spy.log == [("changed", 1, 1)]
    assert model.data(model.index(1, Column.DETAILS)) == "second"
    assert model.data(model.index(1, Column.KIND)) == "不正なアドバタイズ"
    model.apply(MalformedCleared("mdns", source))
    assert model.malformed_count == 0 and model.rowCount() == 1

    model.clear()
    assert model.rowCount() == 0
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.columnCount(QModelIndex()) == len(Column)
    assert model.headerData(0, Qt.Orientation.Vertical) is None


def test_address_formatting() -> None:
    assert format_address("192.0.2.1", 443) == "192.0.2.1:443"
    assert format_address("fe80::1", 443) == "[fe80::1]:443"
    assert format_address("AA:BB:CC:DD:EE:FF", None) == "AA:BB:CC:DD:EE:FF"
    assert format_address(None, None) == ""
