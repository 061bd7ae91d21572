"""Matter onboarding payloads (Matter Core specification, section 5.1): the ``MT:`` QR code and
the 11- or 21-digit manual pairing code, both directions.

QR code: ``MT:`` followed by base-38 text of an 88-bit packed record, optionally followed by
TLV-encoded extra data. The bits are packed least significant first (the record read as one
little-endian integer)::

    bits  0..2   version (0)            bits 37..44  rendezvous (discovery capabilities)
    bits  3..18  vendor id              bits 45..56  discriminator (12 bits)
    bits 19..34  product id             bits 57..83  passcode (27 bits)
    bits 35..36  commissioning flow     bits 84..87  padding (0)

Base-38 turns each 3 bytes into 5 characters (2 bytes into 4, 1 byte into 2), least
significant digit first, over ``0-9 A-Z - .``. Several payloads may share one QR code,
separated by ``*``.

Manual code: decimal digits, the last one a Verhoeff check digit. The first digit holds the
"vendor and product ids follow" flag (value 4) and the top two bits of the 4-bit short
discriminator; the next five digits the discriminator's low two bits and the passcode's low
14 bits; the next four the passcode's high 13 bits; a long (21-digit) code then carries the
vendor id and product id as five digits each. A manual code has only the short
discriminator (the top 4 of the 12 bits).

Decoding is total: it returns a payload or raises :class:`MatterPayloadError` with a stable
``reason``. By default it also checks the payload is one a device may carry (a valid,
non-reserved passcode; a known version and flow); ``strict=False`` only checks the format,
as the specification's own test vectors need.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

from commissioner.protocol.errors import MalformedLabelError

__all__ = [
    "CommissioningFlow",
    "MatterPayload",
    "MatterPayloadError",
    "OptionalItem",
    "Rendezvous",
    "base38_decode",
    "base38_encode",
    "decode_manual_code",
    "decode_matter_payload",
    "decode_qr",
    "decode_qr_all",
    "encode_manual_code",
    "encode_qr",
    "is_matter_payload",
    "is_valid_passcode",
    "verhoeff_check_digit",
]

_T = TypeVar("_T")

QR_PREFIX: Final = "MT:"
MAX_QR_CHARS: Final = 1024
BASE38_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-."
_B38_INDEX: Final = {c: i for i, c in enumerate(BASE38_ALPHABET)}
_CHARS_FOR_BYTES: Final = {1: 2, 2: 4, 3: 5}
_BYTES_FOR_CHARS: Final = {2: 1, 4: 2, 5: 3}

RECORD_BYTES: Final = 11  # 88 bits
MAX_PASSCODE: Final = 99_999_998
RESERVED_PASSCODES: Final = frozenset(
    {0, 11111111, 22222222, 33333333, 44444444, 55555555, 66666666, 77777777, 88888888,
     99999999, 12345678, 87654321}
)
_MANUAL_RE: Final = re.compile(r"^[0-9]+$")
_MANUAL_SEPARATORS: Final = re.compile(r"[\s-]")

# Tags of the optional data that the specification defines (below 0x80; 0x80+ are the vendor's).
TAG_SERIAL_NUMBER: Final = 0x00
TAG_PBKDF_ITERATIONS: Final = 0x01
TAG_PBKDF_SALT: Final = 0x02
TAG_NUMBER_OF_DEVICES: Final = 0x03
TAG_COMMISSIONING_TIMEOUT: Final = 0x04


class MatterPayloadError(MalformedLabelError):
    """The text is not a valid Matter onboarding payload (``reason`` says why)."""

    default_reason = "bad-matter-payload"


class CommissioningFlow(enum.IntEnum):
    STANDARD = 0
    USER_ACTION = 1
    CUSTOM = 2

    @property
    def label(self) -> str:
        return {0: "standard", 1: "user-action", 2: "custom"}[int(self)]


class Rendezvous(enum.IntFlag):
    SOFT_AP = 1
    BLE = 2
    ON_NETWORK = 4
    WIFI_PAF = 8
    NFC = 16


_RENDEZVOUS_NAMES: Final = {
    Rendezvous.SOFT_AP: "soft-ap",
    Rendezvous.BLE: "ble",
    Rendezvous.ON_NETWORK: "on-network",
    Rendezvous.WIFI_PAF: "wifi-paf",
    Rendezvous.NFC: "nfc",
}


@dataclass(frozen=True, slots=True)
class OptionalItem:
    """One element of a QR code's optional TLV data: a context tag and its value."""

    tag: int
    value: str | int | bytes


