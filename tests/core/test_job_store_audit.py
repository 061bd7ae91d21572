"""The tamper-evident audit log: every kind of tampering is detected and the first broken entry
named; the CLI's ``audit verify`` exit codes and ``audit export`` output.

Tampering is done the way an attacker would: a raw sqlite3 connection that drops the
append-only triggers first.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from commissioner.jobs import audit
from commissioner.jobs.models import Job
from commissioner.jobs.schema import LATEST_VERSION
from commissioner.jobs.store import JobStore

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = 10  # job.open + 9 steps: idx 0..9


def _make(path: Path, *, close: bool = False) -> Job:
    with JobStore.open(path) as store:
        job = store.create_job(
            job_number="2025-0142", site_name="Site", site_address="Addr",
            service_level=3, operator="Sato",
        )
        for i in range(1, ENTRIES):
            store.append_step(job.id, "identify.ok", {"n": i}, device_id=f"dev-{i}")
        if close:
            store.close_job(job.id)
        return store.get_job(job.id)


def _tamper(path: Path, *sql: tuple[str, tuple[object, ...]]) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    for trigger in ("steps_no_update", "steps_no_delete", "steps_append_only",
                    "jobs_closed_read_only"):
        raw.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement, params in sql:
        raw.execute(statement, params)
    raw.close()


def _verify(path: Path, job: Job) -> audit.AuditResult:
    with JobStore.open(path) as store:
        return store.verify_audit(job.id)


def _row(path: Path, job: Job, idx: int) -> dict[str, object]:
    raw = sqlite3.connect(path)
    raw.row_factory = sqlite3.Row
    row = raw.execute("SELECT * FROM steps WHERE job_id = ? AND idx = ?", (job.id, idx)).fetchone()
    raw.close()
    return dict(row)


def _forge_hash(job: Job, idx: int, prev: str, detail: str = '{"n":999}') -> str:
    return audit.step_hash(job_id=job.id, idx=idx, at="2025-01-01T00:00:00+00:00",
                           operator="Mallory", device_id=None, action="identify.ok",
                           detail_json=detail, prev_hash=prev)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "jobs.sqlite3"


def test_untouched_log_verifies(db: Path) -> None:
    job = _make(db)
    result = _verify(db, job)
    assert result.ok and result.entries == ENTRIES and result.first_bad_idx is None
    assert result.problem is None and "intact" in str(result)


def test_untouched_closed_log_verifies_against_its_seal(db: Path) -> None:
    job = _make(db, close=True)
    result = _verify(db, job)
    assert result.ok and result.entries == ENTRIES + 1 and result.last_hash == job.sealed_hash


def test_edited_entry_is_named(db: Path) -> None:
    job = _make(db)
    _tamper(db, ("UPDATE steps SET detail = '{\"n\":70}' WHERE job_id = ? AND idx = 7", (job.id,)))
    result = _verify(db, job)
    assert not result.ok and result.first_bad_idx == 7
    assert result.problem == "entry 7: hash does not match its content (edited)"


@pytest.mark.parametrize("column", ["at", "operator", "device_id", "action"])
def test_each_hashed_column_is_covered(db: Path, column: str) -> None:
    job = _make(db)
    _tamper(db, (f"UPDATE steps SET {column} = 'x.forged' WHERE job_id = ? AND idx = 4",
                 (job.id,)))
    result = _verify(db, job)
    assert (result.ok, result.first_bad_idx) == (False, 4)
    assert "edited" in str(result.problem)


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(db: Path) -> None:
    job = _make(db)
    row = _row(db, job, 5)
    new_detail = '{"n":55}'
    forged = audit.step_hash(
        job_id=job.id, idx=5, at=str(row["at"]), operator=str(row["operator"]),
        device_id=row["device_id"], action=str(row["action"]),  # type: ignore[arg-type]
        detail_json=new_detail, prev_hash=str(row["prev_hash"]),
    )
    _tamper(db, ("UPDATE steps SET detail = ?, hash = ? WHERE job_id = ? AND idx = 5",
                 (new_detail, forged, job.id)))
    result = _verify(db, job)
    assert result.first_bad_idx == 6
    assert result.problem is not None
    assert result.problem.startswith("entry 6: previous-hash link broken")


def test_deleted_entry_leaves_an_index_gap(db: Path) -> None:
    job = _make(db)
    _tamper(db, ("DELETE FROM steps WHERE job_id = ? AND idx = 3", (job.id,)))
    result = _verify(db, job)
    assert result.first_bad_idx == 3
    assert result.problem == "entry 3: missing - index gap: expected 3, found 4 (entry deleted)"


def test_deleted_first_entry_is_detected(db: Path) -> None:
    job = _make(db)
    _tamper(db, ("DELETE FROM steps WHERE job_id = ? AND idx = 0", (job.id,)))
    result = _verify(db, job)
    assert result.first_bad_idx == 0
    assert result.problem == "entry 0: missing - index gap: expected 0, found 1 (entry deleted)"


def test_whole_log_deleted_is_detected(db: Path) -> None:
    job = _make(db)
    _tamper(db, ("DELETE FROM steps WHERE job_id = ?", (job.id,)))
    result = _verify(db, job)
    assert (result.ok, result.first_bad_idx) == (False, 0)
    assert "empty" in str(result.problem)


def test_deleted_entry_with_renumbering_breaks_the_link(db: Path) -> None:
    job = _make(db)
    _tamper(
        db,
        ("DELETE FROM steps WHERE job_id = ? AND idx = 3", (job.id,)),
        ("UPDATE steps SET idx = idx - 1 WHERE job_id = ? AND idx > 3", (job.id,)),
    )
    result = _verify(db, job)
    assert result.first_bad_idx == 3
    assert result.problem == (
        "entry 3: previous-hash link broken (entry deleted or inserted before it)"
    )


def test_inserted_entry_with_a_valid_own_hash_is_detected(db: Path) -> None:
    job = _make(db)
    prev = str(_row(db, job, 4)["hash"])
    _tamper(
        db,
        ("UPDATE steps SET idx = idx + 100 WHERE job_id = ? AND idx >= 5", (job.id,)),
        ("UPDATE steps SET idx = idx - 99 WHERE job_id = ? AND idx >= 105", (job.id,)),
        ("INSERT INTO steps (job_id, idx, at, operator, device_id, action, detail, prev_hash,"
         " hash) VALUES (?, 5, '2025-01-01T00:00:00+00:00', 'Mallory', NULL, 'identify.ok',"
         " '{\"n\":999}', ?, ?)", (job.id, prev, _forge_hash(job, 5, prev))),
    )
    result = _verify(db, job)
    assert result.first_bad_idx == 6
    assert result.problem == (
        "entry 6: previous-hash link broken (entries 5..5 were inserted before it)"
    )


def test_inserted_entry_with_a_made_up_link_is_named(db: Path) -> None:
    job = _make(db)
    _tamper(
        db,
        ("UPDATE steps SET idx = idx + 100 WHERE job_id = ? AND idx >= 2", (job.id,)),
        ("UPDATE steps SET idx = idx - 99 WHERE job_id = ? AND idx >= 102", (job.id,)),
        ("INSERT INTO steps (job_id, idx, at, operator, action, detail, prev_hash, hash)"
         " VALUES (?, 2, 'now', 'Mallory', 'identify.ok', '{}', 'feed', 'beef')", (job.id,)),
    )
    result = _verify(db, job)
    assert result.first_bad_idx == 2
    assert result.problem == (
        "entry 2: previous-hash link broken (entry deleted or inserted before it)"
    )


def test_reordered_entries_are_detected(db: Path) -> None:
    job = _make(db)
    _tamper(
        db,
        ("UPDATE steps SET idx = 1000 WHERE job_id = ? AND idx = 3", (job.id,)),
        ("UPDATE steps SET idx = 3 WHERE job_id = ? AND idx = 4", (job.id,)),
        ("UPDATE steps SET idx = 4 WHERE job_id = ? AND idx = 1000", (job.id,)),
    )
    result = _verify(db, job)
    assert result.first_bad_idx == 3
    assert result.problem == (
        "entry 3: previous-hash link broken (entries reordered: it follows entry 4)"
    )


def test_entry_moved_to_another_job_is_detected(db: Path) -> None:
    job = _make(db)
    with JobStore.open(db) as store:
        other = store.create_job(job_number="other", site_name="S", site_address="A",
                                 service_level=2, operator="O")
    _tamper(db, ("UPDATE steps SET job_id = ?, idx = 1 WHERE job_id = ? AND idx = 9",
                 (other.id, job.id)))
    result = _verify(db, other)
    assert result.first_bad_idx == 1 and "hash" in str(result.problem)


def test_truncated_closed_log_fails_the_seal(db: Path) -> None:
    job = _make(db, close=True)
    _tamper(db, ("DELETE FROM steps WHERE job_id = ? AND idx = ?", (job.id, ENTRIES)))
    result = _verify(db, job)
    assert result.first_bad_idx == ENTRIES - 1
    assert result.problem is not None and result.problem.startswith("sealed hash mismatch")


def test_entry_appended_after_closing_fails_the_seal(db: Path) -> None:
    job = _make(db, close=True)
    assert job.sealed_hash is not None
    _tamper(db, (
        "INSERT INTO steps (job_id, idx, at, operator, device_id, action, detail, prev_hash,"
        " hash) VALUES (?, ?, '2025-01-01T00:00:00+00:00', 'Mallory', NULL, 'identify.ok',"
        " '{\"n\":999}', ?, ?)",
        (job.id, ENTRIES + 1, job.sealed_hash, _forge_hash(job, ENTRIES + 1, job.sealed_hash)),
    ))
    result = _verify(db, job)
    assert result.first_bad_idx == ENTRIES + 1
    assert result.problem == (
        f"sealed hash mismatch: entries after {ENTRIES} were added after closing"
    )


def test_verify_chain_on_steps_in_memory() -> None:
    assert not audit.verify_chain([], "J00000000").ok


def test_export_then_load_round_trips_and_verifies(db: Path) -> None:
    job = _make(db, close=True)
    with JobStore.open(db) as store:
        steps = store.steps(job.id)
    buf = io.StringIO()
    assert audit.export_jsonl(steps, buf) == ENTRIES + 1
    lines = buf.getvalue().splitlines()
    assert len(lines) == ENTRIES + 1
    first = json.loads(lines[0])
    assert first["action"] == "job.open" and first["detail"]["service_level"] == 3
    loaded = audit.load_jsonl(io.StringIO(buf.getvalue()))
    assert audit.verify_chain(loaded, job.id, sealed_hash=job.sealed_hash).ok
    # An edit to the exported file is caught as well.
    edited = buf.getvalue().replace('"n": 4', '"n": 40')
    result = audit.verify_chain(audit.load_jsonl(io.StringIO(edited)), job.id)
    assert result.first_bad_idx == 4 and "edited" in str(result.problem)
    with pytest.raises(ValueError, match="line 1"):
        audit.load_jsonl(io.StringIO("{}\n"))


# --- CLI -------------------------------------------------------------------------------------


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "commissioner.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=60,
    )


def test_cli_job_new_list_show(tmp_path: Path) -> None:
    r = _cli(tmp_path, "job", "list")
    assert (r.returncode, r.stdout.strip()) == (0, "No jobs.")
    r = _cli(tmp_path, "job", "new", "--job-number", "2025-9", "--site-name", "山田邸",
             "--site-address", "東京都千代田区1-1", "--level", "3",
                     "--personal-data", "yes",
                     "--life-or-property", "yes", "--operator", "佐藤", "--json")
    assert r.returncode == 0, r.stderr
    job = json.loads(r.stdout)
    assert job["job_number"] == "2025-9" and job["service_level"] == 3
    r = _cli(tmp_path, "job", "list", "--json")
    assert [j["id"] for j in json.loads(r.stdout)] == [job["id"]]
    r = _cli(tmp_path, "job", "list")
    assert job["id"] in r.stdout and "山田邸" in r.stdout
    r = _cli(tmp_path, "job", "show", "2025-9", "--json")
    shown = json.loads(r.stdout)
    assert shown["id"] == job["id"] and shown["devices"] == [] and shown["steps"] == 1
    r = _cli(tmp_path, "job", "show", job["id"].lower())
    assert r.returncode == 0 and "★★★" in r.stdout and "Log entries:   1" in r.stdout


def test_cli_reports_user_errors(tmp_path: Path) -> None:
    r = _cli(tmp_path, "job", "show", "nope")
    assert r.returncode == 1 and "no job store" in r.stderr and "Traceback" not in r.stderr
    r = _cli(tmp_path, "job", "new", "--job-number", "1", "--site-name", " ",
             "--site-address", "A", "--level", "2",
                     "--personal-data", "no", "--life-or-property", "no",
                     "--reason", "agreed with the owner", "--operator", "O")
    assert r.returncode == 1 and "site name must not be empty" in r.stderr
    r = _cli(tmp_path, "job", "new", "--job-number", "1", "--site-name", "S",
             "--site-address", "A", "--level", "4", "--operator", "O")
    assert r.returncode == 2  # argparse: invalid choice
    r = _cli(tmp_path, "job", "show", "nope")
    assert r.returncode == 1 and "no job with id or job number 'nope'" in r.stderr
    assert "hint: list the jobs" in r.stderr.lower()


def test_cli_refuses_a_newer_store(tmp_path: Path) -> None:
    _make(tmp_path / "jobs.sqlite3")
    raw = sqlite3.connect(tmp_path / "jobs.sqlite3", isolation_level=None)
    future = LATEST_VERSION + 1
    raw.execute(f"INSERT INTO schema_version VALUES ({future}, 'x', 'future')")
    raw.close()
    r = _cli(tmp_path, "job", "list")
    assert r.returncode == 1 and f"schema version {future}" in r.stderr and "hint:" in r.stderr


def test_cli_audit_verify_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite3"
    job = _make(db)
    r = _cli(tmp_path, "audit", "verify", "--job", job.id)
    assert r.returncode == 0, r.stderr
    assert "intact" in r.stdout and f"{ENTRIES} entries" in r.stdout
    _tamper(db, ("UPDATE steps SET detail = '{}' WHERE job_id = ? AND idx = 7", (job.id,)))
    r = _cli(tmp_path, "audit", "verify", "--job", "2025-0142")
    assert r.returncode == 1
    assert "entry 7: hash does not match its content (edited)" in r.stderr
    r = _cli(tmp_path, "audit", "verify", "--job", "J00000000")
    assert r.returncode == 1 and "no job with id" in r.stderr


def test_cli_audit_export(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite3"
    job = _make(db, close=True)
    out = tmp_path / "audit.jsonl"
    r = _cli(tmp_path, "audit", "export", "--job", job.id, "--out", str(out))
    assert r.returncode == 0, r.stderr
    with out.open(encoding="utf-8") as fp:
        steps = audit.load_jsonl(fp)
    assert len(steps) == ENTRIES + 1
    assert audit.verify_chain(steps, job.id, sealed_hash=job.sealed_hash).ok
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    r = _cli(tmp_path, "audit", "export", "--job", job.id)
    assert r.returncode == 0 and r.stdout == out.read_text(encoding="utf-8")
    r = _cli(tmp_path, "audit", "export", "--job", job.id, "--out",
             str(tmp_path / "missing" / "a.jsonl"))
    assert r.returncode == 1 and "cannot write" in r.stderr.lower()
