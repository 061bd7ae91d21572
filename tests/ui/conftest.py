"""Fixtures for the GUI tests: offscreen Qt, a running async bridge, devices on loopback mDNS.

Qt runs offscreen unless ``DISPLAY`` is set and ``COMMISSIONER_TEST_XVFB=1`` (to watch or
screenshot the tests under Xvfb). mDNS only ever uses 127.0.0.1.
"""

# ruff: noqa: E402 - the environment and sys.path must be set before Qt and `ui` are imported

from __future__ import annotations

import os
import sys
from pathlib import Path

# tests/ on sys.path would let this folder (tests/ui, no __init__.py) shadow the real `ui`
# package as a namespace package; the repository root must come first.
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [_ROOT]:
    sys.path.insert(0, _ROOT)
_imported = sys.modules.get("ui")
if _imported is not None and getattr(_imported, "__file__", None) is None:
    del sys.modules["ui"]  # a namespace package made of tests/ui: import the real one instead

if not (os.environ.get("DISPLAY") and os.environ.get("COMMISSIONER_TEST_XVFB") == "1"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import secrets
import threading
from collections.abc import Iterator

import pytest
from gui_testing import LoopbackDevices
from PySide6.QtWidgets import QApplication

from ui import i18n
from ui.bridge import AsyncBridge


@pytest.fixture
def bridge(qapp: QApplication) -> Iterator[AsyncBridge]:
    """A started bridge; stopped (and its thread verified gone) after the test."""
    del qapp
    name = f"test-bridge-{secrets.token_hex(3)}"
    b = AsyncBridge(name=name)
    b.start()
    yield b
    assert b.stop(timeout=15.0)
    assert name not in {t.name for t in threading.enumerate()}


@pytest.fixture
def language(qapp: QApplication) -> Iterator[str]:
    """The app in its default language (Japanese); English is restored to Japanese after."""
    i18n.install_language(qapp, i18n.DEFAULT_LANGUAGE)
    yield i18n.DEFAULT_LANGUAGE
    i18n.install_language(qapp, i18n.DEFAULT_LANGUAGE)


@pytest.fixture
def loopback_devices(qapp: QApplication) -> Iterator[LoopbackDevices]:
    del qapp
    runner = AsyncBridge(name="loopback-devices")
    runner.start()
    devices = LoopbackDevices(runner, f"_shcui-{secrets.token_hex(3)}._tcp.local.")
    try:
        devices.start()
        yield devices
    finally:
        try:
            devices.close()
        finally:
            assert runner.stop(timeout=15.0)
