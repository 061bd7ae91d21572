"""The job-secret vault: AES-256-GCM under the master key, ciphertext in a real SQLite job
store. No mocks."""

from __future__ import annotations

import base64
import os
import sqlite3
from pathlib import Path

import keyring_fixtures
import pytest
from keyring_fixtures import SecretServiceSession

from commissioner.jobs import schema
from commissioner.jobs.store import JobClosedError, JobNotFoundError, JobStore
from commissioner.secrets import (
    MasterKey,
    SecretCorruptError,
    SecretNotFoundError,
    SecretVault,
)

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    s = JobStore.open(tmp_path / "jobs.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


@pytest.fixture
def job_id(store: JobStore) -> str:
    return store.create_job(
        job_number="N-1", site_name="Site", site_address="Addr", service_level=2,
        operator="Op",
    ).id


def _files(store: JobStore) -> list[Path]:
    base = store.path
    return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists()]


def _assert_absent(store: JobStore, value: bytes) -> None:
    forms = {value, value.hex().encode(), base64.b64encode(value), base64.urlsafe_b64encode(value)}
    files = _files(store)
    assert files
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form not in data, f"secret found in {path.name}"


def test_migrations_are_consecutive_and_add_the_secrets_table(store: JobStore) -> None:
    assert [m.version for m in schema.MIGRATIONS] == list(
        range(1, len(schema.MIGRATIONS) + 1)
    )
    assert store.schema_version == schema.LATEST_VERSION
    with sqlite3.connect(store.path) as raw:
        cols = [r[1] for r in raw.execute("PRAGMA table_info(secrets)")]
    assert cols == ["job_id", "name", "nonce", "ciphertext", "created_at"]


def test_round_trip_names_has_and_delete(store: JobStore, job_id: str) -> None:
    vault = SecretVault(store, os.urandom(32))
    vault.put(job_id, "home-ca.key", b"ca key bytes")
    vault.put(job_id, "admin/aircon-1", b"\x00\x01admin")
    vault.put(job_id, "admin/lock-1", b"lock")
    vault.put(job_id, "label/aircon-1/setup-code", b"12345678")
    assert vault.get(job_id, "home-ca.key") == b"ca key bytes"
    assert vault.get(job_id.lower(), "admin/aircon-1") == b"\x00\x01admin"
    assert vault.has(job_id, "admin/lock-1") and not vault.has(job_id, "admin/shutter-1")
    assert vault.names(job_id) == [
        "admin/aircon-1", "admin/lock-1", "home-ca.key", "label/aircon-1/setup-code",
    ]
    assert vault.names(job_id, "admin/") == ["admin/aircon-1", "admin/lock-1"]
    # A prefix is literal text, not a LIKE pattern.
    assert vault.names(job_id, "admin_") == [] and vault.names(job_id, "%") == []
    # Upsert: same name again replaces the value (and uses a new nonce).
    before = store.get_secret(job_id, "admin/lock-1")
    vault.put(job_id, "admin/lock-1", b"lock-2")
    assert vault.get(job_id, "admin/lock-1") == b"lock-2"
    after = store.get_secret(job_id, "admin/lock-1")
    assert before is not None and after is not None and before[0] != after[0]
    assert vault.delete(job_id, "admin/") == 2
    assert vault.names(job_id) == ["home-ca.key", "label/aircon-1/setup-code"]
    with pytest.raises(SecretNotFoundError, match="admin/aircon-1"):
        vault.get(job_id, "admin/aircon-1")
    assert vault.delete(job_id, "") == 2 and vault.names(job_id) == []


def test_values_survive_reopening_the_store(tmp_path: Path) -> None:
    key = os.urandom(32)
    with JobStore.open(tmp_path / "j.sqlite3") as s:
        jid = s.create_job(job_number="N-2", site_name="S", site_address="A",
                           service_level=3, operator="Op").id
        SecretVault(s, key).put(jid, "home-ca.key", b"persisted")
    with JobStore.open(tmp_path / "j.sqlite3", create=False) as s:
        assert SecretVault(s, key).get(jid, "home-ca.key") == b"persisted"


def test_wrong_master_key_is_corrupt(store: JobStore, job_id: str) -> None:
    value = b"admin-credential-" + os.urandom(8).hex().encode()
    SecretVault(store, os.urandom(32)).put(job_id, "admin/aircon-1", value)
    with pytest.raises(SecretCorruptError, match="does not decrypt") as info:
        SecretVault(store, os.urandom(32)).get(job_id, "admin/aircon-1")
    assert value.decode() not in str(info.value)


def test_ciphertext_edited_in_sqlite_is_corrupt(store: JobStore, job_id: str) -> None:
    vault = SecretVault(store, os.urandom(32))
    vault.put(job_id, "home-ca.key", b"x" * 40)
    with sqlite3.connect(store.path) as raw:
        (ct,) = raw.execute(
            "SELECT ciphertext FROM secrets WHERE job_id = ? AND name = 'home-ca.key'", (job_id,)
        ).fetchone()
        edited = bytes([ct[0] ^ 1]) + ct[1:]
        raw.execute("UPDATE secrets SET ciphertext = ? WHERE job_id = ?", (edited, job_id))
    with pytest.raises(SecretCorruptError):
        vault.get(job_id, "home-ca.key")


