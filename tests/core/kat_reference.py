"""An independent reference construction of the protocol's derived values, written from the text
of docs/device-protocol.md only (sections 3, 8, 13.1, 16, 18.3, 19.2), never from the product's
modules: HKDF is RFC 5869 written out over ``hmac``, the CRC is ``binascii.crc_hqx``, the P-256
point arithmetic is plain affine arithmetic. The known-answer tests compare the product (app and
simulator) with the hex constants in the specification, and these constants with this module.

The fixed inputs of every vector are here as well; ``python tests/core/kat_reference.py``
prints the vectors in the layout of the specification's "Test vectors" section.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

# --------------------------------------------------------------------------- fixed inputs

SERIAL = "SDA22-000123"
SETUP_CODE = "20231104"
DEVICE_NONCE = bytes(range(0x00, 0x20))
CLIENT_NONCE = bytes(range(0x20, 0x40))
LEAF_DER = bytes.fromhex("3000")  # stands for the leaf certificate's DER (only its hash is used)
ADMIN_CREDENTIAL = bytes(range(0x40, 0x60))

LABEL_BODY = (
    "SHC1;id=ac-living-01;mf=Sakura%20Denki;mn=SD-AC2200;sn=SDA22-000123;sc=20231104;"
    "k=air-conditioner"
)

INVITATION_TOKEN = bytes(range(0xA0, 0xC0))
INVITATION_HOME = "home-1"
INVITATION_GATEWAY = "gw-01"
INVITATION_ID = "0123456789abcdef"
INVITATION_EXPIRES = 1767225600  # 2026-01-01T00:00:00Z

MANIFEST = {
    "format": 1,
    "manufacturer": "Sakura Denki",
    "model": "SD-AC2200",
    "version": "1.3.0",
    "min_version": "1.0.0",
    "size": 262144,
    "sha256": hashlib.sha256(b"firmware").hexdigest(),
}

BLE_DEVICE_ID = "ac-living-01"
BLE_INFO = (
    b'{"fw":"1.2.0","id":"ac-living-01","k":"air-conditioner","mf":"Sakura Denki",'
    b'"mn":"SD-AC2200","net":false,"pv":"1","sn":"SDA22-000123","st":"factory"}'
)
BLE_X = int.from_bytes(hashlib.sha256(b"kat x").digest(), "big") % (2**255)
BLE_Y = int.from_bytes(hashlib.sha256(b"kat y").digest(), "big") % (2**255)

# --------------------------------------------------------------------------- primitives


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869, written out (an empty salt is HashLen zero bytes)."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def crc16_ccitt_false(data: bytes) -> int:
    return binascii.crc_hqx(data, 0xFFFF)  # poly 0x1021, init 0xFFFF, no reflection, xorout 0


# --------------------------------------------------------------------------- sections 8, 13.1


def setup_code_proof() -> tuple[bytes, bytes]:
    key = hkdf_sha256(SETUP_CODE.encode("ascii"), SERIAL.encode("utf-8"),
                      b"shcommission/v1/setup-code-key", 32)
    msg = (b"shcommission/v1/setup-code-proof" + DEVICE_NONCE + CLIENT_NONCE
           + hashlib.sha256(LEAF_DER).digest())
    return key, hmac_sha256(key, msg)


def admin_proof() -> tuple[bytes, bytes]:
    key = hkdf_sha256(ADMIN_CREDENTIAL, SERIAL.encode("utf-8"), b"shcommission/v1/admin-key", 32)
    msg = (b"shcommission/v1/admin-proof" + DEVICE_NONCE + CLIENT_NONCE
           + hashlib.sha256(LEAF_DER).digest())
    return key, hmac_sha256(key, msg)


# --------------------------------------------------------------------------- sections 3, 16


def label_text() -> str:
    return f"{LABEL_BODY};c={crc16_ccitt_false(LABEL_BODY.encode('ascii')):04X}"


def invitation() -> tuple[str, str]:
    """(QR payload, SHA-256 of the token in hex)."""
    token = base64.urlsafe_b64encode(INVITATION_TOKEN).decode("ascii").rstrip("=")
    body = (f"SHO1;h={INVITATION_HOME};g={INVITATION_GATEWAY};i={INVITATION_ID};t={token};"
            f"e={INVITATION_EXPIRES}")
    text = f"{body};c={crc16_ccitt_false(body.encode('ascii')):04X}"
    return text, hashlib.sha256(INVITATION_TOKEN).hexdigest()


# --------------------------------------------------------------------------- section 19.2


def manifest_signed_bytes() -> bytes:
    canonical = json.dumps(MANIFEST, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b"shcommission/v1/firmware-manifest\n" + canonical.encode("utf-8")


# --------------------------------------------------------------------------- section 18.3

_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
      0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
Pt = tuple[int, int] | None


def _decompress(data: bytes) -> tuple[int, int]:
    x = int.from_bytes(data[1:], "big")
    y = pow((x**3 - 3 * x + _B) % _P, (_P + 1) // 4, _P)
    if y % 2 != data[0] % 2:
        y = _P - y
    return x, y


# RFC 9382, section 6 (P-256).
SPAKE2_M = _decompress(bytes.fromhex(
    "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"))
SPAKE2_N = _decompress(bytes.fromhex(
    "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"))


def _add(a: Pt, b: Pt) -> Pt:
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2 and (y1 + y2) % _P == 0:
        return None
    if a == b:
        lam = (3 * x1 * x1 - 3) * pow(2 * y1, -1, _P) % _P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    return x3, (lam * (x1 - x3) - y1) % _P


def _mul(k: int, point: Pt) -> Pt:
    result: Pt = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def _neg(point: Pt) -> Pt:
    return None if point is None else (point[0], (-point[1]) % _P)


def _enc(point: Pt) -> bytes:
    assert point is not None
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


@dataclass(frozen=True)
class Spake2Vector:
    w: int
    pa: bytes
    pb: bytes
    k: bytes
    tt: bytes
    ke: bytes
    ka: bytes
    kca: bytes
    kcb: bytes
    ca: bytes
    cb: bytes
    config_key: bytes
    tt_hash: bytes


def spake2() -> Spake2Vector:
    w = int.from_bytes(hkdf_sha256(SETUP_CODE.encode("ascii"), SERIAL.encode("utf-8"),
                                   b"shcommission/v1/ble-spake2-w", 40), "big") % _N
    pa_point = _add(_mul(BLE_X, _G), _mul(w, SPAKE2_M))
    pb_point = _add(_mul(BLE_Y, _G), _mul(w, SPAKE2_N))
    pa, pb = _enc(pa_point), _enc(pb_point)
    k_app = _mul(BLE_X, _add(pb_point, _neg(_mul(w, SPAKE2_N))))  # x·(pB − w·N)
    k_dev = _mul(BLE_Y, _add(pa_point, _neg(_mul(w, SPAKE2_M))))  # y·(pA − w·M)
    assert k_app == k_dev
    k = _enc(k_app)
    tt = (_lp(b"shcommission-app") + _lp(BLE_DEVICE_ID.encode("ascii")) + _lp(pa) + _lp(pb)
          + _lp(k) + _lp(w.to_bytes(32, "big")))
    digest = hashlib.sha256(tt).digest()
    ke, ka = digest[:16], digest[16:]
    aad = b"shcommission/v1/ble-onboarding" + hashlib.sha256(BLE_INFO).digest()
    kc = hkdf_sha256(ka, b"", b"ConfirmationKeys" + aad, 32)
    kca, kcb = kc[:16], kc[16:]
    return Spake2Vector(
        w=w, pa=pa, pb=pb, k=k, tt=tt, ke=ke, ka=ka, kca=kca, kcb=kcb,
        ca=hmac_sha256(kca, tt), cb=hmac_sha256(kcb, tt),
        config_key=hkdf_sha256(ke, b"", b"shcommission/v1/ble-config-key", 32),
        tt_hash=hashlib.sha256(b"TT" + tt).digest(),
    )


def _print_all() -> None:  # pragma: no cover - run by hand to (re)write the specification
    key, proof = setup_code_proof()
    print("setup-code key  ", key.hex())
    print("setup-code proof", proof.hex())
    key, proof = admin_proof()
    print("admin verifier  ", key.hex())
    print("admin proof     ", proof.hex())
    print("label           ", label_text())
    text, digest = invitation()
    print("invitation      ", text)
    print("token sha256    ", digest)
    print("manifest signed ", manifest_signed_bytes().hex())
    v = spake2()
    print("x", BLE_X.to_bytes(32, "big").hex())
    print("y", BLE_Y.to_bytes(32, "big").hex())
    for name in ("pa", "pb", "k", "tt", "ke", "ka", "kca", "kcb", "ca", "cb", "config_key",
                 "tt_hash"):
        print(name, getattr(v, name).hex())
    print("w", v.w.to_bytes(32, "big").hex())


if __name__ == "__main__":  # pragma: no cover
    _print_all()
