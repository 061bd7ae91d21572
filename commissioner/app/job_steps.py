"""The steps of a job in order, with their state, what blocks each and the action that
unblocks it: scan -> check -> onboard -> label pairing -> provision -> firmware -> sheet and
handover. Derived from what the job records (nothing is asked of the network), so the GUI's
guided page and the CLI's ``job show`` print the same thing.

States: ``done``; ``ready`` (the next thing to do: run ``action``); ``blocked`` (``blockers``
name the devices and what to do about each); ``waiting`` (an earlier step is not done);
``not-needed`` (e.g. no device needs Bluetooth onboarding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from commissioner.app.context import AppContext, find_job
from commissioner.app.progress import read_progress
from commissioner.jobs.models import JSON
from commissioner.jobs.store import JobStore

__all__ = ["STEP_NAMES", "JobStep", "JobSteps", "StepBlocker", "job_steps", "read_job_steps"]

StepName = Literal["scan", "check", "onboard", "labels", "provision", "firmware", "handover"]
StepState = Literal["done", "ready", "blocked", "waiting", "not-needed"]
STEP_NAMES: Final[tuple[StepName, ...]] = (
    "scan", "check", "onboard", "labels", "provision", "firmware", "handover")


@dataclass(frozen=True, slots=True)
class StepBlocker:
    """One device (or the job) holding a step back: ``code`` says why, ``action`` what
    unblocks it (e.g. "remove-or-replace", "scan-label", "commission", "update")."""

    code: str
    action: str
    device_id: str | None = None
    params: dict[str, JSON] | None = None


@dataclass(frozen=True, slots=True)
class JobStep:
    name: StepName
    state: StepState
    action: str
    done: int = 0  # devices (or documents) done
    total: int = 0
    blockers: tuple[StepBlocker, ...] = ()


@dataclass(frozen=True, slots=True)
class JobSteps:
    job_id: str
    steps: tuple[JobStep, ...]

    @property
    def current(self) -> JobStep | None:
        """The first step that is not done (None: the job is handed over)."""
        return next((s for s in self.steps if s.state not in ("done", "not-needed")), None)

    def step(self, name: StepName) -> JobStep:
        return next(s for s in self.steps if s.name == name)


def _state(previous_done: bool, total: int, done: int, blockers: int) -> StepState:
    if not previous_done:
        return "waiting"
    if blockers:
        return "blocked"
    return "done" if done >= total else "ready"


def job_steps(store: JobStore, job_id: str) -> JobSteps:
    """Every step of the job, in order, from its records (blocking: a worker thread in async
    code)."""
    job = store.get_job(job_id)
    devices = store.devices(job.id)
    gate = {g.device_id: g for g in store.gate_states(job.id)}
    progress = read_progress(store, job.id)
    steps: list[JobStep] = []

    # scan: the devices of the home were found
    found = bool(devices)
    steps.append(JobStep("scan", "done" if found else "ready", "scan", len(devices),
                         len(devices) if found else 1))

    # check: every device passed the certified-model gate
    checked = [d for d in devices if (g := gate.get(d.device_id)) and g.verdict is not None]
    blocked = [StepBlocker("blocked", "remove-or-replace", d.device_id,
                           {"verdict": gate[d.device_id].verdict})
               for d in checked if gate[d.device_id].blocked]
    unchecked = len(devices) - len(checked)
    check_state: StepState = (
        "waiting" if not found else "ready" if unchecked else "blocked" if blocked else "done")
    steps.append(JobStep("check", check_state, "check", len(checked) - len(blocked),
                         len(devices), tuple(blocked)))
    check_done = check_state == "done"
    passed = [d for d in checked if not gate[d.device_id].blocked]

    # onboard: devices heard only over Bluetooth LE join the home network
    ble_only = [d for d in devices if "ble" in d.transports and d.address is None]
    steps.append(JobStep("onboard", "not-needed" if not ble_only else
                         "ready" if found else "waiting", "onboard", 0, len(ble_only),
                         tuple(StepBlocker("ble-only", "onboard", d.device_id)
                               for d in ble_only)))

    # labels: each certified device's box label was scanned and matches it (a provisioned
    # device needs its label no more)
    def provisioned_(device_id: str) -> bool:
        p = progress.device(device_id)
        return bool(p and p.provisioning and p.provisioning.status == "provisioned")

    unpaired = [StepBlocker("label-mismatch" if gate[d.device_id].label_status == "mismatch"
                            else "label-missing", "scan-label", d.device_id)
                for d in passed if gate[d.device_id].label_status != "paired"
                and not provisioned_(d.device_id)]
    mismatched = sum(1 for b in unpaired if b.code == "label-mismatch")
    labels_state: StepState = (
        "waiting" if not check_done else "blocked" if mismatched
        else "ready" if unpaired else "done")
    steps.append(JobStep("labels", labels_state, "scan-label", len(passed) - len(unpaired),
                         len(passed), tuple(unpaired)))

    # provision: every certified device holds this home's credentials
    provisioned = 0
    failed: list[StepBlocker] = []
    for d in passed:
        record = (p.provisioning if (p := progress.device(d.device_id)) else None)
        if record is not None and record.status == "provisioned":
            provisioned += 1
        elif record is not None and record.status == "failed":
            failed.append(StepBlocker("provisioning-failed", "commission", d.device_id,
                                      {"reason_code": record.reason_code}))
    provision_state = _state(check_done, len(passed), provisioned, len(failed))
    steps.append(JobStep("provision", provision_state, "commission", provisioned,
                         len(passed), tuple(failed)))

    # firmware: every device runs the latest firmware
    current = 0
    behind: list[StepBlocker] = []
    for d in passed:
        state = (p.firmware_state if (p := progress.device(d.device_id)) else None)
        if state in ("latest", "ahead"):
            current += 1
        elif state in ("outdated", "vulnerable"):
            behind.append(StepBlocker(f"firmware-{state}", "update", d.device_id))
    firmware_state: StepState = (
        "waiting" if provision_state != "done" else "done" if current >= len(passed)
        else "ready")
    steps.append(JobStep("firmware", firmware_state, "update", current, len(passed),
                         tuple(behind)))

    # sheet and handover: the job is closed with the owner's sheet
    handover_state: StepState = (
        "done" if job.is_closed else "ready" if firmware_state == "done" else "waiting")
    steps.append(JobStep("handover", handover_state, "handover", int(job.is_closed), 1))
    if job.is_closed:  # a handed-over job: nothing is left to do, whatever was recorded
        steps = [s if s.state in ("done", "not-needed") else
                 JobStep(s.name, "done", s.action, s.done, s.total) for s in steps]
    return JobSteps(job.id, tuple(steps))


def read_job_steps(ctx: AppContext, job_ref: str) -> JobSteps:
    """:func:`job_steps` of the job with this id or job number (blocking)."""
    with ctx.store() as store:
        return job_steps(store, find_job(store, job_ref).id)
