"""Resale in the GUI, end to end, against a virtual home in its own process: owner A's
handed-over home (CLI), then in the window a new resale job from A's sealed job, wipe and
verify with one device reset by hand when the window asks, check, commission, update, close
and hand over for the next owner, and the wipe certificate. Real mDNS on 127.0.0.1, real TLS,
real SQLite and keyring, real PDFs."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import keyring_fixtures
from pytestqt.qtbot import QtBot
from resale_flow import cli_runner, gui_resale, hand_over_for_owner_a
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.app.wipe import DeviceWipe, WipeOutcome
from commissioner.documents import HandoverOutcome
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import TrustStore, open_session
from commissioner.virtualhome.homefile import read_home_file
from ui.bridge import AsyncBridge
from ui.device_table import OperationState
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState
from ui.resale_dialogs import WipeCertificateDialog

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


async def _inventory(host: str, port: int, trust: TrustStore) -> dict[str, int]:
    async with await open_session(host, port, trust) as s:
        counts = (await s.get_json("/v1/personal-data"))["counts"]
    assert isinstance(counts, dict)
    return counts


def test_resale_in_the_gui_end_to_end(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    data = tmp_path / "data"
    cli = cli_runner(data, secret_service.bus_address)
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                              env={"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2"}) as home:
        old = hand_over_for_owner_a(cli, home, tmp_path)
        service = JobService(paths.default_store_path(data), data_dir=data,
                             virtual_home=home.directory, read_box_labels=True)
        window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
        qtbot.addWidget(window)
        window.show()
        assert window.resale.wipe_action.text() == "消去と検証"
        assert window.resale.new_resale_action in window.file_menu.actions()

        def wait(predicate: Any, seconds: float) -> None:
            qtbot.waitUntil(predicate, timeout=int(seconds * 1000))

        done = gui_resale(window, home, old, cli, wait, lambda _w, _n: None)

        wiped = done.last("wipe")
        assert isinstance(wiped, WipeOutcome) and not wiped.unverified
        methods = {d.device_id: d.method for d in wiped.devices}
        reset_by_hand = home.devices[0].device_id
        assert methods.pop(reset_by_hand) == "factory-reset-by-technician"
        assert set(methods.values()) == {"authenticated-wipe"}
        for d in wiped.devices:
            assert isinstance(d, DeviceWipe) and sum(d.before["personal_data"].values()) > 0
            state = window.model.operation(d.device_id)
            assert isinstance(state, OperationState) and state.status in ("done", "running",
                                                                          "failed")
        handed = done.last("handover")
        assert isinstance(handed, HandoverOutcome) and handed.closed, handed.blockers
        assert handed.sheet is not None
        cert = done.last("certificate")
        assert isinstance(cert, WipeCertificateDialog)
        content = cert.certificate.content
        assert content["all_verified"] and content["previous_job"]["id"] == old
        assert "検証済み" in cert.devices.item(0).text()
        pdf = tmp_path / "wipe.pdf"
        assert cert.save_pdf(pdf) >= 1
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "データ消去証明書" in text

        # Asked directly over the protocol: nothing of owner A is left anywhere.
        trust = TrustStore.from_pem(home.trust_roots_path.read_bytes())
        now = read_home_file(home.directory)
        for d in [now.gateway, *now.devices]:
            assert set(asyncio.run(_inventory(d.host, d.port, trust)).values()) == {0}
        with JobStore.open(data / "jobs.sqlite3") as store:
            old_job, new_job = store.get_job(old), store.get_job(handed.job.id)
        assert old_job.sealed_hash and new_job.sealed_hash and new_job.job_number == "B-1"
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=20000)
