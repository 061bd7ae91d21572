"""Paints the device table's progress column as progress bars (no per-row widgets).

The model gives an :class:`ui.device_table.OperationState` through ``OPERATION_ROLE``; the bar
shows its fraction and its translated text ("Transfer 42 % (1.2 / 2.0 MiB)"). A failed device
gets a red cell with the reason's headline, a finished one a full green bar, a step without
measurable progress a busy (indeterminate) bar.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ui.device_table import (
    BLOCKED_BACKGROUND,
    BLOCKED_FOREGROUND,
    CERTIFIED_FOREGROUND,
    OPERATION_ROLE,
    OperationState,
)

MIN_BAR_WIDTH: Final = 260
MAX_BAR_WIDTH: Final = 320  # long reasons are elided; the tooltip has them in full
GROOVE_COLOUR: Final = QColor("#f3f3f3")
SKIPPED_COLOUR: Final = QColor("#8a8a8a")
DONE_COLOUR: Final = CERTIFIED_FOREGROUND
RUNNING_COLOUR: Final = QColor("#2f6fb3")

_Index = QModelIndex | QPersistentModelIndex


class ProgressBarDelegate(QStyledItemDelegate):
    """Draws ``OPERATION_ROLE`` as a progress bar; other cells as usual."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        state = index.data(OPERATION_ROLE)
        if not isinstance(state, OperationState):
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Selection / background first, without the text.
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, widget)
        rect = option.rect.adjusted(3, 3, -3, -3)
        if state.failed:
            painter.save()
            painter.fillRect(rect, QBrush(BLOCKED_BACKGROUND))
            painter.setPen(BLOCKED_FOREGROUND)
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(
                rect.adjusted(6, 0, -4, 0),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                painter.fontMetrics().elidedText(
                    state.text, Qt.TextElideMode.ElideRight, rect.width() - 10
                ),
            )
            painter.restore()
            return
        # Drawn by hand (not the style's CE_ProgressBar): the same readable bar on every
        # platform style, with the text in a colour that contrasts with what is under it.
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = DONE_COLOUR if state.status in ("done", "skipped") else RUNNING_COLOUR
        if state.status == "skipped":
            colour = SKIPPED_COLOUR
        painter.setPen(QPen(colour.darker(115), 1))
        painter.setBrush(QBrush(GROOVE_COLOUR))
        painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        busy = state.fraction is None and state.status == "running"
        fraction = 1.0 if state.fraction is None else max(0.0, min(1.0, state.fraction))
        if state.status == "skipped":
            fraction = 0.0
        if busy:
            # No measurable progress: a moving stripe would need a timer; a light fill says
            # "working" without pretending to know how far.
            painter.setBrush(QBrush(colour.lighter(170)))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 3, 3)
        elif fraction > 0:
            filled = QRectF(rect).adjusted(1, 1, -1, -1)
            filled.setWidth(filled.width() * fraction)
            painter.setBrush(QBrush(colour))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(filled, 3, 3)
        text = painter.fontMetrics().elidedText(
            state.text, Qt.TextElideMode.ElideRight, rect.width() - 10
        )
        align = int(Qt.AlignmentFlag.AlignCenter)
        # Text: white over the filled part, dark over the empty part.
        split = rect.left() + round(rect.width() * (0.0 if busy else fraction))
        painter.setClipRect(QRect(rect.left(), rect.top(), split - rect.left(), rect.height()))
        painter.setPen(QColor("white"))
        painter.drawText(rect, align, text)
        painter.setClipRect(QRect(split, rect.top(), rect.right() - split + 1, rect.height()))
        painter.setPen(QColor("#1d1d1d"))
        painter.drawText(rect, align, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = super().sizeHint(option, index)
        if isinstance(index.data(OPERATION_ROLE), OperationState):
            hint.setWidth(min(max(hint.width() + 24, MIN_BAR_WIDTH), MAX_BAR_WIDTH))
            hint.setHeight(max(hint.height(), option.fontMetrics.height() + 10))
        return hint


__all__ = ["ProgressBarDelegate"]
