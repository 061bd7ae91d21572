"""Every job records the version of the app that opened it (schema migration 11); jobs from
before it keep no version rather than a made-up one."""

from __future__ import annotations

import sqlite3
from importlib import metadata
from pathlib import Path

from commissioner.jobs import schema
from commissioner.jobs.store import JobStore
from commissioner.version import app_version


def _new_job(store: JobStore, number: str, **extra: str) -> str:
    return store.create_job(job_number=number, site_name="Sakura house",
                            site_address="Tokyo", service_level=2, operator="Sato",
                            **extra).id


def test_a_new_job_records_the_installed_app_version(tmp_path: Path) -> None:
    assert app_version() == metadata.version("commissioner")
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        job = _new_job(store, "V-1")
        assert store.get_job(job).app_version == app_version()
        other = _new_job(store, "V-2", app_version="9.9.9")
    with JobStore.open(tmp_path / "jobs.sqlite3", create=False) as store:
        assert store.get_job(job).app_version == app_version()
        assert store.find_job("V-2").app_version == "9.9.9" and other


def test_jobs_opened_before_the_migration_keep_no_version(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(raw, schema.MIGRATIONS[:10]) == 10
    raw.execute(
        "INSERT INTO jobs (id, job_number, site_name, site_address, service_level, operator,"
        " status, created_at, updated_at) VALUES ('J00000001', 'OLD-1', 's', 'a', 2, 'o',"
        " 'open', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
    raw.close()
    with JobStore.open(path, create=False) as store:
        assert store.schema_version == 11 == schema.LATEST_VERSION
        assert store.get_job("J00000001").app_version is None
