"""The JC-STAR label of a selected device, entered in the GUI, in a training home with ECHONET
Lite equipment (real nodes on UDP 3610, multicast on loopback in the test's network
namespace): the equipment is listed in the device table once checked, and the label's
registration number is recorded in the job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keyring_fixtures
from pytestqt.qtbot import QtBot
from resale_flow import cli_runner
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.app.device_labels import DeviceLabelResult
from commissioner.jobs.store import JobStore
from commissioner.virtualhome.echonet_home import ECHONET_FILE, equipment_of
from commissioner.virtualhome.echonet_nodes import NodeSpec, standard_nodes
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
JCSTAR_URL = "https://www.ipa.go.jp/security/jc-star/product/JCS-3-000122"
SHOTS = Path("/tmp/shots/gui")


def _seed(directory: Path, nodes: list[NodeSpec]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    doc = {"format": 1, "interface": "127.0.0.1", "nodes": [
        {"host": n.host, "manufacturer_code": n.manufacturer_code, "unique": n.unique,
         "hostile": None, "objects": [{"eoj": str(o.eoj), "product_code": o.product_code,
                                       "serial": o.serial, "manufacturer_code": None}
                                      for o in n.objects]} for n in nodes]}
    (directory / ECHONET_FILE).write_text(json.dumps(doc), encoding="utf-8")


def test_jcstar_label_for_echonet_equipment_in_the_gui(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    data = tmp_path / "data"
    cli = cli_runner(data, secret_service.bus_address)
    nodes = standard_nodes()[:2]
    ids = {e.kind: e.device_id for e in equipment_of(nodes)}
    _seed(tmp_path / "home", nodes)

    def wait(predicate: Any, seconds: float) -> None:
        qtbot.waitUntil(predicate, timeout=int(seconds * 1000))

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=2) as home:
        assert home.echonet is not None and home.echonet["status"] == "running", home.echonet
        r = cli("job", "new", "--job-number", "EL-G", "--site-name", "ひばり邸",
                "--site-address", "大阪府", "--level", "2", "--personal-data", "no",
                "--life-or-property", "no", "--reason", "agreed with the owner",
                "--operator", "田中", "--json")
        assert r.returncode == 0, r.stderr
        job_id = json.loads(r.stdout)["id"]
        service = JobService(paths.default_store_path(data), data_dir=data,
                             virtual_home=home.directory)
        window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
        qtbot.addWidget(window)
        window.resize(1366, 690)
        window.show()
        window.open_job(job_id)
        wait(lambda: window.job is not None and window.job.job_id == job_id, 20)
        window.start_scan()
        mdns = {d.device_id for d in home.devices} | {home.gateway.device_id}
        wait(lambda: mdns <= set(window.model.device_ids()), 30)
        window.gate.certify_action.trigger()
        wait(lambda: window.gate.last_certify is not None, 90)
        certified = window.gate.last_certify
        assert certified is not None
        verdicts = {v.device_id: v.verdict.value for v in certified.verdicts}
        aircon = ids["air-conditioner"]
        assert verdicts.get(aircon) == "model-matched-not-attested", verdicts
        listed = set(window.model.device_ids())
        shown = set(ids.values()) & listed
        qtbot.wait(500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / "gui-echonet-table.png"))
        target = aircon if aircon in listed else home.devices[0].device_id
        assert window.select_device(target)
        labels = window.device_label
        assert labels.button.isVisible() and labels.action.isEnabled()
        dialog = labels.show_for_selected()
        assert dialog is not None and dialog.device_id == target
        dialog.qr_edit.setText(JCSTAR_URL)
        recorded: list[object] = []
        labels.recorded.connect(recorded.append)
        dialog.ok_button.click()
        wait(lambda: bool(recorded) or "記録" not in dialog.status.text(), 30)
        assert recorded, dialog.status.text()
        result = recorded[0]
        assert isinstance(result, DeviceLabelResult)
        assert result.kind == "jcstar" and result.registration_number == "JCS-3-000122"
        assert "JCS-3-000122" in dialog.status.text()
        qtbot.wait(200)
        assert dialog.status.height() >= dialog.status.heightForWidth(dialog.status.width())
        dialog.grab().save(str(SHOTS / "gui-jcstar-label.png"))
        window.stop_scan()
        wait(lambda: window.scan_state is ScanState.IDLE, 20)
    with JobStore.open(data / "jobs.sqlite3") as store:
        steps = [s for s in store.steps(job_id) if s.action == "label.jcstar"]
    assert [s.device_id for s in steps] == [target]
    assert shown == set(ids.values()), (
        f"ECHONET Lite equipment missing from the table: {set(ids.values()) - listed}")
