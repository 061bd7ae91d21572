""""Commission home" (設定実行) in the GUI against a 6-device virtual home in its own process:
real TLS and zeroconf on 127.0.0.1, a real Secret Service keyring (gnome-keyring on a private
D-Bus), a real SQLite job store. Also: the start-up keyring check refuses the "fail" backend.
No mocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring_fixtures
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import RunSummary
from ui.bridge import AsyncBridge
from ui.device_table import OPERATION_ROLE, Column, OperationState
from ui.field_ops import KeyringStatus
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

WAIT_MS = 20000


def _window(
    qtbot: QtBot, bridge: AsyncBridge, data_dir: Path, home_dir: Path | None
) -> tuple[MainWindow, str]:
    with JobStore.open(paths.default_store_path(data_dir)) as store:
        job_id = store.create_job(
            job_number="COM-1", site_name="佐藤邸", site_address="東京都新宿区2-2",
            service_level=2, operator="佐藤").id
    service = JobService(paths.default_store_path(data_dir), data_dir=data_dir,
                         virtual_home=home_dir, read_box_labels=home_dir is not None)
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.show()
    window.open_job(job_id)
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    return window, job_id


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_start_up_refuses_the_fail_keyring(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path, fail_keyring: None
) -> None:
    assert language == "ja"
    window, _job = _window(qtbot, bridge, tmp_path / "data", None)
    ops = window.operations
    assert window.commissioning.commission_action.isEnabled()  # not checked yet
    with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS) as blocker:
        window.check_keyring()
    assert blocker.args[0] == "keyring"
    status = blocker.args[1]
    assert isinstance(status, KeyringStatus) and not status.ok
    box = window.keyring.keyring_box
    assert box is not None and box.isVisible() and box.isModal()
    assert "キーリング" in box.text() and "平文" in box.text()
    assert "keyring.backends.fail" in box.text()  # the core's reason is kept
    assert box.windowTitle() == "キーリングを使用できません"
    for action in (
        window.commissioning.commission_action,
        window.firmware.firmware_action,
        window.onboarding.onboard_all_action,
    ):
        assert not action.isEnabled()
    assert not window.commissioning.commission()  # refused without a run
    assert ops.busy is None
    box.close()


def test_commission_home_provisions_every_device(
    qtbot: QtBot, bridge: AsyncBridge, language: str, tmp_path: Path,
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    assert language == "ja" and secret_service.backend is keyring.get_keyring()
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=6) as home:
        ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
        data_dir = tmp_path / "data"
        window, job_id = _window(qtbot, bridge, data_dir, home.directory)
        ops = window.operations
        with qtbot.waitSignal(ops.operation_finished, timeout=WAIT_MS) as blocker:
            window.check_keyring()
        assert blocker.args[1].ok and window.keyring.keyring_box is None

        window.start_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: ids <= set(window.model.device_ids()), timeout=WAIT_MS)
        # "Check devices" first: only certified ones are set up
        window.gate.certify_action.trigger()
        qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)
        certify = window.gate.last_certify
        assert certify is not None and not any(v.blocked for v in certify.verdicts)

        commission_action = window.commissioning.commission_action
        assert commission_action.text() == "設定実行" and commission_action.isEnabled()
        seen: list[tuple[str, float]] = []
        window.model.dataChanged.connect(
            lambda *_a: seen.append((ops.job_label.text(), ops.job_fraction)))
        with qtbot.waitSignal(ops.operation_finished, timeout=60000) as blocker:
            window.commissioning.commission_action.trigger()
            assert ops.busy == "commission" and not window.firmware.firmware_action.isEnabled()
        operation, summary = blocker.args
        assert operation == "commission" and isinstance(summary, RunSummary), summary
        assert summary.ok and summary.count("provisioned") == len(ids)
        # Progress was shown on the way: per-device steps and a job-level bar in between.
        assert any("住宅を設定中" in text and 0 < f < 1 for text, f in seen)
        assert ops.job_fraction == 1.0
        for device_id in ids:
            row = window.model.row_of(device_id)
            state = window.model.data(window.model.index(row, Column.PROGRESS), OPERATION_ROLE)
            assert isinstance(state, OperationState)
            assert (state.operation, state.status, state.text) == ("commission", "done", "設定完了")
        box = ops.summary_box
        assert box is not None and box.isVisible()
        assert box.text().startswith(f"設定完了: 設定済み {len(ids)} 台、失敗 0 台")
        assert window.commissioning.commission_action.isEnabled()

        with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
            records = {r.device_id: r for r in store.provisioning_devices(job_id)}
            assert store.verify_audit(job_id).ok
        assert set(records) == ids
        for device_id, record in records.items():
            assert record.status == "provisioned", (device_id, record.reason)
            assert record.operational_fingerprint  # its own certificate, read back
            if device_id != home.gateway.device_id:
                assert record.gateway_auth is True
        assert len({r.operational_fingerprint for r in records.values()}) == len(ids)
        window.stop_scan()
        qtbot.waitUntil(lambda: window.scan_state is ScanState.IDLE, timeout=WAIT_MS)
