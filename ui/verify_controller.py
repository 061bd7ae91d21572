"""Support after handover in the GUI: open a handed-over job read-only and "Verify now".

The controller runs the application layer's use cases (:func:`commissioner.app.jobs.sealed_job`
and :func:`commissioner.app.verify.verify_job`) on the bridge's loop through the window's
``submit`` and hands the results to its view; it decides nothing about the work itself (the
CLI's ``commissioner verify`` runs the very same function).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from commissioner.app import jobs as jobs_app
from commissioner.app import verify as verify_app
from commissioner.app.context import AppContext
from commissioner.errors import UserError
from ui.job_service import Failure, FailureKind

__all__ = ["VerifyController"]

Submit = Callable[[Coroutine[Any, Any, object], str, Callable[[object], object],
                   Callable[[str], object] | None], bool]


async def _guarded(kind: FailureKind, coro: Coroutine[Any, Any, object]) -> object:
    try:
        return await coro
    except UserError as err:
        return Failure.of(kind, err)


class VerifyController(QObject):
    """Loads one sealed job and verifies its home on request."""

    loaded = Signal(object)  # SealedJobView
    verified = Signal(object)  # Verification
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, context: AppContext, job_ref: str, submit: Submit,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._ref, self._submit = context, job_ref, submit
        self.busy = False

    def load(self) -> None:
        coro = _guarded("store", asyncio.to_thread(jobs_app.sealed_job, self._ctx, self._ref))
        self._submit(coro, "sealed-job", self._on_loaded, self.failed.emit)

    def verify_now(self) -> bool:
        if self.busy:
            return False
        self._set_busy(True)
        coro = _guarded("store", verify_app.verify_job(self._ctx, self._ref))
        if not self._submit(coro, "verify", self._on_verified, self._on_error):
            self._set_busy(False)
            return False
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    def _on_loaded(self, result: object) -> None:
        if isinstance(result, Failure):
            self.failed.emit(result.describe())
        else:
            self.loaded.emit(result)

    def _on_verified(self, result: object) -> None:
        self._set_busy(False)
        if isinstance(result, Failure):
            self.failed.emit(result.describe())
            return
        self.verified.emit(result)
        self.load()  # the history now holds the verification entry

    def _on_error(self, text: str) -> None:
        self._set_busy(False)
        self.failed.emit(text)