@dataclass(frozen=True, slots=True)
class MatterPayload:
    vendor_id: int
    product_id: int
    discriminator: int  # 12 bits, or the 4-bit short form (short_discriminator)
    passcode: int = field(repr=False)  # a secret: kept out of logs and tracebacks
    flow: CommissioningFlow = CommissioningFlow.STANDARD
    rendezvous: int | None = Rendezvous.ON_NETWORK  # None: a manual code does not carry it
    short_discriminator: bool = False
    version: int = 0
    optional: tuple[OptionalItem, ...] = ()

    @property
    def long_discriminator(self) -> int | None:
        return None if self.short_discriminator else self.discriminator

    @property
    def short_value(self) -> int:
        """The 4-bit short discriminator (what a manual code carries)."""
        return self.discriminator if self.short_discriminator else self.discriminator >> 8

    @property
    def has_vendor_product(self) -> bool:
        return bool(self.vendor_id or self.product_id)

    @property
    def serial_number(self) -> str | None:
        for item in self.optional:
            if item.tag == TAG_SERIAL_NUMBER:
                return str(item.value) if not isinstance(item.value, bytes) else None
        return None

    def rendezvous_names(self) -> list[str] | None:
        if self.rendezvous is None:
            return None
        names = [n for flag, n in _RENDEZVOUS_NAMES.items() if self.rendezvous & flag]
        unknown = self.rendezvous & ~sum(int(f) for f in _RENDEZVOUS_NAMES)
        if unknown:
            names.append(f"0x{unknown:02x}")
        return names

    def matches(self, *, discriminator: int, vendor_id: int | None, product_id: int | None) -> bool:
        """Whether a device advertising these values may be the one this payload is for."""
        if self.short_discriminator:
            if discriminator >> 8 != self.discriminator:
                return False
        elif discriminator != self.discriminator:
            return False
        if self.vendor_id and vendor_id is not None and vendor_id != self.vendor_id:
            return False
        return not (self.product_id and product_id is not None and product_id != self.product_id)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "vendor_id": self.vendor_id,
            "product_id": self.product_id,
            "discriminator": self.discriminator,
            "short_discriminator": self.short_discriminator,
            "passcode": self.passcode,
            "flow": self.flow.label,
            "rendezvous": self.rendezvous_names(),
            "version": self.version,
        }
        if self.serial_number is not None:
            out["serial_number"] = self.serial_number
        return out


def is_valid_passcode(passcode: int) -> bool:
    """A passcode a device may use: 1..99999998 and none of the trivial reserved values."""
    return 0 < passcode <= MAX_PASSCODE and passcode not in RESERVED_PASSCODES


def _fail(reason: str, message: str) -> MatterPayloadError:
    return MatterPayloadError(reason, message)


def _check(payload: MatterPayload, *, qr: bool) -> None:
    if not is_valid_passcode(payload.passcode):
        if payload.passcode in RESERVED_PASSCODES and payload.passcode:
            raise _fail("reserved-passcode", "the setup passcode is one the standard forbids "
                        "(too simple); this label cannot be used")
        raise _fail("bad-passcode", "the setup passcode is out of range")
    if payload.version != 0:
        raise _fail("bad-version", f"unsupported payload version {payload.version}")
    if payload.flow not in tuple(CommissioningFlow):
        raise _fail("bad-flow", "unknown commissioning flow")
    if qr and payload.rendezvous is None:
        raise _fail("bad-rendezvous", "a QR code must say how the device is discovered")


