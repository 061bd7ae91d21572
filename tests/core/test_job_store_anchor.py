"""The job store checked against what the OS keyring remembers (issue 17): a vanished,
truncated, replaced or rolled-back store is reported as lost, never silently recreated; a
closed job's seal is anchored in the keyring so a cut-and-reseal inside the file is caught.
Real gnome-keyring on a private D-Bus, real SQLite."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import keyring_fixtures
import pytest

from commissioner import paths
from commissioner.jobs.store import JobStore, StoreLostError
from commissioner.secrets.store_anchor import KeyringStoreAnchor, open_anchored_store

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service
REPO = Path(__file__).resolve().parents[2]

Session = keyring_fixtures.SecretServiceSession


def _open(path: Path, ss: Session, *, create: bool = True) -> JobStore:
    return JobStore.open(path, create=create, anchor=KeyringStoreAnchor(ss.backend))


def _job(store: JobStore, number: str = "A-1") -> str:
    return store.create_job(job_number=number, site_name="House", site_address="1-1",
                            service_level=2, operator="Sato").id


def _cli(ss: Session, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": ss.bus_address,
           "PYTHONPATH": str(REPO)}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run([sys.executable, "-m", "commissioner.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def test_a_store_truncated_to_zero_bytes_is_lost_not_an_empty_list(
    tmp_path: Path, secret_service: Session
) -> None:
    data = tmp_path / "data"
    r = _cli(secret_service, "job", "new", "--job-number", "T-1", "--site-name", "House",
             "--site-address", "1-1", "--level", "2",
                     "--personal-data", "no", "--life-or-property", "no",
                     "--reason", "agreed with the owner", "--operator", "Sato",
             "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    store = next(data.glob("*.sqlite3"))
    for extra in store.parent.glob(store.name + "-*"):
        extra.unlink()
    store.write_bytes(b"")
    r = _cli(secret_service, "job", "list", "--data-dir", str(data))
    assert r.returncode != 0
    assert "No jobs." not in r.stdout
    assert "truncated" in r.stderr and "Traceback" not in r.stderr
    assert store.stat().st_size == 0  # not rebuilt as a new empty store


def test_a_vanished_store_is_reported_lost_and_not_recreated(
    tmp_path: Path, secret_service: Session
) -> None:
    path = tmp_path / "jobs.sqlite3"
    with _open(path, secret_service) as store:
        _job(store)
    for f in tmp_path.glob("jobs.sqlite3*"):
        f.unlink()
    with pytest.raises(StoreLostError, match="vanished"):
        _open(path, secret_service)
    assert not path.exists()


def test_a_replaced_store_and_an_older_copy_are_reported_lost(
    tmp_path: Path, secret_service: Session
) -> None:
    path = tmp_path / "jobs.sqlite3"
    with _open(path, secret_service) as store:
        _job(store, "A-1")
    old = tmp_path / "old.sqlite3"
    shutil.copy(path, old)
    with _open(path, secret_service) as store:
        _job(store, "A-2")
    shutil.copy(old, path)  # an older copy put back
    with pytest.raises(StoreLostError, match="older copy"):
        _open(path, secret_service)
    other = tmp_path / "other" / "jobs.sqlite3"
    with _open(other, secret_service) as store:
        _job(store, "B-1")
    shutil.copy(other, path)  # another store put in its place
    with pytest.raises(StoreLostError, match="replaced"):
        _open(path, secret_service)


def test_a_cut_and_resealed_closed_job_fails_audit_verify(
    tmp_path: Path, secret_service: Session
) -> None:
    data = tmp_path / "data"
    path = paths.default_store_path(data)
    with open_anchored_store(path, backend=secret_service.backend) as store:
        job = _job(store)
        for n in range(4):
            store.append_step(job, "check.ok", {"n": n})
        sealed = store.close_job(job)
        assert store.anchored_seal(job) == sealed
        assert store.verify_audit(job).ok
    # Someone holding the file drops the guards, cuts the last entries and re-seals.
    raw = sqlite3.connect(path)
    for (name,) in raw.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'"
                               ).fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DELETE FROM steps WHERE job_id = ? AND idx >= 3", (job,))
    tail = raw.execute("SELECT hash FROM steps WHERE job_id = ? ORDER BY idx DESC LIMIT 1",
                       (job,)).fetchone()[0]
    raw.execute("UPDATE jobs SET sealed_hash = ? WHERE id = ?", (tail, job))
    raw.commit()
    raw.close()
    with JobStore.open(path, create=False) as plain:
        assert plain.verify_audit(job).ok  # inside the file alone the cut is invisible
    with open_anchored_store(path, create=False, backend=secret_service.backend) as store:
        result = store.verify_audit(job)
        assert not result.ok and "keyring" in (result.problem or "")
    r = _cli(secret_service, "audit", "verify", "--job", job, "--data-dir", str(data))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "keyring" in r.stdout + r.stderr
