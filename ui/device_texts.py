"""The device table's words: device kinds, commissioning states, transports and gate verdicts
in the GUI's language (translation context "DeviceTable"), and addresses as shown."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication

from commissioner.discovery.events import DeviceRecord
from commissioner.jobs.models import DeviceGateState
from commissioner.protocol.spec import CommissioningState, DeviceKind

__all__ = [
    "KIND_LABELS",
    "QT_TRANSLATE_NOOP",
    "STATE_LABELS",
    "TRANSPORT_LABELS",
    "VERDICT_EXPLANATIONS",
    "VERDICT_LABELS",
    "format_address",
    "gate_text",
    "kind_label",
    "state_label",
    "transport_label",
    "transports_text",
    "verdict_explanation",
    "verdict_label",
]

_CTX: Final = "DeviceTable"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for lupdate (same name as Qt's macro, so lupdate finds it); typed."""
    del context
    return text


# Translated at display time (QT_TRANSLATE_NOOP only marks them for lupdate).
KIND_LABELS: Final[dict[str, str]] = {
    DeviceKind.AIR_CONDITIONER.value: QT_TRANSLATE_NOOP("DeviceTable", "Air conditioner"),
    DeviceKind.WATER_HEATER.value: QT_TRANSLATE_NOOP("DeviceTable", "Water heater"),
    DeviceKind.ELECTRIC_LOCK.value: QT_TRANSLATE_NOOP("DeviceTable", "Electric lock"),
    DeviceKind.SHUTTER.value: QT_TRANSLATE_NOOP("DeviceTable", "Shutter"),
    DeviceKind.HEMS_CONTROLLER.value: QT_TRANSLATE_NOOP("DeviceTable", "HEMS controller"),
    DeviceKind.CAMERA.value: QT_TRANSLATE_NOOP("DeviceTable", "Camera"),
    DeviceKind.LIGHTING.value: QT_TRANSLATE_NOOP("DeviceTable", "Lighting"),
    DeviceKind.STORAGE_BATTERY.value: QT_TRANSLATE_NOOP("DeviceTable", "Storage battery"),
    DeviceKind.GATEWAY.value: QT_TRANSLATE_NOOP("DeviceTable", "Home gateway"),
    "pv-inverter": QT_TRANSLATE_NOOP("DeviceTable", "PV inverter"),
    "smart-meter": QT_TRANSLATE_NOOP("DeviceTable", "Smart meter"),
}
STATE_LABELS: Final[dict[str, str]] = {
    CommissioningState.FACTORY.value: QT_TRANSLATE_NOOP("DeviceTable", "Factory state"),
    CommissioningState.COMMISSIONED.value: QT_TRANSLATE_NOOP("DeviceTable", "Commissioned"),
}
TRANSPORT_LABELS: Final[dict[str, str]] = {
    "mdns": QT_TRANSLATE_NOOP("DeviceTable", "mDNS (network)"),
    "ble": QT_TRANSLATE_NOOP("DeviceTable", "Bluetooth LE"),
    "echonet": QT_TRANSLATE_NOOP("DeviceTable", "ECHONET Lite"),
}
VERDICT_LABELS: Final[dict[str, str]] = {
    "certified": QT_TRANSLATE_NOOP("DeviceTable", "Certified"),
    "not-certified": QT_TRANSLATE_NOOP("DeviceTable", "Not certified"),
    "level-too-low": QT_TRANSLATE_NOOP("DeviceTable", "Level too low"),
    "certification-expired": QT_TRANSLATE_NOOP("DeviceTable", "Certification expired"),
    "revoked": QT_TRANSLATE_NOOP("DeviceTable", "Revoked"),
    "unknown-manufacturer": QT_TRANSLATE_NOOP("DeviceTable", "Unknown manufacturer"),
    "counterfeit": QT_TRANSLATE_NOOP("DeviceTable", "Counterfeit"),
    "identity-mismatch": QT_TRANSLATE_NOOP("DeviceTable", "Identity mismatch"),
    "unreachable": QT_TRANSLATE_NOOP("DeviceTable", "Could not be checked"),
    "model-matched-not-attested": QT_TRANSLATE_NOOP("DeviceTable",
                                                    "Model matched, not attested"),
}
VERDICT_EXPLANATIONS: Final[dict[str, str]] = {
    "certified": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "Genuine device of a model certified at this home's service level. It may be commissioned.",
    ),
    "not-certified": QT_TRANSLATE_NOOP(
        "DeviceTable", "This model is not on the certified-model list. Do not install it."
    ),
    "level-too-low": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "This model is certified below this home's service level. Do not install it.",
    ),
    "certification-expired": QT_TRANSLATE_NOOP(
        "DeviceTable", "This model's certification has expired. Do not install it."
    ),
    "revoked": QT_TRANSLATE_NOOP(
        "DeviceTable", "This model's certification was revoked. Do not install it."
    ),
    "unknown-manufacturer": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "The manufacturer is not in the signed catalog, so the device cannot be trusted.",
    ),
    "counterfeit": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "The device could not prove that it is genuine (certificate chain or key). It may be "
        "counterfeit. Do not install it.",
    ),
    "identity-mismatch": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "What the device advertises, its certificate and its label do not agree. Do not "
        "install it.",
    ),
    "unreachable": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "The device could not be checked. Make sure it is powered and on the network, then "
        "check again.",
    ),
    "model-matched-not-attested": QT_TRANSLATE_NOOP(
        "DeviceTable",
        "ECHONET Lite equipment: its model is on the certified list, but it cannot prove that "
        "it is genuine. The catalog's policy for this service level decides whether it may "
        "stay.",
    ),
}