def _check_ranges(payload: MatterPayload) -> None:
    limits = (("vendor id", payload.vendor_id, 0xFFFF), ("product id", payload.product_id, 0xFFFF),
              ("discriminator", payload.discriminator, 0xF if payload.short_discriminator
               else 0xFFF), ("passcode", payload.passcode, (1 << 27) - 1),
              ("version", payload.version, 7), ("flow", int(payload.flow), 3))
    for what, value, top in limits:
        if not 0 <= value <= top:
            raise _fail("out-of-range", f"the {what} does not fit the payload")
    if payload.rendezvous is not None and not 0 <= payload.rendezvous <= 0xFF:
        raise _fail("out-of-range", "the rendezvous flags do not fit the payload")


# --------------------------------------------------------------------------- base-38


def base38_encode(data: bytes) -> str:
    out: list[str] = []
    for start in range(0, len(data), 3):
        chunk = data[start:start + 3]
        value = int.from_bytes(chunk, "little")
        for _ in range(_CHARS_FOR_BYTES[len(chunk)]):
            value, digit = divmod(value, 38)
            out.append(BASE38_ALPHABET[digit])
    return "".join(out)


def base38_decode(text: str) -> bytes:
    out = bytearray()
    for start in range(0, len(text), 5):
        chunk = text[start:start + 5]
        size = _BYTES_FOR_CHARS.get(len(chunk))
        if size is None:
            raise _fail("bad-length", "the QR code text has a wrong length")
        value = 0
        for ch in reversed(chunk):
            digit = _B38_INDEX.get(ch)
            if digit is None:
                raise _fail("bad-characters", "the QR code text has characters outside base-38")
            value = value * 38 + digit
        if value >= 1 << (8 * size):
            raise _fail("bad-base38", "the QR code text does not decode")
        out += value.to_bytes(size, "little")
    return bytes(out)


# --------------------------------------------------------------------------- TLV (optional data)


def _tlv_int(n: int, *, signed: bool) -> tuple[int, bytes]:
    for code, width in enumerate((1, 2, 4, 8)):
        try:
            return code, n.to_bytes(width, "little", signed=signed)
        except OverflowError:
            continue
    raise _fail("out-of-range", "an optional data value is too large")


def _encode_tlv(items: Sequence[OptionalItem]) -> bytes:
    if not items:
        return b""
    out = bytearray(b"\x15")  # anonymous structure
    for item in items:
        if not 0 <= item.tag <= 0xFF:
            raise _fail("bad-tlv", "an optional data tag must be 0..255")
        ctl = 0x20  # context-specific tag
        if isinstance(item.value, str | bytes):
            raw = item.value.encode("utf-8") if isinstance(item.value, str) else item.value
            base = 0x0C if isinstance(item.value, str) else 0x10
            code, length = _tlv_int(len(raw), signed=False)
            out += bytes((ctl | (base + code), item.tag)) + length + raw
        else:
            signed = item.tag >= 0x80 and item.value < 0
            code, body = _tlv_int(int(item.value), signed=signed)
            out += bytes((ctl | ((0x00 if signed else 0x04) + code), item.tag)) + body
    out += b"\x18"
    return bytes(out)


def _decode_tlv(data: bytes) -> tuple[OptionalItem, ...]:
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise _fail("bad-tlv", "the QR code's optional data is cut short")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    if take(1) != b"\x15":
        raise _fail("bad-tlv", "the QR code's optional data is not a structure")
    items: list[OptionalItem] = []
    while True:
        ctl = take(1)[0]
        if ctl == 0x18:
            break
        tag_control, etype = ctl >> 5, ctl & 0x1F
        if tag_control != 1:
            raise _fail("bad-tlv", "the QR code's optional data has an unexpected tag")
        tag = take(1)[0]
        value: str | int | bytes
        if etype <= 0x07:
            width = 1 << (etype & 3)
            value = int.from_bytes(take(width), "little", signed=etype < 0x04)
        elif 0x0C <= etype <= 0x13:
            length = int.from_bytes(take(1 << (etype & 3)), "little")
            if length > len(data):
                raise _fail("bad-tlv", "the QR code's optional data is cut short")
            raw = take(length)
            if etype < 0x10:
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise _fail("bad-tlv", "optional data text is not UTF-8") from None
            else:
                value = raw
        else:
            raise _fail("bad-tlv", "the QR code's optional data has an unsupported element")
        if any(i.tag == tag for i in items):
            raise _fail("bad-tlv", "the QR code's optional data repeats a tag")
        items.append(OptionalItem(tag, value))
    if pos != len(data):
        raise _fail("bad-tlv", "the QR code has data after its optional data")
    return tuple(items)


