"""Handover: close the job when the home is ready, seal its audit log, write the report.

:func:`hand_over` refuses while any device is blocked (or unchecked), unprovisioned or not on
the latest firmware and returns every reason (the job stays open, nothing changes). When
nothing blocks, the guidance sheet and the per-requirement summary are logged, the log is
sealed (``job.close``) and the report - carrying the sealed hash - is written as JSON
(:func:`commissioner.documents.close_and_hand_over`). The face prints the returned sheet.

The catalog is the verified offline cache (:func:`offline_catalog`): handing over needs no
network, and the sheet's settings policy comes from the catalog.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

from commissioner.app.context import AppContext, closed_job_error, find_job
from commissioner.app.events import Event, EventSink, ignore
from commissioner.documents import (
    HandoverOutcome,
    HandoverSources,
    close_and_hand_over,
    load_support_contact,
    report_path_for,
)
from commissioner.documents.common import load_owner_app
from commissioner.documents.handover import (
    complete_sealed_handover,
    was_sealed_by_handover,
    write_report,
)
from commissioner.documents.strings import DEFAULT_LANGUAGE
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.catalog import CatalogError

__all__ = ["hand_over", "offline_catalog", "renew_expired_invitation"]


async def renew_expired_invitation(
    ctx: AppContext, job_key: str, *, now: dt.datetime | None = None,
) -> str | None:
    """An open job whose owner invitation has expired gets a new one instead of printing the
    old one: the old one is revoked on the gateway and every device and a new one issued
    (:func:`commissioner.app.commission.reissue_owner`). Returns the new invitation's id, or
    None when nothing was expired (or the job is closed: its owner cannot change in it)."""
    from commissioner.app.commission import reissue_owner
    from commissioner.provisioning.job_secrets import active_invitation

    moment = (now or dt.datetime.now(dt.UTC)).timestamp()

    def expired() -> bool:
        with ctx.store() as store:
            job = find_job(store, job_key)
            if job.is_closed:
                return False
            invitation = active_invitation(store, job.id)
            return invitation is not None and moment >= invitation.expires_at

    if not await asyncio.to_thread(expired):
        return None
    done = await reissue_owner(ctx, job_key)
    return done.invitation.invitation_id


def offline_catalog(
    ctx: AppContext, *, required: bool, url: str | None = None, root: Path | None = None,
    sink: EventSink = ignore,
) -> Catalog | None:
    """The verified cached catalog (no network; blocking). When it cannot be used: the error
    if ``required``, else a ``note`` event ``catalog-not-used`` (params ``message``) and None."""
    try:
        return ctx.catalog(online=False, url=url, root=root)
    except UserError as err:  # CatalogError included
        if required:
            raise
        message = err.message if isinstance(err, CatalogError) else str(err)
        sink(Event("handover", "note", code="catalog-not-used", params={"message": message}))
        return None


async def hand_over(
    ctx: AppContext,
    job_key: str,
    *,
    catalog: Catalog | None,
    language: str = DEFAULT_LANGUAGE,
    report_path: Path | None = None,
    sources: HandoverSources | None = None,
    operator: str | None = None,
    sink: EventSink = ignore,
) -> HandoverOutcome:
    """Close and hand over the job ``job_key`` if the home is ready; else list why not.

    The report goes to ``report_path`` (default: ``<data dir>/reports/<job id>-handover-
    report.json``). ``sources`` replaces where provisioning/firmware facts and the owner
    invitation come from (default: the job store)."""
    ctx.require("handover")

    def run() -> HandoverOutcome:
        with ctx.store() as store:
            job = find_job(store, job_key)
            # The data folder always keeps the report (also when --report names another
            # place): its presence there is what says the handover finished.
            kept = report_path_for(ctx.data_dir, job)
            path = report_path if report_path is not None else kept
            if job.is_closed:
                # A handover stopped between its seal and its report (a crash, a power cut)
                # is finished from the sealed record; any other closed job is refused.
                if kept.exists() or not was_sealed_by_handover(store, job.id):
                    raise closed_job_error(job)
                outcome = complete_sealed_handover(
                    store, job.id, catalog=catalog, sources=sources, language=language,
                    support=load_support_contact(), report_path=path,
                    owner_app=load_owner_app(),
                )
            else:
                outcome = close_and_hand_over(
                    store, job.id, catalog=catalog, sources=sources, operator=operator,
                    language=language, support=load_support_contact(), report_path=path,
                    owner_app=load_owner_app(),
                )
            if outcome.closed and outcome.report is not None and path != kept:
                write_report(outcome.report, kept)
            return outcome

    from commissioner.app.context import JobNotOpenError
    from commissioner.app.personal_data import read_inventories

    # An expired owner invitation is re-issued, never printed.
    await renew_expired_invitation(ctx, job_key)
    # R2-5: what each device holds, asked before the home is handed over (a closed job:
    # close_and_hand_over says so).
    with contextlib.suppress(JobNotOpenError):
        await read_inventories(ctx, job_key)
    outcome = await asyncio.to_thread(run)
    sink(Event("handover", "result", code="closed" if outcome.closed else "refused",
               params={"blockers": len(outcome.blockers)}, fraction=1.0, detail=outcome))
    return outcome
