"""Errors of the device protocol (app side and device side).

Every error carries ``reason``, a short machine code such as ``"untrusted-chain"`` that the
job log and the UI can key on, and a message a person can read (``str(err)``).
"""

from __future__ import annotations


class DeviceProtocolError(Exception):
    """Base of every device-protocol failure."""

    default_reason = "protocol-error"

    def __init__(self, reason: str | None = None, message: str | None = None) -> None:
        self.reason: str = reason or self.default_reason
        self.message: str = message or self.reason
        super().__init__(self.message)


class AttestationError(DeviceProtocolError):
    """An attestation certificate is malformed or breaks the certificate profile."""

    default_reason = "bad-certificate"


class UntrustedDeviceError(DeviceProtocolError):
    """The device's certificate chain does not verify to a trusted manufacturer root."""

    default_reason = "untrusted-chain"


class IdentityMismatchError(DeviceProtocolError):
    """What the device says (or advertises) disagrees with its attested certificate."""

    default_reason = "identity-mismatch"


class SetupCodeRejectedError(DeviceProtocolError):
    """The device rejected the setup-code proof (wrong setup code)."""

    default_reason = "bad-proof"


class RateLimitedError(DeviceProtocolError):
    """The device refuses proof attempts for ``retry_after_s`` seconds."""

    default_reason = "rate-limited"

    def __init__(self, retry_after_s: float, message: str | None = None) -> None:
        self.retry_after_s: float = float(retry_after_s)
        super().__init__(
            "rate-limited",
            message or f"too many wrong setup codes; the device accepts another attempt in "
            f"{self.retry_after_s:.0f} s",
        )


class DeviceUnreachableError(DeviceProtocolError):
    """The connection was refused, timed out, or broke."""

    default_reason = "unreachable"


class MalformedReplyError(DeviceProtocolError):
    """The device answered something the protocol does not allow (or an unexpected status)."""

    default_reason = "malformed-reply"

    def __init__(
        self, reason: str | None = None, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.status: int | None = status
        super().__init__(reason, message)


class WeakTlsError(DeviceProtocolError):
    """The TLS connection would use a protocol version or cipher outside the CRYPTREC profile."""

    default_reason = "weak-tls"


class LabelMismatchError(DeviceProtocolError):
    """The scanned label belongs to another device; no setup-code proof was sent."""

    default_reason = "label-mismatch"


class MalformedLabelError(DeviceProtocolError):
    """The scanned label text is not a valid device label."""

    default_reason = "malformed-label"
