"""Closing a job and handing the home over; recording document actions in the audit log.

:func:`close_and_hand_over` refuses while any device is blocked (or unchecked), unprovisioned
or not on the latest firmware, and returns every reason. When nothing blocks it records the
guidance sheet it produced (``document.sheet``) and the per-requirement summary
(``handover.summary``) in the log, seals the log (``job.close``; the job's sealed hash is the
hash of that last entry), then builds the report - which carries the sealed hash - and writes
it as JSON. The caller prints the returned sheet.

A closed job's log cannot grow (the store refuses): a sheet printed again after closing is
logged as ``document.reprint`` in the job's follow-up log (hash-chained from the seal); the
sealed log already holds the digest of the sheet that was handed over.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from commissioner.atomic_file import write_atomic
from commissioner.documents.checks import SHEET_ACTION, Blocker, blockers, evaluate_requirements
from commissioner.documents.common import OwnerApp, SupportContact
from commissioner.documents.facts import HandoverFacts, HandoverSources, collect_facts
from commissioner.documents.personal_data_checks import (
    latest_inventories,
    personal_data_blockers,
    wipe_blockers,
)
from commissioner.documents.render import RenderableDocument
from commissioner.documents.report import build_report, report_json_text
from commissioner.documents.sheet import build_sheet, sheet_is_complete
from commissioner.documents.strings import DEFAULT_LANGUAGE
from commissioner.errors import UserError
from commissioner.jobs.models import Job, Step
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog

__all__ = [
    "HandoverOutcome",
    "SheetRefusedError",
    "close_and_hand_over",
    "handover_blockers",
    "prepare_sheet",
    "record_document_action",
    "report_path_for",
    "support_blocker",
    "write_report",
]

FIRMWARE_CODES: Final = frozenset({"firmware-outdated", "firmware-unknown", "firmware-vulnerable"})


@dataclass(frozen=True, slots=True)
class HandoverOutcome:
    job: Job
    closed: bool
    blockers: tuple[Blocker, ...]
    sealed_hash: str | None = None
    report: dict[str, Any] | None = None
    report_path: Path | None = None
    sheet: RenderableDocument | None = None


def _firmware_module_blockers(
    store: JobStore, job: Job, catalog: Catalog | None
) -> list[Blocker] | None:
    """The firmware package's close-job gate (``commissioner.firmware.history.
    firmware_blockers``: the version verified over the attested connection against the
    catalog's firmware index); None when that package or the catalog is not available, and
    the facts-based check of :func:`blockers` applies instead."""
    if catalog is None:
        return None
    try:
        module = importlib.import_module("commissioner.firmware.history")
    except ImportError:
        return None
    fn = getattr(module, "firmware_blockers", None)
    if fn is None:
        return None
    out: list[Blocker] = []
    for item in fn(store, job.id, getattr(catalog, "firmware", None)):
        device, reason = (item[0], item[1]) if isinstance(item, tuple) else (
            getattr(item, "device_id", None), getattr(item, "reason", str(item)))
        text = f"{device}: {reason}" if device else str(reason)
        out.append(Blocker("firmware-outdated", text, None if device is None else str(device),
                           {"device": str(device or ""), "reason": str(reason)}))
    return out


def handover_blockers(
    store: JobStore, facts: HandoverFacts, *, catalog: Catalog | None
) -> list[Blocker]:
    """Every reason the job cannot be closed now."""
    found = blockers(facts)
    found += [Blocker("personal-data-present", f"{d}: {why}", d, {"device": d, "reason": why})
              for d, why in personal_data_blockers(store, facts.job.id)]
    found += [Blocker("wipe-unverified", f"{d}: {why}", d, {"device": d, "reason": why})
              for d, why in wipe_blockers(store, facts.job.id)]
    external = _firmware_module_blockers(store, facts.job, catalog)
    if external is not None:
        # The firmware package judges outdated/unverified versions; a known-vulnerable running
        # version stays a blocker either way.
        found = [b for b in found if b.code not in FIRMWARE_CODES
                 or b.code == "firmware-vulnerable"] + external
    if catalog is None:
        found.append(Blocker("no-catalog", "no verified catalog is available for the sheet's "
                             "settings policy; sync the catalog first"))
    return found


class SheetRefusedError(UserError):
    """The owner's sheet cannot be printed for this job now (``blockers`` says why)."""

    def __init__(self, message: str | None, hint: str | None, found: list[Blocker], *,
                 code: str | None = None, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message, hint=hint, code=code, params=params)
        self.blockers = tuple(found)


