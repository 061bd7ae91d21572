"""The base of the per-operation controllers (onboard, commission, firmware, …).

A controller owns its actions and turns one application-layer use case into window updates. The
base holds what every one of them needs: the shared :class:`~ui.operation_runner.OperationRunner`,
the narrow window interface, the window widget (dialogs' parent and the source of
``LanguageChange``), and a signal that carries progress events from the bridge's loop thread to
the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStyle

from ui.operation_runner import OperationRunner

__all__ = ["OperationController"]


class OperationController(QObject):
    _progress = Signal(object)  # emitted on the loop thread, delivered on the GUI thread

    def __init__(self, runner: OperationRunner) -> None:
        super().__init__(runner)
        self._runner = runner
        self._window = runner.window
        self._top = runner.window.window()
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    def _action(self, name: str, icon: QStyle.StandardPixmap | None = None) -> QAction:
        """A new action of this controller, named for tests and style sheets."""
        action = QAction(self)
        action.setObjectName(name)
        if icon is not None:
            action.setIcon(self._top.style().standardIcon(icon))
        return action

    def _ready(self) -> None:
        """Call at the end of ``__init__``: follow the runner and the language, then show."""
        self._runner.state_changed.connect(self.update_actions)
        self._top.installEventFilter(self)
        self.retranslate()
        self.update_actions()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._top and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        """Set every text of the controller in the current language."""

    def update_actions(self) -> None:
        """Enable or disable the controller's actions for the runner's state."""

    def _on_progress(self, event: object) -> None:
        """One progress event of the running operation, on the GUI thread."""
