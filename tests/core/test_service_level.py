"""The service level with its basis (R2-1/R3-2): the two answers recorded at job creation,
the devices found suggesting ★★★, a lower level held until a reason is recorded, and the
report showing the basis. Real SQLite store, real CLI, no mocks."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from documents_helpers import catalog, make_home, sources

from commissioner.cli import main
from commissioner.documents import close_and_hand_over, collect_facts
from commissioner.documents.report import build_report, report_document, schema_path
from commissioner.jobs.models import JobDevice
from commissioner.jobs.service_level import answers_level, level_basis
from commissioner.jobs.store import JobStore

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with JobStore.open(tmp_path / "jobs.sqlite3") as s:
        yield s


def run(data: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--data-dir", str(data)])
    out, err = capsys.readouterr()
    return code, out, err


def test_either_yes_calls_for_three_stars() -> None:
    assert answers_level(False, False) == 2
    assert answers_level(True, False) == answers_level(False, True) == 3
    assert answers_level(None, None) == 2


def _add_lock(store: JobStore, job_id: str) -> None:
    at = "2026-01-01T00:00:00+00:00"
    store.upsert_device(job_id, JobDevice(
        device_id="lock-0001", role="device", kind="electric-lock", manufacturer="M",
        model="L1", firmware="1.0.0", state="factory", transports=("mdns",),
        address="127.0.0.1", port=8443, first_seen=at, last_seen=at))


def test_a_lock_below_three_stars_blocks_until_a_reason_is_recorded(
    store: JobStore, tmp_path: Path
) -> None:
    home = make_home(store, 4, level=2)
    job = home.job
    assert job.personal_data is None  # made without the questions: nothing claimed
    _add_lock(store, job.id)
    facts = collect_facts(store, job.id, catalog=catalog(), sources=sources())
    basis = level_basis(facts.job, (f.device.kind for f in facts.devices))
    assert (basis.suggested_level, basis.suggested_by, basis.needs_reason) == (
        3, ("electric-lock",), True)
    report = build_report(facts)
    codes = {b["code"] for b in report["handover"]["blockers"]}
    assert "level-below-suggestion" in codes
    assert {r["id"]: r["status"] for r in report["requirements"]}["R2-1"] == "fail"
    out = close_and_hand_over(store, job.id, catalog=catalog(), sources=sources())
    assert not out.closed
    assert [b.code for b in out.blockers if b.code == "level-below-suggestion"]

    store.set_service_level(job.id, 2, reason="施主の判断で電気錠は連携させない", operator="佐藤")
    step = store.steps(job.id)[-1]
    assert step.action == "job.level" and step.detail["level_reason"].startswith("施主")
    facts = collect_facts(store, job.id, catalog=catalog(), sources=sources())
    report = build_report(facts)
    jsonschema.validate(report, SCHEMA)
    assert "level-below-suggestion" not in {b["code"] for b in report["handover"]["blockers"]}
    assert report["job"]["level_basis"]["reason"] == "施主の判断で電気錠は連携させない"
    assert report["job"]["level_basis"]["suggested_by"] == ["electric-lock"]
    html = report_document(report, language="ja").html
    assert "サービスレベルの根拠" in html and "電気錠" in html and "施主の判断" in html
    english = report_document(report, language="en").html
    assert "Basis of the service level" in english and "Electric lock" in english


def test_cli_records_the_answers_and_refuses_a_lower_level_without_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    base = ["job", "new", "--site-name", "さくら邸", "--site-address", "東京都",
            "--operator", "佐藤"]
    code, _out, err = run(data, capsys, *base, "--job-number", "S-0", "--level", "3")
    assert code == 1 and "--personal-data" in err and "Traceback" not in err
    code, _out, err = run(data, capsys, *base, "--job-number", "S-1", "--level", "2",
                          "--personal-data", "yes", "--life-or-property", "no")
    assert code == 1 and "★★★" in err and "--below-suggestion-reason" in err
    code, out, err = run(data, capsys, *base, "--job-number", "S-2", "--level", "2",
                         "--personal-data", "yes", "--life-or-property", "no",
                         "--below-suggestion-reason", "個人情報は機器に残らない構成", "--json")
    assert code == 0, err
    job = json.loads(out)
    assert (job["service_level"], job["personal_data"], job["life_or_property"],
            job["level_reason"]) == (2, True, False, "個人情報は機器に残らない構成")
    code, out, err = run(data, capsys, *base, "--job-number", "S-3", "--level", "2",
                         "--personal-data", "no", "--life-or-property", "no", "--json")
    assert code == 0, err
    plain = json.loads(out)["id"]
    with JobStore.open(data / "jobs.sqlite3", create=False) as store:
        _add_lock(store, plain)
    code, out, err = run(data, capsys, "job", "show", plain)
    assert code == 0 and "Level finding" in out and "set-level" in out
    code, out, err = run(data, capsys, "job", "set-level", "--job", plain, "--level", "2")
    assert code == 1 and "reason" in err
    code, out, err = run(data, capsys, "job", "set-level", "--job", plain, "--level", "2",
                         "--reason", "施主と合意", "--json")
    assert code == 0, err
    assert json.loads(out)["reason"] == "施主と合意" and json.loads(out)["level"] == 2
    code, out, err = run(data, capsys, "job", "set-level", "--job", plain, "--level", "3")
    assert code == 0 and "★★★" in out
    code, out, err = run(data, capsys, "job", "show", plain, "--json")
    shown = json.loads(out)
    assert shown["service_level"] == 3 and shown["level_basis"]["suggested_level"] == 3
    assert "Level finding" not in run(data, capsys, "job", "show", plain)[1]
