"""Purge a handed-over job's secrets from this laptop once they are escrowed (SR3-PP-14).

Escrowed means: the job was exported in a bundle *with its credentials*, encrypted to the
support organisation's installation card (``commissioner job export --to CARD``), and that
export still covers every credential the job holds. Otherwise the purge refuses: it never
removes secrets that exist nowhere else. The purge is recorded in the job's follow-up log (the
sealed log cannot grow); afterwards commands that need the secrets say they were purged.

Secrets a visit after handover stored (``followup/*``) are not in a bundle; they and the
job's key stay, everything else (home CA key, admin credentials, certificates, setup codes)
is removed. With no such secrets the job's key goes too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from commissioner.app.context import AppContext, find_job
from commissioner.errors import UserError
from commissioner.jobs.store_followup import FOLLOWUP_SECRET_PREFIX
from commissioner.secrets.vault import JOB_KEY_PREFIX, PURGED_ACTION

__all__ = ["PurgeOutcome", "purge_after_export", "purge_job_secrets"]

EXPORT_ACTION: Final = "bundle.exported"
# What a job bundle carries to the support organisation (commissioner.app.bundles).
EXPORTED_SECRET_PREFIXES: Final = ("home-ca.", "commissioner/", "gateway/", "admin/",
                                   FOLLOWUP_SECRET_PREFIX + "admin/")


@dataclass(frozen=True, slots=True)
class PurgeOutcome:
    job_id: str
    removed: int
    escrow_sha256: str
    kept_followup: int


def purge_after_export(ctx: AppContext) -> bool:
    """The setting ``[secrets] purge_after_export = true`` (default false)."""
    section: Any = ctx.settings.extra.get("secrets")
    return isinstance(section, dict) and section.get("purge_after_export") is True


def purge_job_secrets(ctx: AppContext, job_ref: str) -> PurgeOutcome:
    """Remove a closed job's escrowed secrets; refuses without an escrow."""
    ctx.require("job.purge")
    with ctx.store() as store:
        job = find_job(store, job_ref)
        if not job.is_closed:
            raise UserError(code="purge.not-handed-over", params={"job_id": job.id})
        names = [n for n in store.secret_names(job.id) if not n.startswith(JOB_KEY_PREFIX)]
        if not names:
            raise UserError(code="purge.nothing-left", params={"job_id": job.id})
        exports = [s for s in store.followup_steps(job.id) if s.action == EXPORT_ACTION
                   and s.detail.get("credentials_included") is True
                   and s.detail.get("recipient")]
        if not exports:
            raise UserError(code="purge.not-escrowed", params={"job_id": job.id})
        escrow = exports[-1]
        carried = [n for n in names if n.startswith(EXPORTED_SECRET_PREFIXES)]
        count = escrow.detail.get("credential_count")
        if not isinstance(count, int) or count < len(carried):
            raise UserError(code="purge.escrow-incomplete", params={
                "job_id": job.id, "held": len(carried), "carried": count})
        followup = store.followup_secret_count(job.id)
        keys = [n for n in store.secret_names(job.id, JOB_KEY_PREFIX)]
        removed = 0
        for name in names:
            if any(k.startswith(name) for k in keys):
                continue  # never through a name that is a prefix of the job key's
            removed += store.delete_secrets(job.id, name)
        if followup == 0:
            store.delete_secrets(job.id, JOB_KEY_PREFIX)
        sha = str(escrow.detail.get("sha256", ""))
        store.append_followup(job.id, PURGED_ACTION, {
            "removed": removed, "escrow_sha256": sha, "escrow_recipient":
                str(escrow.detail.get("recipient")), "kept_followup": followup},
            operator=job.operator)
    return PurgeOutcome(job.id, removed, sha, followup)
