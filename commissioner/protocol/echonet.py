"""ECHONET Lite frames (UDP 3610): a strict, bounded codec shared by the app and the simulator.

Written from the ECHONET Lite specification (part II, "ECHONET Lite communication middleware"):

    EHD1 0x10 | EHD2 0x81 | TID (2) | SEOJ (3) | DEOJ (3) | ESV (1) | OPC (1) | OPC x property
    property = EPC (1) | PDC (1) | EDT (PDC bytes)

SetGet services (0x6E, 0x7E, 0x5E) carry a second list (OPCGet) after the first (OPCSet).
Only the specified message format (EHD2 0x81) is read; the arbitrary format (0x82) carries no
properties anyone here could judge. Every problem is a :class:`MalformedFrameError` with a
stable ``reason`` (``too-short``, ``oversize``, ``wrong-ehd``, ``unknown-esv``,
``absurd-count``, ``truncated``, ``trailing-bytes``, ``bad-property``) and a sentence; decoding
never raises anything else. No policy lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CLASS_NAMES",
    "CONTROLLER_EOJ",
    "ECHONET_PORT",
    "MAX_FRAME_BYTES",
    "MULTICAST_GROUP",
    "NODE_PROFILE_EOJ",
    "Eoj",
    "Frame",
    "MalformedFrameError",
    "Property",
    "decode_frame",
    "decode_instance_list",
    "decode_property_map",
    "encode_frame",
    "encode_instance_list",
    "encode_property_map",
    "get_request",
]

ECHONET_PORT: Final = 3610
MULTICAST_GROUP: Final = "224.0.23.0"
EHD1: Final = 0x10
EHD2_SPECIFIED: Final = 0x81
EHD2_ARBITRARY: Final = 0x82
HEADER_BYTES: Final = 12  # EHD1, EHD2, TID, SEOJ, DEOJ, ESV, OPC
MAX_FRAME_BYTES: Final = 1472
"""The largest frame read: one unfragmented UDP datagram on an Ethernet MTU of 1500."""
MAX_INSTANCES: Final = 84  # the instance list property holds at most 84 EOJs (spec, 0xD6)

# Service codes (ESV).
SETI, SETC, GET, INF_REQ, SETGET = 0x60, 0x61, 0x62, 0x63, 0x6E
SET_RES, GET_RES, INF, INFC, INFC_RES, SETGET_RES = 0x71, 0x72, 0x73, 0x74, 0x7A, 0x7E
SETI_SNA, SETC_SNA, GET_SNA, INF_SNA, SETGET_SNA = 0x50, 0x51, 0x52, 0x53, 0x5E
KNOWN_ESV: Final = frozenset({SETI, SETC, GET, INF_REQ, SETGET, SET_RES, GET_RES, INF, INFC,
                              INFC_RES, SETGET_RES, SETI_SNA, SETC_SNA, GET_SNA, INF_SNA,
                              SETGET_SNA})
TWO_LISTS: Final = frozenset({SETGET, SETGET_RES, SETGET_SNA})

# Property codes (EPC) read to identify equipment.
EPC_OPERATION_STATUS: Final = 0x80
EPC_RELEASE: Final = 0x82  # device object: appendix release; node profile: version
EPC_IDENTIFICATION: Final = 0x83
EPC_MANUFACTURER: Final = 0x8A
EPC_PRODUCT_CODE: Final = 0x8C
EPC_SERIAL: Final = 0x8D
EPC_INF_MAP: Final = 0x9D
EPC_SET_MAP: Final = 0x9E
EPC_GET_MAP: Final = 0x9F
EPC_INSTANCE_LIST: Final = 0xD5  # announcement (INF)
EPC_SELF_INSTANCE_LIST: Final = 0xD6


class MalformedFrameError(Exception):
    """A frame that cannot be accepted; ``reason`` is a stable code, ``message`` a sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True, order=True)
class Eoj:
    """An ECHONET object: class group, class, instance."""

    group: int
    cls: int
    instance: int

    @classmethod
    def from_bytes(cls, data: bytes) -> Eoj:
        if len(data) != 3:
            raise MalformedFrameError("bad-property",
                                      f"an object code has 3 bytes, not {len(data)}")
        return cls(data[0], data[1], data[2])

    @classmethod
    def parse(cls, text: str) -> Eoj:
        """From six hex digits, e.g. ``"013001"``."""
        raw = bytes.fromhex(text)
        return cls.from_bytes(raw)

    def to_bytes(self) -> bytes:
        return bytes((self.group, self.cls, self.instance))

    @property
    def class_code(self) -> int:
        return (self.group << 8) | self.cls

    def __str__(self) -> str:
        return self.to_bytes().hex().upper()


