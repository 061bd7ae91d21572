"""How the main window sits on a small screen and keeps its device table readable cheaply:
its default and minimum size, column widths measured with font metrics on a bounded number of
rows, and timers that coalesce bursts of model changes into one refresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView, QWidget

from ui.device_table import Column, DeviceTableModel

FIT_PRECISION_ROWS: Final = 24  # rows measured when fitting a column to its texts
FIT_INTERVAL_MS: Final = 250  # columns are fitted at most this often
DETAILS_INTERVAL_MS: Final = 100  # the details pane follows data changes at most this often
PROGRESS_COLUMN_WIDTH: Final = 280
CELL_PADDING: Final = 8  # px each side of a measured text
MAX_FITTED_WIDTH: Final = 320
MAX_ID_WIDTH: Final = 220  # a longer id is shown with its middle elided (tooltip in full)
DEFAULT_SIZE: Final = (1280, 700)  # fits a 1366×768 screen with a title bar and a taskbar
MINIMUM_SIZE: Final = (960, 560)


def coalescing_timer(parent: QObject, interval_ms: int, slot: Callable[[], object]) -> QTimer:
    """A single-shot timer whose ``start`` does nothing while it is already pending: many
    requests in a burst run ``slot`` once, at most ``interval_ms`` after the first."""
    timer = _PendingTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def nothing() -> None:
    return None


class _PendingTimer(QTimer):
    def start(self, *args: object) -> None:
        if not self.isActive():
            super().start()


def fit_to_screen(window: QWidget) -> None:
    """The default size, never larger than the screen's free area (taskbar excluded) less the
    window frame, and a minimum size that fits a 1366×768 laptop."""
    window.setMinimumSize(*MINIMUM_SIZE)
    width, height = DEFAULT_SIZE
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        free = screen.availableGeometry()
        frame = window.frameGeometry().size() - window.geometry().size()
        # Before the window is first shown, the frame is unknown: allow for a title bar.
        frame_w = frame.width() if frame.width() > 0 else 8
        frame_h = frame.height() if frame.height() > 0 else 38
        width = min(width, free.width() - frame_w)
        height = min(height, free.height() - frame_h)
    window.resize(max(width, MINIMUM_SIZE[0]), max(height, MINIMUM_SIZE[1]))


def fit_columns(table: QTableView, model: DeviceTableModel) -> None:
    """Each column as wide as its header and the texts of (at most) the first
    ``FIT_PRECISION_ROWS`` rows, measured with the font's metrics only: no size hints,
    no styles, a bounded cost however many devices are listed."""
    header = table.horizontalHeader()
    header_metrics = header.fontMetrics()
    cell_metrics = table.fontMetrics()
    rows = min(model.rowCount(), FIT_PRECISION_ROWS)
    icon = table.iconSize().width() if table.iconSize().isValid() else 16
    table.setUpdatesEnabled(False)  # one relayout and repaint, not one per column
    header.setStretchLastSection(False)
    for column in Column:
        if column is Column.DETAILS:
            continue
        if column is Column.PROGRESS:
            header.resizeSection(column, PROGRESS_COLUMN_WIDTH)
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = header_metrics.horizontalAdvance(title) + 2 * CELL_PADDING
        for row in range(rows):
            text = model.data(model.index(row, column))
            if text:
                extra = icon + CELL_PADDING if column is Column.VERDICT else 0
                width = max(
                    width, cell_metrics.horizontalAdvance(str(text)) + 2 * CELL_PADDING + extra
                )
        cap = MAX_ID_WIDTH if column is Column.DEVICE_ID else MAX_FITTED_WIDTH
        header.resizeSection(column, min(width, cap))
    # Give the free space to the last (details) column again.
    header.setStretchLastSection(True)
    table.setUpdatesEnabled(True)
