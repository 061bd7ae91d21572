"""Why a device failed, in words for the installer: a reason code, a reason and a suggested
action for every failure a provisioning run meets (never a secret in any of them)."""

from __future__ import annotations

from commissioner.backends.errors import (
    AdminCredentialRejectedError,
    AttestationError,
    DeviceProtocolError,
    ForeignHomeError,
    IdentityMismatchError,
    LabelMismatchError,
    NoCredentialError,
    ProvisioningStepError,
    RateLimitedError,
    ReadbackMismatchError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
    WeakTlsError,
    is_transient,
)
from commissioner.provisioning.home_ca import CsrRejectedError
from commissioner.secrets.vault import SecretError

__all__ = ["DeviceFailed", "classify"]


class DeviceFailed(Exception):
    """A device-level failure, already put in words."""

    def __init__(self, code: str, reason: str, action: str) -> None:
        super().__init__(reason)
        self.code, self.reason, self.action = code, reason, action



def classify(err: BaseException, job_id: str) -> DeviceFailed:
    """Reason code, reason and suggested action for a failure (no secret in any of them)."""
    resume = f"then resume with `commissioner commission --job {job_id}`"
    if isinstance(err, DeviceFailed):
        return err
    if isinstance(err, ForeignHomeError) or (
            isinstance(err, NoCredentialError) and err.needed == "admin-credential"):
        return DeviceFailed(
            "another-home", "The device is commissioned for another home (a previous owner's "
            "installation); it refuses this job's credentials.",
            "If the home was handed over before, start a resale job to wipe it "
            "(commissioner job new --kind resale --from-job OLD, then commissioner wipe); "
            f"otherwise factory-reset the device with its reset button, {resume}.",
        )
    if isinstance(err, NoCredentialError) and err.needed == "setup-code":
        return DeviceFailed(
            "no-label", "No label (setup code) was scanned for this device.",
            "Scan the device's label (commissioner label add, or --labels-dir), "
            f"then resume with `commissioner commission --job {job_id}`.",
        )
    if isinstance(err, SetupCodeRejectedError):
        return DeviceFailed(
            "setup-code-rejected", "The device rejected the setup code of the scanned label.",
            f"Scan the label on this device again (commissioner label add), {resume}.",
        )
    if isinstance(err, LabelMismatchError):
        return DeviceFailed(
            "label-mismatch", f"{err.message}",
            f"Scan the label of this very device, {resume}.",
        )
    if isinstance(err, RateLimitedError):
        return DeviceFailed(
            "rate-limited", err.message,
            f"Wait {err.retry_after_s:.0f} s, check the label, {resume}.",
        )
    if isinstance(err, CsrRejectedError):
        return DeviceFailed(
            err.reason, f"The device's certificate request was refused: {err.message}.",
            "The device cannot make an acceptable operational key (ECDSA P-256 for its own "
            f"identity); update its firmware or replace it, {resume}.",
        )
    if isinstance(err, AdminCredentialRejectedError):
        return DeviceFailed(
            err.reason,
            "The device is commissioned with an admin credential this job did not set.",
            f"Factory-reset the device (it belongs to another installation), {resume}.",
        )
    if isinstance(err, ReadbackMismatchError):
        return DeviceFailed(
            err.reason, err.message,
            f"Check the device (factory-reset it if it was changed), {resume}.",
        )
    if isinstance(err, (UntrustedDeviceError, IdentityMismatchError, AttestationError,
                        WeakTlsError)):
        return DeviceFailed(
            err.reason, f"The device's identity could not be confirmed: {err.message}.",
            "Certify the home again (commissioner certify); the device may have been swapped.",
        )
    if isinstance(err, ProvisioningStepError) and err.status == 409:
        return DeviceFailed(
            err.reason, f"The device refused a provisioning step: {err.message}.",
            f"The device holds settings from another installation; factory-reset it, {resume}.",
        )
    if isinstance(err, SecretError):
        own_hint = getattr(err, "hint", None)  # sealed (sign in) or purged (ask support)
        return DeviceFailed(
            "secret-unreadable", str(err),
            own_hint if isinstance(own_hint, str) else
            "The job's secrets cannot be read with the OS keyring's master key; restore the "
            "keyring, " + resume + ".",
        )
    if isinstance(err, DeviceProtocolError):
        if is_transient(err):
            return DeviceFailed(
                err.reason, f"The device could not be reached reliably: {err.message}.",
                f"Check the device's power and network connection, {resume}.",
            )
        return DeviceFailed(
            err.reason, f"Provisioning failed: {err.message}.",
            f"Check the device, {resume}.",
        )
    if isinstance(err, (OSError, TimeoutError)):
        return DeviceFailed(
            "unreachable", f"The device could not be reached ({type(err).__name__}).",
            f"Check the device's power and network connection, {resume}.",
        )
    return DeviceFailed(
        "internal-error", f"Provisioning failed unexpectedly ({type(err).__name__}).",
        f"Report this problem, {resume}.",
    )
