"""The one renderer of the handover documents: Qt's rich-text engine.

The core (``commissioner.documents``) builds a :class:`RenderableDocument` - HTML, images and
a footer template. This module lays it out on A4 with :class:`QTextDocument`, draws a footer on
every page, and paints it to a :class:`QPdfWriter` (PDF export, also used by the CLI) or a
:class:`QPrinter` (printing, with :class:`QPrintPreviewDialog`).

Japanese glyphs come from the OFL-licensed BIZ UDPGothic shipped in ``resources/fonts`` and
loaded with :class:`QFontDatabase`, so the output is the same on every laptop; Qt embeds the
glyphs it uses (a CID TrueType subset) in the PDF. If the files are missing, the system's
Japanese fonts are used instead (Yu Gothic / Meiryo on Windows, IPAexGothic on Debian).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Final

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from commissioner.atomic_file import write_atomic
from commissioner.documents.render import RenderableDocument, RenderStats
from commissioner.resources import resources_dir

__all__ = [
    "DOCUMENT_FONT_FAMILIES",
    "FONT_DIR",
    "document_font_family",
    "ensure_gui_application",
    "page_layout",
    "paint_document",
    "print_document",
    "print_preview_dialog",
    "render_pdf",
    "text_document",
]

FONT_DIR: Final = resources_dir() / "fonts"
FONT_FILES: Final = ("BIZUDPGothic-Regular.ttf", "BIZUDPGothic-Bold.ttf")
DOCUMENT_FONT_FAMILIES: Final = (
    "BIZ UDPGothic",  # shipped (OFL)
    "Yu Gothic",  # Windows 8.1+
    "Meiryo",
    "IPAexGothic",  # Debian fonts-ipaexfont
    "Noto Sans CJK JP",
    "Noto Sans JP",
)
BODY_POINT_SIZE: Final = 9.0
FOOTER_POINT_SIZE: Final = 7.0
MARGINS_MM: Final = QMarginsF(14, 12, 14, 10)
PDF_RESOLUTION: Final = 300

_family: str | None = None


def ensure_gui_application() -> QGuiApplication:
    """The running Qt application, or a new headless one for command-line rendering.

    Without a display (a server, CI, a CLI over SSH) Qt's offscreen platform is used. A full
    QApplication is made, so windows can still be opened later in the same process (a
    QGuiApplication there would make every later widget abort the process)."""
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication(sys.argv[:1] or ["commissioner"])


def document_font_family() -> str:
    """Load the shipped Japanese font once; the family to set documents in."""
    global _family
    if _family is not None:
        return _family
    loaded: list[str] = []
    for name in FONT_FILES:
        path = FONT_DIR / name
        if path.is_file():
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    available = set(QFontDatabase.families())
    for family in (*loaded, *DOCUMENT_FONT_FAMILIES):
        if family in available:
            _family = family
            return family
    _family = QFont().defaultFamily()
    return _family


def page_layout() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )


def text_document(document: RenderableDocument) -> QTextDocument:
    """The document's HTML in a QTextDocument with its images and the Japanese font."""
    doc = QTextDocument()
    doc.setUndoRedoEnabled(False)
    font = QFont(document_font_family())
    font.setPointSizeF(BODY_POINT_SIZE)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    # No ligatures: an "fi" glyph would leave "certified" unsearchable in the PDF's text.
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, document.title)
    for name, data in document.resources.items():
        image = QImage.fromData(data)
        if image.isNull():
            raise ValueError(f"resource {name!r} is not a readable image")
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(document.html)
    return doc


def paint_document(document: RenderableDocument, device: QPagedPaintDevice) -> int:
    """Lay ``document`` out on ``device``'s pages (A4, set by the caller) and paint every page
    with its footer. Returns the number of pages."""
    doc = text_document(document)
    layout = device.pageLayout()
    dpi = device.logicalDpiX()  # QPdfWriter and QPrinter report their resolution here
    paint_rect = layout.paintRectPixels(dpi)
    width, height = float(paint_rect.width()), float(paint_rect.height())
    footer_font = QFont(document_font_family())
    footer_font.setPointSizeF(FOOTER_POINT_SIZE)
    footer_height = FOOTER_POINT_SIZE / 72.0 * dpi * 2.2
    doc.documentLayout().setPaintDevice(device)
    body = QSizeF(width, height - footer_height)
    doc.setPageSize(body)
    pages = max(1, doc.pageCount())
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot start painting (is the output file writable?)")
    try:
        for page in range(pages):
            if page:
                device.newPage()
            painter.save()
            top = page * body.height()
            painter.translate(0, -top)
            doc.drawContents(painter, QRectF(0, top, body.width(), body.height()))
            painter.restore()
            painter.save()
            painter.setFont(footer_font)
            painter.setPen(QColor("#555555"))
            text = document.footer.replace("{page}", str(page + 1)).replace("{pages}", str(pages))
            painter.drawLine(0, int(height - footer_height * 0.8), int(width),
                             int(height - footer_height * 0.8))
            painter.drawText(
                QRectF(0, height - footer_height * 0.7, width, footer_height * 0.7),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text,
            )
            painter.restore()
    finally:
        painter.end()
    return pages


def render_pdf(document: RenderableDocument, out: Path) -> RenderStats:
    """Write ``document`` as an A4 PDF to ``out`` (all or nothing: drawn in memory, then
    written with the one atomic writer)."""
    ensure_gui_application()
    started = time.perf_counter()
    family = document_font_family()
    out = Path(out)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(page_layout())
    writer.setTitle(document.title)
    writer.setCreator("commissioner")
    pages = paint_document(document, writer)
    del writer  # finishes the file
    buffer.close()
    write_atomic(out, bytes(buffer.data().data()))
    return RenderStats(pages=pages, seconds=time.perf_counter() - started, font_family=family)


def print_document(document: RenderableDocument, printer_name: str | None = None, *,
                   printer: QPagedPaintDevice | None = None) -> int:
    """Print ``document`` on A4 through the operating system's print system (CUPS on Linux,
    the spooler on Windows) - the path the print preview's Print button takes. Without
    ``printer_name`` the system's default printer; ``printer`` is a QPrinter the caller set up
    (the one the system's print dialog configured). Returns the number of pages."""
    from PySide6.QtPrintSupport import QPrinter

    ensure_gui_application()
    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if printer_name is not None:
            printer.setPrinterName(printer_name)
            if printer.printerName() != printer_name:
                raise OSError(f"no printer named {printer_name!r}")
        printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    printer.setPageLayout(page_layout())
    if isinstance(printer, QPrinter):
        printer.setDocName(document.title)
    return paint_document(document, printer)


def print_preview_dialog(document: RenderableDocument, parent: QWidget | None = None) -> QDialog:
    """A :class:`QPrintPreviewDialog` (A4) that paints ``document``; the caller shows it.
    Printing from it goes through the system's print dialog."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(page_layout())
    printer.setDocName(document.title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(document.title)
    dialog.paintRequested.connect(lambda p: paint_document(document, p))
    dialog._printer = printer  # type: ignore[attr-defined]  # keep it alive with the dialog
    return dialog
