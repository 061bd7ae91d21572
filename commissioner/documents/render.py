"""A document ready to draw, and the hook through which the Qt edge draws it to PDF.

The core builds :class:`RenderableDocument` values (HTML for Qt's rich-text engine plus the
images it refers to). It never draws: the one renderer is Qt's, in ``ui/printing.py``. The CLI
reaches it through :func:`set_pdf_renderer`, which the ``documents`` CLI plugin (declared as an
entry point, see ``commissioner.cli``) calls when it is loaded; without the GUI extra there is
no renderer and :func:`render_pdf` says how to get one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from commissioner.errors import UserError

__all__ = [
    "PdfRenderer",
    "RenderStats",
    "RenderableDocument",
    "RendererUnavailableError",
    "pdf_renderer",
    "render_pdf",
    "set_pdf_renderer",
]

DocumentKind = Literal["sheet", "report", "wipe-certificate"]
GUI_EXTRA_HINT: Final = (
    "PDF output is drawn by Qt: install the GUI extra (pip install 'commissioner[gui]')"
)


@dataclass(frozen=True, slots=True)
class RenderableDocument:
    """HTML (the subset Qt's QTextDocument understands) and the images it names.

    ``resources`` maps an image name used as ``<img src="NAME">`` to PNG bytes. ``footer``
    is a template with ``{page}`` and ``{pages}`` drawn at the foot of every page (already
    plain text, not HTML). Page size is always A4 portrait.
    """

    kind: DocumentKind
    language: str
    title: str
    html: str
    footer: str
    job_id: str
    resources: Mapping[str, bytes] = field(default_factory=dict)

    def sha256(self) -> str:
        """Digest of the content (HTML and images), to record which document was produced."""
        h = hashlib.sha256()
        h.update(self.html.encode("utf-8"))
        for name in sorted(self.resources):
            h.update(b"\0" + name.encode("utf-8") + b"\0")
            h.update(hashlib.sha256(self.resources[name]).digest())
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class RenderStats:
    pages: int
    seconds: float
    font_family: str


PdfRenderer = Callable[[RenderableDocument, Path], RenderStats]

_renderer: PdfRenderer | None = None


class RendererUnavailableError(UserError):
    def __init__(self, *, code: str = "documents.no-renderer") -> None:
        super().__init__(code=code)


def set_pdf_renderer(renderer: PdfRenderer | None) -> None:
    """Install (or with None remove) the function that draws a document to a PDF file."""
    global _renderer
    _renderer = renderer


def pdf_renderer() -> PdfRenderer:
    if _renderer is None:
        raise RendererUnavailableError(code="documents.no-renderer")
    return _renderer


def render_pdf(document: RenderableDocument, out: Path) -> RenderStats:
    """Draw ``document`` to the PDF file ``out`` with the installed renderer."""
    return pdf_renderer()(document, Path(out))
