"""Support after handover in the GUI: open a handed-over job read-only, "Verify now", and
from a finding start its remediation (verified again after it).

The controller runs the application layer's use cases (:func:`commissioner.app.jobs.sealed_job`,
:func:`commissioner.app.verify.verify_job` and :func:`commissioner.app.remediate.remediate`)
on the bridge's loop through the window's ``submit`` and hands the results to its view; it
decides nothing about the work itself (the CLI's ``commissioner verify`` and ``commissioner
remediate`` run the very same functions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from commissioner.app import jobs as jobs_app
from commissioner.app import remediate as remediate_app
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
    """Loads one sealed job, verifies its home and remediates a finding on request."""

    loaded = Signal(object)  # SealedJobView
    verified = Signal(object)  # Verification
    remediated = Signal(object)  # Remediation (its verification follows on ``verified``)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, context: AppContext, job_ref: str, submit: Submit,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._ref, self._submit = context, job_ref, submit
        self.busy = False
        self.busy_with = ""  # "verify" or "remediate" while busy

    def load(self) -> None:
        coro = _guarded("store", asyncio.to_thread(jobs_app.sealed_job, self._ctx, self._ref))
        self._submit(coro, "sealed-job", self._on_loaded, self.failed.emit)

    def verify_now(self) -> bool:
        if self.busy:
            return False
        self.busy_with = "verify"
        self._set_busy(True)
        coro = _guarded("store", verify_app.verify_job(self._ctx, self._ref))
        if not self._submit(coro, "verify", self._on_verified, self._on_error):
            self._set_busy(False)
            return False
        return True

    @staticmethod
    def action_for(code: str) -> str | None:
        """The remediation a finding calls for, or None when no device action fixes it."""
        return remediate_app.FINDING_ACTIONS.get(code)

    @staticmethod
    def advice_for(code: str) -> str | None:
        """What to do about a finding no device action fixes."""
        return remediate_app.NO_ACTION.get(code)

    def remediate(self, code: str, device_id: str) -> bool:
        """Start the remediation ``code`` calls for on ``device_id``; the home is verified
        again after it (both recorded in the job's follow-up log)."""
        if self.busy or self.action_for(code) is None:
            return False
        self.busy_with = "remediate"
        self._set_busy(True)
        coro = _guarded("store", remediate_app.remediate(self._ctx, self._ref, code, device_id))
        if not self._submit(coro, "remediate", self._on_remediated, self._on_error):
            self._set_busy(False)
            return False
        return True

    def _on_remediated(self, result: object) -> None:
        self._set_busy(False)
        if isinstance(result, Failure):
            self.failed.emit(result.describe())
            self.load()  # the follow-up log holds the failed attempt
            return
        assert isinstance(result, remediate_app.Remediation)
        self.remediated.emit(result)
        if result.verification is not None:
            self.verified.emit(result.verification)
        self.load()

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
