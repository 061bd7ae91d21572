"""The owner takeover code: the owner invitation in a short form a person can type
(docs/device-protocol.md, section 16).

The printed sheet carries the invitation as a QR code; beside it stands this code, 13 digits in
groups (``1234-5678-90123``): 12 digits derived from the invitation and a Verhoeff check digit,
which catches every single mistyped digit and every swap of two neighbouring digits before the
code is sent. ::

    digits   = int(HMAC-SHA256(token, CODE_CONTEXT || invitation id)[0:8]) mod 10^12, 12 digits
    check    = Verhoeff check digit of digits
    verifier = PBKDF2-HMAC-SHA256(digits, salt = VERIFIER_SALT || invitation id,
                                  VERIFIER_ITERATIONS iterations, 32 bytes), lower-case hex

The commissioner gives the gateway the verifier with the invitation (never the digits); the
gateway compares the verifier of a typed code with those of its open invitations and stops
accepting typed codes after :data:`MAX_CODE_FAILURES` wrong ones until a new invitation is put.
The stretching keeps a leaked gateway state from giving the digits away quickly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

__all__ = [
    "CODE_DIGITS",
    "MAX_CODE_FAILURES",
    "TakeoverCodeError",
    "code_digits",
    "code_verifier",
    "format_code",
    "parse_code",
    "takeover_code",
    "verhoeff_check_digit",
]

CODE_CONTEXT: Final = b"SHO1 takeover code v1\x00"
VERIFIER_SALT: Final = b"SHO1 takeover code verifier\x00"
VERIFIER_ITERATIONS: Final = 100_000
CODE_DIGITS: Final = 12  # plus one check digit
GROUPS: Final = (4, 4, 5)
MAX_CODE_FAILURES: Final = 5
_TYPED_RE: Final = re.compile(r"^[0-9 \-]{13,40}$")

# Verhoeff's tables: multiplication in the dihedral group D5, the position permutation, inverse.
_D: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV: Final = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


class TakeoverCodeError(ValueError):
    """The typed text is not a takeover code; ``reason`` is ``malformed`` or ``check-digit``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _verhoeff(digits: str, *, with_check: bool) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + (0 if with_check else 1)) % 8][int(ch)]]
    return c


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit of a string of decimal digits."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("only decimal digits have a check digit")
    return str(_INV[_verhoeff(digits, with_check=False)])


def code_digits(token: bytes, invitation_id: str) -> str:
    """The 12 secret digits of the invitation (without the check digit)."""
    mac = hmac.new(token, CODE_CONTEXT + invitation_id.encode("ascii"), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def format_code(digits: str) -> str:
    """``digits`` (12) with the check digit, in groups: ``1234-5678-90123``."""
    full = digits + verhoeff_check_digit(digits)
    out, at = [], 0
    for size in GROUPS:
        out.append(full[at:at + size])
        at += size
    return "-".join(out)


def takeover_code(token: bytes, invitation_id: str) -> str:
    """The printed takeover code of an invitation (it is a secret, like the token)."""
    return format_code(code_digits(token, invitation_id))


def parse_code(text: object) -> str:
    """The 12 digits of a typed code (spaces and hyphens anywhere are ignored). Raises
    :class:`TakeoverCodeError` for anything else, or when the check digit does not match."""
    typed = text.strip() if isinstance(text, str) else ""
    if not _TYPED_RE.fullmatch(typed):
        raise TakeoverCodeError("malformed", "a takeover code is 13 digits")
    digits = re.sub(r"[ \-]", "", typed)
    if len(digits) != CODE_DIGITS + 1:
        raise TakeoverCodeError("malformed", "a takeover code is 13 digits")
    if _verhoeff(digits, with_check=True) != 0:
        raise TakeoverCodeError("check-digit", "the code was mistyped (its check digit differs)")
    return digits[:CODE_DIGITS]


def code_verifier(digits: str, invitation_id: str) -> str:
    """What the gateway keeps of the code of one invitation (hex of a stretched hash)."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32,
        salt=VERIFIER_SALT + invitation_id.encode("ascii"), iterations=VERIFIER_ITERATIONS,
    )
    return kdf.derive(digits.encode("ascii")).hex()
