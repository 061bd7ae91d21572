"""Short printable payloads that a person scans or types (box labels, owner invitations):
``PREFIX;k=v;...;c=XXXX`` with a CRC-16/CCITT-FALSE check code over everything before ``;c=``.

Reading is strict and total: every problem is raised through the caller's error type with a
reason code and a message that names the payload (``noun``), and nothing else escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

CRC_RE: Final = re.compile(r"^[0-9A-Fa-f]{4}$")

ErrorFactory = Callable[[str, str], Exception]


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF); check value of b"123456789" is 0x29B1."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def with_check(body: str) -> str:
    """``body`` with its check code appended."""
    return f"{body};c={crc16_ccitt(body.encode('ascii')):04X}"


def read_checked_fields(
    text: object,
    *,
    prefix: str,
    fields: Sequence[str],
    max_chars: int,
    noun: str,
    not_this: tuple[str, str],
    error: ErrorFactory,
) -> dict[str, str]:
    """The named fields, in order, of a check-coded payload (surrounding whitespace and the CR/LF
    a USB scanner types are ignored). ``not_this`` is the (reason, message) for a payload
    with another prefix."""
    if not isinstance(text, str):
        raise error("not-text", f"the {noun} is not text")
    if len(text) > max_chars + 64:
        raise error("too-long", f"the {noun} text is too long")
    text = text.strip(" \t\r\n")
    if len(text) > max_chars:
        raise error("too-long", f"the {noun} text is too long")
    if not text.isascii() or not text.isprintable():
        raise error("bad-characters", f"the {noun} text has unexpected characters")
    parts = text.split(";")
    if parts[0] != prefix:
        raise error(*not_this)
    if len(parts) != len(fields) + 2:
        raise error("bad-structure", f"the {noun} has the wrong number of fields")
    crc_part = parts[-1]
    if not crc_part.startswith("c="):
        raise error("bad-structure", f"the {noun} has no check code at the end")
    crc_text = crc_part[2:]
    if not CRC_RE.fullmatch(crc_text):
        raise error("bad-check", f"the {noun}'s check code is not 4 hex digits")
    body = text[: len(text) - len(crc_part) - 1]
    if crc16_ccitt(body.encode("ascii")) != int(crc_text, 16):
        raise error("bad-check", f"the {noun}'s check code does not match (misread; scan again)")
    values: dict[str, str] = {}
    for name, part in zip(fields, parts[1:-1], strict=True):
        key, sep, value = part.partition("=")
        if sep != "=" or key != name:
            raise error(
                "bad-structure", f"expected field {name!r} in the {noun}, found {key[:8]!r}"
            )
        values[name] = value
    return values
