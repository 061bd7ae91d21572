"""Admin-credential proof (spec section 13.3): the setup-code construction of section 8 with
the admin credential instead of the setup code and its own context strings.

key   = HKDF-SHA256(IKM  = admin credential (the raw bytes, 16-64; the app uses 32),
                    salt = serial (UTF-8), info = "shcommission/v1/admin-key", L = 32)
proof = HMAC-SHA256(key, "shcommission/v1/admin-proof"
                         || device_nonce (32) || client_nonce (32)
                         || SHA-256(DER of the device leaf (attestation) certificate))

The device stores only ``key`` (the *verifier*, :func:`admin_verifier`), never the credential.
The nonces come from ``POST /v1/session/challenge`` exactly as for the setup-code proof; the
proof goes to ``POST /v1/session/admin-proof {"proof": base64}``.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commissioner.protocol.spec import (
    ADMIN_CREDENTIAL_MAX_BYTES,
    ADMIN_CREDENTIAL_MIN_BYTES,
    ADMIN_KEY_CONTEXT,
    ADMIN_PROOF_CONTEXT,
    NONCE_BYTES,
)

PROOF_BYTES = 32
VERIFIER_BYTES = 32


def check_credential(credential: bytes) -> None:
    """ValueError unless ``credential`` has an allowed length (it is never shown)."""
    if not isinstance(credential, bytes | bytearray) or not (
        ADMIN_CREDENTIAL_MIN_BYTES <= len(credential) <= ADMIN_CREDENTIAL_MAX_BYTES
    ):
        raise ValueError(
            f"admin credential must be {ADMIN_CREDENTIAL_MIN_BYTES}-"
            f"{ADMIN_CREDENTIAL_MAX_BYTES} bytes"
        )


def admin_verifier(credential: bytes, serial: str) -> bytes:
    """The 32-byte key a device stores for ``credential`` (HKDF-SHA256, salt = serial)."""
    check_credential(credential)
    return HKDF(
        algorithm=hashes.SHA256(),
        length=VERIFIER_BYTES,
        salt=serial.encode("utf-8"),
        info=ADMIN_KEY_CONTEXT,
    ).derive(bytes(credential))


def proof_from_verifier(
    verifier: bytes, device_nonce: bytes, client_nonce: bytes, cert_der: bytes
) -> bytes:
    if len(verifier) != VERIFIER_BYTES:
        raise ValueError(f"verifier must be {VERIFIER_BYTES} bytes")
    if len(device_nonce) != NONCE_BYTES or len(client_nonce) != NONCE_BYTES:
        raise ValueError(f"nonces must be {NONCE_BYTES} bytes")
    message = (
        ADMIN_PROOF_CONTEXT + device_nonce + client_nonce + hashlib.sha256(cert_der).digest()
    )
    return hmac.new(bytes(verifier), message, hashlib.sha256).digest()


def make_admin_proof(
    credential: bytes, serial: str, device_nonce: bytes, client_nonce: bytes, cert_der: bytes
) -> bytes:
    """The 32-byte proof the app sends; ValueError for a malformed credential or nonce."""
    return proof_from_verifier(
        admin_verifier(credential, serial), device_nonce, client_nonce, cert_der
    )


def verify_admin_proof(
    verifier: bytes,
    device_nonce: bytes,
    client_nonce: bytes,
    cert_der: bytes,
    proof: bytes,
) -> bool:
    """Device side: True if ``proof`` is right (constant time); False for malformed input."""
    if not isinstance(proof, bytes | bytearray) or len(proof) != PROOF_BYTES:
        return False
    try:
        expected = proof_from_verifier(verifier, device_nonce, client_nonce, cert_der)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, bytes(proof))
