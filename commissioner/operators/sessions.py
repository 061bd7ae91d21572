"""CLI session tokens: who signed in, until when, and their release key, sealed by the keyring.

A token is ``v1.<base64 nonce>.<base64 AES-256-GCM(session key, release key; AAD = claims)>``
followed by the claims (``.<base64 JSON>``): user name, the account's epoch, the operator
store's id and the expiry. The session key lives only in the OS keyring, so a token is useless
on another computer, cannot be edited (the claims are authenticated) and ends at its expiry or
when the account's epoch moves (password change, reset, disable).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from commissioner.atomic_file import write_atomic
from commissioner.errors import UserError

DEFAULT_LIFETIME: Final = timedelta(hours=8)
MAX_LIFETIME: Final = timedelta(hours=12)


class SessionError(UserError):
    """The session token is missing, expired, altered or no longer valid."""


@dataclass(frozen=True, slots=True)
class Claims:
    username: str
    epoch: int
    store_id: str
    expires: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(key: bytes, claims: Claims, release: bytes | None) -> str:
    body = json.dumps({"u": claims.username, "e": claims.epoch, "s": claims.store_id,
                       "x": claims.expires.isoformat()}, sort_keys=True).encode("utf-8")
    nonce = os.urandom(12)
    payload = b"\x01" + release if release is not None else b"\x00"
    sealed = AESGCM(key).encrypt(nonce, payload, body)
    return ".".join(["v1", _b64(nonce), _b64(sealed), _b64(body)])


def read(key: bytes, token: str, now: datetime) -> tuple[Claims, bytes | None]:
    try:
        version, nonce, sealed, body = token.strip().split(".")
        if version != "v1":
            raise ValueError(version)
        payload = AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), _unb64(body))
        data = json.loads(_unb64(body))
        claims = Claims(str(data["u"]), int(data["e"]), str(data["s"]),
                        datetime.fromisoformat(str(data["x"])))
    except (ValueError, KeyError, TypeError, InvalidTag):
        raise SessionError(code="session.invalid") from None
    if now >= claims.expires:
        raise SessionError(code="session.expired", params={
            "username": claims.username, "expired": f"{claims.expires:%Y-%m-%d %H:%M}"})
    release = payload[1:] if payload[:1] == b"\x01" and len(payload) == 33 else None
    return claims, release


def write_token_file(path: Path, token: str) -> None:
    """The token in a file only its owner can read (0600)."""
    write_atomic(path, (token + "\n").encode("ascii"), mode=0o600)


def token_from(value: str) -> str:
    """``COMMISSIONER_SESSION`` holds a token or the path of a token file."""
    text = value.strip()
    if text.startswith("v1."):
        return text
    try:
        return Path(text).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise SessionError(code="session.token-unreadable", params={
            "path": text, "reason": err.strerror if isinstance(err, OSError) and err.strerror
            else str(err), "env": "COMMISSIONER_SESSION"}) from None
