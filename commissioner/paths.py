"""Where the commissioner keeps its data and settings on each platform.

Data (job store, caches): ``COMMISSIONER_DATA_DIR`` if set; else Windows
``%LOCALAPPDATA%\\commissioner``, macOS ``~/Library/Application Support/commissioner``, other
systems ``$XDG_DATA_HOME/commissioner`` or ``~/.local/share/commissioner``.

Settings: ``COMMISSIONER_CONFIG_DIR`` if set; else Windows ``%APPDATA%\\commissioner``, macOS
``~/Library/Application Support/commissioner/config``, other systems ``$XDG_CONFIG_HOME/
commissioner`` or ``~/.config/commissioner``.

Every function takes optional ``env``, ``platform`` and ``home`` so tests can check each case
on any machine. Nothing here creates a directory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "commissioner"
STORE_FILENAME = "jobs.sqlite3"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _absolute(value: str | None) -> Path | None:
    """An absolute path from an environment value; empty or relative values are ignored
    (as the XDG base directory spec requires)."""
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else None


def data_dir(
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    e = _env(env)
    override = e.get("COMMISSIONER_DATA_DIR")
    if override:
        return Path(override).expanduser().absolute()
    plat = sys.platform if platform is None else platform
    base_home = Path.home() if home is None else home
    if plat.startswith("win"):
        base = _absolute(e.get("LOCALAPPDATA")) or base_home / "AppData" / "Local"
        return base / APP_NAME
    if plat == "darwin":
        return base_home / "Library" / "Application Support" / APP_NAME
    base = _absolute(e.get("XDG_DATA_HOME")) or base_home / ".local" / "share"
    return base / APP_NAME


def config_dir(
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    e = _env(env)
    override = e.get("COMMISSIONER_CONFIG_DIR")
    if override:
        return Path(override).expanduser().absolute()
    plat = sys.platform if platform is None else platform
    base_home = Path.home() if home is None else home
    if plat.startswith("win"):
        base = _absolute(e.get("APPDATA")) or base_home / "AppData" / "Roaming"
        return base / APP_NAME
    if plat == "darwin":
        return base_home / "Library" / "Application Support" / APP_NAME / "config"
    base = _absolute(e.get("XDG_CONFIG_HOME")) or base_home / ".config"
    return base / APP_NAME


def default_store_path(data_dir: Path) -> Path:
    """The job store file inside a data directory."""
    return Path(data_dir) / STORE_FILENAME
