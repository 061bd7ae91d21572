"""Both faces run the same use cases: "Commission home" and "Update firmware" through the CLI
(``commissioner commission`` / ``commissioner update``, in process) and through the GUI's adapter
(:mod:`ui.field_ops`), each against its own virtual home (real TLS, real zeroconf on loopback,
a real Secret Service keyring, a real SQLite job store). What each run recorded in its job must
be the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

import keyring_fixtures
from vh_fixtures import running_virtual_home

from commissioner.app.firmware import FirmwareRun
from commissioner.cli import main
from commissioner.firmware.plan import PlanItem
from commissioner.firmware.push import UpdateProgress, UpdateResult
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import ProgressEvent, RunSummary
from ui import field_ops
from ui.job_service import JobService

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2", "COMMISSIONER_VH_FIRMWARE_BYTES": "131072"}

Recorded = list[tuple[object, ...]]


def _certified_job(home_dir: Path, data: Path, number: str) -> str:
    """A job with every device of the home, certified through the CLI."""
    import io
    import json
    from contextlib import redirect_stdout

    vh = ["--virtual-home", str(home_dir), "--data-dir", str(data)]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["job", "new", "--job-number", number, "--site-name", "Test house",
                     "--site-address", "1-2-3 Test", "--level", "2", "--operator", "Aoki",
                     "--json", *vh]) == 0
    job = str(json.loads(out.getvalue())["id"])
    with redirect_stdout(io.StringIO()):
        assert main(["certify", "--job", job, "--scan-timeout", "8", "--json", *vh]) in (0, 6)
    return job


def _recorded(data: Path, job_id: str) -> Recorded:
    """What the job holds, per device, without what differs between two homes (ids, keys,
    times): role and model, provisioning status and gateway authentication, each firmware
    attempt, the verified running version, and the kinds of audit steps logged."""
    with JobStore.open(data / "jobs.sqlite3", create=False) as store:
        devices = {d.device_id: d for d in store.devices(job_id)}
        provisioning = {p.device_id: p for p in store.provisioning_devices(job_id)}
        history: dict[str, list[tuple[str, str, str]]] = {}
        for h in store.firmware_history(job_id):
            history.setdefault(h.device_id, []).append((h.from_version, h.to_version, h.result))
        running = {s.device_id: (s.version, s.latest, s.vulnerable)
                   for s in store.firmware_statuses(job_id)}
        actions: dict[str | None, set[str]] = {}
        for step in store.steps(job_id):
            actions.setdefault(step.device_id, set()).add(step.action)
    out: Recorded = []
    for device_id, d in devices.items():
        p = provisioning.get(device_id)
        out.append((
            d.role, d.kind, d.model,
            None if p is None else (p.status, p.gateway_auth),
            tuple(history.get(device_id, ())),
            running.get(device_id),
            tuple(sorted(actions.get(device_id, set()))),
        ))
    out.append(("job", tuple(sorted(actions.get(None, set())))))
    return sorted(out, key=repr)


def _through_cli(home_dir: Path, data: Path, job: str) -> None:
    vh = ["--virtual-home", str(home_dir), "--data-dir", str(data)]
    assert main(["commission", "--job", job, "--json", "--read-box-labels", *vh]) == 0
    assert main(["update", "--job", job, "--json", "--reboot-timeout", "20", *vh]) == 0


def _through_gui(home_dir: Path, data: Path, job: str) -> None:
    service = JobService(data / "jobs.sqlite3", data_dir=data, virtual_home=home_dir,
                         read_box_labels=True)
    steps: list[ProgressEvent] = []
    summary = asyncio.run(field_ops.commission(service, job, steps.append))
    assert isinstance(summary, RunSummary) and summary.ok, summary
    assert steps and all(isinstance(s, ProgressEvent) for s in steps)
    plans: list[PlanItem] = []
    transfers: list[UpdateProgress] = []
    results: list[UpdateResult] = []
    run = asyncio.run(field_ops.update_firmware(
        service, job, on_plan=plans.append, on_progress=transfers.append,
        on_result=results.append, reboot_timeout=20.0,
    ))
    assert isinstance(run, FirmwareRun) and run.ok, run
    assert len(plans) == len(results) == len(run.results) and transfers


def test_commission_and_update_record_the_same_outcome_through_both_faces(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    recorded: dict[str, Recorded] = {}
    for face, through in (("cli", _through_cli), ("gui", _through_gui)):
        with running_virtual_home(tmp_path / f"home-{face}", scenario="standard", devices=2,
                                  env=ENV) as home:
            data = tmp_path / f"data-{face}"
            job = _certified_job(home.directory, data, f"FACES-{face.upper()}")
            through(home.directory, data, job)
            recorded[face] = _recorded(data, job)
    assert recorded["cli"] == recorded["gui"]
    assert len(recorded["cli"]) == 2 + 1 + 1  # two devices, the gateway, the job itself
    # and the outcome is the one wanted: every device provisioned, authenticated by the
    # gateway and updated once to the latest firmware
    for entry in recorded["cli"]:
        if entry[0] == "job":
            continue
        role, _kind, _model, provisioning, history, running, _actions = entry
        assert isinstance(provisioning, tuple) and provisioning[0] == "provisioned", entry
        if role == "device":
            assert provisioning[1] is True, entry
        assert isinstance(history, tuple) and [h[2] for h in history] == ["updated"], entry
        assert isinstance(running, tuple) and running[0] == running[1], entry