# --------------------------------------------------------------------------- QR code


def encode_qr(payload: MatterPayload, *, strict: bool = True) -> str:
    """The ``MT:`` text for ``payload`` (a QR code needs the 12-bit discriminator)."""
    return QR_PREFIX + _encode_qr_body(payload, strict=strict)


def _encode_qr_body(payload: MatterPayload, *, strict: bool) -> str:
    if payload.short_discriminator:
        raise _fail("short-discriminator", "a QR code needs the full 12-bit discriminator")
    _check_ranges(payload)
    if strict:
        _check(payload, qr=True)
    rendezvous = payload.rendezvous if payload.rendezvous is not None else 0
    bits = (payload.version | payload.vendor_id << 3 | payload.product_id << 19
            | int(payload.flow) << 35 | rendezvous << 37 | payload.discriminator << 45
            | payload.passcode << 57)
    return base38_encode(bits.to_bytes(RECORD_BYTES, "little") + _encode_tlv(payload.optional))


def _decode_qr_body(body: str, *, strict: bool) -> MatterPayload:
    data = base38_decode(body)
    if len(data) < RECORD_BYTES:
        raise _fail("bad-length", "the QR code text is too short")
    bits = int.from_bytes(data[:RECORD_BYTES], "little")
    if bits >> 84:
        raise _fail("bad-padding", "the QR code's padding bits are not zero")
    payload = MatterPayload(
        version=bits & 0x7,
        vendor_id=(bits >> 3) & 0xFFFF,
        product_id=(bits >> 19) & 0xFFFF,
        flow=_flow((bits >> 35) & 0x3),
        rendezvous=(bits >> 37) & 0xFF,
        discriminator=(bits >> 45) & 0xFFF,
        passcode=(bits >> 57) & ((1 << 27) - 1),
        optional=_decode_tlv(data[RECORD_BYTES:]) if len(data) > RECORD_BYTES else (),
    )
    if strict:
        _check(payload, qr=True)
    return payload


def _flow(value: int) -> CommissioningFlow:
    try:
        return CommissioningFlow(value)
    except ValueError:
        raise _fail("bad-flow", "the payload names a reserved commissioning flow") from None


def _qr_bodies(text: str) -> list[str]:
    text = text.strip()
    if len(text) > MAX_QR_CHARS:
        raise _fail("too-long", "the QR code text is too long")
    if not text.startswith(QR_PREFIX):
        raise _fail("not-matter", "this is not a Matter QR code (it does not start with MT:)")
    bodies = text[len(QR_PREFIX):].split("*")
    if any(not b for b in bodies):
        raise _fail("bad-length", "the QR code holds an empty payload")
    return bodies


def decode_qr_all(text: str, *, strict: bool = True) -> tuple[MatterPayload, ...]:
    """Every payload of a QR code (several devices may share one code, separated by ``*``)."""
    return _total(lambda: tuple(_decode_qr_body(b, strict=strict) for b in _qr_bodies(text)))


def decode_qr(text: str, *, strict: bool = True) -> MatterPayload:
    """The one payload of a QR code (a code holding several is refused)."""
    payloads = decode_qr_all(text, strict=strict)
    if len(payloads) != 1:
        raise _fail("several-payloads", "the QR code holds several devices' payloads; "
                    "scan each device's own label")
    return payloads[0]


def encode_qr_all(payloads: Sequence[MatterPayload], *, strict: bool = True) -> str:
    return QR_PREFIX + "*".join(_encode_qr_body(p, strict=strict) for p in payloads)


# --------------------------------------------------------------------------- manual code

_D: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # multiplication in the dihedral group D5
_P: Final = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)  # the position permutation
_INV: Final = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def _perm(digit: int, times: int) -> int:
    for _ in range(times % 8):
        digit = _P[digit]
    return digit


