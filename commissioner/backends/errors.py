"""Errors a device backend raises: one vocabulary for every device family.

The protocol's own errors (:mod:`commissioner.protocol.errors`) are the base: every failure is
a :class:`DeviceProtocolError` with a machine ``reason`` and a message for the installer.
A backend maps whatever its stack raises onto these classes, so the gate, provisioning and
firmware judge a Matter or ECHONET Lite device's failure exactly as they judge this project's
own devices. :func:`is_transient` tells the callers which failures a retry may fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from commissioner.protocol.errors import (
    AttestationError,
    DeviceProtocolError,
    DeviceUnreachableError,
    IdentityMismatchError,
    LabelMismatchError,
    MalformedReplyError,
    RateLimitedError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
    WeakTlsError,
)

__all__ = [
    "AdminCredentialRejectedError",
    "AttestationError",
    "DeviceProtocolError",
    "DeviceUnreachableError",
    "FirmwareTransferError",
    "ForeignHomeError",
    "IdentityMismatchError",
    "LabelMismatchError",
    "MalformedReplyError",
    "NoCredentialError",
    "NotSupportedByFamilyError",
    "ProvisioningStepError",
    "RateLimitedError",
    "ReadbackMismatchError",
    "SetupCodeRejectedError",
    "UnknownFamilyError",
    "UntrustedDeviceError",
    "WeakTlsError",
    "is_transient",
]

TRANSIENT_REASONS: Final = frozenset(
    {
        "timeout",
        "connection-refused",
        "unreachable",
        "connection-closed",
        "connection-lost",
        "tls-failed",
        "internal-error",
        "http-500",
        "http-503",
    }
)


class NotSupportedByFamilyError(DeviceProtocolError):
    """The device family cannot do what was asked (for example: wipe, or provisioning an
    identify-only family). ``operation`` and ``family`` name both."""

    default_reason = "not-supported-by-family"

    def __init__(self, family: str, operation: str, detail: str = "") -> None:
        self.family = family
        self.operation = operation
        super().__init__(
            "not-supported-by-family",
            f"{operation} is not supported by the {family} device family"
            + (f" ({detail})" if detail else ""),
        )


class UnknownFamilyError(DeviceProtocolError):
    """No backend is registered for a device family or discovery transport."""

    default_reason = "unknown-family"


class NoCredentialError(Exception):
    """The caller holds no credential that opens a session to the device (no scanned label
    before commissioning, no admin credential after). ``needed`` is ``"setup-code"`` or
    ``"admin-credential"``."""

    def __init__(self, device_id: str, needed: str, message: str) -> None:
        super().__init__(message)
        self.device_id = device_id
        self.needed = needed


class ProvisioningStepError(DeviceProtocolError):
    """A provisioning request was refused or answered wrongly; ``reason`` says how."""

    default_reason = "step-failed"

    def __init__(
        self, reason: str | None = None, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.status = status
        super().__init__(reason, message)


class AdminCredentialRejectedError(ProvisioningStepError):
    """The device refused the admin credential the job holds."""

    default_reason = "admin-credential-rejected"


class ReadbackMismatchError(ProvisioningStepError):
    """What the device reports after provisioning differs from what the job intended."""

    default_reason = "readback-mismatch"

    def __init__(self, differences: Sequence[str]) -> None:
        self.differences = list(differences)
        super().__init__(
            "readback-mismatch",
            "the device's read-back differs from the job: " + "; ".join(self.differences),
        )


class FirmwareTransferError(DeviceProtocolError):
    """A firmware push stopped. ``refused`` is True when the app or the device refused the
    image (nothing to retry), False for a failure a later run may resume."""

    def __init__(self, reason: str, message: str, *, refused: bool = False) -> None:
        self.refused = refused
        super().__init__(reason, message)


class ForeignHomeError(ProvisioningStepError):
    """The device is commissioned for another home: it refuses this job's credentials
    (typically a handed-over home whose previous record is not this job). Not transient."""

    def __init__(self, message: str) -> None:
        super().__init__("another-home", message, status=409)


def is_transient(err: BaseException) -> bool:
    """True for failures a retry may fix (the connection broke, timed out, device busy)."""
    if isinstance(err, RateLimitedError):
        return False
    if isinstance(err, DeviceUnreachableError):
        return True
    if isinstance(err, (ProvisioningStepError, MalformedReplyError)):
        return err.reason in TRANSIENT_REASONS
    return isinstance(err, (ConnectionError, TimeoutError))
