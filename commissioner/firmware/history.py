"""Firmware records of a job (R2-8) and the close-job gate (R2-7, R2-9, R3-6).

* :func:`record_plan` - the version each device runs, as read over its attested connection;
* :func:`record_result` - one history row (from, to, image SHA-256, catalog version,
  operator, time, outcome) and a ``firmware.<outcome>`` step per update attempt;
* :func:`reconcile` - an update whose device came back only after the reboot timeout is
  confirmed on the next run (the job stays resumable);
* :func:`firmware_blockers` - which certified devices keep the job from being closed, and why.
"""

from __future__ import annotations

from collections.abc import Sequence

from commissioner.firmware.plan import PlanAction, PlanItem
from commissioner.firmware.push import Outcome, UpdateResult
from commissioner.jobs.firmware_models import FirmwareHistoryEntry, FirmwareStatus
from commissioner.jobs.store import DeviceNotInJobError, JobStore
from commissioner.protocol.firmware_index import FirmwareIndex
from commissioner.protocol.firmware_manifest import parse_version

_RECORDED = {
    Outcome.UPDATED: "updated", Outcome.FELL_BACK: "fell-back", Outcome.TIMEOUT: "timeout",
    Outcome.REFUSED: "refused", Outcome.FAILED: "failed",
}


def record_plan(store: JobStore, job_id: str, items: Sequence[PlanItem]) -> None:
    """Store the verified running version of every identified device."""
    for item in items:
        if item.action is PlanAction.UNREACHABLE or item.current is None or item.model is None:
            continue
        try:
            store.record_firmware_status(
                job_id, device_id=item.device_id, model=item.model, version=item.current,
                latest=item.latest, vulnerable=item.vulnerable,
            )
        except DeviceNotInJobError:
            continue


def record_result(
    store: JobStore, job_id: str, result: UpdateResult, catalog_version: int
) -> FirmwareHistoryEntry | None:
    """History row + step for an update attempt (nothing for ``current``/``skipped``)."""
    recorded = _RECORDED.get(result.outcome)
    if recorded is None or result.model is None or result.from_version is None:
        return None
    entry = store.record_firmware_update(
        job_id, device_id=result.device_id, model=result.model,
        from_version=result.from_version, to_version=result.to_version or "0.0.0",
        result=recorded, reason=result.reason, image_sha256=result.image_sha256 or "0" * 64,
        catalog_version=catalog_version,
        detail={"reason_code": result.reason_code, "bytes_sent": result.bytes_sent,
                "reconnects": result.reconnects, "resumed_from": list(result.resumed_from),
                "vulnerable_before": result.vulnerable_before,
                "duration_s": round(result.duration_s, 3)},
    )
    if result.running_version is not None and result.outcome in (Outcome.UPDATED,
                                                                 Outcome.FELL_BACK):
        store.record_firmware_status(
            job_id, device_id=result.device_id, model=result.model,
            version=result.running_version, latest=result.to_version,
            vulnerable=result.outcome is Outcome.FELL_BACK and result.vulnerable_before,
        )
    return entry


def reconcile(
    store: JobStore, job_id: str, items: Sequence[PlanItem], catalog_version: int,
    *, before: Sequence[FirmwareStatus] = (),
) -> list[FirmwareHistoryEntry]:
    """Confirm updates left pending by a reboot timeout: the device now runs the version the
    timed-out attempt installed (read over its attested connection by the plan).

    ``before``: the statuses recorded before this run's plan. A device found running a newer
    version than recorded there, with no history row for it, was updated by a run that could
    not write its result (a full or read-only disk, a killed process): the update is
    recorded now, so the history never loses it."""
    last: dict[str, FirmwareHistoryEntry] = {}
    for row in store.firmware_history(job_id):
        last[row.device_id] = row
    out: list[FirmwareHistoryEntry] = []
    previous = {s.device_id: s for s in before}
    for item in items:
        entry = last.get(item.device_id)
        unrecorded = _unrecorded_update(item, previous.get(item.device_id), entry)
        if unrecorded is not None:
            out.append(store.record_firmware_update(
                job_id, device_id=item.device_id, model=unrecorded.model,
                from_version=unrecorded.version, to_version=item.current or "0.0.0",
                result="updated",
                reason="found on a later run: the device runs a newer version than the job "
                       "recorded and no update result was on record (a run that could not "
                       "write its result, or an update made outside this job); verified over "
                       "its attested connection",
                image_sha256=item.image_sha256 or "0" * 64, catalog_version=catalog_version,
                detail={"late_confirmation": True, "unrecorded": True},
            ))
            continue
        if entry is None or entry.result != "timeout" or item.current != entry.to_version:
            continue
        out.append(store.record_firmware_update(
            job_id, device_id=item.device_id, model=entry.model,
            from_version=entry.from_version, to_version=entry.to_version, result="updated",
            reason="confirmed on a later run: the device came back after the reboot timeout "
                   "and runs the new version (verified over its attested connection)",
            image_sha256=entry.image_sha256, catalog_version=catalog_version,
            detail={"late_confirmation": True},
        ))
    return out


def _unrecorded_update(item: PlanItem, previous: FirmwareStatus | None,
                       entry: FirmwareHistoryEntry | None) -> FirmwareStatus | None:
    """``previous`` if ``item`` shows an update the history does not hold, else None."""
    if previous is None or item.current is None or previous.model != item.model:
        return None
    try:
        newer = parse_version(item.current) > parse_version(previous.version)
    except ValueError:
        return None
    if not newer:
        return None
    if entry is not None and entry.to_version == item.current and entry.result in (
            "updated", "timeout"):
        return None  # recorded (a timeout is confirmed by the branch below)
    return previous


def firmware_blockers(
    store: JobStore, job_id: str, index: FirmwareIndex | None
) -> list[tuple[str, str]]:
    """``[(device_id, reason)]`` for every certified device of the job that does not run the
    catalog's latest firmware (or whose version was never verified). Empty = may close.

    "Certified" = the certified-model gate's verdict is ``certified`` (blocked devices are
    handled by that gate). The version is the one last read over the device's attested TLS
    connection (``firmware_status``), never an advertisement."""
    statuses = {s.device_id: s for s in store.firmware_statuses(job_id)}
    history: dict[str, FirmwareHistoryEntry] = {}
    for entry in store.firmware_history(job_id):
        history[entry.device_id] = entry
    out: list[tuple[str, str]] = []
    for gate in store.gate_states(job_id):
        if gate.verdict != "certified" or gate.replace_flag:
            continue
        device_id = gate.device_id
        model_number = gate.attested_model
        if index is None:
            out.append((device_id, "the catalog carries no firmware information, so the latest "
                        "firmware cannot be confirmed; sync the catalog"))
            continue
        model = index.for_model(model_number) if model_number else None
        if model is None:
            out.append((device_id, f"the catalog has no firmware for model {model_number}, so "
                        "the latest firmware cannot be confirmed"))
            continue
        status = statuses.get(device_id)
        if status is None:
            out.append((device_id, "its firmware has not been checked; latest for "
                        f"{model.model_number} is {model.latest} (run commissioner update)"))
            continue
        if parse_version(status.version) < parse_version(model.latest):
            vuln = " (known vulnerable)" if model.is_vulnerable(status.version) else ""
            why = f"runs firmware {status.version}{vuln}; the latest is {model.latest}"
            last = history.get(device_id)
            if last is not None and last.result != "updated":
                why += f" (last update attempt: {last.result}: {last.reason or ''})".rstrip()
            out.append((device_id, why))
    return out
