"""The commissioner-gui entry point: options, virtual home, screenshot mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QImage
from PySide6.QtWidgets import QApplication

from ui import app as gui_app

ROOT = Path(__file__).resolve().parents[2]


def test_virtual_home_interfaces(tmp_path: Path) -> None:
    (tmp_path / "home.json").write_text(json.dumps({"mdns": {"interfaces": ["127.0.0.1"]}}))
    assert gui_app.read_virtual_home_interfaces(tmp_path) == ["127.0.0.1"]
    args = gui_app.build_parser().parse_args(["--virtual-home", str(tmp_path)])
    assert gui_app.choose_interfaces(args) == ["127.0.0.1"]
    args = gui_app.build_parser().parse_args(
        ["--virtual-home", str(tmp_path), "--mdns-interface", "127.0.0.2"]
    )
    assert gui_app.choose_interfaces(args) == ["127.0.0.2"]
    assert gui_app.choose_interfaces(gui_app.build_parser().parse_args([])) == ["127.0.0.1"]
    (tmp_path / "home.json").write_text("{}")
    with pytest.raises(gui_app.AppError, match=r"mdns\.interfaces"):
        gui_app.read_virtual_home_interfaces(tmp_path)


def test_missing_virtual_home_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gui_app.main(["--virtual-home", str(tmp_path / "nowhere")]) == 2
    assert "home.json does not exist" in capsys.readouterr().err


def test_screenshot_mode_scans_saves_and_quits(tmp_path: Path) -> None:
    """Run the real entry point headless: no DISPLAY, no QT_QPA_PLATFORM -> offscreen."""
    shot = tmp_path / "shots" / "main.png"
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "QT_QPA_PLATFORM"}}
    argv = ["--screenshot", str(shot), "--quit-after", "0.5", "--lang", "en"]
    result = subprocess.run(
        [sys.executable, "-c", f"from ui.app import main; raise SystemExit(main({argv!r}))"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"screenshot saved to {shot} (offscreen)" in result.stdout
    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() >= 800 and image.height() >= 400


def test_japanese_capable_font_fallback(qapp: QApplication) -> None:
    before = QFont(qapp.font())
    installed = set(QFontDatabase.families())
    japanese = [f for f in gui_app.JAPANESE_FONT_FAMILIES if f in installed]
    assert japanese, "no Japanese-capable font is installed (a system dependency of the GUI)"
    try:
        gui_app.set_japanese_capable_font(qapp)
        families = qapp.font().families()
        assert families[0] == japanese[0]
        assert before.family() in families
        assert QFontDatabase.WritingSystem.Japanese in QFontDatabase.writingSystems(families[0])
    finally:
        qapp.setFont(before)


def test_many_signal_emits_do_not_crash_the_interpreter() -> None:
    """PySide6 6.12.0 on CPython 3.11 lost a reference to True/None per emit and aborted the
    interpreter after a few hundred signals; the pinned PySide6 must not."""
    code = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QCoreApplication, QObject, Signal
        app = QCoreApplication([])
        class Source(QObject):
            fired = Signal(object)
        source = Source()
        seen = []
        source.fired.connect(seen.append)
        for i in range(20000):
            source.fired.emit(i)
            app.processEvents()
        assert len(seen) == 20000
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
