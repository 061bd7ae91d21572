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
    # The installing company's support desk and owner app, which the owner's sheet needs
    # (handover refuses without the support desk). A test that writes its own settings.toml
    # replaces these.
    (base / "config").mkdir(parents=True, exist_ok=True)
    (base / "config" / "settings.toml").write_text(
        '[support]\nname = "みらい住宅サポート"\nphone = "0120-000-000"\nhours = "9:00-18:00"\n'
        '[owner_app]\nname = "スマートホーム オーナー"\nhow = "App Store / Google Play で検索"\n',
        encoding="utf-8")
