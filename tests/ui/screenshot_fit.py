"""Screenshots of the whole screen of a 1366×768 laptop less its taskbar (1366×728), with the
main window at its default size, devices listed, an operation's progress shown and a device
selected, in Japanese and English. Run under a display of that size:

    xvfb-run -a -s "-screen 0 1366x728x24" python tests/ui/screenshot_fit.py /tmp/shots

(in a private network namespace: the devices are advertised with real zeroconf on 127.0.0.1).
Prints the window's size and its minimum; both must fit the screen.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gui_testing import FIVE_DEVICES, HOSTILE_TXT, LoopbackDevices, advertisement
from PySide6.QtWidgets import QApplication

from commissioner.protocol.advertisement import build_txt
from commissioner.protocol.spec import DeviceKind
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
    runner = AsyncBridge(name="fit-devices")
    runner.start()
    devices = LoopbackDevices(runner, "_shcfit._tcp.local.")
    devices.start()
    entries: dict[str, dict[str, str | bytes]] = {
        name: dict(build_txt(adv)) for name, adv in FIVE_DEVICES.items()
    }
    for i in range(5):
        adv = advertisement(f"light-{i:02d}", DeviceKind.LIGHTING, model="LT-4")
        entries[f"light{i}"] = dict(build_txt(adv))
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
        ops = window.operations
        ops.start("firmware", "ファームウェアを更新しています…")
        for n, device_id in enumerate(window.model.device_ids()):
            ops.set_state("firmware", device_id, "running", n / 20, f"転送 {n * 5} %")
        window.select_device(window.model.device_ids()[0])
        screen = app.primaryScreen()
        for language in ("ja", "en"):
            i18n.install_language(app, language)
            _wait(app, lambda: False, 0.5)
            geometry = window.frameGeometry()
            print(f"{language}: screen free area {screen.availableGeometry().getRect()}, "
                  f"window {geometry.getRect()}, minimum {window.minimumSizeHint().toTuple()}")
            screen.grabWindow(0).save(str(out / f"fit-1366x728-{language}.png"))
        print(f"saved screenshots in {out}")
        window.close()
    finally:
        bridge.stop()
        devices.close()
        runner.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
