"""Job bundles as use cases: this laptop's card, export, import, and checking a bundle alone.

* :func:`write_card` - the receiving laptop writes its installation card (the private keys
  stay in its OS keyring).
* :func:`export_job` - a sealed job, its audit log, its follow-up log (visits after the
  seal), its handover report and (with a recipient card) the home's credentials, those a
  remediation created included, encrypted to that card; signed by this installation.
  Recorded in the job's follow-up log (the sealed log stays sealed).
* :func:`import_bundle` - every check first (signature, trusted signer, audit chain, seal,
  recipient, decryption); then the job and its secrets are stored in one transaction, the
  secrets under this laptop's own master key. Anything wrong: nothing is stored.
* :func:`check_bundle_file` - the same checks with no job store at all (``audit verify
  --bundle``), optionally against a handover report file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commissioner.app.context import AppContext, find_job
from commissioner.app.purge import (
    EXPORTED_SECRET_PREFIXES,
    purge_after_export,
    purge_job_secrets,
)
from commissioner.atomic_file import write_atomic
from commissioner.bundles.bundle import (
    MAX_BUNDLE_BYTES,
    BundleError,
    CheckedBundle,
    build_bundle,
    check_bundle,
    open_secrets,
)
from commissioner.bundles.crypto import Card, load_card
from commissioner.bundles.identity import installation
from commissioner.errors import UserError
from commissioner.jobs.store_errors import JobStoreError
from commissioner.jobs.store_followup import FOLLOWUP_SECRET_PREFIX, followup_rows


def _read(path: Path, what: str, limit: int) -> bytes:
    try:
        with Path(path).open("rb") as fp:
            data = fp.read(limit + 1)
    except OSError as err:
        raise UserError(
            code="file.cannot-read",
            params={"path": path, "reason": err.strerror or err}) from None
    if len(data) > limit:
        raise UserError(code="file.too-large", params={"path": path})
    return data


def read_card(path: Path) -> Card:
    return load_card(_read(path, "an installation card", 64 * 1024), str(path))


def write_card(out: Path) -> Card:
    card = installation().card()
    try:
        write_atomic(out, card.pem())
    except OSError as err:
        raise UserError(
            code="file.cannot-write",
            params={"path": out, "reason": err.strerror or err}) from None
    return card


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    job_id: str
    path: Path
    sha256: str
    with_secrets: bool
    secrets: int
    recipient: str | None


def export_job(ctx: AppContext, job_ref: str, *, out: Path, to: Path | None,
               operator: str | None = None) -> ExportOutcome:
    """Write the bundle of a sealed job; ``to`` None exports it without secrets."""
    ctx.require("bundle.export")
    from commissioner.documents.facts import collect_facts
    from commissioner.documents.report import build_report
    from commissioner.secrets.job_vault import open_vault

    recipient = read_card(to) if to is not None else None
    own = installation()
    with ctx.store() as store:
        job = find_job(store, job_ref)
        if not job.is_closed:
            raise UserError(code="bundle.job-not-sealed", params={"job_id": job.id})
        secrets: dict[str, bytes] = {}
        if recipient is not None:
            vault = open_vault(store)
            for name in vault.names(job.id):
                if name.startswith(EXPORTED_SECRET_PREFIXES):
                    secrets[name] = vault.get(job.id, name)
        report = build_report(collect_facts(store, job.id, catalog=None))
        data = build_bundle(tables=store.job_rows(job.id), own=own, recipient=recipient,
                            secrets=secrets, handover_report=report,
                            followup=followup_rows(store.followup_steps(job.id)))
        try:
            write_atomic(out, data)
        except OSError as err:
            raise UserError(
                code="file.cannot-write",
                params={"path": out, "reason": err.strerror or err}) from None
        digest = hashlib.sha256(data).hexdigest()
        store.append_followup(job.id, "bundle.exported", {
            "sha256": digest, "credentials_included": recipient is not None,
            "recipient": None if recipient is None else recipient.recipient_id,
            "signer": own.card().signer_id, "credential_count": len(secrets),
        }, operator=operator or job.operator)
    if recipient is not None and secrets and purge_after_export(ctx):
        purge_job_secrets(ctx, job.id)
    return ExportOutcome(job.id, out, digest, recipient is not None, len(secrets),
                         None if recipient is None else recipient.recipient_id)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    job_id: str
    job_number: str
    sealed_hash: str
    secrets: int
    signer: str


def import_bundle(ctx: AppContext, path: Path, *, sender: Path,
                  operator: str = "support") -> ImportOutcome:
    """Check the bundle completely, then store the job and its secrets (or nothing)."""
    ctx.require("bundle.import")
    from commissioner.secrets.job_vault import open_vault

    trusted = read_card(sender)
    data = _read(path, "a job bundle", MAX_BUNDLE_BYTES)
    checked = check_bundle(data, trusted_signer=trusted)
    secrets = open_secrets(checked, installation()) if checked.has_secrets else {}
    with ctx.store(create=True) as store:
        vault = open_vault(store)
        sealed = [(name, *vault.seal(checked.job_id, name, value))
                  for name, value in sorted(secrets.items())]
        later = [s for s in sealed if s[0].startswith(FOLLOWUP_SECRET_PREFIX)]
        sealed += vault.job_key_rows(checked.job_id)
        try:
            job_id = store.import_sealed_job(
                checked.tables, [s for s in sealed if s not in later],
                followup=checked.followup, followup_secrets=later)
        except JobStoreError as err:
            raise BundleError(
                "unreadable", code="bundle.import-failed", params={"detail": err}) from None
        store.append_followup(job_id, "bundle.imported", {
            "sha256": hashlib.sha256(data).hexdigest(), "signer": checked.signer.signer_id,
            "credential_count": len(secrets)}, operator=operator)
    return ImportOutcome(job_id, checked.job_number, checked.sealed_hash, len(secrets),
                         checked.signer.signer_id)


def check_bundle_file(path: Path, *, sender: Path | None = None,
                      report: Path | None = None) -> dict[str, Any]:
    """Check a bundle (and a report against it) without any job store."""
    trusted = read_card(sender) if sender is not None else None
    checked: CheckedBundle = check_bundle(_read(path, "a job bundle", MAX_BUNDLE_BYTES),
                                          trusted_signer=trusted)
    out: dict[str, Any] = {
        "job_id": checked.job_id, "job_number": checked.job_number,
        "sealed_hash": checked.sealed_hash, "entries": checked.entries,
        "followup_entries": len(checked.followup),
        "signer": checked.signer.signer_id, "signer_checked": trusted is not None,
        "with_secrets": checked.has_secrets, "recipient": checked.recipient,
    }
    if report is not None:
        try:
            body = json.loads(_read(report, "a report", 16 * 1024 * 1024).decode("utf-8"))
            cited = body["audit"]["sealed_hash"] if "audit" in body else body["job"][
                "sealed_hash"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            raise BundleError(
                "report-mismatch",
                code="bundle.report-no-seal",
                params={"report": report}) from None
        if cited != checked.sealed_hash:
            raise BundleError(
                "report-mismatch",
                code="bundle.report-seal-mismatch",
                params={"report": report, "cited": str(cited)[:16],
                        "sealed": checked.sealed_hash[:16]})
        out["report_seal_matches"] = True
    return out
