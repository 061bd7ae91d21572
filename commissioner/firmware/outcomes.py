"""The firmware update's public vocabulary: phases and progress, options, outcomes and results
(shared by :mod:`commissioner.firmware.push`, the CLI and the GUI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from commissioner.firmware.plan import DeviceEndpoint
from commissioner.protocol.firmware_spec import DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES

__all__ = [
    "PHASE_WEIGHTS",
    "Outcome",
    "Phase",
    "ProgressCallback",
    "Resolver",
    "UpdateOptions",
    "UpdateProgress",
    "UpdateResult",
]


class Phase(StrEnum):
    DOWNLOAD = "download"
    TRANSFER = "transfer"
    VERIFY = "verify"
    REBOOT = "reboot"
    CONFIRM = "confirm"
    DONE = "done"


# Share of a device's progress bar each phase fills (for a single per-device fraction).
PHASE_WEIGHTS: Final = {
    Phase.DOWNLOAD: 0.05, Phase.TRANSFER: 0.75, Phase.VERIFY: 0.05, Phase.REBOOT: 0.10,
    Phase.CONFIRM: 0.05,
}


@dataclass(frozen=True, slots=True)
class UpdateProgress:
    """One progress report for one device. ``bytes_done``/``bytes_total`` count image bytes
    (download: cached/verified bytes; transfer: bytes the device holds)."""

    device_id: str
    phase: Phase
    bytes_done: int
    bytes_total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        """0..1 for the device as a whole (phases weighted by :data:`PHASE_WEIGHTS`)."""
        if self.phase is Phase.DONE:
            return 1.0
        order = list(PHASE_WEIGHTS)
        before = sum(PHASE_WEIGHTS[p] for p in order[: order.index(self.phase)])
        within = self.bytes_done / self.bytes_total if self.bytes_total else 0.0
        if self.phase in (Phase.REBOOT, Phase.CONFIRM, Phase.VERIFY):
            within = 0.0
        return min(1.0, before + PHASE_WEIGHTS[self.phase] * max(0.0, min(1.0, within)))


ProgressCallback = Callable[[UpdateProgress], None]
Resolver = Callable[[str], Awaitable[DeviceEndpoint | None]]
"""``device_id -> current endpoint`` (the address may change across a reboot); None = keep."""


class Outcome(StrEnum):
    UPDATED = "updated"
    CURRENT = "current"
    FELL_BACK = "fell-back"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class UpdateResult:
    device_id: str
    outcome: Outcome
    reason: str
    reason_code: str = ""
    from_version: str | None = None
    to_version: str | None = None
    running_version: str | None = None  # what the device runs at the end, when known
    image_sha256: str | None = None
    vulnerable_before: bool = False
    model: str | None = None
    manufacturer: str | None = None
    bytes_sent: int = 0
    resumed_from: tuple[int, ...] = ()
    reconnects: int = 0
    duration_s: float = 0.0

    @property
    def resumable(self) -> bool:
        return self.outcome in (Outcome.TIMEOUT, Outcome.FAILED)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.UPDATED, Outcome.CURRENT)

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "outcome": self.outcome.value, "reason": self.reason,
            "reason_code": self.reason_code, "from_version": self.from_version,
            "to_version": self.to_version, "running_version": self.running_version,
            "image_sha256": self.image_sha256, "vulnerable_before": self.vulnerable_before,
            "model": self.model, "manufacturer": self.manufacturer,
            "bytes_sent": self.bytes_sent, "resumed_from": list(self.resumed_from),
            "reconnects": self.reconnects, "duration_s": round(self.duration_s, 3),
            "resumable": self.resumable,
        }


@dataclass(frozen=True, slots=True)
class UpdateOptions:
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    timeout: float = 5.0  # per network step
    stall_timeout: float = 60.0  # transfer: give up after this long without progress
    reboot_timeout: float = 180.0  # the device must be back (new boot) within this
    poll_interval: float = 0.2  # while waiting for the reboot
    max_hash_retries: int = 1  # restart a transfer the device found corrupted

    def __post_init__(self) -> None:
        if not 1 <= self.chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk_bytes must be 1..{MAX_CHUNK_BYTES}")
