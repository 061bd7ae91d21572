"""Command plugin (entry point ``commissioner.cli_plugins: documents``): the Qt PDF renderer.

``commissioner sheet`` and ``commissioner report --pdf`` draw their documents with Qt, which the
core must not import. Installing the GUI extra installs this plugin, which gives the core
command line its PDF renderer; it adds no command of its own. This module imports nothing from
Qt at load time, so every other command stays fast and works without the GUI extra; Qt is
imported only when a PDF is drawn, and a missing PySide6 gives a clear message.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

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
    """Install the Qt renderer for the core's PDF commands (no command is added here)."""
    del subparsers, common
    set_pdf_renderer(render_pdf_with_qt)
