"""The admin-credential proof's input checks (spec 13.1): every limit exactly, and the device's
verification is total (False, never an exception, for malformed input)."""

from __future__ import annotations

import pytest

from commissioner.protocol.admin_proof import (
    PROOF_BYTES,
    VERIFIER_BYTES,
    admin_verifier,
    check_credential,
    make_admin_proof,
    proof_from_verifier,
    verify_admin_proof,
)
from commissioner.protocol.spec import ADMIN_CREDENTIAL_MAX_BYTES, ADMIN_CREDENTIAL_MIN_BYTES

SERIAL = "SDA22-000123"
DN, CN, LEAF = bytes(32), bytes(range(32)), b"leaf"


def test_the_limits_are_the_specified_ones() -> None:
    assert (ADMIN_CREDENTIAL_MIN_BYTES, ADMIN_CREDENTIAL_MAX_BYTES) == (16, 64)
    assert PROOF_BYTES == VERIFIER_BYTES == 32


@pytest.mark.parametrize("length", [16, 17, 32, 63, 64])
def test_credentials_of_allowed_length_are_accepted(length: int) -> None:
    credential = bytes(range(length))
    check_credential(credential)
    check_credential(bytearray(credential))
    verifier = admin_verifier(credential, SERIAL)
    assert len(verifier) == VERIFIER_BYTES
    proof = make_admin_proof(credential, SERIAL, DN, CN, LEAF)
    assert len(proof) == PROOF_BYTES
    assert verify_admin_proof(verifier, DN, CN, LEAF, proof)
    assert verify_admin_proof(verifier, DN, CN, LEAF, bytearray(proof))


@pytest.mark.parametrize("credential", [b"", bytes(15), bytes(65), "x" * 32, None, 32])
def test_credentials_of_other_length_or_type_are_refused(credential: object) -> None:
    with pytest.raises(ValueError, match="admin credential must be 16-64 bytes"):
        check_credential(credential)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        admin_verifier(credential, SERIAL)  # type: ignore[arg-type]


def test_the_serial_and_every_input_enter_the_proof() -> None:
    cred = bytes(range(32))
    base = make_admin_proof(cred, SERIAL, DN, CN, LEAF)
    assert admin_verifier(cred, SERIAL) != admin_verifier(cred, "SDA22-000124")
    variants = [
        make_admin_proof(cred, "SDA22-000124", DN, CN, LEAF),
        make_admin_proof(bytes(range(1, 33)), SERIAL, DN, CN, LEAF),
        make_admin_proof(cred, SERIAL, CN, DN, LEAF),
        make_admin_proof(cred, SERIAL, DN, DN, LEAF),
        make_admin_proof(cred, SERIAL, DN, CN, b"other leaf"),
    ]
    assert len({base, *variants}) == len(variants) + 1


@pytest.mark.parametrize(("verifier", "device_nonce", "client_nonce"), [
    (bytes(31), DN, CN), (bytes(33), DN, CN), (bytes(32), bytes(31), CN),
    (bytes(32), DN, bytes(33)), (bytes(32), b"", CN), (bytes(32), bytes(33), CN),
    (bytes(32), DN, bytes(31)),
])
def test_wrong_lengths_are_refused(verifier: bytes, device_nonce: bytes,
                                   client_nonce: bytes) -> None:
    with pytest.raises(ValueError):
        proof_from_verifier(verifier, device_nonce, client_nonce, LEAF)
    assert verify_admin_proof(verifier, device_nonce, client_nonce, LEAF, bytes(32)) is False


def test_verification_is_total_and_exact() -> None:
    verifier = admin_verifier(bytes(range(32)), SERIAL)
    proof = proof_from_verifier(verifier, DN, CN, LEAF)
    assert verify_admin_proof(verifier, DN, CN, LEAF, proof) is True
    for bad in (proof[:-1], proof + b"\x00", b"", bytes(32), "x" * 32, None, 7):
        assert verify_admin_proof(verifier, DN, CN, LEAF, bad) is False  # type: ignore[arg-type]
    assert verify_admin_proof(None, DN, CN, LEAF, proof) is False  # type: ignore[arg-type]
    assert verify_admin_proof(verifier, None, CN, LEAF, proof) is False  # type: ignore[arg-type]
