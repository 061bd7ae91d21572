"""The device label: the QR code printed on a device and its packaging (spec section 3).

Format (one line of printable ASCII, at most ``MAX_LABEL_CHARS`` characters)::

    SHC1;id=<device id>;mf=<manufacturer, %-encoded>;mn=<model, %-encoded>;sn=<serial>;
        sc=<8-digit setup code>;k=<device kind>;c=<CRC>

(without the line break). Fields appear exactly once and in exactly this order. ``CRC`` is
CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR) over
the ASCII bytes of everything before ``;c=``, written as four upper-case hex digits (decoding
accepts lower case). It catches scanning errors; it is not a security measure.

Decoding is strict and total: it returns a :class:`Label` or raises
:class:`MalformedLabelError`, whatever the input. Whitespace around the text (a USB QR scanner
typing like a keyboard ends it with CR and/or LF) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from commissioner.protocol.checked_text import read_checked_fields, with_check
from commissioner.protocol.errors import MalformedLabelError
from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    LABEL_PREFIX,
    MAX_LABEL_CHARS,
    NAME_RE,
    SERIAL_RE,
    SETUP_CODE_RE,
    DeviceKind,
)

_KINDS = frozenset(k.value for k in DeviceKind)
_FIELDS = ("id", "mf", "mn", "sn", "sc", "k")
_PCT_FIELD_RE = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*$")


@dataclass(frozen=True, slots=True)
class Label:
    device_id: str
    manufacturer: str
    model: str
    serial: str
    setup_code: str = field(repr=False)  # a secret: keep it out of logs and tracebacks
    kind: str


def _validate(label: Label) -> None:
    if not DEVICE_ID_RE.fullmatch(label.device_id):
        raise MalformedLabelError("bad-device-id", "the label's device id is not valid")
    if not NAME_RE.fullmatch(label.manufacturer):
        raise MalformedLabelError("bad-manufacturer", "the label's manufacturer is not valid")
    if not NAME_RE.fullmatch(label.model):
        raise MalformedLabelError("bad-model", "the label's model number is not valid")
    if not SERIAL_RE.fullmatch(label.serial):
        raise MalformedLabelError("bad-serial", "the label's serial number is not valid")
    if not SETUP_CODE_RE.fullmatch(label.setup_code):
        raise MalformedLabelError("bad-setup-code", "the label's setup code is not 8 digits")
    if label.kind not in _KINDS:
        raise MalformedLabelError("bad-kind", "the label's device kind is not known")


def _pct(text: str) -> str:
    return quote(text, safe="")


def encode_label(label: Label) -> str:
    """The label text for ``label``; raises MalformedLabelError if a field is invalid."""
    _validate(label)
    body = (
        f"{LABEL_PREFIX};id={label.device_id};mf={_pct(label.manufacturer)};"
        f"mn={_pct(label.model)};sn={label.serial};sc={label.setup_code};k={label.kind}"
    )
    text = with_check(body)
    if len(text) > MAX_LABEL_CHARS:  # cannot happen with the field limits, kept as a guard
        raise MalformedLabelError("too-long", "the label text would be too long")
    return text


def _unpct(raw: str, what: str) -> str:
    if not _PCT_FIELD_RE.fullmatch(raw):
        raise MalformedLabelError(f"bad-{what}", f"the label's {what} field has bad characters")
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedLabelError(f"bad-{what}", f"the label's {what} is not UTF-8") from None


def decode_label(text: str) -> Label:
    """Parse label text (strict). Raises MalformedLabelError, and nothing else."""
    try:
        return _decode(text)
    except MalformedLabelError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise MalformedLabelError(
            "unreadable", f"unreadable label ({type(exc).__name__})"
        ) from None


def _decode(text: str) -> Label:
    values = read_checked_fields(
        text,
        prefix=LABEL_PREFIX,
        fields=_FIELDS,
        max_chars=MAX_LABEL_CHARS,
        noun="label",
        not_this=("not-a-label", "this is not a device label (it does not start with SHC1)"),
        error=MalformedLabelError,
    )
    label = Label(
        device_id=values["id"],
        manufacturer=_unpct(values["mf"], "manufacturer"),
        model=_unpct(values["mn"], "model"),
        serial=values["sn"],
        setup_code=values["sc"],
        kind=values["k"],
    )
    _validate(label)
    return label
