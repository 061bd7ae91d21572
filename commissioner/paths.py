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
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Place:
    """Where one kind of per-user folder lives on each platform."""

    override: str  # the app's own environment variable
    windows_env: str
    windows_default: tuple[str, ...]  # under the home folder
    mac: tuple[str, ...]  # under the home folder
    xdg_env: str
    xdg_default: tuple[str, ...]  # under the home folder


_DATA = _Place("COMMISSIONER_DATA_DIR", "LOCALAPPDATA", ("AppData", "Local"),
               ("Library", "Application Support", APP_NAME), "XDG_DATA_HOME",
               (".local", "share"))
_CONFIG = _Place("COMMISSIONER_CONFIG_DIR", "APPDATA", ("AppData", "Roaming"),
                 ("Library", "Application Support", APP_NAME, "config"), "XDG_CONFIG_HOME",
                 (".config",))


def _folder(
    place: _Place, env: Mapping[str, str] | None, platform: str | None, home: Path | None
) -> Path:
    e = _env(env)
    override = e.get(place.override)
    if override:
        return Path(override).expanduser().absolute()
    plat = sys.platform if platform is None else platform
    base_home = Path.home() if home is None else home
    if plat.startswith("win"):
        base = _absolute(e.get(place.windows_env)) or base_home.joinpath(*place.windows_default)
        return base / APP_NAME
    if plat == "darwin":
        return base_home.joinpath(*place.mac)
    base = _absolute(e.get(place.xdg_env)) or base_home.joinpath(*place.xdg_default)
    return base / APP_NAME


def data_dir(
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    return _folder(_DATA, env, platform, home)


def config_dir(
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    return _folder(_CONFIG, env, platform, home)


def default_store_path(data_dir: Path) -> Path:
    """The job store file inside a data directory."""
    return Path(data_dir) / STORE_FILENAME
