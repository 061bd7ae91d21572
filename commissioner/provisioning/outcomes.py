"""The provisioning run's public vocabulary: step names, progress events, options and the
summary (shared by the run, the CLI and the GUI)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from commissioner.backends import DEFAULT_TIMEOUT, DeviceBackend

__all__ = [
    "ALLOW_LIST_STEP",
    "DEFAULT_CONCURRENCY",
    "DEVICE_STEPS",
    "GATEWAY_AUTH_STEP",
    "GATEWAY_STEPS",
    "DeviceOutcome",
    "ProgressCallback",
    "ProgressEvent",
    "RunOptions",
    "RunSummary",
]

DEFAULT_CONCURRENCY: Final = 8
DEVICE_STEPS: Final = (
    "admin-credential", "csr", "certificate", "acl", "default-credential", "complete",
    "readback",
)
GATEWAY_STEPS: Final = (*DEVICE_STEPS, "issuing-ca")
SESSION_STEPS: Final = DEVICE_STEPS[:6]  # done on the setup-code / admin session
ALLOW_LIST_STEP: Final = "allow-list"
GATEWAY_AUTH_STEP: Final = "gateway-auth"
GATEWAY_TRANSIENT: Final = frozenset({"unreachable", "connection-failed", "tls-failed"})


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One progress report for the GUI / CLI.

    ``status``: ``started`` (a step begins), ``done`` (the device confirmed it), ``retry``
    (transient failure, retrying after back-off), ``failed`` (the device failed; ``message``
    is the reason), ``provisioned`` (the device is finished), ``skipped`` (not eligible or
    already provisioned), ``info`` (job-level news). ``finished`` / ``total`` count devices
    (the gateway included) for a job-level progress bar.
    """

    device_id: str
    step: str
    status: str
    message: str
    finished: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    device_id: str
    role: str
    status: str  # provisioned | failed | blocked
    reason_code: str | None = None
    reason: str | None = None
    action: str | None = None
    gateway_authenticated: bool | None = None
    operational_fingerprint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "role": self.role,
            "status": self.status,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "action": self.action,
            "gateway_authenticated": self.gateway_authenticated,
            "operational_fingerprint": self.operational_fingerprint,
        }


@dataclass(frozen=True, slots=True)
class RunSummary:
    job_id: str
    outcomes: tuple[DeviceOutcome, ...]
    elapsed_s: float
    concurrency: int
    home_ca_fingerprint: str
    owner_invitation_id: str | None
    owner_epoch: int

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """Every eligible device (and the gateway) provisioned and authenticated."""
        return all(
            o.status == "provisioned" for o in self.outcomes if o.status != "blocked"
        ) and any(o.status == "provisioned" for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "provisioned": self.count("provisioned"),
            "failed": self.count("failed"),
            "blocked": self.count("blocked"),
            "elapsed_s": round(self.elapsed_s, 3),
            "concurrency": self.concurrency,
            "home_ca_fingerprint": self.home_ca_fingerprint,
            "owner_invitation_id": self.owner_invitation_id,
            "owner_epoch": self.owner_epoch,
            "devices": [o.to_json() for o in self.outcomes],
        }


@dataclass(frozen=True, slots=True)
class RunOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT  # per network step
    max_attempts: int = 5  # per device, for transient failures
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 2.0
    progress: ProgressCallback | None = None
    # Where devices are now (device id -> (host, port)); defaults to the job's scan record.
    addresses: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    # The device backend to use instead of the registry's choice (tests, other callers).
    backend: DeviceBackend | None = None

