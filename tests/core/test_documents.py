"""Handover documents in the core (no Qt): escaping, sheet content, report JSON against its
schema, closing a job (refusals and success), document actions in the audit log, CLI."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
from documents_helpers import (
    NOW,
    OWNER_APP,
    SUPPORT,
    catalog,
    invitation_payload,
    make_home,
    record_firmware,
    sources,
)

from commissioner.cli import main, plugin_registrars
from commissioner.documents import (
    build_report,
    build_sheet,
    close_and_hand_over,
    collect_facts,
    report_document,
)
from commissioner.documents.report import REPORT_SCHEMA_ID, schema_path
from commissioner.documents.text import html_text, visible_text
from commissioner.jobs.store import JobStore

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))
CITED = {"R2-1", "R2-2", "R2-3", "R2-6", "R2-7", "R2-8", "R3-3", "R3-5", "R3-6", "SR2-H-2"}
HOSTILE = [
    "<b>x</b>", "<img src=x onerror=alert(1)>", "\u202eFE-LED12", "a\u200fb\u2066c\u2069",
    "🏠🔥 lamp", "x" * 5000, "ctl\x00\x07\x1b[31m\x7f\x85end", "zero\u200bwidth\ufeff",
    "&amp; \"quoted\" 'single'",
]


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with JobStore.open(tmp_path / "jobs.sqlite3") as s:
        yield s


# --- visible, escaped text ---------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_visible_escaped_and_bounded(value: str) -> None:
    out = html_text(value, 120)
    assert "<" not in out and ">" not in out
    assert len(out) < 120 * 9 + 40  # every input char at most "[U+XXXX]", plus the marker
    for ch in out:
        assert ch.isprintable() or ch == " ", repr(ch)
    plain = visible_text(value, 120)
    for bad in "\u202e\u200f\u2066\u2069\u200b\ufeff\x00\x1b\x7f\x85":
        assert bad not in plain


def test_bidi_and_controls_become_codes() -> None:
    assert visible_text("\u202eABC") == "[U+202E]ABC"
    assert visible_text("a\x00b") == "a[U+0000]b"
    assert visible_text("a\tb\nc") == "a b c"
    assert visible_text("x" * 10, 4, more="…(+{n})") == "xxxx…(+10)"
    assert html_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


# --- the sheet's content -----------------------------------------------------------------------


def test_sheet_content_japanese_and_english(store: JobStore) -> None:
    home = make_home(store, 8)
    facts = collect_facts(store, home.job.id, catalog=catalog(), sources=sources())
    ja = build_sheet(facts)
    assert ja.language == "ja" and "ご利用案内" in ja.html and "変更しないでください" in ja.html
    for model in set(home.models.values()):
        assert model in ja.html
    assert "ネットワーク設定" in ja.html  # the catalog's must-not list, in Japanese
    assert invitation_payload() not in ja.html  # only the short typed form is printed
    code = facts.invitation.code if facts.invitation else None
    assert code is not None and re.fullmatch(r"\d{4}-\d{4}-\d{5}", code) and code in ja.html
    assert ja.resources and next(iter(ja.resources.values())).startswith(b"\x89PNG")
    en = build_sheet(facts, language="en")
    assert "Settings you must not change" in en.html and "network settings" in en.html
    assert ja.sha256() != en.sha256()


def test_sheet_without_invitation_says_so(store: JobStore) -> None:
    home = make_home(store, 3)
    facts = collect_facts(store, home.job.id, catalog=catalog())
    sheet = build_sheet(facts)
    assert not sheet.resources and "まだ発行されていません" in sheet.html


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_names_never_become_markup(store: JobStore, value: str) -> None:
    home = make_home(store, 3)
    facts = collect_facts(store, home.job.id, catalog=catalog(), sources=sources())
    job = dataclasses.replace(facts.job, site_name=value, operator=value, site_address=value)
    dev = facts.devices[1]
    device = dataclasses.replace(dev.device, model=value, manufacturer=value, device_id=value)
    gate = dataclasses.replace(dev.gate, attested_model=value, attested_manufacturer=value)
    hostile = dataclasses.replace(
        facts, job=job,
        devices=(facts.devices[0], dataclasses.replace(dev, device=device, gate=gate,
                                                        location=value), *facts.devices[2:]))
    for lang in ("ja", "en"):
        html = build_sheet(hostile, language=lang).html
        rhtml = report_document(build_report(hostile), language=lang).html
        for text in (html, rhtml):
            assert "<b>x</b>" not in text and "<img src=x" not in text
            assert "\u202e" not in text and "\x00" not in text and "\u2066" not in text
            assert "x" * 1000 not in text  # capped


# --- report JSON -------------------------------------------------------------------------------


def test_report_json_validates_and_cites_requirements(store: JobStore) -> None:
    home = make_home(store, 6)
    facts = collect_facts(store, home.job.id, catalog=catalog(), sources=sources())
    report = build_report(facts)
    jsonschema.validate(report, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert SCHEMA["$id"] == REPORT_SCHEMA_ID
    ids = {r["id"] for r in report["requirements"]}
    assert ids >= CITED
    by_id = {r["id"]: r for r in report["requirements"]}
    for rid in ("R2-2", "R2-3", "R2-7", "R2-8", "R3-5", "SR2-H-2"):
        assert by_id[rid]["status"] == "pass", by_id[rid]
        assert by_id[rid]["evidence"]
    assert by_id["R2-6"]["status"] == "not-checked"  # no sheet produced yet
    assert len(report["devices"]) == 6
    dev = report["devices"][1]
    assert dev["credentials"]["provisioned"] and dev["firmware"]["after"] == "1.2.0"
    assert dev["firmware"]["before"] == "1.0.0" and dev["firmware"]["updates"]
    assert dev["acl"]["roles"] == ["gateway", "owner@1", "commissioner"]
    text = json.dumps(report)
    token = invitation_payload().split(";t=")[1].split(";")[0]
    assert token not in text  # the invitation token never reaches the report


def test_report_of_unfinished_job_fails_the_right_requirements(store: JobStore) -> None:
    home = make_home(store, 4, provisioned=False, firmware_latest=False, blocked=["dev-0002"])
    report = build_report(collect_facts(store, home.job.id, catalog=catalog(), sources=sources()))
    jsonschema.validate(report, SCHEMA)
    by_id = {r["id"]: r["status"] for r in report["requirements"]}
    assert by_id["R2-2"] == "fail" and by_id["R2-3"] == "fail" and by_id["R2-7"] == "fail"
    assert not report["handover"]["ready"]
    codes = {b["code"] for b in report["handover"]["blockers"]}
    assert {"blocked", "unprovisioned", "firmware-outdated"} <= codes


# --- closing the job ---------------------------------------------------------------------------


def test_close_refused_with_unupdated_device(store: JobStore, tmp_path: Path) -> None:
    home = make_home(store, 5)
    record_firmware(store, home.job.id, "dev-0003", home.models["dev-0003"], latest=False)
    before = store.step_count(home.job.id)
    out = close_and_hand_over(store, home.job.id, catalog=catalog(), sources=sources(),
                              report_path=tmp_path / "r.json")
    assert not out.closed and out.sheet is None
    reasons = [b for b in out.blockers if b.device_id == "dev-0003"]
    assert reasons and "1.0.0" in reasons[0].message and "1.2.0" in reasons[0].message
    assert store.get_job(home.job.id).status == "open"
    assert store.step_count(home.job.id) == before  # nothing recorded
    assert not (tmp_path / "r.json").exists()


def test_close_refused_while_blocked_unprovisioned_or_without_invitation(
    store: JobStore,
) -> None:
    home = make_home(store, 4, provisioned=False, blocked=["dev-0001"])
    out = close_and_hand_over(store, home.job.id, catalog=catalog())
    codes = {(b.code, b.device_id) for b in out.blockers}
    assert ("blocked", "dev-0001") in codes
    assert ("unprovisioned", "dev-0002") in codes
    assert ("no-invitation", None) in codes
    assert not out.closed


def test_close_complete_job_seals_log_and_writes_report(store: JobStore, tmp_path: Path) -> None:
    home = make_home(store, 6)
    path = tmp_path / "reports" / "r.json"
    out = close_and_hand_over(store, home.job.id, catalog=catalog(), sources=sources(),
                              report_path=path, operator="佐藤 工", support=SUPPORT,
                              owner_app=OWNER_APP, now=NOW)
    assert out.closed and not out.blockers and out.sheet is not None
    job = store.get_job(home.job.id)
    assert job.status == "closed" and job.sealed_hash == out.sealed_hash
    report = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    assert report["audit"]["sealed_hash"] == job.sealed_hash and report["audit"]["verified"]
    assert report["handover"]["ready"] and report["job"]["status"] == "closed"
    assert all(r["status"] == "pass" for r in report["requirements"]), report["requirements"]
    actions = [s.action for s in store.steps(job.id)]
    assert actions[-3:] == ["document.sheet", "handover.summary", "job.close"]
    sheet_step = store.steps(job.id)[-3]
    assert sheet_step.detail["sha256"] == out.sheet.sha256()
    assert report["documents"]["guidance_sheet"]["sha256"] == out.sheet.sha256()
    assert store.verify_audit(job.id).ok
    again = close_and_hand_over(store, job.id, catalog=catalog(), sources=sources())
    assert not again.closed and any(b.code == "job-closed" for b in again.blockers)


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_report_json_and_export_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as s:
        home = make_home(s, 3)
    out = tmp_path / "report.json"
    assert main(["report", "--data-dir", str(data), "--job", home.job.id, "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    with JobStore.open(data / "jobs.sqlite3") as s:
        last = s.steps(home.job.id)[-1]
    assert last.action == "document.export" and last.detail["format"] == "json"
    assert last.detail["file"] == "report.json"
    assert main(["report", "--data-dir", str(data), "--job", home.job.id, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["job"]["id"] == home.job.id


def test_cli_plugins_are_loaded_and_broken_ones_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.metadata as md

    names = [r.__module__ for r in plugin_registrars()]
    assert "ui.documents_cli" in names
    broken = md.EntryPoint("broken", "no_such_module_xyz:register", "commissioner.cli_plugins")
    monkeypatch.setattr(md, "entry_points", lambda group: [broken])
    assert plugin_registrars() == []
    assert "could not be loaded" in capsys.readouterr().err


def test_report_pdf_without_renderer_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import commissioner.cli as cli

    monkeypatch.setattr(cli, "plugin_registrars", lambda: [])
    from commissioner.documents import render

    monkeypatch.setattr(render, "_renderer", None)
    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as s:
        home = make_home(s, 2)
    code = main(["report", "--data-dir", str(data), "--job", home.job.id, "--pdf",
                 str(tmp_path / "r.pdf")])
    err = capsys.readouterr().err
    assert code == 1 and "GUI extra" in err


# --- audit log: document actions and tampering named by `audit verify` --------------------------


def _tamper(db: Path, how: str, job_id: str) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.executescript("DROP TRIGGER steps_no_update; DROP TRIGGER steps_no_delete;"
                       "DROP TRIGGER steps_append_only;")
    if how == "edit":
        conn.execute("UPDATE steps SET detail = '{\"ok\":false}' WHERE job_id = ? AND idx = 3",
                     (job_id,))
    elif how == "delete":
        conn.execute("DELETE FROM steps WHERE job_id = ? AND idx = 3", (job_id,))
    elif how == "insert":
        row = conn.execute("SELECT job_id, at, operator, device_id, action, detail, prev_hash,"
                           " hash FROM steps WHERE job_id = ? AND idx = 3", (job_id,)).fetchone()
        conn.execute("UPDATE steps SET idx = idx + 1000 WHERE job_id = ? AND idx >= 3", (job_id,))
        conn.execute("UPDATE steps SET idx = idx - 999 WHERE job_id = ? AND idx >= 1003",
                     (job_id,))
        conn.execute("INSERT INTO steps (job_id, idx, at, operator, device_id, action, detail,"
                     " prev_hash, hash) VALUES (?, 3, ?, ?, ?, 'x.y', ?, ?, ?)",
                     (row[0], row[1], row[2], row[3], row[5], row[6], row[7]))
    elif how == "reorder":
        conn.execute("UPDATE steps SET idx = 100000 WHERE job_id = ? AND idx = 3", (job_id,))
        conn.execute("UPDATE steps SET idx = 3 WHERE job_id = ? AND idx = 4", (job_id,))
        conn.execute("UPDATE steps SET idx = 4 WHERE job_id = ? AND idx = 100000", (job_id,))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("how", ["edit", "delete", "insert", "reorder"])
def test_audit_verify_names_the_first_broken_entry(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    db = data / "jobs.sqlite3"
    with JobStore.open(db) as s:
        home = make_home(s, 3)
        close_and_hand_over(s, home.job.id, catalog=catalog(), sources=sources(),
                            support=SUPPORT, owner_app=OWNER_APP, now=NOW)
    assert main(["audit", "verify", "--data-dir", str(data), "--job", home.job.id]) == 0
    capsys.readouterr()
    _tamper(db, how, home.job.id)
    assert main(["audit", "verify", "--data-dir", str(data), "--job", home.job.id]) == 1
    err = capsys.readouterr().err
    assert "BROKEN" in err and "entry 3" in err, err


def test_audit_export_of_an_open_job_is_logged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as s:
        home = make_home(s, 2)
    out = tmp_path / "log.jsonl"
    assert main(["audit", "export", "--data-dir", str(data), "--job", home.job.id,
                 "--out", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["action"] == "document.export"
    assert lines[-1]["detail"] == {"kind": "audit-log", "format": "jsonl", "file": "log.jsonl"}
    with JobStore.open(data / "jobs.sqlite3") as s:
        assert s.verify_audit(home.job.id).ok
