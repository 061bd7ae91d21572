"""The small window interface the main window's own helpers (job files, discovery recording, the
certified-model gate, scanning) work through, so that none of them imports ``ui.main_window``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QWidget

    from ui.job_service import JobService
    from ui.job_summary import JobSummary

__all__ = ["WindowHost"]


class WindowHost(Protocol):
    @property
    def job(self) -> JobSummary | None: ...

    @property
    def service(self) -> JobService | None: ...

    def window(self) -> QWidget:
        """The top-level widget (dialogs' parent)."""
        ...

    def statusBar(self) -> QStatusBar: ...

    def show_error(self, text: str) -> None: ...

    def submit(
        self,
        coro: Coroutine[Any, Any, object],
        name: str,
        on_result: Callable[[object], object],
        on_error: Callable[[str], object] | None = None,
    ) -> bool:
        """Run ``coro`` on the bridge's loop; a bridge that is not running is reported."""
        ...
