"""Where the commissioner keeps its data and settings on each platform.

Data (job store, caches): ``COMMISSIONER_DATA_DIR`` if set; else Windows
``%LOCALAPPDATA%\\commissioner``, macOS ``~/Library/Application Support/commissioner``, other
systems ``$XDG_DATA_HOME/commissioner`` or ``~/.local/share/commissioner``.

Settings: ``COMMISSIONER_CONFIG_DIR`` if set; else Windows ``%APPDATA%\\commissioner``, macOS
``~/Library/Application Support/commissioner/config``, other systems ``$XDG_CONFIG_HOME/
commissioner`` or ``~/.config/commissioner``.

Every function takes optional ``env``, ``platform`` and ``home`` so tests can check each case
on any machine. Only :func:`make_private_dir` and the other private-mode helpers below create
or change anything: the data folder and every folder in it are 0700, every file 0600, whatever
the process's umask (on Windows the per-user folders are private already and modes are not
POSIX, so they only create).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

APP_NAME = "commissioner"
STORE_FILENAME = "jobs.sqlite3"
PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600
_POSIX: Final = os.name == "posix"


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


# --- private modes (the data folder protects what the laptop holds) ---------------------------


def _tighten(path: Path, mode: int) -> None:
    """Set ``path``'s permission bits to ``mode`` if they are looser and this user owns it
    (a folder someone else owns, e.g. a shared parent, is left alone)."""
    if not _POSIX:
        return
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
        return
    if stat.S_IMODE(st.st_mode) != mode:
        os.chmod(path, mode)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents as folders only this user may open (0700,
    whatever the umask); an existing ``path`` of this user is tightened to 0700."""
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        _tighten(folder, PRIVATE_DIR_MODE)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def make_private_file(path: Path) -> None:
    """Give an existing file of this user the mode 0600 (a no-op if it is missing)."""
    _tighten(Path(path), PRIVATE_FILE_MODE)


def make_private_tree(root: Path) -> None:
    """Every folder under ``root`` (and ``root``) 0700, every file 0600: for what a library
    wrote with the umask's modes (TUF's metadata and targets) before it is committed."""
    root = Path(root)
    if not _POSIX or not root.is_dir():
        return
    _tighten(root, PRIVATE_DIR_MODE)
    for top, folders, files in os.walk(root):
        for name in folders:
            _tighten(Path(top, name), PRIVATE_DIR_MODE)
        for name in files:
            _tighten(Path(top, name), PRIVATE_FILE_MODE)
