"""Save screenshots of the main window with devices listed, in Japanese and English.

Run under a display (e.g. ``xvfb-run -a python tests/ui/screenshot_demo.py /tmp/shots``); the
devices are advertised with real zeroconf on 127.0.0.1 under a private service type.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gui_testing import (
    FIVE_DEVICES,
    HOSTILE_TXT,
    LoopbackDevices,
    advertisement,
)
from PySide6.QtWidgets import QApplication

from commissioner.protocol.advertisement import build_txt
from commissioner.protocol.spec import CommissioningState, DeviceKind
from ui import i18n
from ui.app import set_japanese_capable_font
from ui.bridge import AsyncBridge
from ui.job_summary import JobSummary
from ui.main_window import MainWindow


def _wait(app: QApplication, predicate: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.02)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    set_japanese_capable_font(app)
    i18n.install_language(app, "ja")
    runner = AsyncBridge(name="demo-devices")
    runner.start()
    devices = LoopbackDevices(runner, "_shcdemo._tcp.local.")
    devices.start()
    extra = {
        "battery": advertisement(
            "sb-garage", DeviceKind.STORAGE_BATTERY, manufacturer="Denchi Co", model="SB-9.8"
        ),
        "light": advertisement(
            "light-hall", DeviceKind.LIGHTING, state=CommissioningState.COMMISSIONED
        ),
        "shutter": advertisement("shutter-south", DeviceKind.SHUTTER, model="SH-2"),
        "hems": advertisement("hems-01", DeviceKind.HEMS_CONTROLLER, model="HEMS-3"),
    }
    entries: dict[str, dict[str, str | bytes]] = {
        name: dict(build_txt(adv)) for name, adv in {**FIVE_DEVICES, **extra}.items()
    }
    entries["hostile"] = HOSTILE_TXT
    devices.register(entries)
    bridge = AsyncBridge()
    bridge.start()
    try:
        window = MainWindow(
            bridge,
            mdns_service_type=devices.service_type,
            job=JobSummary("2026-001", "さくら邸（東京都世田谷区）", 3, "佐藤 健"),
        )
        window.show()
        window.start_scan()
        _wait(app, lambda: window.model.rowCount() == len(entries))
        _wait(app, lambda: False, 0.3)
        window.grab().save(str(out / "main-window-ja.png"))
        i18n.install_language(app, "en")
        _wait(app, lambda: window.scan.scan_action.text() == "Stop scan")
        _wait(app, lambda: False, 0.3)
        window.grab().save(str(out / "main-window-en.png"))
        window.set_job(None)
        window.stop_scan()
        _wait(app, lambda: window.scan.scan_action.text() == "Start scan")
        window.grab().save(str(out / "main-window-en-nojob-stopped.png"))
        print(f"saved screenshots in {out}")
        window.close()
    finally:
        bridge.stop()
        devices.close()
        runner.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
