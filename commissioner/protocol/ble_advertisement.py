"""Build and parse the BLE advertisement of the device protocol (spec section 18.1).

Manufacturer-specific data under :data:`~commissioner.protocol.ble_spec.COMPANY_ID`::

    byte 0   format version (1)
    byte 1   commissioning state (0 factory, 1 commissioned)
    byte 2   flags (bit 0 on-network, bit 1 onboarding open; other bits MUST be 0)
    byte 3   device kind code (ble_spec.KIND_CODES)
    then four length-prefixed ASCII strings (1 length byte each):
             device id, manufacturer, model number, firmware version
    nothing after the last string; at most MAX_ADV_PAYLOAD bytes in all

Parsing is strict and total: :func:`parse_manufacturer_data` returns a
:class:`BleAdvertisement` or raises :class:`MalformedBleError`, whatever it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from commissioner.protocol.ble_errors import MalformedBleError
from commissioner.protocol.ble_spec import (
    ADV_FLAGS_MASK,
    ADV_FORMAT_VERSION,
    ADV_HEADER_BYTES,
    COMPANY_ID,
    KIND_CODES,
    KIND_NUMBERS,
    MAX_ADV_FIELD_BYTES,
    MAX_ADV_PAYLOAD,
    AdvFlags,
    AdvState,
)
from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    FIRMWARE_VERSION_RE,
    NAME_RE,
    PROTOCOL_VERSION,
    CommissioningState,
    DeviceKind,
    Role,
)

__all__ = [
    "BleAdvertisement",
    "build_manufacturer_data",
    "parse_advertisement",
    "parse_manufacturer_data",
]


@dataclass(frozen=True, slots=True)
class BleAdvertisement:
    device_id: str
    kind: str
    manufacturer: str
    model: str
    firmware: str
    state: CommissioningState
    on_network: bool
    onboarding_open: bool
    protocol_version: str = PROTOCOL_VERSION

    @property
    def role(self) -> Role:
        return Role.GATEWAY if self.kind == DeviceKind.GATEWAY.value else Role.DEVICE


def _malformed(reason: str) -> MalformedBleError:
    return MalformedBleError("malformed-advertisement", reason)


def build_manufacturer_data(adv: BleAdvertisement) -> bytes:
    """The payload (after the company id) a device advertises; ValueError if a field is bad."""
    kind = KIND_NUMBERS.get(adv.kind)
    if kind is None:
        raise ValueError(f"unknown device kind {adv.kind!r}")
    flags = (AdvFlags.ON_NETWORK if adv.on_network else 0) | (
        AdvFlags.ONBOARDING if adv.onboarding_open else 0
    )
    state = AdvState.COMMISSIONED if adv.state is CommissioningState.COMMISSIONED else 0
    out = bytearray([ADV_FORMAT_VERSION, int(state), int(flags), kind])
    for text in (adv.device_id, adv.manufacturer, adv.model, adv.firmware):
        raw = text.encode("ascii")
        if not 0 < len(raw) <= MAX_ADV_FIELD_BYTES:
            raise ValueError("advertised field is empty or too long")
        out.append(len(raw))
        out += raw
    if len(out) > MAX_ADV_PAYLOAD:
        raise ValueError("advertisement payload is too long")
    data = bytes(out)
    parse_manufacturer_data(data)  # never advertise what the parser would refuse
    return data


def parse_advertisement(manufacturer_data: Mapping[int, bytes]) -> BleAdvertisement | None:
    """Parse bleak's ``AdvertisementData.manufacturer_data``.

    None if the advertisement carries no data under our company id (not a protocol device);
    otherwise the parsed advertisement or MalformedBleError.
    """
    try:
        if COMPANY_ID not in manufacturer_data:
            return None
        payload = manufacturer_data[COMPANY_ID]
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise _malformed(f"unreadable manufacturer data ({type(exc).__name__})") from None
    return parse_manufacturer_data(payload)


def parse_manufacturer_data(payload: object) -> BleAdvertisement:
    """Parse the payload after the company id. Raises MalformedBleError, and nothing else."""
    try:
        return _parse(payload)
    except MalformedBleError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise _malformed(f"unreadable advertisement ({type(exc).__name__})") from None


def _short(raw: bytes) -> str:
    return raw[:24].decode("ascii", "backslashreplace") + ("…" if len(raw) > 24 else "")


def _parse(payload: object) -> BleAdvertisement:
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise _malformed("manufacturer data is not bytes")
    data = bytes(payload)
    if len(data) > MAX_ADV_PAYLOAD:
        raise _malformed(f"advertisement is longer than {MAX_ADV_PAYLOAD} bytes")
    if len(data) < ADV_HEADER_BYTES:
        raise _malformed("advertisement is too short")
    version, state_code, flags, kind_code = data[:ADV_HEADER_BYTES]
    if version != ADV_FORMAT_VERSION:
        raise _malformed(f"unsupported advertisement format {version}")
    if state_code not in (AdvState.FACTORY, AdvState.COMMISSIONED):
        raise _malformed(f"unknown commissioning state code {state_code}")
    if flags & ~ADV_FLAGS_MASK:
        raise _malformed(f"reserved flag bits set (0x{flags:02x})")
    kind = KIND_CODES.get(kind_code)
    if kind is None:
        raise _malformed(f"unknown device kind code {kind_code}")
    fields: list[str] = []
    pos = ADV_HEADER_BYTES
    for name in ("device id", "manufacturer", "model number", "firmware version"):
        if pos >= len(data):
            raise _malformed(f"advertisement ends before the {name}")
        length = data[pos]
        pos += 1
        if length == 0 or length > MAX_ADV_FIELD_BYTES:
            raise _malformed(f"{name} length {length} is out of range")
        if pos + length > len(data):
            raise _malformed(f"{name} runs past the end of the advertisement")
        raw = data[pos : pos + length]
        pos += length
        try:
            fields.append(raw.decode("ascii"))
        except UnicodeDecodeError:
            raise _malformed(f"{name} is not ASCII: {_short(raw)!r}") from None
    if pos != len(data):
        raise _malformed(f"{len(data) - pos} unexpected byte(s) after the firmware version")
    device_id, manufacturer, model, firmware = fields
    if not DEVICE_ID_RE.fullmatch(device_id):
        raise _malformed(f"device id {device_id[:40]!r} is not valid")
    if not NAME_RE.fullmatch(manufacturer):
        raise _malformed(f"manufacturer name {manufacturer[:40]!r} is not valid")
    if not NAME_RE.fullmatch(model):
        raise _malformed(f"model number {model[:40]!r} is not valid")
    if not FIRMWARE_VERSION_RE.fullmatch(firmware):
        raise _malformed(f"firmware version {firmware[:20]!r} is not valid")
    return BleAdvertisement(
        device_id=device_id,
        kind=kind,
        manufacturer=manufacturer,
        model=model,
        firmware=firmware,
        state=(
            CommissioningState.COMMISSIONED
            if state_code == AdvState.COMMISSIONED
            else CommissioningState.FACTORY
        ),
        on_network=bool(flags & AdvFlags.ON_NETWORK),
        onboarding_open=bool(flags & AdvFlags.ONBOARDING),
    )
