"""The wipe certificate of a resale job as a use case: built from the job's audit log, its
JSON written atomically (mode 0600), the export logged on an open job.

The PDF is drawn from :func:`certificate_document` by the renderer a plugin installs (the GUI
extra's Qt painter): a face calls :func:`certificate_pdf` from the thread that owns the GUI
application, or shows the document in Qt's print preview.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commissioner.app.context import AppContext, find_job
from commissioner.atomic_file import write_atomic
from commissioner.documents.render import RenderableDocument, RenderStats, render_pdf
from commissioner.documents.wipe_certificate import (
    build_certificate,
    certificate_document,
    certificate_json_text,
)
from commissioner.errors import UserError

__all__ = ["WipeCertificate", "certificate_pdf", "wipe_certificate"]


@dataclass(frozen=True, slots=True)
class WipeCertificate:
    job_id: str
    job_number: str
    content: dict[str, Any]
    text: str  # the JSON exactly as written (or to be written)
    sha256: str

    @property
    def all_verified(self) -> bool:
        return bool(self.content["all_verified"])

    @property
    def unverified(self) -> list[str]:
        return [str(d) for d in self.content["unverified"]]

    def document(self, language: str = "ja") -> RenderableDocument:
        return certificate_document(self.content, language=language)


def wipe_certificate(ctx: AppContext, job_ref: str, *,
                     json_out: Path | None = None) -> WipeCertificate:
    """Build the certificate; write its JSON to ``json_out``; log the export on an open job."""
    with ctx.store() as store:
        job = find_job(store, job_ref)
        content = build_certificate(store, job.id)
        text = certificate_json_text(content)
        if json_out is not None:
            try:
                write_atomic(json_out, text.encode("utf-8"), mode=0o600)
            except OSError as err:
                raise UserError(
                    code="file.cannot-write",
                    params={"path": json_out, "reason": err.strerror or err}) from None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if not job.is_closed:
            store.append_step(job.id, "document.export", {
                "kind": "wipe-certificate", "format": "json", "sha256": digest,
                "all_verified": content["all_verified"]})
        return WipeCertificate(job.id, job.job_number, content, text, digest)


def certificate_pdf(cert: WipeCertificate, out: Path, *, language: str = "ja") -> RenderStats:
    """The certificate drawn as an A4 PDF at ``out`` (on the renderer's thread)."""
    try:
        return render_pdf(cert.document(language), out)
    except OSError as err:
        raise UserError(
            code="file.cannot-write",
            params={"path": out, "reason": err.strerror or err}) from None
