"""The certification view against a running mixed-faults virtual home: real zeroconf and TLS on
127.0.0.1, the home's real TUF catalog over HTTP, a real SQLite job store. No mocks."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label, encode_label
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.scenario import (
    COUNTERFEIT_SELF_SIGNED,
    COUNTERFEIT_UNKNOWN_CA,
    MODEL_MISMATCH,
    UNCERTIFIED_MODEL,
)
from tests.core.catalog_helpers import backdate_refresh
from ui.bridge import AsyncBridge
from ui.device_table import (
    BLOCKED_BACKGROUND,
    BLOCKED_ROLE,
    CERTIFIED_BACKGROUND,
    VERDICT_ROLE,
    Column,
)
from ui.job_service import JobService
from ui.main_window import MainWindow, ScanState

WAIT_MS = 20000


def manifest(home: HomeFile) -> dict[str, dict[str, object]]:
    """Every device of the home and its gateway, as the virtual home describes them."""
    raw = json.loads((home.directory / "virtual-home.json").read_text())
    out = {d["device_id"]: d for d in raw["devices"]}
    out[raw["gateway"]["device_id"]] = raw["gateway"]
    return out


def by_model(home: HomeFile, model: str) -> str:
    """The first fault-free device whose certificate model is ``model``."""
    for device_id, d in manifest(home).items():
        if d["model"] == model and not d["faults"]:
            return device_id
    raise KeyError(model)


def by_fault(home: HomeFile, fault: str) -> str:
    for device_id, d in manifest(home).items():
        faults = d["faults"]
        assert isinstance(faults, list)
        if fault in faults:
            return device_id
    raise KeyError(fault)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(
        tmp_path_factory.mktemp("certify-view") / "home", scenario="mixed-faults"
    ) as h:
        yield h


def _new_job(data_dir: Path, level: int = 3) -> str:
    with JobStore.open(paths.default_store_path(data_dir)) as store:
        job = store.create_job(
            job_number=f"GUI-{level}", site_name="さくら邸", site_address="東京都千代田区1-1",
            service_level=level, operator="佐藤",
        )
    return job.id


def _window(qtbot: QtBot, bridge: AsyncBridge, service: JobService) -> MainWindow:
    window = MainWindow(bridge, mdns_interfaces=["127.0.0.1"], service=service)
    qtbot.addWidget(window)
    window.show()
    return window


def _scan_home(qtbot: QtBot, window: MainWindow, home: HomeFile) -> set[str]:
    ids = set(manifest(home))
    window.start_scan()
    qtbot.waitUntil(lambda: window.scan_state is ScanState.SCANNING, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ids <= set(window.model.device_ids()), timeout=WAIT_MS)
    return ids


def _cell(window: MainWindow, device_id: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = window.model.row_of(device_id)
    assert row >= 0, device_id
    return window.model.data(window.model.index(row, Column.VERDICT), role)


def test_check_devices_shows_verdicts_replace_and_labels(
    qtbot: QtBot, bridge: AsyncBridge, language: str, home: HomeFile, tmp_path: Path
) -> None:
    assert language == "ja"
    data_dir = tmp_path / "data"
    job_id = _new_job(data_dir, level=3)
    service = JobService(
        paths.default_store_path(data_dir), data_dir=data_dir, virtual_home=home.directory
    )
    window = _window(qtbot, bridge, service)
    window.open_job(job_id)
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    panel = window.job_box
    assert panel.job_number_value.text() == "GUI-3" and panel.level_value.text() == "★★★"
    assert window.job_box.catalog_value.text() == "未確認"
    ids = _scan_home(qtbot, window, home)
    assert _cell(window, by_model(home, "SD-AC2400")) == "未確認"

    assert window.gate.certify_action.text() == "認証確認"
    window.gate.certify_action.trigger()
    qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)
    assert window.gate.gate_message is None

    expected = {
        by_model(home, "SD-AC2400"): ("certified", "認証済み"),
        by_fault(home, COUNTERFEIT_SELF_SIGNED): ("counterfeit", "偽造の疑い"),
        by_fault(home, COUNTERFEIT_UNKNOWN_CA): ("counterfeit", "偽造の疑い"),
        by_fault(home, MODEL_MISMATCH): ("identity-mismatch", "識別情報の不一致"),
        by_fault(home, UNCERTIFIED_MODEL): ("not-certified", "認証対象外の機種"),
        by_model(home, "KH-CAM3"): ("revoked", "認証取り消し"),
        by_model(home, "SD-AC1900"): ("certification-expired", "認証期限切れ"),
        by_model(home, "TE-BT50"): ("level-too-low", "認証レベル不足"),
        home.gateway.device_id: ("certified", "認証済み"),
    }
    for device_id, (code, text) in expected.items():
        assert _cell(window, device_id, VERDICT_ROLE) == code, device_id
        assert _cell(window, device_id) == text, device_id
        blocked = code != "certified"
        assert _cell(window, device_id, BLOCKED_ROLE) is blocked
        brush = _cell(window, device_id, Qt.ItemDataRole.BackgroundRole)
        assert isinstance(brush, QBrush)
        assert brush.color() == (BLOCKED_BACKGROUND if blocked else CERTIFIED_BACKGROUND)
        tooltip = str(_cell(window, device_id, Qt.ItemDataRole.ToolTipRole))
        assert len(tooltip.splitlines()) >= 2  # translated explanation + the gate's reason
    # Every device of the home got a verdict; the summary and the job's catalog are shown.
    assert all(_cell(window, d, VERDICT_ROLE) is not None for d in ids)
    assert "ブロック" in window.gate.gate_summary_label.text()
    assert window.job_box.catalog_value.text().startswith("バージョン ")

    with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
        job = store.get_job(job_id)
        assert job.catalog_version is not None
        states = {g.device_id: g for g in store.gate_states(job_id)}
        verdict_steps = [s for s in store.steps(job_id) if s.action == "gate.verdict"]
        assert ids <= {s.device_id for s in store.steps(job_id) if s.action == "discovery.seen"}
    for device_id, (code, _text) in expected.items():
        assert states[device_id].verdict == code
    assert ids <= {s.device_id for s in verdict_steps}

    # Details pane for a counterfeit device: verdict, reason; the only action is replace.
    fake = by_fault(home, COUNTERFEIT_SELF_SIGNED)
    assert window.select_device(fake)
    html = window.details.browser.toPlainText()
    assert "偽造の疑い" in html and fake in html
    assert window.details.replace_button.isVisible() and window.details.replace_button.isEnabled()

    # A certified device: chain summary and fingerprint, no replace action.
    good = by_model(home, "SD-AC2400")
    assert window.select_device(good)
    text = window.details.browser.toPlainText()
    good_state = states[good]
    assert good_state.chain is not None and len(good_state.chain) == 3
    for subject in good_state.chain:
        assert subject in text
    assert good_state.cert_fingerprint is not None
    assert good_state.cert_fingerprint[:2].upper() in text
    assert "カタログのバージョン" in text and str(good_state.catalog_version) in text
    assert not window.details.replace_button.isVisible()

    # Mark the counterfeit device to be replaced (asks for a reason; recorded in the job).
    assert window.select_device(fake)
    window.details.replace_button.click()
    dialog = window.gate.replace_dialog
    assert dialog is not None
    assert not dialog.ok_button.isEnabled()  # a reason is required
    dialog.reason_edit.setPlainText("偽造品の疑い。正規品に交換する")
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: (s := window.model.gate_state(fake)) is not None and s.replace_flag,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: window.gate.replace_dialog is None, timeout=WAIT_MS)
    assert "交換予定" in str(_cell(window, fake))
    assert _cell(window, fake, VERDICT_ROLE) == "counterfeit"  # no override: still blocked
    with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
        (step,) = [s for s in store.steps(job_id) if s.action == "gate.replace"]
        assert step.device_id == fake and step.detail["reason"] == "偽造品の疑い。正規品に交換する"
        assert store.gate_state(job_id, fake).replace_flag

    # A USB QR scanner types the label payload and presses Enter.
    label = read_label_file(home.label_path(good))
    edit = window.gate.label_entry.edit
    qtbot.keyClicks(edit, encode_label(label))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.text() == ""  # the payload (with its setup code) does not stay on screen
    result = window.gate.label_entry.result_label
    qtbot.waitUntil(lambda: "ペアリング" in result.text(), timeout=WAIT_MS)
    assert good in result.text()
    assert window.model.gate_state(good).label_status == "paired"  # type: ignore[union-attr]

    # A label whose serial differs from the certificate blocks the device.
    light = by_model(home, "SD-LT60")
    light_label = read_label_file(home.label_path(light))
    wrong = Label(light_label.device_id, light_label.manufacturer, light_label.model,
                  "SKR-LIGHT-ZZZZZZZZ", light_label.setup_code, light_label.kind)
    qtbot.keyClicks(edit, encode_label(wrong))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "一致しません" in result.text(), timeout=WAIT_MS)
    assert "SKR-LIGHT-ZZZZZZZZ" in result.text()
    qtbot.waitUntil(lambda: _cell(window, light, VERDICT_ROLE) == "identity-mismatch",
                    timeout=WAIT_MS)

    # A label that matches no device of the job, and a malformed one.
    nowhere = Label("skr-ac-nowhere", "Sakura Denki", "SD-AC2400", "SKR-AC-NOWHERE1",
                    "20251104", "air-conditioner")
    qtbot.keyClicks(edit, encode_label(nowhere))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "どの機器とも一致しません" in result.text(), timeout=WAIT_MS)
    qtbot.keyClicks(edit, "SHC1;id=broken")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "有効な機器ラベルではありません" in result.text(), timeout=WAIT_MS)

    # A photo or scan of a box label (the QR PNG the virtual home prints) pairs like a scan;
    # a file that is not an image says so.
    shutter = by_model(home, "KH-SH120")
    window.gate.submit_label_image(str(home.labels_path / f"{shutter}.png"))
    qtbot.waitUntil(lambda: shutter in result.text() and "ペアリング" in result.text(),
                    timeout=WAIT_MS)
    assert window.model.gate_state(shutter).label_status == "paired"  # type: ignore[union-attr]
    not_image = tmp_path / "notes.png"
    not_image.write_text("not an image")
    window.gate.submit_label_image(str(not_image))
    qtbot.waitUntil(lambda: shutter not in result.text(), timeout=WAIT_MS)
    assert result.text()

    with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
        actions = [s.action for s in store.steps(job_id)]
        assert {"label.paired", "label.mismatch", "label.unmatched"} <= set(actions)
        assert store.verify_audit(job_id).ok
    blob = b"".join(p.read_bytes() for p in data_dir.rglob("*.sqlite3*"))
    assert label.setup_code.encode() not in blob  # the setup code never reaches the store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_catalog_past_grace_blocks_checking_with_a_clear_message(
    qtbot: QtBot, bridge: AsyncBridge, language: str, home: HomeFile, tmp_path: Path
) -> None:
    assert language == "ja"
    # A copy of the home's directory entry whose catalog server is unreachable (the laptop
    # is offline on site); the catalog was synced 20 days ago (grace: 14 days).
    offline_home = tmp_path / "offline-home"
    (offline_home / "catalog").mkdir(parents=True)
    shutil.copy(home.directory / "catalog" / "root.json", offline_home / "catalog" / "root.json")
    doc = json.loads((home.directory / "home.json").read_text())
    (offline_home / "home.json").write_text(json.dumps(doc))
    data_dir = tmp_path / "data"
    job_id = _new_job(data_dir, level=3)
    service = JobService(
        paths.default_store_path(data_dir), data_dir=data_dir, virtual_home=offline_home
    )
    window = _window(qtbot, bridge, service)
    window.open_job(job_id)
    qtbot.waitUntil(lambda: window.job is not None, timeout=WAIT_MS)
    _scan_home(qtbot, window, home)
    window.gate.check_devices()  # online: syncs the catalog into this laptop's cache
    qtbot.waitUntil(lambda: window.gate.last_certify is not None, timeout=WAIT_MS * 2)

    doc["catalog_url"] = f"http://127.0.0.1:{_free_port()}/"
    (offline_home / "home.json").write_text(json.dumps(doc))
    (state_file,) = data_dir.rglob("catalog-virtual-home/*/state.json")
    backdate_refresh(state_file.parent, days=20)
    with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
        steps_before = store.step_count(job_id)

    window.gate.check_devices()
    qtbot.waitUntil(lambda: window.gate.gate_message is not None, timeout=WAIT_MS * 2)
    message = window.gate.gate_message or ""
    assert "猶予期間" in message and "インターネットに接続" in message  # what to do, translated
    assert "commissioner catalog sync" in message  # the core's hint is kept
    assert window.gate.gate_banner.isVisible()
    assert window.error_box is not None and window.error_box.isVisible()
    assert window.gate.certify_action.isEnabled()
    with JobStore.open(paths.default_store_path(data_dir), create=False) as store:
        assert store.step_count(job_id) == steps_before  # nothing certified with a stale catalog
