"""The durable job store: jobs, devices, the step log, validation, schema and migrations.

Real SQLite files in a temp dir; no mocks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commissioner.discovery.events import DeviceRecord, Sighting
from commissioner.discovery.recording import job_device
from commissioner.jobs import audit, schema
from commissioner.jobs.models import Job, JobDevice
from commissioner.jobs.store import (
    JOB_ID_RE,
    JobClosedError,
    JobNotFoundError,
    JobStore,
    StoreCorruptError,
)
from commissioner.protocol.spec import CommissioningState, Role


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "jobs.sqlite3"


@pytest.fixture
def store(db: Path) -> JobStore:
    s = JobStore.open(db)
    yield s  # type: ignore[misc]
    s.close()


def _job(store: JobStore, number: str = "2025-0142", level: int = 3) -> Job:
    return store.create_job(
        job_number=number,
        site_name="山田邸",
        site_address="東京都千代田区千代田1-1",
        service_level=level,
        operator="佐藤",
    )


def _device(n: int = 1, *, at: str = "2025-01-01T00:00:00+00:00", fw: str = "1.0.0") -> JobDevice:
    return JobDevice(
        device_id=f"ac-{n}", role="device", kind="air-conditioner", manufacturer="Acme",
        model="AC-100", firmware=fw, state="factory", transports=("ble", "mdns"),
        address="192.0.2.10", port=8443, first_seen=at, last_seen=at,
    )


def _raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


# --- opening ---------------------------------------------------------------------------------


def test_open_creates_parent_dirs_in_wal_mode(db: Path) -> None:
    assert not db.parent.exists()
    with JobStore.open(db) as store:
        assert store.schema_version == schema.LATEST_VERSION == len(schema.MIGRATIONS)
        _job(store)
        assert Path(str(db) + "-wal").exists()
    conn = _raw(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    conn.close()


def test_open_without_create_refuses_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no job store"):
        JobStore.open(tmp_path / "none.sqlite3", create=False)
    assert not (tmp_path / "none.sqlite3").exists()


def test_closed_store_refuses_calls(db: Path) -> None:
    store = JobStore.open(db)
    store.close()
    store.close()  # idempotent
    with pytest.raises(Exception, match="closed"):
        store.list_jobs()


# --- jobs ------------------------------------------------------------------------------------


def test_create_get_find_and_list(store: JobStore) -> None:
    a = _job(store, "2025-0142", 3)
    b = _job(store, "2025-0143", 2)
    assert JOB_ID_RE.match(a.id) and a.id != b.id
    assert a.status == "open" and not a.is_closed and a.stars == "★★★"
    assert a.site_name == "山田邸" and a.operator == "佐藤"
    assert a.created_at.endswith("+00:00")
    assert store.get_job(a.id) == a
    assert store.get_job(a.id.lower()) == a  # typed in lower case
    assert store.find_job("2025-0143") == b
    assert store.find_job(" 2025-0143 ") == b
    assert {j.id for j in store.list_jobs()} == {a.id, b.id}
    assert store.list_jobs("closed") == []
    with pytest.raises(ValueError):
        store.list_jobs("pending")  # type: ignore[arg-type]


def test_typed_ids_forgive_look_alike_letters(store: JobStore) -> None:
    job = _job(store)
    typed = job.id.lower().replace("0", "o").replace("1", "l")
    assert store.find_job(typed) == job


def test_job_number_is_unique_ignoring_case(store: JobStore) -> None:
    _job(store, "AB-1")
    with pytest.raises(ValueError, match="already in use"):
        _job(store, "ab-1")
    assert len(store.list_jobs()) == 1


def test_unknown_job_raises_job_not_found(store: JobStore) -> None:
    with pytest.raises(JobNotFoundError, match="no job with id"):
        store.get_job("J00000000")
    with pytest.raises(KeyError):
        store.find_job("no-such-job")
    with pytest.raises(JobNotFoundError):
        store.append_step("J00000000", "x.y", {})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("service_level", 1, "service level"),
        ("service_level", 4, "service level"),
        ("service_level", True, "service level"),
        ("service_level", "3", "service level"),
        ("site_name", "", "must not be empty"),
        ("site_name", "   ", "must not be empty"),
        ("operator", "x" * 201, "too long"),
        ("site_address", "a\nb", "control character"),
        ("site_name", "abc\x00", "control character"),
        ("site_name", "evil\u202etxt.exe", "control character"),
        ("job_number", "x" * 65, "too long"),
        ("job_number", "J12345678", "looks like a job id"),
        ("operator", None, "must be text"),
    ],
)
def test_create_job_validates(store: JobStore, field: str, value: object, message: str) -> None:
    kwargs: dict[str, object] = {
        "job_number": "2025-1", "site_name": "Site", "site_address": "Addr",
        "service_level": 2, "operator": "Op",
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=message):
        store.create_job(**kwargs)  # type: ignore[arg-type]
    assert store.list_jobs() == []  # nothing half-written


def test_create_job_strips_and_accepts_max_lengths(store: JobStore) -> None:
    job = store.create_job(
        job_number="  N-1 ", site_name="s" * 200, site_address="a", service_level=2,
        operator=" Op ",
    )
    assert job.job_number == "N-1" and job.operator == "Op" and len(job.site_name) == 200


def test_create_job_writes_the_job_open_step(store: JobStore) -> None:
    job = _job(store)
    (step,) = store.steps(job.id)
    assert (step.idx, step.action, step.operator, step.device_id) == (0, "job.open", "佐藤", None)
    assert step.detail == {"job_number": "2025-0142", "service_level": 3}
    assert step.prev_hash == audit.genesis_hash(job.id)
    assert step.at == job.created_at


def test_set_job_catalog_records_version_and_a_step(store: JobStore) -> None:
    job = _job(store)
    when = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    updated = store.set_job_catalog(job.id, 17, when)
    assert updated.catalog_version == "17"
    assert updated.catalog_refreshed_at == "2025-05-01T09:00:00.000000+00:00"
    last = store.steps(job.id)[-1]
    assert last.action == "job.catalog"
    assert last.detail == {"catalog_version": "17", "refreshed_at": updated.catalog_refreshed_at}
    with pytest.raises(ValueError, match="timezone"):
        store.set_job_catalog(job.id, 18, datetime(2025, 5, 1))


# --- devices ---------------------------------------------------------------------------------


def test_upsert_device_inserts_then_updates_keeping_first_seen(store: JobStore) -> None:
    job = _job(store)
    store.upsert_device(job.id, _device(1, at="2025-01-01T00:00:00+00:00"))
    store.upsert_device(job.id, _device(2))
    later = _device(1, at="2025-01-02T00:00:00+00:00", fw="1.2.0")
    store.upsert_device(job.id, _dev_replace(later, status="updated"))
    devices = store.devices(job.id)
    assert [d.device_id for d in devices] == ["ac-1", "ac-2"]
    d1 = devices[0]
    assert d1.firmware == "1.2.0" and d1.status == "updated"
    assert d1.first_seen == "2025-01-01T00:00:00+00:00"
    assert d1.last_seen == "2025-01-02T00:00:00+00:00"
    assert d1.transports == ("ble", "mdns") and d1.port == 8443


def _dev_replace(device: JobDevice, **changes: object) -> JobDevice:
    return dataclasses.replace(device, **changes)  # type: ignore[arg-type]


def test_upsert_device_validates(store: JobStore) -> None:
    job = _job(store)
    with pytest.raises(ValueError, match="port"):
        store.upsert_device(job.id, _dev_replace(_device(), port=70000))
    with pytest.raises(ValueError, match="control character"):
        store.upsert_device(job.id, _dev_replace(_device(), model="AC\x1b[31m"))
    assert store.devices(job.id) == []


def test_device_from_discovery_record(store: JobStore) -> None:
    job = _job(store)
    common = {
        "device_id": "lock-1", "role": Role.DEVICE, "kind": "electric-lock",
        "manufacturer": "Acme", "model": "EL-2", "firmware": "2.0.1",
        "state": CommissioningState.FACTORY, "protocol_version": "1",
    }
    record = DeviceRecord(
        device_id="lock-1",
        sightings={
            "mdns": Sighting(transport="mdns", address="192.0.2.7", port=8443, seen_at=1.0,
                             **common),  # type: ignore[arg-type]
            "ble": Sighting(transport="ble", address="AA:BB:CC:DD:EE:FF", port=None,
                            rssi=-60, seen_at=2.0, **common),  # type: ignore[arg-type]
        },
    )
    store.upsert_device(job.id, job_device(record, at="2025-01-01T00:00:00+00:00"))
    (d,) = store.devices(job.id)
    assert (d.role, d.state, d.address, d.port) == ("device", "factory", "192.0.2.7", 8443)
    assert d.transports == ("ble", "mdns")


# --- steps -----------------------------------------------------------------------------------


def test_append_step_links_the_chain(store: JobStore) -> None:
    job = _job(store)
    s1 = store.append_step(job.id, "discovery.seen", {"b": 2, "a": [1, 2.5, None, "é"]},
                           device_id="ac-1")
    s2 = store.append_step(job.id, "identify.ok", {"model": "AC-100"}, device_id="ac-1",
                           operator="鈴木")
    steps = store.steps(job.id)
    assert [s.idx for s in steps] == [0, 1, 2]
    assert steps[1:] == [s1, s2]
    assert s1.prev_hash == steps[0].hash and s2.prev_hash == s1.hash
    assert s1.detail_json == '{"a":[1,2.5,null,"é"],"b":2}'  # canonical: sorted, compact
    assert s1.operator == "佐藤" and s2.operator == "鈴木"  # default is the job's operator
    assert audit.recompute_hash(s2) == s2.hash
    assert store.verify_audit(job.id).ok


def test_append_step_is_acknowledged_only_when_committed(store: JobStore, db: Path) -> None:
    job = _job(store)
    step = store.append_step(job.id, "identify.ok", {"n": 1})
    other = _raw(db)  # another connection sees it as soon as the call returned
    row = other.execute("SELECT idx, hash FROM steps WHERE seq = ?", (step.seq,)).fetchone()
    other.close()
    assert row == (1, step.hash)


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "x"},
        {"wifi_secret": "x"},
        {"Setup-Code": "12345678"},
        {"device": {"private_key": "..."}},
        {"list": [{"access_token": "t"}]},
        {"pin": "1234"},
    ],
)
def test_append_step_refuses_secret_like_keys(store: JobStore, detail: dict[str, object]) -> None:
    job = _job(store)
    with pytest.raises(ValueError, match="looks like a secret"):
        store.append_step(job.id, "provision.ok", detail)  # type: ignore[arg-type]
    assert len(store.steps(job.id)) == 1


@pytest.mark.parametrize(
    "detail",
    [{"x": {1, 2}}, {"x": float("nan")}, {"x": b"bytes"}, {1: "int key"}, {"x": object()},
     {"x": "\ud800"}],
)
def test_append_step_refuses_non_json_detail(store: JobStore, detail: dict[object, object]) -> None:
    job = _job(store)
    with pytest.raises(ValueError):
        store.append_step(job.id, "x.y", detail)  # type: ignore[arg-type]
    assert len(store.steps(job.id)) == 1


def test_append_step_accepts_harmless_keys(store: JobStore) -> None:
    job = _job(store)
    detail = {"public_key": "fp", "pinned": True, "key_id": "k1", "credentials_set": 3}
    assert store.append_step(job.id, "provision.ok", detail).detail == detail


@pytest.mark.parametrize("action", ["", "Job.Open", "job open", "x" * 65, "job..open"])
def test_append_step_refuses_bad_action_names(store: JobStore, action: str) -> None:
    job = _job(store)
    with pytest.raises(ValueError, match="action"):
        store.append_step(job.id, action, {})


def test_concurrent_threads_keep_one_contiguous_chain(store: JobStore) -> None:
    job = _job(store)

    def work(t: int) -> None:
        for i in range(40):
            store.append_step(job.id, "test.tick", {"t": t, "i": i})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    steps = store.steps(job.id)
    assert [s.idx for s in steps] == list(range(321))
    assert store.verify_audit(job.id).ok


def test_usable_from_asyncio_to_thread(store: JobStore) -> None:
    job = _job(store)

    async def main() -> list[int]:
        results = await asyncio.gather(
            *(asyncio.to_thread(store.append_step, job.id, "test.tick", {"i": i})
              for i in range(20))
        )
        return sorted(s.idx for s in results)

    assert asyncio.run(main()) == list(range(1, 21))


def test_two_store_instances_on_one_file_interleave_safely(db: Path) -> None:
    a = JobStore.open(db)
    b = JobStore.open(db)
    try:
        job = _job(a)
        for i in range(10):
            a.append_step(job.id, "test.tick", {"i": i, "by": "a"})
            b.append_step(job.id, "test.tick", {"i": i, "by": "b"})
        assert [s.idx for s in a.steps(job.id)] == list(range(21))
        assert b.verify_audit(job.id).ok
    finally:
        a.close()
        b.close()


# --- closing ---------------------------------------------------------------------------------


def test_close_job_seals_and_freezes(store: JobStore) -> None:
    job = _job(store)
    store.upsert_device(job.id, _device())
    store.append_step(job.id, "identify.ok", {}, device_id="ac-1")
    sealed = store.close_job(job.id)
    closed = store.get_job(job.id)
    last = store.steps(job.id)[-1]
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.sealed_hash == sealed == last.hash
    assert last.action == "job.close" and last.detail == {"devices": 1}
    assert store.list_jobs("closed") == [closed] and store.list_jobs("open") == []
    with pytest.raises(JobClosedError, match="closed"):
        store.close_job(job.id)
    with pytest.raises(JobClosedError):
        store.append_step(job.id, "identify.ok", {})
    with pytest.raises(JobClosedError):
        store.upsert_device(job.id, _device(2))
    with pytest.raises(JobClosedError):
        store.set_job_catalog(job.id, 1, datetime.now(UTC))
    assert store.verify_audit(job.id).ok
    assert len(store.steps(job.id)) == 3


def test_closed_job_is_read_only_in_sql_too(store: JobStore, db: Path) -> None:
    job = _job(store)
    store.close_job(job.id)
    raw = _raw(db)
    with pytest.raises(sqlite3.DatabaseError, match="read-only"):
        raw.execute("UPDATE jobs SET site_name = 'x' WHERE id = ?", (job.id,))
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        raw.execute("DELETE FROM jobs WHERE id = ?", (job.id,))
    raw.close()


def test_clock_is_used_for_times(tmp_path: Path) -> None:
    t0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    ticks = iter(t0 + timedelta(seconds=i) for i in range(100))
    with JobStore.open(tmp_path / "j.sqlite3", clock=lambda: next(ticks)) as store:
        job = _job(store)
        step = store.append_step(job.id, "x.y", {})
    assert job.created_at == "2025-06-01T12:00:00.000000+00:00"
    assert step.at == "2025-06-01T12:00:01.000000+00:00"


# --- append-only triggers --------------------------------------------------------------------


def test_triggers_block_update_and_delete_of_steps(store: JobStore, db: Path) -> None:
    job = _job(store)
    store.append_step(job.id, "identify.ok", {"n": 1})
    raw = _raw(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only: UPDATE refused"):
        raw.execute("UPDATE steps SET detail = '{}' WHERE idx = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only: DELETE refused"):
        raw.execute("DELETE FROM steps WHERE idx = 1")
    with pytest.raises(sqlite3.DatabaseError, match="only be appended"):
        raw.execute(
            "INSERT INTO steps (job_id, idx, at, operator, action, detail, prev_hash, hash)"
            " VALUES (?, 5, 'now', 'x', 'x.y', '{}', 'p', 'h')",
            (job.id,),
        )
    raw.close()
    assert [s.detail for s in store.steps(job.id)][1] == {"n": 1}
    assert store.verify_audit(job.id).ok


# --- schema and migrations -------------------------------------------------------------------


def test_migrations_are_idempotent(db: Path) -> None:
    with JobStore.open(db) as store:
        job = _job(store)
    with JobStore.open(db) as store:
        assert store.get_job(job.id) == job
    raw = _raw(db)
    assert schema.migrate(raw) == schema.LATEST_VERSION
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [
        (m.version,) for m in schema.MIGRATIONS
    ]
    raw.close()


def test_migrations_apply_in_order_and_record_each(tmp_path: Path) -> None:
    nxt = schema.LATEST_VERSION + 1
    extra = schema.Migration(nxt, "add a notes table", ("CREATE TABLE notes (x TEXT)",))
    raw = _raw(tmp_path / "m.sqlite3")
    assert schema.migrate(raw, (*schema.MIGRATIONS, extra)) == nxt
    assert schema.migrate(raw, (*schema.MIGRATIONS, extra)) == nxt
    rows = raw.execute("SELECT version, description FROM schema_version").fetchall()
    assert rows == [(m.version, m.description) for m in schema.MIGRATIONS] + [
        (nxt, "add a notes table")
    ]
    raw.close()
    with pytest.raises(schema.SchemaError, match="out of order"):
        schema.migrate(_raw(tmp_path / "n.sqlite3"), (extra,))


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    bad = schema.Migration(
        schema.LATEST_VERSION + 1, "broken", ("CREATE TABLE ok_table (x TEXT)", "NOT SQL")
    )
    raw = _raw(tmp_path / "m.sqlite3")
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(raw, (*schema.MIGRATIONS, bad))
    assert schema.current_version(raw) == schema.LATEST_VERSION
    assert raw.execute("SELECT name FROM sqlite_schema WHERE name = 'ok_table'").fetchone() is None
    raw.close()


def test_a_newer_store_is_refused_and_left_untouched(db: Path) -> None:
    with JobStore.open(db) as store:
        _job(store)
    raw = _raw(db)
    future = schema.LATEST_VERSION + 1
    raw.execute(f"INSERT INTO schema_version VALUES ({future}, 'x', 'from the future')")
    raw.close()
    with pytest.raises(
        schema.SchemaTooNewError,
        match=rf"schema version {future}.*knows only up to {schema.LATEST_VERSION}",
    ):
        JobStore.open(db)
    raw = _raw(db)
    assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone() == (future,)
    raw.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreCorruptError, match="damaged or not a database"):
        JobStore.open(path)


def test_another_apps_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    raw = _raw(path)
    raw.execute("CREATE TABLE photos (x)")
    raw.close()
    with pytest.raises(schema.SchemaError, match="not a commissioner job store"):
        JobStore.open(path)


def test_a_damaged_store_fails_the_integrity_check(db: Path) -> None:
    with JobStore.open(db) as store:
        job = _job(store)
        for i in range(300):
            store.append_step(job.id, "test.tick", {"i": i, "pad": "x" * 200})
    raw = _raw(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.close()
    data = bytearray(db.read_bytes())
    # A table leaf page (type 0x0D) whose "start of cell content" field points into its header:
    # the file still opens, and quick_check reports the damaged page.
    leaves = [p for p in range(1, len(data) // page_size) if data[p * page_size] == 0x0D]
    assert len(leaves) > 10
    start = leaves[len(leaves) // 2] * page_size
    data[start + 5:start + 7] = (10).to_bytes(2, "big")
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=r"failed its integrity check: .*corruption"):
        JobStore.open(db)


def test_garbage_pages_are_reported_as_damage(db: Path) -> None:
    with JobStore.open(db) as store:
        job = _job(store)
        for i in range(100):
            store.append_step(job.id, "test.tick", {"i": i, "pad": "x" * 200})
    raw = _raw(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray(db.read_bytes())
    data[4096 * 2:4096 * 6] = b"\xff" * (4096 * 4)
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=r"integrity check|damaged"):
        JobStore.open(db)
