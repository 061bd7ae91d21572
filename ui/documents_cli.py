"""Command plugin (entry point ``commissioner.cli_plugins: documents``): Qt-drawn PDFs.

    commissioner sheet --job ID --out FILE.pdf [--lang en]

It also installs the PDF renderer that ``commissioner report --pdf`` uses. This module imports
nothing from Qt at load time, so every other command stays fast and works without the GUI
extra; Qt is imported only when a PDF is drawn, and a missing PySide6 gives a clear message.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from commissioner.app.documents import guidance_sheet_pdf
from commissioner.cli.common import context_from_args
from commissioner.cli.documents import add_job_and_lang, load_catalog
from commissioner.documents.render import (
    GUI_EXTRA_HINT,
    RenderableDocument,
    RenderStats,
    set_pdf_renderer,
)
from commissioner.errors import UserError

__all__ = ["register", "render_pdf_with_qt"]


def render_pdf_with_qt(document: RenderableDocument, out: Path) -> RenderStats:
    """The PDF renderer: ``ui.printing.render_pdf``, imported on first use."""
    if importlib.util.find_spec("PySide6") is None:
        raise UserError("PySide6 is not installed, so no PDF can be drawn", hint=GUI_EXTRA_HINT)
    from ui.printing import render_pdf

    return render_pdf(document, out)


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
) -> None:
    set_pdf_renderer(render_pdf_with_qt)
    sheet = subparsers.add_parser(
        "sheet", parents=[common], help="write the owner's guidance sheet as PDF (GUI extra)",
        description="Write the user guidance sheet (guideline R2-6) for the owner: A4, Japanese "
        "unless --lang en, with the owner invitation QR code. Uses the verified cached catalog "
        "for the settings the owner must not change.",
    )
    add_job_and_lang(sheet)
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE.pdf",
                       help="the PDF file to write")
    sheet.set_defaults(handler=_sheet)


def _sheet(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    catalog = load_catalog(args, required=True)
    done = guidance_sheet_pdf(ctx, args.job, args.out, catalog=catalog, language=args.lang)
    if not done.has_invitation:
        print("commissioner: warning: no owner invitation has been issued for this job; "
              "the sheet has no takeover QR code", file=sys.stderr)
    print(f"Wrote the guidance sheet of job {done.job_id} to {args.out} "
          f"({done.stats.pages} pages, font {done.stats.font_family})", file=sys.stderr)
    return 0
