"""Save screenshots of the resale flow (new resale job, wipe with the reset-button prompt,
wiped, re-commissioned, handed over, wipe certificate and its print preview) in Japanese and
English, against a virtual home in its own process.

Run under a display, e.g. ``xvfb-run -a python tests/ui/screenshot_resale.py /tmp/shots [ja|en]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring
from keyring.backends import SecretService
from keyring_fixtures import private_secret_service
from PySide6.QtWidgets import QApplication
from resale_flow import cli_runner, gui_resale, hand_over_for_owner_a
from vh_fixtures import running_virtual_home

from commissioner import paths
from ui import i18n
from ui.app import set_japanese_capable_font
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow


def _wait(app: QApplication, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def run(app: QApplication, bridge: AsyncBridge, tmp: Path, out: Path, language: str) -> None:
    i18n.install_language(app, language)
    with private_secret_service(tmp / f"secret-service-{language}") as session:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = session.bus_address
        keyring.set_keyring(SecretService.Keyring())
        data = tmp / f"data-{language}"
        cli = cli_runner(data, session.bus_address)
        with running_virtual_home(tmp / f"home-{language}", scenario="standard", devices=5,
                                  env={"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2"}) as home:
            old = hand_over_for_owner_a(cli, home, tmp)
            service = JobService(paths.default_store_path(data), data_dir=data,
                                 virtual_home=home.directory, read_box_labels=True)
            window = MainWindow(bridge, service=service)
            window.resize(1400, 860)
            window.show()

            def shot(widget: Any, name: str) -> None:
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    app.processEvents()
                    time.sleep(0.02)
                path = out / f"{name}-{language}.png"
                widget.grab().save(str(path))
                print(f"saved {path}")
                if name == "resale-certificate":
                    preview = widget.show_print_preview()
                    preview.resize(900, 1000)
                    _wait(app, preview.isVisible, 20)
                    end = time.monotonic() + 1.0
                    while time.monotonic() < end:
                        app.processEvents()
                        time.sleep(0.02)
                    preview.grab().save(str(out / f"resale-certificate-preview-{language}.png"))
                    preview.reject()

            gui_resale(window, home, old, cli,
                       lambda predicate, seconds: _wait(app, predicate, seconds), shot)
            window.stop_scan()
            _wait(app, lambda: window.scan_session is None)
            window.close()


def main(out_dir: str, languages: list[str]) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    set_japanese_capable_font(app)
    with tempfile.TemporaryDirectory() as name:
        bridge = AsyncBridge()
        bridge.start()
        try:
            for language in languages or ["ja", "en"]:
                run(app, bridge, Path(name), out, language)
        finally:
            bridge.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots", sys.argv[2:]))