def support_blocker(support: SupportContact | None) -> Blocker | None:
    """A blocker naming the settings keys of the support desk that are missing, if any."""
    missing = (support or SupportContact()).missing
    if not missing:
        return None
    keys = ", ".join(missing)
    return Blocker(
        "support-missing",
        f"the owner's sheet needs the support desk: set {keys} in the [support] table of "
        "settings.toml", None, {"keys": keys},
    )


def prepare_sheet(
    store: JobStore,
    job_id: str,
    *,
    catalog: Catalog | None,
    sources: HandoverSources | None = None,
    language: str = DEFAULT_LANGUAGE,
    support: SupportContact | None = None,
    locations: Mapping[str, str] | None = None,
    record: bool = True,
    owner_app: OwnerApp | None = None,
    allow_draft: bool = True,
    now: dt.datetime | None = None,
) -> RenderableDocument:
    """Build the guidance sheet; with ``record`` log ``document.sheet`` (an open job) - a
    second one for the same job is a reprint and is logged as ``document.reprint``.

    A job that is not ready for handover gives a draft (marked, without the takeover code),
    or with ``allow_draft=False`` raises :class:`SheetRefusedError`. An expired owner
    invitation is never printed: :class:`SheetRefusedError` with code ``invitation-expired``
    (the face re-issues it, then prints)."""
    facts = collect_facts(store, job_id, catalog=catalog, sources=sources, locations=locations,
                          now=now)
    draft = False
    if not facts.job.is_closed:
        found = handover_blockers(store, facts, catalog=catalog)
        draft = bool(found)
        if draft and not allow_draft:
            raise SheetRefusedError(
                None, None, found, code="sheet.not-ready",
                params={"count": len(found), "blockers": ", ".join(b.code for b in found[:5])})
    if not draft and facts.invitation is not None and facts.invitation.is_expired(now):
        raise SheetRefusedError(
            None, None, [Blocker("invitation-expired", "the owner invitation has expired")],
            code="sheet.invitation-expired", params={"job_id": job_id})
    sheet = build_sheet(facts, language=language, support=support, owner_app=owner_app,
                        draft=draft)
    if record:
        _record_sheet(store, facts, sheet, complete=sheet_is_complete(
            facts, support=support, owner_app=owner_app, draft=draft), draft=draft)
    return sheet


def _record_sheet(store: JobStore, facts: HandoverFacts, sheet: RenderableDocument, *,
                  complete: bool, draft: bool = False) -> Step | None:
    detail: dict[str, Any] = {
        "language": sheet.language,
        "sha256": sheet.sha256(),
        "devices": len([f for f in facts.devices if f.passed]),
        "catalog_version": facts.catalog_version,
        "invitation_id": (facts.invitation.invitation_id
                          if facts.invitation and not draft else None),
        "draft": draft,
        "complete": complete,
    }
    if facts.job.is_closed:
        # A reprint after handover: the sealed log cannot grow, so it goes to the job's
        # follow-up log (hash-chained from the seal).
        if facts.job.sealed_hash is None:
            return None
        return store.append_followup(facts.job.id, "document.reprint", detail,
                                     operator=facts.job.operator)
    action = SHEET_ACTION
    if any(s.action == SHEET_ACTION and not s.detail.get("draft") for s in facts.steps) \
            and not draft:
        action = "document.reprint"
    return store.append_step(facts.job.id, action, detail)


def record_document_action(
    store: JobStore,
    job_id: str,
    action: Literal["print", "reprint", "export"],
    *,
    kind: str,
    sha256: str,
    language: str | None = None,
    file_format: str | None = None,
    file_name: str | None = None,
    pages: int | None = None,
    operator: str | None = None,
) -> Step | None:
    """Log ``document.print`` / ``document.reprint`` / ``document.export``: in the job's log
    while it is open, in its follow-up log once it is sealed (a closed job without a seal: not
    logged, None). Only the file's name is kept, not its folder."""
    job = store.find_job(job_id)
    if job.is_closed and job.sealed_hash is None:
        return None
    detail: dict[str, Any] = {"kind": kind, "sha256": sha256}
    if language is not None:
        detail["language"] = language
    if file_format is not None:
        detail["format"] = file_format
    if file_name is not None:
        detail["file"] = Path(file_name).name[:120]
    if pages is not None:
        detail["pages"] = pages
    if job.is_closed:
        return store.append_followup(job.id, f"document.{action}", detail,
                                     operator=operator or job.operator)
    return store.append_step(job.id, f"document.{action}", detail, operator=operator)


