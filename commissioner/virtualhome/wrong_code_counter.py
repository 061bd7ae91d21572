"""The one wrong-code counter of a virtual device, shared by its BLE and TLS paths.

The protocol (spec sections 9 and 18.3) gives a device one :class:`ProofRateLimiter`: wrong
setup-code proofs over TLS and unconfirmed BLE onboarding sessions count in it alike, and a
power cycle does not reset it. The device keeps it in ``rate-limiter.json`` of its state
directory (:mod:`.state`); :class:`SharedWrongCodeCounter` is a limiter bound to that file:
before every decision it takes the file's current state (the other path may have counted since),
and after every change it writes the file back at once. Both paths of a device hold one each;
they agree because the file is the only record. Every change bumps a ``generation`` in the file,
so a snapshot written late by one path (taken before the other path counted) is dropped by
:func:`.state.save_rate_limiter` rather than undoing the other's count.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from commissioner.protocol.setup_code import ProofRateLimiter
from commissioner.virtualhome.state import RATE_LIMITER_FILE, load_rate_limiter, save_rate_limiter

__all__ = ["SharedWrongCodeCounter"]

log = logging.getLogger(__name__)

_Stamp = tuple[int, int, int] | None  # (inode, size, mtime_ns) of the file last read or written


class SharedWrongCodeCounter(ProofRateLimiter):
    """A :class:`ProofRateLimiter` whose state lives in ``directory/rate-limiter.json``."""

    def __init__(self, directory: Path, initial: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self._stamp: _Stamp = None
        self.generation = 0  # bumped at every change; a stale snapshot is never written back
        if initial is not None:
            self._adopt(initial)
            self._stamp = self._file_stamp()
        else:
            self._reload()

    # --- the file -------------------------------------------------------------------------

    def _file_stamp(self) -> _Stamp:
        try:
            st = (self.directory / RATE_LIMITER_FILE).stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _adopt(self, data: dict[str, Any]) -> None:
        restored = ProofRateLimiter.from_state(data)
        self.failures, self.locked_until = restored.failures, restored.locked_until
        generation = data.get("generation", 0)
        self.generation = generation if isinstance(generation, int) else 0

    def _reload(self) -> None:
        """Take the file's state if it changed since this counter last read or wrote it."""
        stamp = self._file_stamp()
        if stamp is not None and stamp == self._stamp:
            return
        try:
            data = load_rate_limiter(self.directory)
        except ValueError as exc:  # a damaged file fails closed (spec section 9)
            log.warning("%s: %s; the device stays locked", self.directory, exc)
            self.failures, self.locked_until = self.max_failures + 64, math.inf
            self._stamp = stamp
            return
        if data is None:
            self.failures, self.locked_until, self.generation = 0, 0.0, 0
        else:
            self._adopt(data)
        self._stamp = stamp

    def _save(self) -> None:
        self.generation += 1
        save_rate_limiter(self.directory, self._snapshot())
        self._stamp = self._file_stamp()

    # --- the limiter ----------------------------------------------------------------------

    def check(self, now: float) -> float | None:
        self._reload()
        before = self.locked_until
        remaining = super().check(now)
        if self.locked_until != before:  # clamped after the clock went back
            self._save()
        return remaining

    def record_failure(self, now: float) -> float | None:
        self._reload()
        lockout = super().record_failure(now)
        self._save()
        return lockout

    def record_success(self) -> None:
        self._reload()
        changed = self.failures != 0 or self.locked_until != 0.0
        super().record_success()
        if changed:
            self._save()

    def _snapshot(self) -> dict[str, float | int]:
        return {**super().state(), "generation": self.generation}

    def state(self) -> dict[str, float | int]:
        self._reload()
        return self._snapshot()
