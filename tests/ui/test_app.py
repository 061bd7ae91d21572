"""The commissioner-gui entry point: options, virtual home, screenshot mode."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QApplication

from ui import app as gui_app
from ui import i18n
from ui.qt_compat import needs_refcount_workaround


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


def test_screenshot_mode_scans_saves_and_quits(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    del language
    shot = tmp_path / "shots" / "main.png"
    code = gui_app.main(
        [
            "--screenshot",
            str(shot),
            "--quit-after",
            "0.5",
            "--lang",
            "en",
            "--mdns-interface",
            "127.0.0.1",
        ]
    )
    assert code == 0
    assert f"screenshot saved to {shot}" in capsys.readouterr().out
    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() >= 800 and image.height() >= 400
    assert i18n.current_language(qapp) == "en"
    # A Japanese-capable family is in the application font's fallback list when installed.
    families = QFont(qapp.font()).families()
    assert "IPAexGothic" in families


def test_many_signal_emits_do_not_crash_the_interpreter() -> None:
    """PySide6 6.12 on CPython 3.11 drops references to True/None (see ui/qt_compat.py)."""
    code = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import ui  # applies the work-around
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
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
    if needs_refcount_workaround():
        assert sys.getrefcount(None) > 2**59