NODE_PROFILE_EOJ: Final = Eoj(0x0E, 0xF0, 0x01)
CONTROLLER_EOJ: Final = Eoj(0x05, 0xFF, 0x01)

CLASS_NAMES: Final[dict[int, str]] = {
    0x0130: "air-conditioner",
    0x026B: "water-heater",
    0x027D: "storage-battery",
    0x0279: "pv-inverter",
    0x0288: "smart-meter",
    0x027E: "ev-charger",
    0x05FF: "controller",
    0x0EF0: "node-profile",
}
"""Kinds by class code (group << 8 | class): the equipment the commissioner names."""


@dataclass(frozen=True, slots=True)
class Property:
    epc: int
    edt: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.epc <= 0xFF:
            raise MalformedFrameError("bad-property", f"EPC {self.epc} is not one byte")
        if len(self.edt) > 0xFF:
            raise MalformedFrameError("bad-property",
                                      f"EPC 0x{self.epc:02X} carries {len(self.edt)} bytes, "
                                      "a property holds at most 255")


@dataclass(frozen=True, slots=True)
class Frame:
    tid: int
    seoj: Eoj
    deoj: Eoj
    esv: int
    properties: tuple[Property, ...]
    get_properties: tuple[Property, ...] = ()  # OPCGet list of the SetGet services

    def value(self, epc: int) -> bytes | None:
        """The EDT of ``epc`` in the first list (None when absent or empty)."""
        for prop in self.properties:
            if prop.epc == epc:
                return prop.edt or None
        return None


def encode_frame(frame: Frame) -> bytes:
    if not 0 <= frame.tid <= 0xFFFF:
        raise ValueError("TID is two bytes")
    if frame.esv not in KNOWN_ESV:
        raise ValueError(f"unknown ESV 0x{frame.esv:02X}")
    out = bytearray((EHD1, EHD2_SPECIFIED))
    out += frame.tid.to_bytes(2, "big") + frame.seoj.to_bytes() + frame.deoj.to_bytes()
    out.append(frame.esv)
    lists: Sequence[tuple[Property, ...]] = (
        (frame.properties, frame.get_properties) if frame.esv in TWO_LISTS
        else (frame.properties,)
    )
    for props in lists:
        if len(props) > 0xFF:
            raise ValueError("at most 255 properties in one list")
        out.append(len(props))
        for prop in props:
            out += bytes((prop.epc, len(prop.edt))) + prop.edt
    if len(out) > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {len(out)} bytes exceeds {MAX_FRAME_BYTES}")
    return bytes(out)


def get_request(tid: int, deoj: Eoj, epcs: Iterable[int], *, seoj: Eoj = CONTROLLER_EOJ) -> bytes:
    """A Get (0x62) of ``epcs`` from ``deoj``."""
    return encode_frame(Frame(tid, seoj, deoj, GET, tuple(Property(e) for e in epcs)))


def _read_list(data: bytes, pos: int, what: str) -> tuple[tuple[Property, ...], int]:
    if pos >= len(data):
        raise MalformedFrameError("truncated", f"the frame ends before its {what} count")
    count = data[pos]
    pos += 1
    remaining = len(data) - pos
    if count * 2 > remaining:
        raise MalformedFrameError(
            "absurd-count",
            f"the frame claims {count} properties ({what}) but only {remaining} bytes follow, "
            "fewer than two per property",
        )
    props: list[Property] = []
    for index in range(count):
        if pos + 2 > len(data):
            raise MalformedFrameError("truncated",
                                      f"property {index + 1} of {count} ({what}) is cut off")
        epc, pdc = data[pos], data[pos + 1]
        pos += 2
        if pos + pdc > len(data):
            raise MalformedFrameError(
                "truncated",
                f"property 0x{epc:02X} says {pdc} data bytes but {len(data) - pos} remain",
            )
        props.append(Property(epc, bytes(data[pos:pos + pdc])))
        pos += pdc
    return tuple(props), pos


