"""``commissioner certify``, ``label add|list`` and ``device replace`` end to end: a running
mixed-faults virtual home, its real TUF catalog, a real SQLite job store, no mocks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring_fixtures
import pytest
from catalog_helpers import backdate_refresh
from gate_helpers import by_fault, by_model, manifest
from vh_fixtures import running_virtual_home

from commissioner.cli import main
from commissioner.cli.certify import EXIT_BLOCKED
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label, encode_label
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.scenario import COUNTERFEIT_SELF_SIGNED


@dataclass
class Env:
    home: HomeFile
    data: Path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeFile]:
    with running_virtual_home(tmp_path_factory.mktemp("gatecli") / "home",
                              scenario="mixed-faults") as h:
        yield h


_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


@pytest.fixture
def env(
    home: HomeFile, tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> Env:
    """Labels hold setup codes, which `label add` keeps in the OS keyring's vault."""
    return Env(home, tmp_path / "data")


def run(env: Env, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--data-dir", str(env.data), "--virtual-home", str(env.home.directory)])
    out, err = capsys.readouterr()
    return code, out, err


def new_job(env: Env, capsys: pytest.CaptureFixture[str], level: int = 3) -> str:
    code, out, err = run(env, capsys, "job", "new", "--job-number", f"G-{level}",
                         "--site-name", "Test house", "--site-address", "1-1 Chiyoda",
                         "--level", str(level), "--personal-data", "yes" if level == 3 else "no",
                         "--life-or-property", "no", "--reason", "agreed with the owner",
                         "--operator", "Sato", "--json")
    assert code == 0, err
    return str(json.loads(out)["id"])


def certify(env: Env, capsys: pytest.CaptureFixture[str], job: str, *extra: str) -> (
    tuple[int, list[dict[str, object]], str]
):
    code, out, err = run(env, capsys, "certify", "--job", job, "--json", "--scan-timeout", "8",
                         *extra)
    return code, (json.loads(out) if out.strip() else []), err


def store(env: Env) -> JobStore:
    return JobStore.open(env.data / "jobs.sqlite3", create=False) if (
        env.data / "jobs.sqlite3").exists() else JobStore.open(
        next(env.data.rglob("*.sqlite3")), create=False)


def test_certify_prints_every_verdict_logs_each_and_exits_nonzero(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    code, verdicts, err = certify(env, capsys, job)
    assert code == EXIT_BLOCKED, err
    ids = {str(v["device_id"]) for v in verdicts}
    assert ids == set(manifest(env.home))  # every device of this home and its gateway
    by_id = {str(v["device_id"]): v for v in verdicts}
    assert by_id[by_model(env.home, "SD-AC2400")]["verdict"] == "certified"
    assert by_id[by_fault(env.home, COUNTERFEIT_SELF_SIGNED)]["verdict"] == "counterfeit"
    assert all(v["reason"] and v["verdict"] for v in verdicts)
    with store(env) as s:
        j = s.get_job(job)
        assert j.catalog_version is not None and j.catalog_refreshed_at is not None
        steps = s.steps(job)
        gate_steps = [st for st in steps if st.action == "gate.verdict"]
        assert {st.device_id for st in gate_steps} == ids
        for st in gate_steps:
            d = st.detail
            assert d["verdict"] == by_id[str(st.device_id)]["verdict"]
            assert d["reason"] and d["catalog_version"] == j.catalog_version
        assert any(st.action == "job.catalog" for st in steps)
        assert s.verify_audit(job).ok
        states = {g.device_id: g for g in s.gate_states(job)}
    assert states[by_model(env.home, "SD-AC2400")].blocked is False
    assert states[by_fault(env.home, COUNTERFEIT_SELF_SIGNED)].blocked is True


def _payload(env: Env, device_id: str, **change: str) -> tuple[str, Label]:
    label = read_label_file(env.home.label_path(device_id))
    fields = {k: getattr(label, k) for k in
              ("device_id", "manufacturer", "model", "serial", "setup_code", "kind")}
    fields.update(change)
    return encode_label(Label(**fields)), label


def test_label_with_another_serial_blocks_the_device(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    device_id = by_model(env.home, "SD-LT60")
    assert certify(env, capsys, job)[0] == EXIT_BLOCKED
    payload, _ = _payload(env, device_id, serial="SKR-LIGHT-ZZZZZZZZ")
    code, out, err = run(env, capsys, "label", "add", "--job", job, payload, "--json")
    assert code == 1, err
    (result,) = json.loads(out)
    assert result["status"] == "mismatch" and "SKR-LIGHT-ZZZZZZZZ" in result["reason"]
    with store(env) as s:
        state = s.gate_state(job, device_id)
        assert state.verdict == "identity-mismatch" and state.blocked is True
        assert state.label_status == "mismatch"
        assert any(st.action == "label.mismatch" for st in s.steps(job))
    # A later certify keeps it blocked: the gate checks the stored label against the cert.
    code, verdicts, _ = certify(env, capsys, job)
    v = next(v for v in verdicts if v["device_id"] == device_id)
    assert v["verdict"] == "identity-mismatch" and v["blocked"] is True


def test_label_matching_no_device_is_flagged(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    assert certify(env, capsys, job)[0] == EXIT_BLOCKED
    payload = encode_label(Label("skr-ac-nowhere", "Sakura Denki", "SD-AC2400",
                                 "SKR-AC-NOWHERE1", "20251104", "air-conditioner"))
    code, out, _ = run(env, capsys, "label", "add", "--job", job, payload, "--json")
    assert code == 1
    assert json.loads(out)[0]["status"] == "unmatched"
    with store(env) as s:
        assert [st.device_id for st in s.steps(job) if st.action == "label.unmatched"] == [
            "skr-ac-nowhere"
        ]
    code, out, _ = run(env, capsys, "label", "list", "--job", job, "--json")
    rows = json.loads(out)
    assert {"skr-ac-nowhere"} == {r["device_id"] for r in rows if r["status"] == "unmatched"}
    assert any(r["status"] == "no-label" for r in rows)  # devices still without a label


def test_label_image_pairs_and_the_setup_code_never_reaches_the_store(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    device_id = by_model(env.home, "SD-AC2400")
    label = read_label_file(env.home.label_path(device_id))
    png = env.home.labels_path / f"{device_id}.png"
    code, out, err = run(env, capsys, "label", "add", "--job", job, "--image", str(png),
                         "--json")
    assert code == 1, err
    assert json.loads(out)[0]["status"] == "unmatched"  # nothing scanned in this job yet
    code, verdicts, _ = certify(env, capsys, job)
    v = next(v for v in verdicts if v["device_id"] == device_id)
    assert v["verdict"] == "certified" and v["label_status"] == "paired"
    with store(env) as s:
        assert [lab.status for lab in s.labels(job)] == ["paired"]
        assert any(st.action == "label.paired" for st in s.steps(job))
    blob = b"".join(p.read_bytes() for p in env.data.rglob("*.sqlite3*"))
    assert label.setup_code.encode() not in blob
    assert encode_label(label).encode() not in blob


def test_device_replace_refuses_a_certified_device_and_records_a_blocked_one(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    assert certify(env, capsys, job)[0] == EXIT_BLOCKED
    good = by_model(env.home, "SD-AC2400")
    code, _, err = run(env, capsys, "device", "replace", "--job", job, good,
                       "--reason", "customer wants a new one")
    assert code == 1 and "not blocked" in err
    bad = by_fault(env.home, COUNTERFEIT_SELF_SIGNED)
    code, _out, err = run(env, capsys, "device", "replace", "--job", job, bad,
                         "--reason", "counterfeit camera; order a genuine SD-CAM8")
    assert code == 0, err
    with store(env) as s:
        assert s.gate_state(job, bad).replace_flag is True
        assert not s.gate_state(job, good).replace_flag
        (step,) = [st for st in s.steps(job) if st.action == "gate.replace"]
        assert step.device_id == bad and step.detail["verdict"] == "counterfeit"
        path = s.path
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="only a device the gate blocked"):
        raw.execute("UPDATE job_devices SET replace_flag = 1 WHERE device_id = ?", (good,))
    raw.close()


def test_offline_within_grace_is_accepted_and_past_grace_blocks_certify(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    job = new_job(env, capsys)
    assert run(env, capsys, "catalog", "sync")[0] == 0
    code, verdicts, err = certify(env, capsys, job, "--offline")
    assert code == EXIT_BLOCKED and verdicts, err
    # The laptop's last successful refresh is now 20 days old (grace: 14 days).
    (state_file,) = env.data.rglob("catalog-virtual-home/*/state.json")
    backdate_refresh(state_file.parent, days=20)
    steps_before = len(store(env).steps(job))
    code, verdicts, err = certify(env, capsys, job, "--offline")
    assert code == 5 and verdicts == []
    assert "20 days ago" in err and "commissioner catalog sync" in err  # message and hint
    with store(env) as s:
        assert len(s.steps(job)) == steps_before  # nothing certified with a stale catalog
