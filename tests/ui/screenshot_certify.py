"""Save screenshots of the certification view against a mixed-faults virtual home.

Run under a display, e.g. ``xvfb-run -a python tests/ui/screenshot_certify.py /tmp/shots``.
Starts a virtual home (real TLS, zeroconf on 127.0.0.1, its own TUF catalog), creates a ★★★ job
in a temporary job store, scans, runs "Check devices", then grabs the window in Japanese and
English, plus the new-job dialog and a label error.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication, QWidget
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import encode_label
from commissioner.virtualhome.labels import read_label_file
from ui import i18n
from ui.app import set_japanese_capable_font
from ui.bridge import AsyncBridge
from ui.job_service import JobService
from ui.main_window import MainWindow


def _wait(app: QApplication, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def _save(app: QApplication, widget: QWidget, path: Path) -> None:
    _wait(app, lambda: False, 0.4)
    widget.grab().save(str(path))
    print(f"saved {path}")


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    set_japanese_capable_font(app)
    i18n.install_language(app, "ja")
    with tempfile.TemporaryDirectory() as tmp, running_virtual_home(
        Path(tmp) / "home", scenario="mixed-faults"
    ) as home:
        data = Path(tmp) / "data"
        store_path = paths.default_store_path(data)
        with JobStore.open(store_path) as store:
            store.create_job(job_number="2026-0412", site_name="さくら邸", service_level=3,
                             site_address="東京都世田谷区桜1-2-3", operator="佐藤 健")
        service = JobService(store_path, data_dir=data, virtual_home=home.directory)
        bridge = AsyncBridge()
        bridge.start()
        try:
            window = MainWindow(bridge, service=service)
            window.show()
            window.new_job_action.trigger()
            dialog = window.job_files.new_job_dialog
            assert dialog is not None
            dialog.create_button.click()  # shows the inline errors
            _save(app, dialog, out / "new-job-dialog-ja.png")
            dialog.reject()
            window.open_job("2026-0412")
            _wait(app, lambda: window.job is not None)
            window.start_scan()
            expected = 1 + len(home.devices)
            _wait(app, lambda: window.model.device_count >= expected)
            window.gate.check_devices()
            _wait(app, lambda: window.gate.last_certify is not None)
            blocked = next(v.device_id for v in window.gate.last_certify.verdicts  # type: ignore[union-attr]
                           if v.verdict.value == "counterfeit")
            window.select_device(blocked)
            _save(app, window, out / "certify-ja-blocked.png")
            good = next(v.device_id for v in window.gate.last_certify.verdicts  # type: ignore[union-attr]
                        if v.verdict.value == "certified" and v.role == "device")
            window.select_device(good)
            window.gate.submit_label(encode_label(read_label_file(home.label_path(good))))
            _wait(app, lambda: "ペアリング" in window.gate.label_entry.result_label.text())
            _save(app, window, out / "certify-ja-certified-label.png")
            window.gate.submit_label("SHC1;id=broken")
            _wait(app, lambda: "有効な" in window.gate.label_entry.result_label.text())
            window.select_device(blocked)
            window.details.replace_button.click()
            replace = window.gate.replace_dialog
            assert replace is not None
            replace.reason_edit.setPlainText("偽造品の疑い。正規品を手配する")
            _save(app, replace, out / "replace-dialog-ja.png")
            replace.ok_button.click()
            _wait(app, lambda: window.gate.replace_dialog is None)
            _save(app, window, out / "certify-ja-replaced-label-error.png")
            i18n.install_language(app, "en")
            _save(app, window, out / "certify-en.png")
            window.stop_scan()
            window.close()
        finally:
            bridge.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
