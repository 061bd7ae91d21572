"""Build and parse the mDNS TXT advertisement of the device protocol (spec section 2).

Parsing is strict and total: any input either yields an :class:`Advertisement` or raises
:class:`MalformedAdvertisementError` with a reason a person can read. It never raises
anything else, whatever bytes arrive from the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    FIRMWARE_VERSION_RE,
    MAX_TXT_TOTAL_BYTES,
    MAX_TXT_VALUE_BYTES,
    NAME_RE,
    SUPPORTED_PROTOCOL_VERSIONS,
    CommissioningState,
    DeviceKind,
    Role,
    TxtKey,
)


class MalformedAdvertisementError(ValueError):
    """The advertisement breaks the protocol; ``str(err)`` is the reason."""


@dataclass(frozen=True, slots=True)
class Advertisement:
    device_id: str
    role: Role
    kind: str
    manufacturer: str
    model: str
    firmware: str
    state: CommissioningState
    protocol_version: str


def build_txt(adv: Advertisement) -> dict[str, str]:
    """The TXT properties a device publishes for ``adv``."""
    return {
        TxtKey.PROTOCOL_VERSION.value: adv.protocol_version,
        TxtKey.DEVICE_ID.value: adv.device_id,
        TxtKey.ROLE.value: adv.role.value,
        TxtKey.KIND.value: adv.kind,
        TxtKey.MANUFACTURER.value: adv.manufacturer,
        TxtKey.MODEL.value: adv.model,
        TxtKey.FIRMWARE.value: adv.firmware,
        TxtKey.STATE.value: adv.state.value,
    }


_KINDS = frozenset(k.value for k in DeviceKind)


def _short(raw: bytes) -> str:
    shown = raw[:24].decode("utf-8", "backslashreplace")
    return shown + ("…" if len(raw) > 24 else "")


def _decode_items(properties: Mapping[object, object]) -> dict[str, str]:
    total = 0
    out: dict[str, str] = {}
    for raw_key, raw_value in properties.items():
        if not isinstance(raw_key, bytes | str):
            raise MalformedAdvertisementError("TXT key has the wrong type")
        key_bytes = raw_key.encode("utf-8") if isinstance(raw_key, str) else raw_key
        try:
            key = key_bytes.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedAdvertisementError(
                f"TXT key is not ASCII: {_short(key_bytes)!r}"
            ) from None
        if raw_value is None:
            raise MalformedAdvertisementError(f"TXT key {key!r} has no value")
        if not isinstance(raw_value, bytes | str):
            raise MalformedAdvertisementError(f"TXT value for {key!r} has the wrong type")
        value_bytes = raw_value.encode("utf-8") if isinstance(raw_value, str) else raw_value
        if len(value_bytes) > MAX_TXT_VALUE_BYTES:
            raise MalformedAdvertisementError(
                f"TXT value for {key!r} is {len(value_bytes)} bytes (limit {MAX_TXT_VALUE_BYTES})"
            )
        total += len(key_bytes) + len(value_bytes) + 2
        if total > MAX_TXT_TOTAL_BYTES:
            raise MalformedAdvertisementError(
                f"TXT record is larger than {MAX_TXT_TOTAL_BYTES} bytes"
            )
        try:
            value = value_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedAdvertisementError(
                f"TXT value for {key!r} is not UTF-8: {_short(value_bytes)!r}"
            ) from None
        if key.lower() in out:
            raise MalformedAdvertisementError(f"TXT key {key!r} appears twice")
        out[key.lower()] = value
    return out


def _require(items: Mapping[str, str], key: TxtKey) -> str:
    value = items.get(key.value)
    if value is None or value == "":
        raise MalformedAdvertisementError(f"required TXT key {key.value!r} is missing or empty")
    return value


def parse_txt(properties: Mapping[object, object]) -> Advertisement:
    """Parse TXT properties (as python-zeroconf gives them: bytes keys, bytes-or-None values)."""
    try:
        return _parse(properties)
    except MalformedAdvertisementError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise MalformedAdvertisementError(f"unreadable TXT record ({type(exc).__name__})") from None


def _parse(properties: Mapping[object, object]) -> Advertisement:
    items = _decode_items(properties)
    pv = _require(items, TxtKey.PROTOCOL_VERSION)
    if pv not in SUPPORTED_PROTOCOL_VERSIONS:
        raise MalformedAdvertisementError(f"unsupported protocol version {pv[:16]!r}")
    device_id = _require(items, TxtKey.DEVICE_ID)
    if not DEVICE_ID_RE.fullmatch(device_id):
        raise MalformedAdvertisementError(f"device id {device_id[:40]!r} is not valid")
    role_text = _require(items, TxtKey.ROLE)
    try:
        role = Role(role_text)
    except ValueError:
        raise MalformedAdvertisementError(f"unknown role {role_text[:20]!r}") from None
    kind = _require(items, TxtKey.KIND)
    if kind not in _KINDS:
        raise MalformedAdvertisementError(f"unknown device kind {kind[:30]!r}")
    if (role is Role.GATEWAY) != (kind == DeviceKind.GATEWAY.value):
        raise MalformedAdvertisementError("role and kind disagree about being a gateway")
    manufacturer = _require(items, TxtKey.MANUFACTURER)
    if not NAME_RE.fullmatch(manufacturer):
        raise MalformedAdvertisementError(f"manufacturer name {manufacturer[:40]!r} is not valid")
    model = _require(items, TxtKey.MODEL)
    if not NAME_RE.fullmatch(model):
        raise MalformedAdvertisementError(f"model number {model[:40]!r} is not valid")
    firmware = _require(items, TxtKey.FIRMWARE)
    if not FIRMWARE_VERSION_RE.fullmatch(firmware):
        raise MalformedAdvertisementError(f"firmware version {firmware[:20]!r} is not valid")
    state_text = _require(items, TxtKey.STATE)
    try:
        state = CommissioningState(state_text)
    except ValueError:
        raise MalformedAdvertisementError(
            f"unknown commissioning state {state_text[:20]!r}"
        ) from None
    return Advertisement(
        device_id=device_id,
        role=role,
        kind=kind,
        manufacturer=manufacturer,
        model=model,
        firmware=firmware,
        state=state,
        protocol_version=pv,
    )
