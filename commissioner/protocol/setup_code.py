"""Setup-code proof (spec section 8) and the device-side rate limiter (spec section 9).

key   = HKDF-SHA256(ikm = setup code (ASCII), salt = serial (UTF-8), info = KEY_CONTEXT, L = 32)
proof = HMAC-SHA256(key, PROOF_CONTEXT || device_nonce (32) || client_nonce (32)
                          || SHA-256(device leaf certificate DER))

The device nonce is fresh, single use and bound to one TLS connection, so a recorded proof
is worthless later; the certificate hash binds the proof to the device the app checked.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commissioner.protocol.spec import KEY_CONTEXT, NONCE_BYTES, PROOF_CONTEXT, SETUP_CODE_RE

PROOF_BYTES = 32


def _key(setup_code: str, serial: str) -> bytes:
    if not isinstance(setup_code, str) or not SETUP_CODE_RE.fullmatch(setup_code):
        raise ValueError("setup code must be 8 digits")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=serial.encode("utf-8"), info=KEY_CONTEXT
    ).derive(setup_code.encode("ascii"))


def make_proof(
    setup_code: str, serial: str, device_nonce: bytes, client_nonce: bytes, cert_der: bytes
) -> bytes:
    """The 32-byte proof; ValueError if the setup code or a nonce has the wrong form."""
    if len(device_nonce) != NONCE_BYTES or len(client_nonce) != NONCE_BYTES:
        raise ValueError(f"nonces must be {NONCE_BYTES} bytes")
    message = PROOF_CONTEXT + device_nonce + client_nonce + hashlib.sha256(cert_der).digest()
    return hmac.new(_key(setup_code, serial), message, hashlib.sha256).digest()


def verify_proof(
    setup_code: str,
    serial: str,
    device_nonce: bytes,
    client_nonce: bytes,
    cert_der: bytes,
    proof: bytes,
) -> bool:
    """True if ``proof`` is right (constant-time comparison); False for any malformed input."""
    if not isinstance(proof, bytes | bytearray) or len(proof) != PROOF_BYTES:
        return False
    try:
        expected = make_proof(setup_code, serial, device_nonce, client_nonce, cert_der)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, bytes(proof))


class ProofRateLimiter:
    """Device-side lockout after repeated wrong proofs. Pure logic: the caller passes time.

    After ``max_failures`` consecutive failures the device refuses proofs for ``lockout_s``;
    every further failure (after a lockout ends) doubles the lockout, up to ``max_lockout_s``.
    A success resets everything. Persist :meth:`state` to survive power cycles; for that,
    pass wall-clock time (``time.time()``), not a monotonic clock. If the clock goes back,
    the remaining lockout is clamped to the current lockout length, never extended.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        lockout_s: float = 30.0,
        max_lockout_s: float = 3600.0,
    ) -> None:
        if max_failures < 1 or lockout_s <= 0 or max_lockout_s < lockout_s:
            raise ValueError("invalid rate-limiter parameters")
        self.max_failures = max_failures
        self.lockout_s = float(lockout_s)
        self.max_lockout_s = float(max_lockout_s)
        self.failures = 0
        self.locked_until = 0.0

    def current_lockout_s(self) -> float:
        """Length of the lockout the latest failure started (0 if not past the threshold)."""
        extra = self.failures - self.max_failures
        if extra < 0:
            return 0.0
        return min(self.max_lockout_s, self.lockout_s * 2.0 ** min(extra, 64))

    def check(self, now: float) -> float | None:
        """Seconds until another attempt is allowed, or None if one is allowed now."""
        remaining = self.locked_until - now
        if remaining <= 0:
            return None
        limit = self.current_lockout_s()
        if remaining > limit:  # clock went backwards
            self.locked_until = now + limit
            remaining = limit
        return remaining if remaining > 0 else None

    def record_failure(self, now: float) -> float | None:
        """Count a wrong proof; returns the retry-after if this failure started a lockout."""
        self.failures += 1
        lockout = self.current_lockout_s()
        if lockout > 0:
            self.locked_until = now + lockout
            return lockout
        return None

    def record_success(self) -> None:
        self.failures = 0
        self.locked_until = 0.0

    def state(self) -> dict[str, float | int]:
        return {"failures": self.failures, "locked_until": self.locked_until}

    @classmethod
    def from_state(
        cls,
        data: Mapping[str, object],
        *,
        max_failures: int = 5,
        lockout_s: float = 30.0,
        max_lockout_s: float = 3600.0,
    ) -> ProofRateLimiter:
        """Restore a persisted limiter; corrupt data is treated as maximally locked-out."""
        limiter = cls(max_failures=max_failures, lockout_s=lockout_s, max_lockout_s=max_lockout_s)
        failures = data.get("failures")
        locked_until = data.get("locked_until")
        if (
            isinstance(failures, int)
            and not isinstance(failures, bool)
            and 0 <= failures < 1_000_000
            and isinstance(locked_until, int | float)
            and not isinstance(locked_until, bool)
            and math.isfinite(locked_until)
        ):
            limiter.failures = failures
            limiter.locked_until = float(locked_until)
        else:
            # Fail closed: a device must not lose its lockout by corrupting its state file.
            limiter.failures = max_failures + 64
            limiter.locked_until = math.inf
        return limiter
