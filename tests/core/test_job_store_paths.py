"""Where the job store lives on each platform (commissioner.paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from commissioner import paths

HOME = Path("/home/installer")


def test_override_wins_everywhere(tmp_path: Path) -> None:
    env = {"COMMISSIONER_DATA_DIR": str(tmp_path / "d"), "COMMISSIONER_CONFIG_DIR": str(tmp_path)}
    for platform in ("win32", "darwin", "linux"):
        assert paths.data_dir(env=env, platform=platform, home=HOME) == tmp_path / "d"
        assert paths.config_dir(env=env, platform=platform, home=HOME) == tmp_path


@pytest.mark.parametrize(
    ("platform", "env", "data", "config"),
    [
        ("win32", {"LOCALAPPDATA": "/w/Local", "APPDATA": "/w/Roaming"},
         "/w/Local/commissioner", "/w/Roaming/commissioner"),
        ("win32", {}, f"{HOME}/AppData/Local/commissioner", f"{HOME}/AppData/Roaming/commissioner"),
        ("darwin", {"XDG_DATA_HOME": "/ignored"},
         f"{HOME}/Library/Application Support/commissioner",
         f"{HOME}/Library/Application Support/commissioner/config"),
        ("linux", {"XDG_DATA_HOME": "/x/data", "XDG_CONFIG_HOME": "/x/conf"},
         "/x/data/commissioner", "/x/conf/commissioner"),
        ("linux", {}, f"{HOME}/.local/share/commissioner", f"{HOME}/.config/commissioner"),
        # The XDG spec says relative values are invalid and must be ignored.
        ("linux", {"XDG_DATA_HOME": "rel/data", "XDG_CONFIG_HOME": ""},
         f"{HOME}/.local/share/commissioner", f"{HOME}/.config/commissioner"),
    ],
)
def test_platform_defaults(platform: str, env: dict[str, str], data: str, config: str) -> None:
    assert paths.data_dir(env=env, platform=platform, home=HOME) == Path(data)
    assert paths.config_dir(env=env, platform=platform, home=HOME) == Path(config)


def test_default_store_path_and_real_environment(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    assert paths.default_store_path(tmp_path) == tmp_path / "jobs.sqlite3"
    monkeypatch.setenv("COMMISSIONER_DATA_DIR", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data"
    assert not (tmp_path / "data").exists()  # resolving a path creates nothing