def report_path_for(data_dir: Path, job: Job) -> Path:
    return Path(data_dir) / "reports" / f"{job.id}-handover-report.json"


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report JSON atomically (the one atomic writer); returns the path."""
    path = Path(path)
    write_atomic(path, report_json_text(report).encode("utf-8"))
    return path


def was_sealed_by_handover(store: JobStore, job_id: str) -> bool:
    """Whether a closed job was sealed by a handover (its ``handover.summary`` step is in
    the sealed log), so the handover's report and sheet belong to it."""
    return any(s.action == "handover.summary" for s in store.steps(job_id))


def complete_sealed_handover(
    store: JobStore,
    job_id: str,
    *,
    catalog: Catalog | None,
    sources: HandoverSources | None = None,
    language: str = DEFAULT_LANGUAGE,
    support: SupportContact | None = None,
    locations: Mapping[str, str] | None = None,
    report_path: Path,
    now: dt.datetime | None = None,
    owner_app: OwnerApp | None = None,
) -> HandoverOutcome:
    """Finish a handover that was stopped after its seal and before its report was written
    (a crash, a power cut): the report and the sheet are made again from the sealed record
    alone. Nothing is appended to the sealed log."""
    with store.job_lock(job_id, "handover"):
        facts = collect_facts(store, job_id, catalog=catalog, sources=sources,
                              locations=locations, now=now)
        sheet = build_sheet(facts, language=language, support=support, owner_app=owner_app)
        report = build_report(facts)
        report["personal_data"] = {d: counts for d, counts in
                                   sorted(latest_inventories(store, facts.job.id).items())}
        written = write_report(report, report_path)
        return HandoverOutcome(
            job=facts.job, closed=True, blockers=(), sealed_hash=facts.job.sealed_hash,
            report=report, report_path=written, sheet=sheet,
        )


def close_and_hand_over(
    store: JobStore,
    job_id: str,
    *,
    catalog: Catalog | None,
    sources: HandoverSources | None = None,
    operator: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    support: SupportContact | None = None,
    locations: Mapping[str, str] | None = None,
    report_path: Path | None = None,
    now: dt.datetime | None = None,
    owner_app: OwnerApp | None = None,
) -> HandoverOutcome:
    """Close the job if the home is ready; otherwise change nothing and list why not.

    On success: ``document.sheet`` and ``handover.summary`` steps, then ``job.close`` (the
    seal), then the report (with the sealed hash) - written to ``report_path`` when given.
    Raises the store's errors (JobNotFoundError, AuditBrokenError...) only for problems that
    are not about the home's readiness.
    """
    with store.job_lock(job_id, "handover"):
        facts = collect_facts(store, job_id, catalog=catalog, sources=sources,
                              locations=locations, now=now)
        found = handover_blockers(store, facts, catalog=catalog)
        missing_support = support_blocker(support)
        if missing_support is not None:
            found.append(missing_support)
        if facts.invitation is not None and facts.invitation.is_expired(now):
            found.append(Blocker("invitation-expired", "the owner invitation has expired; issue "
                                 "a new one (commissioner owner reissue --job ID) before handover"))
        if found:
            return HandoverOutcome(job=facts.job, closed=False, blockers=tuple(found))
        sheet = build_sheet(facts, language=language, support=support, owner_app=owner_app)
        _record_sheet(store, facts, sheet, complete=sheet_is_complete(
            facts, support=support, owner_app=owner_app, draft=False))
        facts = collect_facts(store, job_id, catalog=catalog, sources=sources,
                              locations=locations, now=now)
        store.append_step(
            facts.job.id, "handover.summary",
            {
                "devices": len(facts.devices),
                "requirements": {r.requirement.id: r.status for r in evaluate_requirements(facts)},
            },
            operator=operator,
        )
        sealed = store.close_job(facts.job.id, operator=operator)
        facts = collect_facts(store, job_id, catalog=catalog, sources=sources,
                              locations=locations, now=now)
        report = build_report(facts)
        # The inventory each device reported before handover (R2-5), as read.
        report["personal_data"] = {d: counts for d, counts in
                                   sorted(latest_inventories(store, facts.job.id).items())}
        written = write_report(report, report_path) if report_path is not None else None
        return HandoverOutcome(
            job=facts.job, closed=True, blockers=(), sealed_hash=sealed, report=report,
            report_path=written, sheet=sheet,
        )
