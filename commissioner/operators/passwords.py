"""Password hashes (scrypt, a memory-hard KDF from ``cryptography``) and key slots.

One scrypt run per sign-in gives 64 bytes: the first half is compared with the stored verifier
(constant time), the second half, mixed with the keyring's master key, is the key-encryption key
of the account's *key slot* (the release key, see :mod:`commissioner.secrets.vault`). So the
release key needs both the operator's password and the OS keyring.

Cost: ``N = 2**16, r = 8, p = 1`` (64 MiB); about 0.3 s of CPU per hash on the reference laptop
(tests/benchmarks/test_signin_kdf_bench.py measures it). Each record keeps its own parameters.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from commissioner.operators.invalid_value import InvalidValueError

SCRYPT_N: Final = 2**16
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MIN_PASSWORD: Final = 10
MAX_PASSWORD: Final = 256


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True, slots=True)
class PasswordHash:
    salt: bytes
    n: int
    r: int
    p: int
    verifier: bytes

    def to_json(self) -> dict[str, Any]:
        return {"alg": "scrypt", "salt": _b64(self.salt), "n": self.n, "r": self.r,
                "p": self.p, "verifier": _b64(self.verifier)}

    @classmethod
    def from_json(cls, data: Any) -> PasswordHash:
        if not isinstance(data, dict) or data.get("alg") != "scrypt":
            raise ValueError("not a scrypt password record")
        return cls(_unb64(data["salt"]), int(data["n"]), int(data["r"]), int(data["p"]),
                   _unb64(data["verifier"]))


def check_password_rules(password: str) -> None:
    """ValueError when a new password is too short or too long."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidValueError(code="operator.password-too-short",
                                params={"count": MIN_PASSWORD})
    if len(password) > MAX_PASSWORD:
        raise InvalidValueError(code="operator.password-too-long",
                                params={"count": MAX_PASSWORD})


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(password.encode("utf-8"))


def new_hash(password: str, *, n: int | None = None) -> tuple[PasswordHash, bytes]:
    """A fresh hash of ``password`` and its slot secret (never stored)."""
    cost = SCRYPT_N if n is None else n
    salt = os.urandom(16)
    out = _derive(password, salt, cost, SCRYPT_R, SCRYPT_P)
    return PasswordHash(salt, cost, SCRYPT_R, SCRYPT_P, out[:32]), out[32:]


def verify(record: PasswordHash, password: str) -> bytes | None:
    """The slot secret when ``password`` matches, else None (constant-time compare)."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return None
    if not (2**10 <= record.n <= 2**20 and 1 <= record.r <= 32 and 1 <= record.p <= 4):
        return None
    out = _derive(password, record.salt, record.n, record.r, record.p)
    return out[32:] if hmac.compare_digest(out[:32], record.verifier) else None


def _slot_key(master_key: bytes, slot_secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"commissioner operator key slot v1").derive(master_key + slot_secret)


def seal_slot(master_key: bytes, slot_secret: bytes, username: str, release: bytes) -> str:
    nonce = os.urandom(12)
    ct = AESGCM(_slot_key(master_key, slot_secret)).encrypt(nonce, release,
                                                            username.encode("utf-8"))
    return _b64(nonce + ct)


def open_slot(master_key: bytes, slot_secret: bytes, username: str, slot: str) -> bytes | None:
    try:
        raw = _unb64(slot)
        return AESGCM(_slot_key(master_key, slot_secret)).decrypt(
            raw[:12], raw[12:], username.encode("utf-8"))
    except (ValueError, InvalidTag):
        return None