def test_ciphertext_moved_to_another_name_or_job_is_corrupt(
    store: JobStore, job_id: str
) -> None:
    other = store.create_job(job_number="N-9", site_name="S", site_address="A",
                             service_level=2, operator="Op").id
    vault = SecretVault(store, os.urandom(32))
    vault.put(job_id, "admin/aircon-1", b"aircon")
    vault.put(job_id, "admin/lock-1", b"lock")
    with sqlite3.connect(store.path) as raw:
        raw.execute(
            "UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE name ="
            " 'admin/aircon-1'), nonce = (SELECT nonce FROM secrets WHERE name ="
            " 'admin/aircon-1') WHERE name = 'admin/lock-1'"
        )
        raw.execute(
            "INSERT INTO secrets SELECT ?, name, nonce, ciphertext, created_at FROM secrets"
            " WHERE name = 'admin/aircon-1'", (other,)
        )
    assert vault.get(job_id, "admin/aircon-1") == b"aircon"
    with pytest.raises(SecretCorruptError):
        vault.get(job_id, "admin/lock-1")
    with pytest.raises(SecretCorruptError):
        vault.get(other, "admin/aircon-1")


def test_plaintext_never_reaches_the_database_files(store: JobStore, job_id: str) -> None:
    vault = SecretVault(store, os.urandom(32))
    values = {
        "home-ca.key": b"-----BEGIN PRIVATE KEY-----" + os.urandom(64).hex().encode(),
        "admin/aircon-1": os.urandom(32),
        "label/aircon-1/setup-code": b"73918264",
    }
    for name, value in values.items():
        vault.put(job_id, name, value)
    vault.put(job_id, "admin/aircon-1", values["admin/aircon-1"])  # an upsert, too
    assert Path(f"{store.path}-wal").exists()
    for value in values.values():
        _assert_absent(store, value)
    store.close()  # checkpoints the WAL into the main file
    for value in values.values():
        _assert_absent(store, value)


def test_missing_unknown_job_and_bad_names(store: JobStore, job_id: str) -> None:
    vault = SecretVault(store, os.urandom(32))
    with pytest.raises(SecretNotFoundError):
        vault.get(job_id, "home-ca.key")
    with pytest.raises(JobNotFoundError):
        vault.put("J00000000", "home-ca.key", b"v")
    for bad in ("", "../x", "a b", "x" * 200, "naïve", "/abs"):
        with pytest.raises(ValueError, match="name"):
            vault.put(job_id, bad, b"v")
    with pytest.raises(ValueError, match="bytes"):
        vault.put(job_id, "ok", "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes"):
        SecretVault(store, b"short")
    assert "key" not in repr(SecretVault(store, os.urandom(32))).lower().replace("jobs", "")


def test_closed_job_secrets_are_read_only_but_can_be_purged(
    store: JobStore, job_id: str
) -> None:
    vault = SecretVault(store, os.urandom(32))
    vault.put(job_id, "home-ca.key", b"ca")
    vault.put(job_id, "admin/aircon-1", b"admin")
    store.close_job(job_id)
    assert vault.get(job_id, "home-ca.key") == b"ca"
    with pytest.raises(JobClosedError):
        vault.put(job_id, "admin/lock-1", b"new")
    # The triggers refuse writes even from a raw connection; DELETE stays allowed.
    with sqlite3.connect(store.path) as raw, pytest.raises(sqlite3.IntegrityError,
                                                           match="read-only"):
        raw.execute("UPDATE secrets SET created_at = 'x' WHERE job_id = ?", (job_id,))
    assert vault.delete(job_id, "") == 2
    assert vault.names(job_id) == []
    assert store.verify_audit(job_id).ok


def test_master_key_from_the_real_keyring_opens_the_vault(
    secret_service: SecretServiceSession, tmp_path: Path
) -> None:
    with JobStore.open(tmp_path / "k.sqlite3") as s:
        jid = s.create_job(job_number="N-3", site_name="S", site_address="A",
                           service_level=2, operator="Op").id
        SecretVault(s, MasterKey.load_or_create(username="vault-test")).put(
            jid, "home-ca.key", b"sealed")
    with JobStore.open(tmp_path / "k.sqlite3") as s:
        vault = SecretVault(s, MasterKey.load_or_create(username="vault-test"))
        assert vault.get(jid, "home-ca.key") == b"sealed"


def test_purge_clears_the_followup_secrets_too(store: JobStore, job_id: str) -> None:
    vault = SecretVault(store, os.urandom(32))
    vault.put(job_id, "home-ca.key", b"ca")
    vault.put(job_id, "admin/aircon-1", b"admin")
    store.close_job(job_id)
    name = "followup/admin/aircon-1"
    store.put_followup_secret(job_id, name, *vault.seal(job_id, name, b"replacement-admin"))
    store.append_followup(job_id, "remediate.replaced", {"n": 1}, device_id="aircon-1",
                          operator="Op")
    assert vault.get(job_id, name) == b"replacement-admin"
    assert vault.names(job_id) == ["admin/aircon-1", name, "home-ca.key"]
    assert vault.names(job_id, "followup/") == [name]
    # A prefix purge reaches the follow-up table too; a full purge clears both tables.
    assert vault.delete(job_id, "followup/") == 1
    assert not vault.has(job_id, name)
    store.put_followup_secret(job_id, name, *vault.seal(job_id, name, b"again"))
    assert vault.delete(job_id, "") == 3
    assert vault.names(job_id) == []
    with pytest.raises(SecretNotFoundError):
        vault.get(job_id, name)
    with sqlite3.connect(store.path) as raw:
        left = raw.execute("SELECT count(*) FROM followup_secrets").fetchone()[0]
    assert left == 0
    # The logs stay: the sealed one and the follow-up one still verify.
    assert store.verify_audit(job_id).ok and store.verify_followup(job_id).entries == 1
