"""The GUI's "check devices" with a look-alike advertisement of one device on the network (real
virtual home, a real impostor with a forged chain, real zeroconf and TLS): the genuine device
is certified, and the gate banner names the impostor and its address."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from tests.core.impostor_helpers import impostor_of
from ui.bridge import AsyncBridge
from ui.device_table import VERDICT_ROLE, Column
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

WAIT_MS = 20000


def test_check_devices_names_the_spoofing_attempt_and_certifies_the_genuine_device(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path
) -> None:
    assert language == "ja"
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=3) as home:
        victim = home.devices[0].device_id
        data_dir = tmp_path / "data"
        with JobStore.open(paths.default_store_path(data_dir)) as store:
            job_id = store.create_job(job_number="GUI-S", site_name="さくら邸",
                                      site_address="東京都", service_level=2,
                                      operator="佐藤").id
        service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                             virtual_home=home.directory)
        with impostor_of(home, victim) as impostor:
            window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
            qtbot.addWidget(window)
            window.show()
            window.open_job(job_id)
            qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
            ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
            window.start_scan()
            qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
            qtbot.waitUntil(lambda: ids <= set(window.model.device_ids()), timeout=WAIT_MS)
            qtbot.waitUntil(lambda: window.model.malformed_count >= 1, timeout=WAIT_MS)
            window.gate.certify_action.trigger()
            qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)
            result = window.gate.last_certify
            assert result is not None and [a.source for a in result.spoofing] == [
                impostor.instance]
            message = window.gate.gate_message or ""
            assert "なりすまし" in message and f"127.0.0.1:{impostor.port}" in message
            assert victim in message
            row = window.model.row_of(victim)
            cell = window.model.data(window.model.index(row, Column.VERDICT), VERDICT_ROLE)
            assert cell == "certified"
