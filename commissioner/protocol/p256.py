"""The little P-256 point arithmetic SPAKE2 needs and ``cryptography`` does not expose.

``cryptography`` offers ECDH and ECDSA on P-256 but no point addition and no multiplication of
an arbitrary point, which SPAKE2's blinding (``X + w·M``, ``pB − w·N``) needs. This module
implements exactly that, in Jacobian coordinates over the NIST P-256 curve (FIPS 186-4 D.1.2.3).
Fixed-base multiplications by the ephemeral secret (``x·G``) are left to ``cryptography``.

Scalar multiplication uses a Montgomery ladder: the same sequence of point operations for every
scalar of the same bit length (256 iterations). Python integers are not constant-time, so this is
not a hardened implementation against local timing attackers; the threat here is an attacker on
the radio, who cannot time microsecond differences through a BLE link. A device firmware would
use its platform's constant-time library. The functions are checked against ``cryptography``'s
fixed-base multiplication in the tests.
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec

P: Final = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A: Final = P - 3
B: Final = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
GX: Final = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY: Final = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

Point = tuple[int, int] | None  # affine (x, y); None is the point at infinity
_Jac = tuple[int, int, int]  # Jacobian (X, Y, Z); Z == 0 is the point at infinity
_INF: Final[_Jac] = (1, 1, 0)

G: Final[Point] = (GX, GY)


class PointError(ValueError):
    """Bytes that do not encode a point of the P-256 group (other than infinity)."""


def on_curve(point: Point) -> bool:
    if point is None:
        return False
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def encode(point: Point) -> bytes:
    """Uncompressed SEC1 encoding (65 bytes)."""
    if point is None:
        raise PointError("the point at infinity has no encoding here")
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def decode(data: bytes) -> Point:
    """Decode an uncompressed (0x04) or compressed (0x02/0x03) SEC1 point; validates it."""
    if len(data) == 65 and data[0] == 4:
        point: Point = (int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
    elif len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        if x >= P:
            raise PointError("x coordinate out of range")
        y = pow((x * x * x + A * x + B) % P, (P + 1) // 4, P)
        if (y & 1) != (data[0] & 1):
            y = P - y
        point = (x, y)
    else:
        raise PointError("not a SEC1 P-256 point encoding")
    if not on_curve(point):
        raise PointError("the point is not on the P-256 curve")
    return point


def _to_jac(point: Point) -> _Jac:
    return _INF if point is None else (point[0], point[1], 1)


def _to_affine(j: _Jac) -> Point:
    x, y, z = j
    if z % P == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _double(j: _Jac) -> _Jac:
    x1, y1, z1 = j
    if z1 == 0 or y1 == 0:
        return _INF
    # a = -3: M = 3 (X - Z^2)(X + Z^2)
    z2 = z1 * z1 % P
    m = 3 * (x1 - z2) * (x1 + z2) % P
    y2 = y1 * y1 % P
    s = 4 * x1 * y2 % P
    x3 = (m * m - 2 * s) % P
    y3 = (m * (s - x3) - 8 * y2 * y2) % P
    z3 = 2 * y1 * z1 % P
    return (x3, y3, z3)


def _add(j1: _Jac, j2: _Jac) -> _Jac:
    x1, y1, z1 = j1
    x2, y2, z2 = j2
    if z1 == 0:
        return j2
    if z2 == 0:
        return j1
    z1s = z1 * z1 % P
    z2s = z2 * z2 % P
    u1 = x1 * z2s % P
    u2 = x2 * z1s % P
    s1 = y1 * z2s * z2 % P
    s2 = y2 * z1s * z1 % P
    if u1 == u2:
        return _double(j1) if s1 == s2 else _INF
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    h2 = h * h % P
    h3 = h * h2 % P
    u1h2 = u1 * h2 % P
    x3 = (r * r - h3 - 2 * u1h2) % P
    y3 = (r * (u1h2 - x3) - s1 * h3) % P
    z3 = h * z1 * z2 % P
    return (x3, y3, z3)


def add(p1: Point, p2: Point) -> Point:
    return _to_affine(_add(_to_jac(p1), _to_jac(p2)))


def negate(point: Point) -> Point:
    return None if point is None else (point[0], (P - point[1]) % P)


def multiply(k: int, point: Point) -> Point:
    """``k · point`` with a 256-step Montgomery ladder (k is reduced mod N first)."""
    k %= N
    r0, r1 = _INF, _to_jac(point)
    for i in range(255, -1, -1):
        if (k >> i) & 1:
            r0, r1 = _add(r0, r1), _double(r1)
        else:
            r1, r0 = _add(r0, r1), _double(r0)
    return _to_affine(r0)


def multiply_base(k: int) -> Point:
    """``k · G`` through ``cryptography`` (OpenSSL's constant-time fixed-base multiplication)."""
    k %= N
    if k == 0:
        return None
    numbers = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
    return (numbers.x, numbers.y)