def _verhoeff(digits: str, *, with_check: bool) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_perm(int(ch), i if with_check else i + 1)]
    return c


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit for a string of decimal digits."""
    if not _MANUAL_RE.fullmatch(digits):
        raise _fail("bad-characters", "a manual pairing code has digits only")
    return str(_INV[_verhoeff(digits, with_check=False)])


def encode_manual_code(payload: MatterPayload, *, strict: bool = True) -> str:
    """The 11-digit code, or the 21-digit code when the flow is not the standard one."""
    _check_ranges(payload)
    if strict:
        _check(payload, qr=False)
    short = payload.short_value
    long_code = payload.flow != CommissioningFlow.STANDARD
    chunk1 = (4 if long_code else 0) | short >> 2
    chunk2 = (short & 3) << 14 | (payload.passcode & 0x3FFF)
    chunk3 = payload.passcode >> 14
    text = f"{chunk1}{chunk2:05d}{chunk3:04d}"
    if long_code:
        text += f"{payload.vendor_id:05d}{payload.product_id:05d}"
    return text + verhoeff_check_digit(text)


def _decode_manual(text: str, *, strict: bool) -> MatterPayload:
    digits = _MANUAL_SEPARATORS.sub("", text)
    if not digits or not _MANUAL_RE.fullmatch(digits):
        raise _fail("bad-characters", "a manual pairing code has digits only")
    if len(digits) not in (11, 21):
        raise _fail("bad-length", f"a manual pairing code has 11 or 21 digits, not {len(digits)}")
    if _verhoeff(digits, with_check=True) != 0:
        raise _fail("bad-check-digit", "the manual pairing code's check digit is wrong "
                    "(a digit was mistyped)")
    chunk1 = int(digits[0])
    if chunk1 > 7:
        raise _fail("bad-version", "the manual pairing code starts with a reserved digit")
    long_code = bool(chunk1 & 4)
    if long_code != (len(digits) == 21):
        raise _fail("bad-length", "the manual pairing code's length does not match its "
                    "first digit")
    chunk2, chunk3 = int(digits[1:6]), int(digits[6:10])
    if chunk2 > 0xFFFF or chunk3 > 0x1FFF:
        raise _fail("out-of-range", "the manual pairing code does not decode")
    vendor_id = product_id = 0
    if long_code:
        vendor_id, product_id = int(digits[10:15]), int(digits[15:20])
        if vendor_id > 0xFFFF or product_id > 0xFFFF:
            raise _fail("out-of-range", "the manual pairing code's vendor or product id is "
                        "out of range")
    passcode = chunk3 << 14 | (chunk2 & 0x3FFF)
    if passcode == 0:
        raise _fail("bad-passcode", "the manual pairing code has no passcode")
    payload = MatterPayload(
        vendor_id=vendor_id,
        product_id=product_id,
        discriminator=(chunk1 & 3) << 2 | chunk2 >> 14,
        short_discriminator=True,
        passcode=passcode,
        flow=CommissioningFlow.CUSTOM if long_code else CommissioningFlow.STANDARD,
        rendezvous=None,
    )
    if strict:
        _check(payload, qr=False)
    return payload


def decode_manual_code(text: str, *, strict: bool = True) -> MatterPayload:
    """Decode an 11- or 21-digit manual pairing code (spaces and dashes ignored)."""
    if len(text) > 64:
        raise _fail("too-long", "the manual pairing code is too long")
    return _total(lambda: _decode_manual(text.strip(), strict=strict))


# --------------------------------------------------------------------------- either


def is_matter_payload(text: str) -> bool:
    """Whether ``text`` looks like a Matter payload (QR text or a manual code), valid or not."""
    stripped = text.strip()
    return stripped.startswith(QR_PREFIX) or (
        0 < len(stripped) <= 32 and bool(_MANUAL_RE.fullmatch(_MANUAL_SEPARATORS.sub("", stripped)))
    )


def decode_matter_payload(text: str, *, strict: bool = True) -> MatterPayload:
    """A QR code's text or a manual pairing code."""
    if text.strip().startswith(QR_PREFIX):
        return decode_qr(text, strict=strict)
    return decode_manual_code(text, strict=strict)


def _total(decode: Callable[[], _T]) -> _T:
    try:
        return decode()
    except MatterPayloadError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise _fail("unreadable", f"unreadable Matter payload ({type(exc).__name__})") from None
