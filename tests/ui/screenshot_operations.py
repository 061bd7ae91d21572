"""Save screenshots of Bluetooth LE onboarding, "Commission home", "Update firmware" and the
keyring refusal, in Japanese, against virtual homes in their own processes.

Run under a display, e.g. ``xvfb-run -a python tests/ui/screenshot_operations.py /tmp/shots``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring
from keyring.backends import SecretService, fail
from keyring_fixtures import private_secret_service
from PySide6.QtWidgets import QApplication, QWidget
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from ui import i18n
from ui.app import set_japanese_capable_font
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow

FW_ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "1.0",
          "COMMISSIONER_VH_FIRMWARE_BYTES": str(24 * 1024 * 1024)}


def _wait(app: QApplication, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def _save(app: QApplication, widget: QWidget, path: Path) -> None:
    _wait(app, lambda: False, 0.3)
    widget.grab().save(str(path))
    print(f"saved {path}")


def _window(app: QApplication, bridge: AsyncBridge, tmp: Path, home_dir: Path | None,
            number: str) -> MainWindow:
    data = tmp / f"data-{number}"
    store_path = paths.default_store_path(data)
    with JobStore.open(store_path) as store:
        store.create_job(job_number=number, site_name="さくら邸", service_level=2,
                         site_address="東京都世田谷区桜1-2-3", operator="佐藤 健")
    service = JobService(store_path, data_dir=data, virtual_home=home_dir,
                         read_box_labels=True)
    window = MainWindow(bridge, service=service)
    window.resize(1400, 860)
    window.show()
    window.open_job(number)
    _wait(app, lambda: window.job is not None)
    return window


def _scan_and_certify(app: QApplication, window: MainWindow, count: int) -> None:
    window.start_scan()
    _wait(app, lambda: window.model.device_count >= count)
    window.gate.check_devices()
    _wait(app, lambda: window.gate.last_certify is not None)


def ble(app: QApplication, bridge: AsyncBridge, tmp: Path, out: Path) -> None:
    with running_virtual_home(tmp / "ble-home", scenario="ble-mixed") as home:
        window = _window(app, bridge, tmp, home.directory, "2026-0501")
        window.onboarding.ble_action.setChecked(True)
        window.start_scan()
        assert home.ble is not None
        _wait(app, lambda: window.model.device_count >= len(home.ble.devices) + 1)
        _wait(app, lambda: False, 1.5)
        only = next(d.device_id for d in home.ble.devices if d.mode == "only")
        window.select_device(only)
        _save(app, window, out / "ble-ja-scan.png")
        window.onboarding.onboard_all_action.trigger()
        _wait(app, lambda: False, 0.5)
        _save(app, window, out / "ble-ja-onboarding.png")
        _wait(app, lambda: window.operations.busy is None)
        _wait(app, lambda: False, 1.0)
        _save(app, window, out / "ble-ja-done.png")
        window.stop_scan()
        _wait(app, lambda: window.scan_session is None)
        window.close()


def commission(app: QApplication, bridge: AsyncBridge, tmp: Path, out: Path) -> None:
    with private_secret_service(tmp / "secret-service") as session:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = session.bus_address
        keyring.set_keyring(SecretService.Keyring())
        with running_virtual_home(tmp / "com-home", scenario="standard", devices=6) as home:
            window = _window(app, bridge, tmp, home.directory, "2026-0502")
            window.check_keyring()
            _scan_and_certify(app, window, len(home.devices) + 1)
            ops = window.operations
            grabbed: list[bool] = []

            def grab_mid_run(*_args: object) -> None:
                # The run takes well under a second on loopback: grab from inside the update.
                if not grabbed and 0.2 < ops.job_fraction < 0.9:
                    grabbed.append(True)
                    window.grab().save(str(out / "commission-ja-running.png"))
                    print(f"saved {out / 'commission-ja-running.png'}")

            window.model.dataChanged.connect(grab_mid_run)
            window.commissioning.commission_action.trigger()
            _wait(app, lambda: ops.busy is None)
            window.model.dataChanged.disconnect(grab_mid_run)
            _save(app, window, out / "commission-ja-done.png")
            if ops.summary_box is not None:
                _save(app, ops.summary_box, out / "commission-ja-summary.png")
                ops.summary_box.close()
            window.stop_scan()
            _wait(app, lambda: window.scan_session is None)
            window.close()


def firmware(app: QApplication, bridge: AsyncBridge, tmp: Path, out: Path) -> None:
    with running_virtual_home(tmp / "fw-home", scenario="mixed-faults", env=FW_ENV) as home:
        window = _window(app, bridge, tmp, home.directory, "2026-0503")
        _scan_and_certify(app, window, len(home.devices) + 1)
        ops = window.operations
        window.firmware.update_firmware(reboot_timeout=60.0)
        _wait(app, lambda: ops.job_fraction > 0.25 or ops.busy is None, 60)
        _save(app, window, out / "firmware-ja-running.png")
        _wait(app, lambda: ops.busy is None, 120)
        _save(app, window, out / "firmware-ja-done.png")
        if ops.summary_box is not None:
            _save(app, ops.summary_box, out / "firmware-ja-summary.png")
            ops.summary_box.close()
        window.stop_scan()
        _wait(app, lambda: window.scan_session is None)
        window.close()


def keyring_refused(app: QApplication, bridge: AsyncBridge, tmp: Path, out: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = _window(app, bridge, tmp, None, "2026-0504")
        window.check_keyring()
        _wait(app, lambda: window.keyring.keyring_box is not None)
        box = window.keyring.keyring_box
        assert box is not None
        _save(app, window, out / "keyring-ja-window.png")
        _save(app, box, out / "keyring-ja-refused.png")
        box.close()
        window.close()
    finally:
        keyring.set_keyring(previous)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    set_japanese_capable_font(app)
    i18n.install_language(app, "ja")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bridge = AsyncBridge()
        bridge.start()
        try:
            which = set(sys.argv[2:]) or {"ble", "commission", "firmware", "keyring"}
            if "keyring" in which:
                keyring_refused(app, bridge, tmp, out)
            if "ble" in which:
                ble(app, bridge, tmp, out)
            if "firmware" in which:
                firmware(app, bridge, tmp, out)
            if "commission" in which:
                commission(app, bridge, tmp, out)
        finally:
            bridge.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
