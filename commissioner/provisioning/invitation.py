"""Owner invitations (docs/provisioning-design.md, "Owner invitation").

The job creates a one-time, expiring invitation bound to the home and its gateway; the guidance
sheet prints its QR payload (one line of ASCII)::

    SHO1;h=<home id>;g=<gateway id>;i=<invitation id>;t=<token>;e=<expiry>;c=<CRC>

``token`` is the 32-byte secret in base64url without padding (43 characters), ``expiry`` the
expiry time in Unix seconds (decimal, no leading zeros), and ``CRC`` CRC-16/CCITT-FALSE over
the ASCII bytes of everything before ``;c=``, four upper-case hex digits (decoding accepts
lower case) — a check against misreads, not a security measure. Fields appear exactly once,
in this order. The job keeps the token encrypted (the sheet must be printable again); the
gateway keeps only :func:`token_sha256`.

The owner epoch is not part of the payload: the gateway puts its current epoch into the owner
certificate at redemption. A decoded invitation therefore has ``epoch=None``.

:func:`decode_invitation_qr` is strict and total: it returns an :class:`Invitation` or raises
:class:`MalformedInvitationError`, whatever the input. Whitespace around the text (a USB QR
scanner typing like a keyboard ends it with CR and/or LF) is ignored.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Final

from commissioner.protocol.checked_text import read_checked_fields, with_check
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.spec import DEVICE_ID_RE
from commissioner.protocol.takeover_code import code_digits, code_verifier, takeover_code

__all__ = [
    "INVITATION_PREFIX",
    "Invitation",
    "MalformedInvitationError",
    "decode_invitation_qr",
    "encode_invitation_qr",
    "new_invitation",
    "takeover_code_of",
    "takeover_code_verifier",
    "token_sha256",
]

INVITATION_PREFIX: Final = "SHO1"
TOKEN_BYTES: Final = 32
DEFAULT_TTL: Final = dt.timedelta(days=14)
MAX_INVITATION_CHARS: Final = 256
MAX_EXPIRY: Final = 253402300799  # 9999-12-31T23:59:59Z
HOME_ID_RE: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$")
INVITATION_ID_RE: Final = re.compile(r"^[0-9a-f]{16}$")
_TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")
_EXPIRY_RE: Final = re.compile(r"^(?:0|[1-9][0-9]{0,11})$")
_FIELDS: Final = ("h", "g", "i", "t", "e")


class MalformedInvitationError(DeviceProtocolError):
    """The text is not a valid owner invitation."""

    default_reason = "malformed-invitation"


@dataclass(frozen=True, slots=True)
class Invitation:
    invitation_id: str
    home_id: str
    gateway_id: str
    token: bytes = field(repr=False)  # a secret: keep it out of logs and tracebacks
    expires_at: dt.datetime  # UTC, whole seconds
    epoch: int | None  # owner epoch it was issued for; None when decoded from a QR payload

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        moment = dt.datetime.now(dt.UTC) if now is None else now
        return moment >= self.expires_at


def new_invitation(
    home_id: str,
    gateway_id: str,
    *,
    ttl: dt.timedelta = DEFAULT_TTL,
    epoch: int = 1,
    now: dt.datetime | None = None,
) -> Invitation:
    """A fresh invitation: random id and 32-byte token, expiring ``ttl`` from now."""
    if not isinstance(home_id, str) or not HOME_ID_RE.fullmatch(home_id):
        raise ValueError("home id must be 1-64 letters, digits and '-'")
    if not isinstance(gateway_id, str) or not DEVICE_ID_RE.fullmatch(gateway_id):
        raise ValueError("gateway id is not a valid device id")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch < 2**31:
        raise ValueError("the owner epoch must be a positive integer")
    if not isinstance(ttl, dt.timedelta) or ttl <= dt.timedelta(0):
        raise ValueError("the invitation's lifetime must be positive")
    start = dt.datetime.now(dt.UTC) if now is None else now
    if start.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    expires = (start + ttl).astimezone(dt.UTC).replace(microsecond=0)
    if int(expires.timestamp()) > MAX_EXPIRY:
        raise ValueError("the invitation would expire too far in the future")
    return Invitation(
        invitation_id=secrets.token_hex(8),
        home_id=home_id,
        gateway_id=gateway_id,
        token=secrets.token_bytes(TOKEN_BYTES),
        expires_at=expires,
        epoch=epoch,
    )


def token_sha256(inv: Invitation) -> str:
    """SHA-256 of the token, lower-case hex: all the gateway keeps of it."""
    return hashlib.sha256(inv.token).hexdigest()


def takeover_code_of(inv: Invitation) -> str:
    """The typed form of the invitation printed beside its QR code (``1234-5678-90123``;
    a secret like the token). See :mod:`commissioner.protocol.takeover_code`."""
    return takeover_code(inv.token, inv.invitation_id)


def takeover_code_verifier(inv: Invitation) -> str:
    """What the gateway keeps of the typed code (a stretched hash, never the digits)."""
    return code_verifier(code_digits(inv.token, inv.invitation_id), inv.invitation_id)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _validate(inv: Invitation) -> None:
    if not isinstance(inv.home_id, str) or not HOME_ID_RE.fullmatch(inv.home_id):
        raise MalformedInvitationError("bad-home-id", "the invitation's home id is not valid")
    if not isinstance(inv.gateway_id, str) or not DEVICE_ID_RE.fullmatch(inv.gateway_id):
        raise MalformedInvitationError(
            "bad-gateway-id", "the invitation's gateway id is not valid"
        )
    if not isinstance(inv.invitation_id, str) or not INVITATION_ID_RE.fullmatch(
        inv.invitation_id
    ):
        raise MalformedInvitationError(
            "bad-invitation-id", "the invitation id is not 16 lower-case hex digits"
        )
    if not isinstance(inv.token, bytes) or len(inv.token) != TOKEN_BYTES:
        raise MalformedInvitationError("bad-token", "the invitation token is not 32 bytes")
    if not isinstance(inv.expires_at, dt.datetime) or inv.expires_at.tzinfo is None:
        raise MalformedInvitationError("bad-expiry", "the expiry is not an aware datetime")
    stamp = inv.expires_at.timestamp()
    if stamp != int(stamp) or not 0 <= stamp <= MAX_EXPIRY:
        raise MalformedInvitationError("bad-expiry", "the expiry is not a whole Unix second")


def encode_invitation_qr(inv: Invitation) -> str:
    """The QR payload of ``inv`` (it contains the token: print it, never log it)."""
    _validate(inv)
    body = (
        f"{INVITATION_PREFIX};h={inv.home_id};g={inv.gateway_id};i={inv.invitation_id};"
        f"t={_b64url(inv.token)};e={int(inv.expires_at.timestamp())}"
    )
    return with_check(body)


def decode_invitation_qr(text: str) -> Invitation:
    """Parse a QR payload (strict). Raises MalformedInvitationError, and nothing else."""
    try:
        return _decode(text)
    except MalformedInvitationError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise MalformedInvitationError(
            "unreadable", f"unreadable invitation ({type(exc).__name__})"
        ) from None


def _decode(text: str) -> Invitation:
    values = read_checked_fields(
        text,
        prefix=INVITATION_PREFIX,
        fields=_FIELDS,
        max_chars=MAX_INVITATION_CHARS,
        noun="invitation",
        not_this=(
            "not-an-invitation", "this is not an owner invitation (it does not start with SHO1)"
        ),
        error=MalformedInvitationError,
    )
    if not _TOKEN_RE.fullmatch(values["t"]):
        raise MalformedInvitationError(
            "bad-token", "the invitation token is not 43 base64url characters"
        )
    try:
        token = base64.urlsafe_b64decode(values["t"] + "=")
    except (binascii.Error, ValueError):
        raise MalformedInvitationError("bad-token", "the invitation token is not base64url") \
            from None
    if len(token) != TOKEN_BYTES or _b64url(token) != values["t"]:
        raise MalformedInvitationError("bad-token", "the invitation token is not canonical")
    if not _EXPIRY_RE.fullmatch(values["e"]) or int(values["e"]) > MAX_EXPIRY:
        raise MalformedInvitationError("bad-expiry", "the invitation's expiry is not valid")
    inv = Invitation(
        invitation_id=values["i"],
        home_id=values["h"],
        gateway_id=values["g"],
        token=token,
        expires_at=dt.datetime.fromtimestamp(int(values["e"]), dt.UTC),
        epoch=None,
    )
    _validate(inv)
    return inv