def _t(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def kind_label(kind: str) -> str:
    """The translated name of a device kind (the raw value if the kind is unknown)."""
    label = KIND_LABELS.get(kind)
    return _t(label) if label is not None else kind


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return _t(label) if label is not None else state


def transport_label(transport: str) -> str:
    label = TRANSPORT_LABELS.get(transport)
    return _t(label) if label is not None else transport


def transports_text(record: DeviceRecord) -> str:
    """Every transport that saw the device, BLE with its signal strength."""
    parts = []
    for transport in record.transports:
        sighting = record.sightings[transport]
        if transport == "ble" and sighting.rssi is not None:
            rssi = str(sighting.rssi).replace("-", "\u2212")
            parts.append(
                QCoreApplication.translate("DeviceTable", "Bluetooth LE (%1 dBm)").replace(
                    "%1", rssi
                )
            )
        else:
            parts.append(transport_label(transport))
    return ", ".join(parts)


def verdict_label(verdict: str | None) -> str:
    """The translated name of a gate verdict ("Not checked" for None)."""
    if verdict is None:
        return QCoreApplication.translate("DeviceTable", "Not checked")
    label = VERDICT_LABELS.get(verdict)
    return _t(label) if label is not None else verdict


def verdict_explanation(verdict: str | None) -> str:
    if verdict is None:
        return QCoreApplication.translate("DeviceTable", "Not checked yet: use Check devices.")
    text = VERDICT_EXPLANATIONS.get(verdict)
    return _t(text) if text is not None else ""


def gate_text(state: DeviceGateState | None) -> str:
    """The verdict cell's text, with the "to be replaced" mark."""
    if state is None or state.verdict is None:
        return verdict_label(None)
    text = verdict_label(state.verdict)
    if state.replace_flag:
        text = QCoreApplication.translate("DeviceTable", "%1 — to be replaced").replace("%1", text)
    return text


def format_address(address: str | None, port: int | None) -> str:
    if not address:
        return ""
    if port is None:
        return address
    if ":" in address and not address.startswith("["):  # IPv6 literal
        return f"[{address}]:{port}"
    return f"{address}:{port}"
