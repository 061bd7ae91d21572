"""The job's steps, derived from its records: an empty job waits for a scan; a blocked device
blocks the check (remove or replace it); an outdated device keeps firmware ready; a finished
home is ready for handover, and a closed one is done."""

from __future__ import annotations

from pathlib import Path

import pytest
from documents_helpers import OWNER_APP, SUPPORT, catalog, make_home, sources

from commissioner.app.job_steps import STEP_NAMES, job_steps
from commissioner.documents import close_and_hand_over
from commissioner.jobs.store import JobStore


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with JobStore.open(tmp_path / "jobs.sqlite3") as s:
        yield s


def _states(store: JobStore, job_id: str) -> dict[str, str]:
    return {s.name: s.state for s in job_steps(store, job_id).steps}


def test_an_empty_job_starts_with_the_scan(store: JobStore) -> None:
    job = store.create_job(job_number="J-1", site_name="邸", site_address="東京",
                           service_level=2, operator="佐藤")
    steps = job_steps(store, job.id)
    assert tuple(s.name for s in steps.steps) == STEP_NAMES
    assert steps.current is not None and steps.current.name == "scan"
    assert _states(store, job.id) == {"scan": "ready", "check": "waiting",
                                      "onboard": "not-needed", "labels": "waiting",
                                      "provision": "waiting", "firmware": "waiting",
                                      "handover": "waiting"}


def test_a_blocked_device_blocks_the_check_with_its_remedy(store: JobStore) -> None:
    home = make_home(store, 5, blocked=["dev-0002"], provisioned=False)
    steps = job_steps(store, home.job.id)
    check = steps.step("check")
    assert check.state == "blocked" and (check.done, check.total) == (4, 5)
    assert [(b.device_id, b.action) for b in check.blockers] == [("dev-0002",
                                                                  "remove-or-replace")]
    assert steps.current is check
    assert steps.step("provision").state == "waiting"


def test_labels_then_provision_then_firmware_then_handover(store: JobStore,
                                                           tmp_path: Path) -> None:
    home = make_home(store, 4, provisioned=False)
    states = _states(store, home.job.id)
    assert states["check"] == "done" and states["labels"] == "ready"
    assert {b.action for b in job_steps(store, home.job.id).step("labels").blockers} == {
        "scan-label"}

    outdated = make_home(store, 4, job_number="J-2", firmware_latest=False)
    steps = job_steps(store, outdated.job.id)
    assert steps.step("labels").state == "done"  # provisioned devices need no label now
    assert steps.step("provision").state == "done"
    assert steps.step("firmware").state == "ready"
    assert {b.code for b in steps.step("firmware").blockers} == {"firmware-outdated"}

    ready = make_home(store, 4, job_number="J-3")
    steps = job_steps(store, ready.job.id)
    assert steps.current is not None and steps.current.name == "handover"
    assert steps.current.state == "ready"
    out = close_and_hand_over(store, ready.job.id, catalog=catalog(), sources=sources(),
                              report_path=tmp_path / "r.json", support=SUPPORT,
                              owner_app=OWNER_APP)
    assert out.closed
    closed = job_steps(store, ready.job.id)
    assert closed.current is None and all(s.state in ("done", "not-needed")
                                          for s in closed.steps)


def test_job_show_prints_the_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from commissioner.cli import main

    data = tmp_path / "data"
    with JobStore.open(data / "jobs.sqlite3") as s:
        home = make_home(s, 4, blocked=["dev-0002"], provisioned=False)
    assert main(["job", "show", "--data-dir", str(data), home.job.id]) == 0
    out = capsys.readouterr().out
    assert "2. check      blocked" in out and "remove or replace dev-0002" in out
    assert main(["job", "show", "--data-dir", str(data), home.job.id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["job_steps"]
    assert [s["name"] for s in shown] == list(STEP_NAMES)
    assert shown[1]["blockers"][0]["device_id"] == "dev-0002"
