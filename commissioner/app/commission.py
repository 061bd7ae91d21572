"""Commissioning ("Commission home"): provision every certified device of a job and its gateway.

Each device gets a unique admin credential, its own operational certificate from the job's
home CA and an access control list; factory default logins are disabled; everything is read
back; the gateway gets its allow-list and the owner invitation and authenticates each device
(:mod:`commissioner.provisioning.run`). Run again to resume where the job left off.

Refuses unsafe or locked keyrings (:class:`~commissioner.app.errors.KeyringRefusedError`)
before anything is sent. Setup codes: labels scanned into the job earlier, plus label files
(``labels_dir``) or, on a training site, the training home's box labels - remembered in the
job's vault first. Addresses: the job's scan records, then what the face last heard, then
where the site says the device is (training home).

Progress: ``Event("commission", "progress", device_id, code=<step>, params={status, message,
finished, total}, detail=ProgressEvent)``; one ``note`` event ``labels-remembered`` when label
files were read. Nothing secret (credentials, keys, setup codes, the invitation token) is put
in an event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.keyring import open_job_vault
from commissioner.app.site import read_label_folder
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.backends import TrustStore
from commissioner.errors import UserError
from commissioner.jobs.models import OwnerInvitation
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import (
    ProgressEvent,
    RunOptions,
    RunSummary,
    commission_home,
    revoke_and_reissue_owner,
)
from commissioner.provisioning.setup_codes import remember_labels
from commissioner.secrets.vault import SecretVault

__all__ = ["DEFAULT_TIMEOUT", "NotCertifiedError", "OwnerReissued", "commission",
           "manufacturer_trust",
           "reissue_owner", "require_certified"]

DEFAULT_TIMEOUT: Final = 5.0


def _event(e: ProgressEvent) -> Event:
    return Event(
        "commission", "progress", e.device_id if e.device_id not in ("", "-") else None,
        code=e.step,
        params={"status": e.status, "message": e.message, "finished": e.finished,
                "total": e.total},
        fraction=(e.finished / e.total) if e.total else None, detail=e,
    )


def _addresses(ctx: AppContext, heard: Mapping[str, tuple[str, int]] | None
               ) -> dict[str, tuple[str, int]]:
    where = dict(heard or {})
    where.update(ctx.site.endpoints())
    return where


@dataclass(frozen=True, slots=True)
class OwnerReissued:
    job_id: str
    invitation: OwnerInvitation


class NotCertifiedError(UserError):
    """Devices of the job were never checked by the certified-model gate."""


def require_certified(store: JobStore, job_id: str) -> None:
    """Refuse, in one line, a job whose devices the gate has not checked: commissioning them
    would only block each one and leave a home CA behind."""
    gate = store.gate_states(job_id)
    unchecked = [g.device_id for g in gate if g.verdict is None]
    if not gate or unchecked:
        count = len(unchecked) if gate else 0
        raise NotCertifiedError(
            code="commission.certify-first" if count else "commission.nothing-checked",
            params={"job_id": job_id, "count": count})


class _Prepared:
    """What a run needs, gathered in a worker thread (the store stays open for the run)."""

    def __init__(self, store: JobStore, job_id: str, vault: SecretVault, trust: TrustStore,
                 labels_read: int) -> None:
        self.store, self.job_id, self.vault, self.trust = store, job_id, vault, trust
        self.labels_read = labels_read


def _prepare(ctx: AppContext, job_key: str, labels_dir: Path | None, url: str | None,
             root: Path | None, *, read_labels: bool) -> _Prepared:
    store = ctx.open_store()
    try:
        job = open_job(store, job_key)
        require_certified(store, job.id)  # before anything is created (home CA, vault)
        store.acquire_job_lock(job.id, "commission")  # one run per job; released on close
        vault = open_job_vault(store)  # refuses plaintext / fail / locked keyrings
        trust = manufacturer_trust(ctx, url=url, root=root)
        count = -1
        if read_labels:
            ids = [d.device_id for d in store.devices(job.id)]
            if labels_dir is not None:
                labels = read_label_folder(labels_dir, ids)
            elif ctx.site.box_labels_enabled:
                labels = list(ctx.site.box_labels(ids).values())
            else:
                labels = None
            if labels is not None:
                source = "image" if labels_dir is not None else "training-auto"
                count = len(remember_labels(store, vault, job.id, labels, source=source))
        return _Prepared(store, job.id, vault, trust, count)
    except BaseException:
        store.close()
        raise


async def commission(
    ctx: AppContext,
    job_key: str,
    *,
    sink: EventSink = ignore,
    addresses: Mapping[str, tuple[str, int]] | None = None,
    labels_dir: Path | None = None,
    concurrency: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    catalog_url: str | None = None,
    catalog_root: Path | None = None,
) -> RunSummary:
    """Provision every certified device of the job ``job_key`` and its gateway (resumable);
    ``concurrency`` defaults to the settings' ``provisioning_concurrency``."""
    ctx.require("commission")
    chosen = concurrency or ctx.settings.provisioning_concurrency
    if not 1 <= chosen <= 64:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 64})
    if not 0 < timeout <= 120:
        raise UserError(
            code="value.out-of-range", params={"option": "--timeout", "low": 0, "high": 120})
    run = await asyncio.to_thread(_prepare, ctx, job_key, labels_dir, catalog_url,
                                  catalog_root, read_labels=True)
    try:
        if run.labels_read >= 0:
            source = str(labels_dir) if labels_dir is not None else "the training home"
            sink(Event("commission", "note", code="labels-remembered",
                       params={"count": run.labels_read, "source": source}))
        options = RunOptions(concurrency=chosen, timeout=timeout,
                             progress=lambda e: sink(_event(e)),
                             addresses=_addresses(ctx, addresses))
        summary = await commission_home(run.store, run.vault, run.job_id, run.trust, options)
    finally:
        await asyncio.to_thread(run.store.close)
    sink(Event("commission", "result", code="ok" if summary.ok else "failed",
               params={"provisioned": summary.count("provisioned"),
                       "failed": summary.count("failed"), "blocked": summary.count("blocked")},
               fraction=1.0, detail=summary))
    return summary


async def reissue_owner(
    ctx: AppContext,
    job_key: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    catalog_url: str | None = None,
    catalog_root: Path | None = None,
) -> OwnerReissued:
    """Resale: revoke the current owner on every provisioned device and the gateway and issue
    a new owner invitation (the job may be closed)."""
    ctx.require("resale")
    from commissioner.app.context import find_job

    def prepare() -> _Prepared:
        store = ctx.open_store()
        try:
            job = find_job(store, job_key)
            if job.is_closed:
                raise UserError(
                    code="owner.job-sealed",
                    params={"job_id": job.id, "job_number": job.job_number})
            vault = open_job_vault(store)
            trust = manufacturer_trust(ctx, url=catalog_url, root=catalog_root)
            return _Prepared(store, job.id, vault, trust, -1)
        except BaseException:
            store.close()
            raise

    run = await asyncio.to_thread(prepare)
    try:
        options = RunOptions(concurrency=ctx.settings.provisioning_concurrency, timeout=timeout,
                             addresses=_addresses(ctx, None))
        invitation = await revoke_and_reissue_owner(run.store, run.vault, run.job_id,
                                                    run.trust, options)
        return OwnerReissued(run.job_id, invitation)
    finally:
        await asyncio.to_thread(run.store.close)
