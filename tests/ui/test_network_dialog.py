""""Home network…": the home's Wi-Fi settings for BLE onboarding, entered by the installer.

The dialog validates with NetworkConfig.validate() and shows problems inline; the accepted
settings stay in the window's memory and are what onboarding gives the devices, also in
training mode (where the virtual home's own settings are only the default). Against the
ble-10 virtual home in its own process (real GATT onboarding, real SQLite job store). No mocks.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from ui.bridge import AsyncBridge
from ui.field_ops import OnboardRun
from ui.job_service import Failure, JobService
from ui.main_window import MainWindow, ScanState
from ui.network_dialog import NetworkDialog

WAIT_MS = 20000


def test_dialog_rejects_short_passphrase_and_accepts_valid(
    qtbot: QtBot, language: str
) -> None:
    assert language == "ja"
    dialog = NetworkDialog(None, home_id="J12345678")
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.windowTitle() == "宅内ネットワーク設定"
    assert dialog.passphrase_edit.echoMode() is dialog.passphrase_edit.EchoMode.Password
    assert dialog.home_id_label.text() == "J12345678"
    dialog.ssid_edit.setText("home-wifi")
    dialog.passphrase_edit.setText("short")
    dialog.ok_button.click()
    error = dialog.errors["passphrase"]
    assert dialog.isVisible() and dialog.config is None
    assert error.isVisible() and "8" in error.text() and "63" in error.text()
    assert error.text() != "" and not error.text().isascii()  # translated
    assert not dialog.errors["ssid"].isVisible()

    dialog.passphrase_edit.setText("correct horse battery")
    dialog.ok_button.click()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Accepted
    config = dialog.config
    assert config is not None
    assert (config.ssid, config.passphrase, config.home_id) == (
        "home-wifi", "correct horse battery", "J12345678")
    assert "correct horse" not in repr(config)
    assert dialog.passphrase_edit.text() == ""  # no copy left in the widget


def test_no_home_id_refused(qtbot: QtBot, language: str) -> None:
    dialog = NetworkDialog(None, home_id=None)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.ssid_edit.setText("home-wifi")
    dialog.passphrase_edit.setText("long enough pass")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.config is None
    assert dialog.errors["home_id"].isVisible()


def _enter(qtbot: QtBot, window: MainWindow, ssid: str, passphrase: str) -> None:
    assert window.onboarding.network_action in window.file_menu.actions()
    assert window.onboarding.network_action.text() == "宅内ネットワーク設定…"
    window.onboarding.network_action.trigger()
    dialog = window.onboarding.network_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.ssid_edit.setText(ssid)
    dialog.passphrase_edit.setText(passphrase)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.onboarding.network_dialog is None, timeout=WAIT_MS)


def _onboard(qtbot: QtBot, window: MainWindow, device_id: str) -> OnboardRun:
    ops = window.operations
    assert window.select_device(device_id)
    with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS * 2) as blocker:
        window.onboarding.onboard_button.click()
    operation, outcome = blocker.args
    assert operation == "onboard" and isinstance(outcome, OnboardRun), outcome
    return outcome


def test_training_onboarding_uses_entered_network(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    assert language == "ja"
    with running_virtual_home(tmp_path / "home", scenario="ble-10", devices=3) as home:
        assert home.ble is not None
        ble_ids = sorted(d.device_id for d in home.ble.devices)
        assert len(ble_ids) == 3
        lan = json.loads((home.directory / "lan" / "network.json").read_text())
        data_dir = tmp_path / "data"
        with JobStore.open(paths.default_store_path(data_dir)) as store:
            job_id = store.create_job(
                job_number="NET-1", site_name="青木邸", site_address="東京都港区1-1",
                service_level=2, operator="青木").id
        service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                             virtual_home=home.directory, read_box_labels=True)
        window = MainWindow(bridge, mdns_interfaces=list(home.mdns_interfaces), service=service)
        qtbot.addWidget(window)
        window.show()
        window.open_job(job_id)
        qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
        ops = window.operations
        assert window.onboarding.network_config is None  # training default: the virtual home's LAN
        window.onboarding.ble_action.setChecked(True)
        window.start_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: set(ble_ids) <= set(window.model.device_ids()),
                        timeout=WAIT_MS)

        wrong, right, field = ble_ids
        # In the field (no virtual home for the job service; the running scan keeps its radio)
        # onboarding without known settings opens "Home network…" first; Cancel starts nothing.
        service.virtual_home = None
        assert window.select_device(field)
        window.onboarding.onboard_button.click()
        dialog = window.onboarding.network_dialog
        assert dialog is not None and dialog.isVisible() and ops.busy is None
        assert dialog.home_id_label.text() == job_id
        dialog.reject()
        qtbot.waitUntil(lambda: window.onboarding.network_dialog is None, timeout=WAIT_MS)
        assert ops.busy is None and window.onboarding.network_config is None
        # Accepting the dialog starts the onboarding it was opened for.
        window.onboarding.onboard_button.click()
        dialog = window.onboarding.network_dialog
        assert dialog is not None
        dialog.ssid_edit.setText("field-lan")
        dialog.passphrase_edit.setText(lan["passphrase"])
        with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS * 2) as blocker:
            dialog.ok_button.click()
            assert ops.busy == "onboard"
        # (Here it ends at the job's vault: field labels are scanned into it, none were.)
        assert blocker.args[0] == "onboard" and isinstance(blocker.args[1], (OnboardRun, Failure))
        config = window.onboarding.network_config
        assert config is not None and config.ssid == "field-lan"
        service.virtual_home = home.directory

        # Entered settings win over the virtual home's: a wrong SSID is refused by the device.
        _enter(qtbot, window, "not-the-home-lan", lan["passphrase"])
        config = window.onboarding.network_config
        assert config is not None and config.home_id == job_id
        outcome = _onboard(qtbot, window, wrong)
        assert not outcome.ok and outcome.results[0].reason == "join-failed", outcome

        # The right settings, entered again: the device accepts them and joins the LAN.
        _enter(qtbot, window, lan["ssid"], lan["passphrase"])
        config = window.onboarding.network_config
        assert config is not None and config.ssid == lan["ssid"]
        outcome = _onboard(qtbot, window, right)
        assert outcome.ok and outcome.joined == (right,), outcome
        # The virtual device persisted that it got (and accepted) the network configuration;
        # it accepts only the home LAN's SSID and passphrase, so it received the entered SSID.
        ble_state = json.loads((home.directory / "ble.json").read_text())["devices"]
        assert ble_state[right]["onboarded"] is True
        assert ble_state[wrong]["onboarded"] is False
        device_state = json.loads(
            (home.directory / "devices" / right / "state.json").read_text())
        assert device_state["network_configured"] is True

        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)

        # The passphrase is in memory only: nowhere in the app's data directory.
        secret = lan["passphrase"].encode("utf-8")
        files = [p for p in data_dir.rglob("*") if p.is_file()]
        assert files  # the job store is there
        for path in files:
            assert secret not in path.read_bytes(), path
        window.close()
