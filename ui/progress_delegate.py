"""Paints the device table's progress column as progress bars (no per-row widgets).

The model gives an :class:`ui.device_table.OperationState` through ``OPERATION_ROLE``; the bar
shows its fraction and its translated text ("Transfer 42 % (1.2 / 2.0 MiB)"). A failed device
gets a red cell with the reason's headline, a finished one a full green bar, a step without
measurable progress a busy (indeterminate) bar.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
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

BAR_MAXIMUM: Final = 1000
MIN_BAR_WIDTH: Final = 220
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
        bar = QStyleOptionProgressBar()
        bar.rect = rect
        bar.state = option.state | QStyle.StateFlag.State_Enabled
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.palette = QPalette(option.palette)
        colour = DONE_COLOUR if state.status in ("done", "skipped") else RUNNING_COLOUR
        bar.palette.setColor(QPalette.ColorRole.Highlight, colour)
        bar.minimum = 0
        if state.fraction is None and state.status == "running":
            bar.maximum = 0  # busy indicator
            bar.progress = 0
        else:
            bar.maximum = BAR_MAXIMUM
            fraction = 1.0 if state.fraction is None else max(0.0, min(1.0, state.fraction))
            bar.progress = round(fraction * BAR_MAXIMUM)
        bar.text = painter.fontMetrics().elidedText(
            state.text, Qt.TextElideMode.ElideRight, rect.width() - 8
        )
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = super().sizeHint(option, index)
        if isinstance(index.data(OPERATION_ROLE), OperationState):
            hint.setWidth(max(hint.width() + 24, MIN_BAR_WIDTH))
            hint.setHeight(max(hint.height(), option.fontMetrics.height() + 10))
        return hint


__all__ = ["ProgressBarDelegate"]
