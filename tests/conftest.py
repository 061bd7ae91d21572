"""Shared test set-up: test helper modules importable, and every test's data in a temp dir."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

# A real unlocked Secret Service for any test that asks for it (see keyring_fixtures.py).
from keyring_fixtures import _secret_service_daemons, secret_service  # noqa: E402

__all__ = ["_secret_service_daemons", "secret_service"]


_SETTINGS = (
    '[support]\nname = "みらい住宅サポート"\nphone = "0120-000-000"\nhours = "9:00-18:00"\n'
    '[owner_app]\nname = "スマートホーム オーナー"\nhow = "App Store / Google Play で検索"\n'
)


@pytest.fixture(autouse=True, scope="session")
def _session_app_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Private app folders for fixtures wider than one test (module-scoped homes and jobs
    run before any test's own folders are set)."""
    base = tmp_path_factory.mktemp("session-appdirs")
    (base / "config").mkdir(parents=True, exist_ok=True)
    (base / "config" / "settings.toml").write_text(_SETTINGS, encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("COMMISSIONER_DATA_DIR", "COMMISSIONER_CONFIG_DIR",
                                            ACCOUNTS_ENV)}
    os.environ["COMMISSIONER_DATA_DIR"] = str(base / "data")
    os.environ["COMMISSIONER_CONFIG_DIR"] = str(base / "config")
    os.environ[ACCOUNTS_ENV] = str(base / "accounts")
    _sign_in_test_operator(base / "accounts")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


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
    (base / "config" / "settings.toml").write_text(_SETTINGS, encoding="utf-8")



ACCOUNTS_ENV = "COMMISSIONER_ACCOUNTS_DIR"


def _sign_in_test_operator(accounts_dir: Path) -> None:
    """The run is signed in, like an installer who ran ``commissioner login``: a real
    administrator adds the operator ``tester`` (installer, resale technician and support; not
    administrator), who chooses a password and signs in; the session token sits in the run's
    accounts folder, which every test and CLI subprocess shares. Nothing in the product is
    bypassed. The private keyring of keyring_fixtures gets the same installation items, so the
    operator is signed in there too. A test that wants nobody signed in points
    COMMISSIONER_ACCOUNTS_DIR elsewhere (tests/core/test_operators.py)."""
    from operator_fixtures import sign_in_here

    from commissioner.errors import UserError

    # no usable keyring here: the product refuses too, and says so
    with contextlib.suppress(UserError):
        sign_in_here(accounts_dir)

