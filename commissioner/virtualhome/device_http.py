"""The HTTP vocabulary of a virtual device: sessions, replies, routes and request checks.

Shared by the device's endpoint modules (:mod:`.device`, :mod:`.device_session`,
:mod:`.device_commissioning`) and the gateway (:mod:`.gateway`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from commissioner.protocol.http11 import (
    Request,
)
from commissioner.protocol.spec import (
    ErrorCode,
    ProvisioningError,
)


class Auth(enum.StrEnum):
    """How a session authenticated (per TLS connection)."""

    SETUP_CODE = "setup-code"
    ADMIN = "admin"
    DEFAULT_LOGIN = "default-login"  # the factory admin/admin account: admin rights


class Access(enum.Enum):
    PUBLIC = "public"
    MANAGEMENT = "management"  # commissioning: session auth (+ role once commissioned)
    CONTROL = "control"  # client certificate with role gateway/owner in the ACL
    GATEWAY_PEER = "gateway-peer"  # client certificate with role gateway in the ACL
    OWNER_OR_COMMISSIONER = "owner-or-commissioner"


@dataclass(slots=True)
class _Session:
    """Per-TLS-connection session state (nothing of it survives the connection)."""

    client_nonce: bytes | None = None
    device_nonce: bytes | None = None
    challenge_expires: float = 0.0
    auth: Auth | None = None
    peer_der: bytes | None = None  # client certificate, verified by the TLS handshake
    peer_home_ca: str | None = None  # fingerprint of the home CA the handshake trusted

    @property
    def authenticated(self) -> bool:
        return self.auth is not None


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    payload: dict[str, Any]


Handler = Callable[[_Session, Request], Awaitable[_Reply]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    access: Access
    handler: Handler


class _Drop(Exception):
    """Fault hook: abort the connection without an answer."""


class BadField(Exception):
    """A request field is missing, of the wrong type, malformed or too large (400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _err(status: int, code: ErrorCode | str, message: str, **extra: Any) -> _Reply:
    return _Reply(status, {"error": str(code), "message": message, **extra})


def conflict(reason: str, message: str) -> _Reply:
    return _err(409, ProvisioningError.CONFLICT, message, reason=reason)


def forbidden(reason: str, message: str) -> _Reply:
    return _err(403, ProvisioningError.FORBIDDEN, message, reason=reason)


def _b64_field(body: dict[str, Any], name: str, length: int | None) -> bytes | None:
    value = body.get(name)
    if not isinstance(value, str) or len(value) > 4096:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if length is not None and len(raw) != length:
        return None
    return raw


def only_keys(body: dict[str, Any], allowed: set[str]) -> None:
    """Unknown members are ignored (spec 12); this only bounds their number."""
    if len(body) > len(allowed) + 16:
        raise BadField("body", "too many members")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