def decode_frame(data: bytes) -> Frame:
    """Parse one datagram strictly; raises only :class:`MalformedFrameError`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedFrameError("too-short", "a frame must be bytes")
    data = bytes(data)
    if len(data) > MAX_FRAME_BYTES:
        raise MalformedFrameError(
            "oversize", f"the frame is {len(data)} bytes, more than {MAX_FRAME_BYTES}")
    if len(data) < 4:
        raise MalformedFrameError("too-short",
                                  f"{len(data)} bytes cannot hold an ECHONET Lite header")
    if data[0] != EHD1:
        raise MalformedFrameError("wrong-ehd",
                                  f"EHD1 is 0x{data[0]:02X}, ECHONET Lite frames start 0x10")
    if data[1] != EHD2_SPECIFIED:
        what = "the arbitrary message format" if data[1] == EHD2_ARBITRARY else "unknown"
        raise MalformedFrameError("wrong-ehd", f"EHD2 is 0x{data[1]:02X} ({what}); only the "
                                  "specified format 0x81 is read")
    if len(data) < HEADER_BYTES:
        raise MalformedFrameError(
            "truncated", f"the frame is {len(data)} bytes, the header alone needs {HEADER_BYTES}")
    tid = int.from_bytes(data[2:4], "big")
    seoj, deoj = Eoj.from_bytes(data[4:7]), Eoj.from_bytes(data[7:10])
    esv = data[10]
    if esv not in KNOWN_ESV:
        raise MalformedFrameError("unknown-esv", f"service code 0x{esv:02X} is not defined")
    props, pos = _read_list(data, 11, "first list")
    second: tuple[Property, ...] = ()
    if esv in TWO_LISTS:
        second, pos = _read_list(data, pos, "get list")
    if pos != len(data):
        raise MalformedFrameError("trailing-bytes",
                                  f"{len(data) - pos} bytes follow the last property")
    return Frame(tid, seoj, deoj, esv, props, second)


# --------------------------------------------------------------------------- property values


def decode_property_map(edt: bytes) -> frozenset[int]:
    """A property map (0x9D/0x9E/0x9F): a count, then the EPCs (count < 16) or a 16-byte bitmap
    whose byte *n* bit *b* stands for EPC ``(0x8 + b) << 4 | n``."""
    if not edt:
        raise MalformedFrameError("bad-property", "an empty property map")
    count = edt[0]
    if count < 16:
        if len(edt) != 1 + count:
            raise MalformedFrameError(
                "bad-property", f"a property map of {count} codes has {len(edt) - 1} bytes")
        codes = frozenset(edt[1:])
        if len(codes) != count or any(c < 0x80 for c in codes):
            raise MalformedFrameError("bad-property", "a property map lists a code twice or "
                                      "one below 0x80")
        return codes
    if len(edt) != 17:
        raise MalformedFrameError("bad-property",
                                  f"a bitmap property map has 16 bytes, not {len(edt) - 1}")
    codes = frozenset(((0x8 + bit) << 4) | n for n in range(16) for bit in range(8)
                      if edt[1 + n] >> bit & 1)
    if len(codes) != count:
        raise MalformedFrameError(
            "bad-property", f"a property map says {count} codes but its bitmap holds {len(codes)}")
    return codes


def encode_property_map(codes: Iterable[int]) -> bytes:
    items = sorted(set(codes))
    if any(not 0x80 <= c <= 0xFF for c in items):
        raise ValueError("property codes run from 0x80 to 0xFF")
    if len(items) < 16:
        return bytes([len(items), *items])
    bitmap = bytearray(16)
    for c in items:
        bitmap[c & 0x0F] |= 1 << ((c >> 4) - 0x8)
    return bytes([len(items)]) + bytes(bitmap)


def decode_instance_list(edt: bytes) -> tuple[Eoj, ...]:
    """The self-node instance list (0xD6/0xD5): a count, then that many 3-byte EOJs."""
    if not edt:
        raise MalformedFrameError("bad-property", "an empty instance list")
    count = edt[0]
    if count > MAX_INSTANCES:
        raise MalformedFrameError("absurd-count",
                                  f"an instance list of {count} objects (at most {MAX_INSTANCES})")
    if len(edt) != 1 + 3 * count:
        raise MalformedFrameError("bad-property",
                                  f"an instance list of {count} objects has {len(edt) - 1} bytes")
    return tuple(Eoj.from_bytes(edt[1 + 3 * i:4 + 3 * i]) for i in range(count))


def encode_instance_list(eojs: Sequence[Eoj]) -> bytes:
    if len(eojs) > MAX_INSTANCES:
        raise ValueError(f"at most {MAX_INSTANCES} objects")
    return bytes([len(eojs)]) + b"".join(e.to_bytes() for e in eojs)


def ascii_field(edt: bytes | None) -> str:
    """A fixed-width ASCII field (product code, serial): NUL and space padding removed; bytes
    outside printable ASCII are shown as '?' so a hostile value cannot smuggle controls."""
    if not edt:
        return ""
    text = "".join(chr(b) if 0x20 <= b < 0x7F else ("" if b == 0 else "?") for b in edt)
    return text.strip()


def release_text(edt: bytes | None) -> str:
    """The release of a device object's appendix (0x82 byte 3, e.g. ``"J"``), or of a node
    profile's version (``"1.13"``)."""
    if not edt or len(edt) != 4:
        return ""
    if edt[2] == 0x01 and edt[0] <= 9:  # node profile version: major, minor, format type
        return f"{edt[0]}.{edt[1]}"
    letter = edt[2]
    return chr(letter) if 0x41 <= letter <= 0x5A else f"0x{letter:02X}"
