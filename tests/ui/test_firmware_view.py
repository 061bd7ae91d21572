""""Update firmware" (ファームウェア更新) in the GUI against a virtual home in its own process
whose devices run outdated firmware: the home's real TUF catalog and signed images over HTTP,
real TLS pushes, reboots and attested confirmation on 127.0.0.1, a real SQLite job store.
No mocks."""

from __future__ import annotations

from pathlib import Path

import keyring_fixtures
from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.firmware.push import Outcome
from commissioner.jobs.store import JobStore
from commissioner.virtualhome.homefile import HomeFile
from ui.bridge import AsyncBridge
from ui.device_table import OPERATION_ROLE, VULNERABLE_ROLE, Column, OperationState
from ui.field_ops import FirmwareRun
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

WAIT_MS = 20000
IMAGE_BYTES = 1024 * 1024
ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.3",
       "COMMISSIONER_VH_FIRMWARE_BYTES": str(IMAGE_BYTES)}

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _certified_window(
    qtbot: QtBot,
    bridge: AsyncBridge,
    home: HomeFile,
    tmp_path: Path,
    job_number: str,
    site: str,
    address: str,
    operator: str,
) -> tuple[MainWindow, str, Path]:
    """A window on a new ★★ job whose devices (all of the home's) are scanned and checked."""
    data_dir = tmp_path / "data"
    with JobStore.open(paths.default_store_path(data_dir)) as store:
        job_id = store.create_job(job_number=job_number, site_name=site, site_address=address,
                                  service_level=2, operator=operator).id
    service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                         virtual_home=home.directory, read_box_labels=True)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.show()
    window.open_job(job_id)
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
    window.start_scan()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ids <= set(window.model.device_ids()), timeout=WAIT_MS)
    window.gate.certify_action.trigger()
    qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)
    return window, job_id, data_dir


def test_update_firmware_brings_outdated_devices_to_latest(
    qtbot: QtBot,
    bridge: AsyncBridge,
    language: str,
    tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=3,
                              env=ENV) as home:
        devices = {d.device_id for d in home.devices}
        ids = devices | {home.gateway.device_id}
        window, job_id, data_dir = _certified_window(
            qtbot, bridge, home, tmp_path, "FW-1", "鈴木邸", "大阪府大阪市3-3", "鈴木"
        )

        ops = window.operations
        assert window.firmware.firmware_action.text() == "ファームウェア更新"
        phases: dict[str, set[str]] = {i: set() for i in ids}
        bars: list[float] = []

        def watch(*_args: object) -> None:
            for device_id in ids:
                row = window.model.row_of(device_id)
                state = window.model.data(window.model.index(row, Column.PROGRESS),
                                          OPERATION_ROLE)
                if isinstance(state, OperationState) and state.status == "running":
                    phases[device_id].add(state.text.split(" ")[0].rstrip("…"))
            bars.append(ops.job_fraction)

        window.model.operation_set.connect(watch)
        with qtbot.waitSignal(ops.operation_finished, timeout=90000) as blocker:
            assert window.firmware.update_firmware(reboot_timeout=30.0)
        operation, run = blocker.args
        assert operation == "firmware" and isinstance(run, FirmwareRun), run
        assert run.ok and not run.blockers
        outcomes = {r.device_id: (r.outcome, r.running_version) for r in run.results}
        assert outcomes[home.gateway.device_id] == (Outcome.UPDATED, "2.2.0")
        for device_id in devices:
            assert outcomes[device_id] == (Outcome.UPDATED, "1.3.0")
        # Per-device bars went through the phases, with bytes, and the job bar moved to 100 %.
        for device_id in ids:
            seen = phases[device_id]
            assert {"ダウンロード", "転送", "再起動", "確認"} <= seen, seen
        assert any(0 < f < 1 for f in bars)
        assert ops.job_fraction == 1.0
        for device_id in devices:
            row = window.model.row_of(device_id)
            state = window.model.data(window.model.index(row, Column.PROGRESS), OPERATION_ROLE)
            assert isinstance(state, OperationState)
            assert (state.status, state.text) == ("done", "更新済み: 1.2.0 → 1.3.0")
            assert window.model.data(window.model.index(row, Column.FIRMWARE)) == "1.3.0"
            assert window.model.data(window.model.index(row, 0), VULNERABLE_ROLE) is False
        box = ops.summary_box
        assert box is not None and box.isVisible()
        assert f"{len(ids)} 台を更新" in box.text()

        with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
            statuses = {s.device_id: s for s in store.firmware_statuses(job_id)}
            history = store.firmware_history(job_id)
        assert {d: s.version for d, s in statuses.items()} == {
            **{d: "1.3.0" for d in devices}, home.gateway.device_id: "2.2.0"}
        assert {h.device_id for h in history if h.result == "updated"} == ids
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)


def test_vulnerable_device_is_marked_and_devices_that_cannot_update_say_why(
    qtbot: QtBot,
    bridge: AsyncBridge,
    language: str,
    tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja"
    with running_virtual_home(tmp_path / "home", scenario="mixed-faults", env=ENV) as home:
        ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
        window, _job_id, _data_dir = _certified_window(
            qtbot, bridge, home, tmp_path, "FW-2", "田中邸", "京都府京都市4-4", "田中"
        )
        ops = window.operations
        marked: set[str] = set()

        def watch(*_args: object) -> None:
            for device_id in ids:
                row = window.model.row_of(device_id)
                text = str(window.model.data(window.model.index(row, Column.FIRMWARE)))
                if window.model.data(window.model.index(row, 0), VULNERABLE_ROLE):
                    assert text.endswith("⚠ 脆弱性あり"), text
                    marked.add(device_id)

        window.model.operation_set.connect(watch)
        with qtbot.waitSignal(ops.operation_finished, timeout=90000) as blocker:
            assert window.firmware.update_firmware(reboot_timeout=30.0)
        run = blocker.args[1]
        assert isinstance(run, FirmwareRun), run
        plan = {item.device_id: item for item in run.plan}
        (vulnerable,) = [d for d, item in plan.items() if item.current == "1.0.3"]
        assert plan[vulnerable].vulnerable and window.firmware.vulnerable_seen == {vulnerable}
        assert vulnerable in marked  # the table marked it while it ran the vulnerable version
        results = {r.device_id: r for r in run.results}
        assert results[vulnerable].outcome is Outcome.UPDATED
        # Devices commissioned before (setup code disabled) cannot be updated: they say why,
        # the rest of the home is updated, and they keep the job from being closed.
        stuck = {d for d, r in results.items() if not r.ok}
        assert stuck and {d for d, _why in run.blockers} == stuck
        for device_id in stuck:
            row = window.model.row_of(device_id)
            state = window.model.data(window.model.index(row, Column.PROGRESS), OPERATION_ROLE)
            assert isinstance(state, OperationState) and state.failed
            assert state.text.startswith("更新不可: 機器はすでに設定済み"), state.text
            # The real cause, not "try again": set up for another home, credentials not held.
            assert ("holds no admin credential" in state.detail
                    or "commissioned for another home" in state.detail), state.detail
        assert ops.job_fraction == 1.0
        assert ops.summary_box is not None and "案件を完了できません" in ops.summary_box.text()
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
