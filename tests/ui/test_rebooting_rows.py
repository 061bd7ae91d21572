"""Devices that reboot during a firmware update stay in the table, shown as rebooting (issue 15:
the table said "0台検出" at 85 %). The model on its own, then the real window against a virtual
home in its own process (real zeroconf, TLS pushes and reboots on 127.0.0.1). No mocks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keyring_fixtures
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.discovery.events import DeviceAdded, DeviceRecord, DeviceRemoved, Sighting
from commissioner.jobs.store import JobStore
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from ui import i18n
from ui.bridge import AsyncBridge
from ui.device_table import Column, DeviceTableModel, OperationState
from ui.field_ops import FirmwareRun
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

WAIT_MS = 20000
ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "1.0",
       "COMMISSIONER_VH_FIRMWARE_BYTES": str(256 * 1024)}

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _record(device_id: str) -> DeviceRecord:
    sighting = Sighting(
        transport="mdns", device_id=device_id, kind=DeviceKind.CAMERA.value, role=Role.DEVICE,
        manufacturer="Sakura Denki", model="SD-100", firmware="1.2.0",
        state=CommissioningState.FACTORY,
        protocol_version="1", address="127.0.0.1", port=48000, seen_at=0.0,
    )
    return DeviceRecord(device_id, {"mdns": sighting})


def _state(model: DeviceTableModel, device_id: str) -> object:
    return model.data(model.index(model.row_of(device_id), Column.STATE))


def test_a_device_that_goes_silent_while_worked_on_stays_listed(qapp: QApplication) -> None:
    i18n.install_language(qapp, "ja")
    model = DeviceTableModel()
    for name in ("cam-1", "cam-2"):
        model.apply(DeviceAdded(_record(name)))
    running = OperationState("firmware", "running", 0.8, "再起動…")
    model.set_operation("cam-1", running)

    model.apply(DeviceRemoved("cam-1"))  # its mDNS record is withdrawn: it reboots
    assert model.device_ids() == ["cam-1", "cam-2"] and model.device_count == 2
    assert model.is_rebooting("cam-1") and _state(model, "cam-1") == "再起動中…"

    model.apply(DeviceAdded(_record("cam-1")))  # heard again with its new firmware
    assert not model.is_rebooting("cam-1") and _state(model, "cam-1") == "工場出荷状態"

    model.apply(DeviceRemoved("cam-2"))  # nothing runs on it: it left the network
    assert model.device_ids() == ["cam-1"]

    # Silent when its update ended: kept with its outcome until the operations are cleared.
    model.apply(DeviceRemoved("cam-1"))
    model.set_operation("cam-1", dataclasses.replace(running, status="failed", fraction=1.0))
    assert model.device_ids() == ["cam-1"] and _state(model, "cam-1") == "再起動後に応答なし"
    model.clear_operations()
    assert model.device_ids() == []
    i18n.install_language(qapp, i18n.DEFAULT_LANGUAGE)


def test_rebooting_devices_stay_in_the_table_during_a_firmware_update(
    qtbot: QtBot,
    bridge: AsyncBridge,
    language: str,
    tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                              env=ENV) as home:
        ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
        data_dir = tmp_path / "data"
        with JobStore.open(paths.default_store_path(data_dir)) as store:
            job_id = store.create_job(job_number="RB-1", site_name="高橋邸",
                                      site_address="京都府京都市4-4", service_level=2,
                                      operator="高橋").id
        service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                             virtual_home=home.directory, read_box_labels=True)
        window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
        qtbot.addWidget(window)
        window.show()
        window.open_job(job_id)
        qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
        window.start_scan()
        qtbot.waitUntil(lambda: ids <= set(window.model.device_ids()), timeout=WAIT_MS)
        window.gate.certify_action.trigger()
        qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)

        listed: list[int] = []
        rebooting: set[str] = set()
        shown_as: set[object] = set()

        def watch(*_args: object) -> None:
            model = window.model
            listed.append(len(ids & set(model.device_ids())))
            for device_id in ids:
                if model.is_rebooting(device_id):
                    rebooting.add(device_id)
                    shown_as.add(_state(model, device_id))

        window.model.rowsRemoved.connect(watch)
        window.model.dataChanged.connect(watch)
        with qtbot.waitSignal(window.operations.operation_finished, timeout=90000) as blocker:
            assert window.firmware.update_firmware(reboot_timeout=30.0)
        operation, run = blocker.args
        assert operation == "firmware" and isinstance(run, FirmwareRun) and run.ok, run
        # Devices went silent while rebooting, were shown so, and never left the table.
        assert rebooting, "no device was seen rebooting"
        assert shown_as == {"再起動中…"}
        assert listed and min(listed) == len(ids)
        assert window.device_count_label.text() == f"（{len(ids)}台検出）"
        qtbot.waitUntil(lambda: not any(window.model.is_rebooting(d) for d in ids),
                        timeout=WAIT_MS)
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
