"""The laptop's data folder protects what it holds: the folder and every folder in it are 0700,
every file in it 0600 (job store, its WAL and shared-memory files, the catalog cache and its
state, firmware images), whatever the umask of the process that wrote them."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
from contextlib import redirect_stdout
from pathlib import Path

import keyring_fixtures
import pytest
from vh_fixtures import running_virtual_home

from commissioner import paths
from commissioner.cli import main
from commissioner.jobs.store import JobStore

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def _loose_entries(root: Path) -> list[str]:
    """Every entry under ``root`` (and ``root``) whose mode is not 0700 (folder) / 0600."""
    bad = []
    for entry in [root, *sorted(root.rglob("*"))]:
        st = entry.lstat()
        want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
        if stat.S_ISLNK(st.st_mode):  # TUF's root.json: a link to a file checked here
            if not entry.resolve().is_relative_to(root.resolve()):
                bad.append(f"{entry}: a link out of the data folder")
        elif not stat.S_ISDIR(st.st_mode) and not stat.S_ISREG(st.st_mode):
            bad.append(f"{entry}: not a plain file or folder")
        elif stat.S_IMODE(st.st_mode) != want:
            bad.append(f"{entry.relative_to(root.parent)}: {stat.S_IMODE(st.st_mode):o}")
    return bad


def test_every_file_of_a_real_commission_is_private(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "nested" / "data"

    def cli(*args: str) -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            code = main([*args, "--data-dir", str(data)])
        assert code == 0, (args, out.getvalue())
        return out.getvalue()

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=2) as home:
        vh = ["--virtual-home", str(home.directory)]
        old_umask = os.umask(0)  # the loosest umask: every mode below is the app's own doing
        try:
            job = json.loads(cli(
                "job", "new", "--job-number", "MODES-1", "--site-name", "さくら邸",
                "--site-address", "東京都", "--level", "3", "--personal-data", "yes",
                "--life-or-property", "yes", "--operator", "佐藤", "--json", *vh))["id"]
            cli("certify", "--job", job, "--json", "--scan-timeout", "3", *vh)
            cli("commission", "--job", job, "--json", "--read-box-labels", *vh)
            cli("firmware", "preload", "--all", *vh)
            # A connection stays open, so the WAL and shared-memory files exist in the walk.
            with JobStore.open(data / paths.STORE_FILENAME, create=False) as store:
                assert store.get_job(job).id == job
                names = {p.name for p in data.rglob("*")}
                assert {"jobs.sqlite3-wal", "jobs.sqlite3-shm"} <= names, sorted(names)
                assert any(p.suffix == ".bin" for p in (data / "firmware-cache").iterdir())
                assert (data / "catalog-virtual-home").is_dir()
                assert _loose_entries(data) == []
        finally:
            os.umask(old_umask)
    assert _loose_entries(data) == []
    # The missing parent the app created for the data folder is private too.
    assert stat.S_IMODE((tmp_path / "nested").stat().st_mode) == 0o700


def test_a_store_left_loose_by_an_older_app_is_tightened_on_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    store_file = data / paths.STORE_FILENAME
    with JobStore.open(store_file):
        pass
    os.chmod(store_file, 0o644)
    os.chmod(data, 0o755)
    conn = sqlite3.connect(store_file)  # an older app's open WAL files, 0644
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS stray (x)")
    for name in ("jobs.sqlite3-wal", "jobs.sqlite3-shm"):
        os.chmod(data / name, 0o644)
    try:
        with JobStore.open(store_file, create=False):
            assert _loose_entries(data) == []
    finally:
        conn.close()


def test_private_folders_ignore_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        made = paths.make_private_dir(tmp_path / "a" / "b")
        (made / "loose").write_bytes(b"x")
        paths.make_private_tree(tmp_path / "a")
    finally:
        os.umask(old)
    assert _loose_entries(tmp_path / "a") == []
