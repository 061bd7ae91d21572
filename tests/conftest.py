"""Shared test set-up: test helper modules importable, and every test's data in a temp dir."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

# A real unlocked Secret Service for any test that asks for it (see keyring_fixtures.py).
from keyring_fixtures import _secret_service_daemons, secret_service  # noqa: E402

__all__ = ["_secret_service_daemons", "secret_service"]


@pytest.fixture(autouse=True)
def _private_app_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the app's data and config folders out of the user's home for every test."""
    base = tmp_path_factory.mktemp("appdirs")
    monkeypatch.setenv("COMMISSIONER_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("COMMISSIONER_CONFIG_DIR", str(base / "config"))
