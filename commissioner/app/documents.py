"""Documents: the handover report (JSON, and PDF), the owner's guidance sheet (PDF).

The report's content is built here from the job (:mod:`commissioner.documents`); a PDF is drawn
by the renderer a plugin installs (the GUI extra's Qt painter, see
:func:`commissioner.documents.render.set_pdf_renderer`). Exporting from an open job logs a
``document.export`` step (kind, format, SHA-256 of what was written); a closed job's sealed log
does not change.

These run in the calling thread (they are short and local): a Qt renderer must draw on the
thread that owns the GUI application, so a face calls them from there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commissioner.app.context import AppContext, find_job
from commissioner.documents.common import load_owner_app, load_support_contact
from commissioner.documents.facts import collect_facts
from commissioner.documents.handover import prepare_sheet, record_document_action, write_report
from commissioner.documents.render import RenderableDocument, RenderStats, render_pdf
from commissioner.documents.report import build_report, report_document, report_json_text
from commissioner.documents.strings import DEFAULT_LANGUAGE
from commissioner.errors import UserError
from commissioner.jobs.models import Step
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog

__all__ = [
    "PdfExport",
    "ReportJson",
    "guidance_sheet_pdf",
    "owner_sheet",
    "record_printed",
    "report_json",
    "report_pdf",
]


@dataclass(frozen=True, slots=True)
class ReportJson:
    job_id: str
    report: dict[str, Any]
    text: str  # exactly what was (or is to be) written
    path: Path | None  # None: not written; the face shows ``text``


@dataclass(frozen=True, slots=True)
class PdfExport:
    job_id: str
    path: Path
    stats: RenderStats
    has_invitation: bool = True  # (sheet) whether it carries the owner takeover QR code


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _render(document: RenderableDocument, out: Path) -> RenderStats:
    try:
        return render_pdf(document, out)
    except OSError as err:
        raise UserError(
            code="file.cannot-write",
            params={"path": out, "reason": err.strerror or err}) from None


def owner_sheet(
    ctx: AppContext, job_key: str, *, catalog: Catalog | None,
    language: str = DEFAULT_LANGUAGE, allow_draft: bool = True, store: JobStore | None = None,
) -> RenderableDocument:
    """The owner's sheet as a document for the face to print (logged as ``document.sheet``,
    a second one as ``document.reprint``), with the support desk and owner app from
    settings."""
    if store is None:
        with ctx.store() as opened:
            return owner_sheet(ctx, job_key, catalog=catalog, language=language,
                               allow_draft=allow_draft, store=opened)
    job = find_job(store, job_key)
    return prepare_sheet(store, job.id, catalog=catalog, language=language,
                         support=load_support_contact(), owner_app=load_owner_app(),
                         allow_draft=allow_draft)


def report_json(
    ctx: AppContext, job_key: str, path: Path | None, *, catalog: Catalog | None
) -> ReportJson:
    """The handover report as JSON (docs/report-schema.json), written atomically to ``path``
    (None: only returned, for the face to show)."""
    with ctx.store() as store:
        job = find_job(store, job_key)
        report = build_report(collect_facts(store, job.id, catalog=catalog))
        text = report_json_text(report)
        if path is not None:
            try:
                write_report(report, path)
            except OSError as err:
                raise UserError(
                    code="file.cannot-write",
                    params={"path": path, "reason": err.strerror or err}) from None
        record_document_action(
            store, job.id, "export", kind="report", file_format="json",
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            file_name=None if path is None else str(path),
        )
        return ReportJson(job.id, report, text, path)


def report_pdf(
    ctx: AppContext, job_key: str, path: Path, *, catalog: Catalog | None,
    language: str = DEFAULT_LANGUAGE,
) -> PdfExport:
    """The handover report drawn as an A4 PDF at ``path``."""
    with ctx.store() as store:
        job = find_job(store, job_key)
        report = build_report(collect_facts(store, job.id, catalog=catalog))
        stats = _render(report_document(report, language=language), path)
        record_document_action(
            store, job.id, "export", kind="report", file_format="pdf",
            sha256=_sha256_file(path), language=language, file_name=str(path),
            pages=stats.pages,
        )
        return PdfExport(job.id, path, stats)


def guidance_sheet_pdf(
    ctx: AppContext, job_key: str, path: Path, *, catalog: Catalog | None,
    language: str = DEFAULT_LANGUAGE, allow_draft: bool = True,
) -> PdfExport:
    """The owner's guidance sheet (guideline R2-6) as an A4 PDF at ``path``, with the owner
    invitation's QR code and typed code when the home is ready; a marked draft without them
    when it is not (or, with ``allow_draft=False``, a refusal naming why)."""
    with ctx.store() as store:
        job = find_job(store, job_key)
        document = owner_sheet(ctx, job.id, catalog=catalog, language=language,
                               allow_draft=allow_draft, store=store)
        stats = _render(document, path)
        record_document_action(
            store, job.id, "export", kind="sheet", file_format="pdf",
            sha256=_sha256_file(path), language=language, file_name=str(path),
            pages=stats.pages,
        )
        return PdfExport(job.id, path, stats, has_invitation=bool(document.resources))



def record_printed(
    ctx: AppContext, job_key: str, document: RenderableDocument, *, pages: int,
    kind: str = "sheet",
) -> Step | None:
    """Log that ``document`` went to a printer: ``document.print`` the first time,
    ``document.reprint`` after that - in the job's log while it is open, in its follow-up log
    once it is sealed (see :func:`commissioner.documents.handover.record_document_action`)."""
    with ctx.store() as store:
        job = find_job(store, job_key)
        earlier = [*store.steps(job.id),
                   *(store.followup_steps(job.id) if job.is_closed else [])]
        printed = any(s.action in ("document.print", "document.reprint")
                      and s.detail.get("kind") == kind for s in earlier)
        return record_document_action(
            store, job.id, "reprint" if printed else "print", kind=kind,
            sha256=document.sha256(), language=document.language, pages=pages)
