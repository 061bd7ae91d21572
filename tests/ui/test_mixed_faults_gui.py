"""The whole ``mixed-faults`` training home taken to handover through the GUI (the same steps as
tests/core/test_mixed_faults_handover.py, in the window): check the devices, take each blocked
one out ("Remove or replace…": removed, or replaced by a new genuine unit the simulator swapped
in), read a new unit's label from a photo, press the reset button of devices of a previous home,
commission, update and close and hand over. The virtual home runs in its own process; real mDNS
on 127.0.0.1, real TLS, SQLite and keyring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keyring_fixtures
import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot
from resale_flow import cli_runner
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.documents import HandoverOutcome
from commissioner.jobs.store import JobStore
from commissioner.virtualhome.homefile import HomeFile
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

# blocked device (by fault or model) -> the model of its genuine replacement, or None: removed
PLAN: dict[tuple[str, str], str | None] = {
    ("fault", "counterfeit-self-signed"): "SD-CAM8",
    ("fault", "counterfeit-unknown-ca"): "HL-EL300",
    ("fault", "uncertified-model"): "KH-CAM5",
    ("fault", "model-mismatch"): "FE-RAS22",
    ("model", "SD-AC1900"): "SD-AC2400",
    ("model", "KH-CAM3"): None,
    ("model", "TE-BT50"): None,
}


def _manifest(home: HomeFile) -> dict[str, dict[str, Any]]:
    raw = json.loads((home.directory / "virtual-home.json").read_text())
    return {d["device_id"]: d for d in [*raw["devices"], raw["gateway"]]}


def _find(home: HomeFile, key: tuple[str, str]) -> str:
    for device_id, d in _manifest(home).items():
        if (key[1] in d["faults"]) if key[0] == "fault" else (
                d["model"] == key[1] and not d["faults"]):
            return device_id
    raise KeyError(key)


@pytest.mark.slow
def test_mixed_faults_home_reaches_handover_through_the_gui(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    data = tmp_path / "data"
    cli = cli_runner(data, secret_service.bus_address)

    def wait(predicate: Any, seconds: float) -> None:
        qtbot.waitUntil(predicate, timeout=int(seconds * 1000))

    env = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "262144"}
    with running_virtual_home(tmp_path / "home", scenario="mixed-faults", env=env) as home:
        ctl = ["virtual-home", "ctl", str(home.directory)]
        blocked = {key: _find(home, key) for key in PLAN}
        previous_home = [_find(home, ("fault", "default-password")),
                         _find(home, ("fault", "personal-data")),
                         _find(home, ("model", "FE-RAS28"))]
        r = cli("job", "new", "--job-number", "MF-G", "--site-name", "さくら邸",
                "--site-address", "東京都", "--level", "3", "--personal-data", "yes",
                "--life-or-property", "yes", "--operator", "佐藤", "--json")
        assert r.returncode == 0, r.stderr
        job_id = json.loads(r.stdout)["id"]
        service = JobService(paths.default_store_path(data), data_dir=data,
                             virtual_home=home.directory, read_box_labels=True)
        window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
        qtbot.addWidget(window)
        window.show()
        window.open_job(job_id)
        wait(lambda: window.job is not None and window.job.job_id == job_id, 20)
        done: dict[str, list[object]] = {}
        window.operations.operation_finished.connect(
            lambda op, outcome: done.setdefault(op, []).append(outcome))

        everything = set(_manifest(home))
        window.start_scan()
        wait(lambda: everything <= set(window.model.device_ids()), 40)
        window.gate.certify_action.trigger()
        wait(lambda: window.gate.last_certify is not None, 90)
        certified = window.gate.last_certify
        assert certified is not None
        verdicts = {v.device_id: v for v in certified.verdicts}
        assert {d for d, v in verdicts.items() if v.blocked} == set(blocked.values())
        change = window.device_change

        # A device still on the network cannot be recorded as removed.
        some = blocked[("model", "KH-CAM3")]
        assert window.select_device(some)
        assert change.button.isVisible() and change.action.isEnabled()
        dialog = change.show_for_selected()
        assert dialog is not None
        dialog.remove_radio.setChecked(True)
        dialog.gone_check.setChecked(True)
        dialog.reason_edit.setPlainText("revoked model")
        dialog.ok_button.click()
        wait(lambda: not dialog.ok_button.isEnabled(), 5)
        wait(lambda: dialog.ok_button.isEnabled(), 30)
        assert dialog.isVisible() and "ネットワーク" in dialog.status.text(), dialog.status.text()
        _shot(dialog, "gui-device-change-still-present")
        dialog.reject()

        new_units: dict[str, str] = {}
        for key, model in PLAN.items():
            old = blocked[key]
            # The installer opens the dialog at the blocked device, then unplugs it (and
            # switches the new unit on): the old row leaves the table, the new one arrives.
            assert window.select_device(old)
            dialog = change.show_for_selected()
            assert dialog is not None
            if model is None:
                assert cli(*ctl, "remove", old).returncode == 0
                new = ""
                dialog.remove_radio.setChecked(True)
            else:
                swap = [*ctl, "swap", old] + ([] if model == verdicts[old].model
                                              else ["--model", model])
                r = cli(*swap)
                assert r.returncode == 0, r.stderr
                new = json.loads(r.stdout)["device_id"]
                new_units[old] = new
                dialog.replace_radio.setChecked(True)
                wait(lambda n=new, d=dialog: d.new_unit.findText(n) >= 0, 30)
                dialog.new_unit.setCurrentIndex(dialog.new_unit.findText(new))
            dialog.gone_check.setChecked(True)
            dialog.reason_edit.setPlainText(f"{key[1]}: {'a genuine unit' if new else 'out'}")
            if key == ("fault", "counterfeit-self-signed"):
                _shot(dialog, "gui-device-change-replace")
            finished: list[str] = []
            change.finished.connect(finished.append)
            dialog.ok_button.click()
            wait(lambda f=finished, d=dialog: bool(f) or d.ok_button.isEnabled(), 60)
            assert finished == [old], dialog.status.text()
            change.finished.disconnect(finished.append)
            assert window.model.gate_state(old) is None

        # The first new unit's label is read from a photo of it.
        first_new = next(iter(new_units.values()))
        window.gate.submit_label_image(str(home.directory / "labels" / f"{first_new}.png"))
        checking = QCoreApplication.translate("MainWindow", "Checking the label…")
        result = window.gate.label_entry.result_label
        wait(lambda: result.text() not in ("", checking), 30)

        for device_id in previous_home:
            assert cli(*ctl, "reset", device_id).returncode == 0

        assert window.commissioning.commission()
        wait(lambda: len(done.get("commission", [])) == 1, 180)
        if window.operations.summary_box is not None:
            window.operations.summary_box.close()
        assert window.firmware.update_firmware(reboot_timeout=30.0)
        wait(lambda: len(done.get("firmware", [])) == 1, 180)
        if window.operations.summary_box is not None:
            window.operations.summary_box.close()

        window.handover.action.trigger()
        wait(lambda: window.handover.dialog is not None and window.handover.dialog.isVisible(), 90)
        handover = window.handover.dialog
        assert handover is not None
        outcome = handover.outcome
        assert isinstance(outcome, HandoverOutcome)
        assert outcome.closed, handover.reason_texts()
        _shot(window, "gui-mixed-faults-handed-over")
        window.stop_scan()
        wait(lambda: window.scan_state is ScanState.IDLE, 20)

    with JobStore.open(data / "jobs.sqlite3") as store:
        steps = store.steps(job_id)
        devices = {d.device_id: d for d in store.devices(job_id, include_retired=True)}
        assert store.get_job(job_id).sealed_hash
    for key, model in PLAN.items():
        assert devices[blocked[key]].status == ("removed" if model is None else "replaced")
    links = {s.device_id: s.detail["replaces"] for s in steps if s.action == "device.replacement"}
    assert links == {new: old for old, new in new_units.items()}
    sources = {s.detail.get("source") for s in steps
               if s.action.startswith("label.") and s.device_id == first_new}
    assert "image" in sources


def _shot(widget: Any, name: str) -> None:
    path = Path("/tmp/shots/gui")
    path.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path / f"{name}.png"))
