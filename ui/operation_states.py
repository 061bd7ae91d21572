"""How the field operations read in the progress column, the job bar and their summaries: the
one place that turns onboarding, commissioning and firmware states into (translated) text.

Every text here is in the translation context ``"Operations"`` (``resources/translations``).
Plain functions and tables, used by the operation controllers (``ui/*_controller.py``) and by
:class:`ui.recorded_view.RecordedStateView`.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication

from commissioner.ble.onboarding import OnboardingStep
from commissioner.firmware.plan import PlanAction
from commissioner.firmware.push import Outcome, Phase
from commissioner.provisioning.run import DEVICE_STEPS
from ui.device_table import OperationState
from ui.device_texts import QT_TRANSLATE_NOOP
from ui.job_service import DeviceProgress

CONTEXT: Final = "Operations"
"""Translation context of every operation text (onboard, commission, firmware, keyring)."""
MIB: Final = 1024 * 1024


def translated(text: str) -> str:
    """A text marked with ``QT_TRANSLATE_NOOP("Operations", ...)`` in the current language."""
    return QCoreApplication.translate(CONTEXT, text)


ONBOARD_STEPS: Final[dict[str, str]] = {
    OnboardingStep.CONNECTING.value: QT_TRANSLATE_NOOP("Operations", "Connecting over BLE…"),
    OnboardingStep.READING_INFO.value: QT_TRANSLATE_NOOP("Operations", "Checking the label…"),
    OnboardingStep.PAKE.value: QT_TRANSLATE_NOOP("Operations", "Authenticating (setup code)…"),
    OnboardingStep.SENDING_CONFIG.value: QT_TRANSLATE_NOOP(
        "Operations", "Sending the network settings…"
    ),
    OnboardingStep.JOINING.value: QT_TRANSLATE_NOOP("Operations", "Joining the network…"),
    OnboardingStep.JOINED.value: QT_TRANSLATE_NOOP("Operations", "Joined the network"),
}
ONBOARD_ORDER: Final = [s.value for s in OnboardingStep if s is not OnboardingStep.FAILED]

ONBOARD_REASONS: Final[dict[str, str]] = {
    "connect-timeout": QT_TRANSLATE_NOOP(
        "Operations",
        "The device did not answer over Bluetooth. Check that it is powered and nearby, then "
        "try again.",
    ),
    "device-lost": QT_TRANSLATE_NOOP(
        "Operations", "The Bluetooth connection was lost. Move closer to the device and retry."
    ),
    "op-timeout": QT_TRANSLATE_NOOP(
        "Operations", "The device stopped answering. Move closer to the device and retry."
    ),
    "gatt-error": QT_TRANSLATE_NOOP(
        "Operations", "The device reported an error. Power-cycle the device and retry."
    ),
    "not-onboardable": QT_TRANSLATE_NOOP(
        "Operations", "This device cannot be onboarded over Bluetooth (no onboarding service)."
    ),
    "label-mismatch": QT_TRANSLATE_NOOP(
        "Operations",
        "The device is not the one on the label; nothing was sent. Scan this device's own label.",
    ),
    "bad-setup-code": QT_TRANSLATE_NOOP(
        "Operations",
        "The setup code was not accepted; nothing secret was sent. Scan the label again.",
    ),
    "rate-limited": QT_TRANSLATE_NOOP(
        "Operations", "Too many failed attempts: wait a minute, then try again."
    ),
    "busy": QT_TRANSLATE_NOOP(
        "Operations", "Another app is onboarding this device. Wait and try again."
    ),
    "config-rejected": QT_TRANSLATE_NOOP(
        "Operations", "The device refused the network settings. Check the home network settings."
    ),
    "join-failed": QT_TRANSLATE_NOOP(
        "Operations",
        "The device could not join the home network. Check the network and the device's "
        "distance to the access point.",
    ),
    "malformed-reply": QT_TRANSLATE_NOOP(
        "Operations", "The device answered something invalid. Power-cycle it and retry."
    ),
    "backend": QT_TRANSLATE_NOOP(
        "Operations", "The Bluetooth adapter failed. Turn Bluetooth off and on, then retry."
    ),
    "no-label": QT_TRANSLATE_NOOP(
        "Operations", "No label is known for this device. Scan its label first."
    ),
    "not-seen": QT_TRANSLATE_NOOP(
        "Operations", "The device is not seen over Bluetooth any more. Check its power."
    ),
}

COMMISSION_STEPS: Final[dict[str, str]] = {
    "auth": QT_TRANSLATE_NOOP("Operations", "Authenticating"),
    "admin-credential": QT_TRANSLATE_NOOP("Operations", "Setting a unique admin credential"),
    "csr": QT_TRANSLATE_NOOP("Operations", "Requesting a key pair"),
    "certificate": QT_TRANSLATE_NOOP("Operations", "Installing the certificate"),
    "acl": QT_TRANSLATE_NOOP("Operations", "Writing the access control list"),
    "default-credential": QT_TRANSLATE_NOOP("Operations", "Disabling the default password"),
    "complete": QT_TRANSLATE_NOOP("Operations", "Completing"),
    "readback": QT_TRANSLATE_NOOP("Operations", "Reading back"),
    "issuing-ca": QT_TRANSLATE_NOOP("Operations", "Setting the owner CA"),
    "allow-list": QT_TRANSLATE_NOOP("Operations", "Writing the allow-list"),
    "gateway-auth": QT_TRANSLATE_NOOP("Operations", "Gateway authentication"),
    "connection": QT_TRANSLATE_NOOP("Operations", "Connecting"),
}
COMMISSION_ORDER: Final = ["auth", *DEVICE_STEPS, "gateway-auth"]

COMMISSION_ACTIONS: Final[dict[str, str]] = {
    "setup-code-rejected": QT_TRANSLATE_NOOP(
        "Operations", "Scan the label on this device again, then run Commission home again."
    ),
    "label-mismatch": QT_TRANSLATE_NOOP(
        "Operations", "Scan the label of this very device, then run Commission home again."
    ),
    "rate-limited": QT_TRANSLATE_NOOP(
        "Operations",
        "Wait a minute, check the label, then run Commission home again.",
    ),
    "unreachable": QT_TRANSLATE_NOOP(
        "Operations",
        "Check the device's power and network connection, then run Commission home again "
        "(it resumes where it stopped).",
    ),
    "no-endpoint": QT_TRANSLATE_NOOP(
        "Operations", "Scan and check the devices again, then run Commission home again."
    ),
    "no-label": QT_TRANSLATE_NOOP(
        "Operations", "Scan the device's label, then run Commission home again."
    ),
    "another-home": QT_TRANSLATE_NOOP(
        "Operations",
        "The device belongs to another home. If the home was handed over before, start a "
        "resale job (File → New resale job…) and run Wipe and verify; otherwise reset the "
        "device with its reset button, then run Commission home again.",
    ),
}

FIRMWARE_PHASES: Final[dict[str, str]] = {
    Phase.DOWNLOAD.value: QT_TRANSLATE_NOOP("Operations", "Download"),
    Phase.TRANSFER.value: QT_TRANSLATE_NOOP("Operations", "Transfer"),
    Phase.VERIFY.value: QT_TRANSLATE_NOOP("Operations", "Verify"),
    Phase.REBOOT.value: QT_TRANSLATE_NOOP("Operations", "Reboot"),
    Phase.CONFIRM.value: QT_TRANSLATE_NOOP("Operations", "Confirm"),
    Phase.DONE.value: QT_TRANSLATE_NOOP("Operations", "Done"),
}
FIRMWARE_CANNOT: Final[dict[str, str]] = {
    PlanAction.NO_FIRMWARE.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the catalog has no firmware for this model"
    ),
    PlanAction.AHEAD.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the device runs a newer version than the catalog"
    ),
    PlanAction.UNREACHABLE.value: QT_TRANSLATE_NOOP(
        "Operations", "Cannot update: the device could not be identified"
    ),
}
FIRMWARE_OUTCOMES: Final[dict[str, str]] = {
    Outcome.FELL_BACK.value: QT_TRANSLATE_NOOP(
        "Operations", "The new firmware did not start; the device runs the old one"
    ),
    Outcome.TIMEOUT.value: QT_TRANSLATE_NOOP(
        "Operations", "The device did not come back after rebooting; run the update again"
    ),
    Outcome.REFUSED.value: QT_TRANSLATE_NOOP("Operations", "Update refused"),
    Outcome.FAILED.value: QT_TRANSLATE_NOOP("Operations", "Update failed; run it again"),
    Outcome.SKIPPED.value: QT_TRANSLATE_NOOP("Operations", "Cannot update"),
}

NO_ACCESS_HEADLINE: Final = QT_TRANSLATE_NOOP(
    "Operations",
    "Cannot update: the device is already commissioned and no longer accepts its setup code",
)


def percent(fraction: float) -> str:
    return f"{round(max(0.0, min(1.0, fraction)) * 100)} %"


def mib(n: int) -> str:
    return f"{n / MIB:.1f}"


def gateway_auth_text(authenticated: bool | None) -> str:
    """What the gateway said about a provisioned device ("" when it was not asked)."""
    return {
        True: QCoreApplication.translate("Operations", "gateway authenticated it"),
        False: QCoreApplication.translate("Operations", "the gateway refused it"),
        None: "",
    }[authenticated]


def commission_action_text(reason_code: str | None, core_action: str | None) -> str:
    """What to do about a failed commissioning (the core's English action as a fallback)."""
    action = COMMISSION_ACTIONS.get(reason_code or "")
    if action is not None:
        return translated(action)
    return core_action or ""


def failed_text(reason: str) -> str:
    """The bar text of a failed device: "Failed: <reason>"."""
    return QCoreApplication.translate("Operations", "Failed: %1").replace("%1", reason)


def reason_and_action(reason: str, action: str) -> str:
    """The detail of a failed device: why, then "What to do: ..." when there is an action."""
    return "\n".join(
        x
        for x in (
            reason,
            QCoreApplication.translate("Operations", "What to do: %1").replace("%1", action)
            if action
            else "",
        )
        if x
    )


def latest_text(version: str) -> str:
    return QCoreApplication.translate("Operations", "Latest (%1)").replace("%1", version)


def updated_text(from_version: str | None, to_version: str | None) -> str:
    return (
        QCoreApplication.translate("Operations", "Updated: %1 → %2")
        .replace("%1", from_version or "?")
        .replace("%2", to_version or "?")
    )


# -- what the job already records ------------------------------------------------------------
def recorded_state(device: DeviceProgress) -> OperationState | None:
    """The progress cell for what the job records about one device (None: nothing)."""
    parts: list[tuple[str, str, bool]] = []  # (text, detail, failed)
    provisioning = _provisioning_part(device)
    if provisioning is not None:
        parts.append(provisioning)
    firmware = _firmware_part(device)
    if firmware is not None:
        parts.append(firmware)
    if not parts:
        return None
    failed = any(p[2] for p in parts)
    return OperationState(
        "recorded",
        "failed" if failed else "done",
        1.0,
        " · ".join(p[0] for p in parts),
        "\n".join(p[1] for p in parts if p[1]),
    )


def _provisioning_part(device: DeviceProgress) -> tuple[str, str, bool] | None:
    p = device.provisioning
    if p is None or p.status == "pending":
        return None
    if p.status == "provisioned":
        return (
            QCoreApplication.translate("Operations", "Provisioned"),
            gateway_auth_text(p.gateway_auth),
            False,
        )
    if p.status == "in-progress":
        return (
            QCoreApplication.translate("Operations", "Commissioning interrupted"),
            QCoreApplication.translate(
                "Operations",
                "Run Commission home again (it resumes where it stopped).",
            ),
            True,
        )
    reason = p.reason or p.reason_code or ""
    action = commission_action_text(p.reason_code, p.action)
    return failed_text(reason), reason_and_action(reason, action), True


def _firmware_part(device: DeviceProgress) -> tuple[str, str, bool] | None:
    status, last = device.firmware, device.last_update
    detail = ""
    if last is not None and last.result != "updated":
        headline = FIRMWARE_OUTCOMES.get(last.result)
        detail = "\n".join(
            x for x in (translated(headline) if headline else last.result, last.reason or "") if x
        )
    if status is None:
        if last is None:
            return None
        if last.result == "updated":
            return updated_text(last.from_version, last.to_version), "", False
        return detail.splitlines()[0], detail, True
    state = device.firmware_state
    latest = status.latest or "?"
    if state == "vulnerable":
        text = QCoreApplication.translate("Operations", "Vulnerable firmware %1 (latest %2)")
        return text.replace("%1", status.version).replace("%2", latest), detail, True
    if state == "outdated":
        text = QCoreApplication.translate("Operations", "Outdated firmware %1 (latest %2)")
        return text.replace("%1", status.version).replace("%2", latest), detail, True
    if state == "ahead":
        text = QCoreApplication.translate("Operations", "Firmware %1 (newer than the catalog)")
        return text.replace("%1", status.version), detail, False
    if state == "unknown":
        text = QCoreApplication.translate("Operations", "Firmware %1 (latest not known)")
        return text.replace("%1", status.version), detail, False
    if last is not None and last.result == "updated" and last.to_version == status.version:
        return updated_text(last.from_version, last.to_version), "", False
    return latest_text(status.version), detail, False
