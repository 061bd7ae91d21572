"""Known-answer vectors (docs/device-protocol.md section 21): the app's code and the virtual
device's code against fixed hex constants, and the constants against an independent
construction written from the specification text (kat_reference.py). A construction that drifts
from the specification (swapped HKDF salt and info, a dropped context prefix, another transcript
layout) changes these bytes and fails here, on both sides of the protocol."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import kat_reference as ref
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from commissioner.protocol import ble_pake
from commissioner.protocol.admin_proof import admin_verifier, make_admin_proof, verify_admin_proof
from commissioner.protocol.checked_text import crc16_ccitt
from commissioner.protocol.firmware_manifest import (
    FirmwareManifest,
    ManifestError,
    sign_manifest,
    verify_manifest,
)
from commissioner.protocol.label import Label, decode_label, encode_label
from commissioner.protocol.setup_code import make_proof, verify_proof
from commissioner.protocol.spec import CommissioningState
from commissioner.provisioning.invitation import (
    Invitation,
    decode_invitation_qr,
    encode_invitation_qr,
    token_sha256,
)
from commissioner.virtualhome import gateway as vh_gateway
from commissioner.virtualhome.ble_device import BleIdentity

SPEC = Path(__file__).resolve().parents[2] / "docs" / "device-protocol.md"

SETUP_KEY = "954186d7660dd5feb6248a5a90f08ebbe8ceabefb4b39e38b0eabcbb10012482"
SETUP_PROOF = "d87a1afb2c851506b888fed8cc5e596c156c42308af3c7da25342035e24e076f"
ADMIN_VERIFIER = "dea90de08e4d988b05da3477fa3f0c6062894926e0f6fd3b72a6f25a21956446"
ADMIN_PROOF = "d451f3490609506fd4410c418b5eb1efe2350e1ba4a5a237ddb736d2b8e45768"
LABEL = (
    "SHC1;id=ac-living-01;mf=Sakura%20Denki;mn=SD-AC2200;sn=SDA22-000123;sc=20231104;"
    "k=air-conditioner;c=9D05"
)
INVITATION_QR = (
    "SHO1;h=home-1;g=gw-01;i=0123456789abcdef;t=oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8;"
    "e=1767225600;c=8B59"
)
TOKEN_SHA256 = "00e988677eecf94c0bb9233371c7c0d6f4db8ebdcdecb7c5ebaa666f17249227"
MANIFEST_SIGNED = (
    "7368636f6d6d697373696f6e2f76312f6669726d776172652d6d616e69666573740a7b22666f726d6174223a"
    "312c226d616e756661637475726572223a2253616b7572612044656e6b69222c226d696e5f76657273696f6e"
    "223a22312e302e30222c226d6f64656c223a2253442d414332323030222c22736861323536223a2263336266"
    "343765613166346134613630353437303331336361636233613434663461343631663638633666616561623037"
    "653733373631306362356163383335222c2273697a65223a3236323134342c2276657273696f6e223a22312e"
    "332e30227d"
)
BLE_W = "9383c522d163b9d301c17cbd6de95cc0bbd8c817cefe35b151ed8e441b4784f6"
BLE_PA = (
    "04dc9ef5222e4b35c134771acfa65593b3fe49146a5e1db2d213a321b0d6b5bea2bf0fda41d09f9928e4e897be"
    "1348cd71ce1e266f1873ed3bf2f0de3d0b56a02f"
)
BLE_PB = (
    "04c8cdc11635e708151c64b8e52972e9cab68d55c3c9ef50c13ddd72e3825de71cb65008dc64662152bfc20b57"
    "305ec518a95eda04817cbdf970f16e08ec5c1e94"
)
BLE_K = (
    "0443cc4e8464fab5a6527b77b6ed0a283416be6d82e7e9cec40360b3c88772e55cfe119ccf562e2ca98b50eff8"
    "e8e480c74fff690d9aba172c8cb2ca42c67d995d"
)
BLE_KE = "47dc1e6e812c408ba3742758bf8758b1"
BLE_KA = "f73dd7bb4e06ff1acb7429c312a26e7d"
BLE_CA = "3f656e0a680b5d3d5fcd0a91740eb139a41cf76fd20136a074651512d051c224"
BLE_CB = "8b0cc90fc07578417a66b28a759dc4bb7da6ebcc23613e564d01f8f97711a6d4"
BLE_CONFIG_KEY = "1ca2963d9a14c09c987b6154efcfc72b0ad8cdeb9a3c3083a314467f36a89ef1"
BLE_TT_HASH = "fb9f50c41163adc0a5cb5386a367adfa741d19f1494d941431271abb3640251f"

NONCES = (ref.DEVICE_NONCE, ref.CLIENT_NONCE)


def _flip(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


# --------------------------------------------------------------------------- the constants


def test_the_constants_follow_from_the_specification_text() -> None:
    key, proof = ref.setup_code_proof()
    assert (key.hex(), proof.hex()) == (SETUP_KEY, SETUP_PROOF)
    key, proof = ref.admin_proof()
    assert (key.hex(), proof.hex()) == (ADMIN_VERIFIER, ADMIN_PROOF)
    assert ref.label_text() == LABEL
    assert ref.crc16_ccitt_false(b"123456789") == 0x29B1  # the check value in section 3
    assert ref.invitation() == (INVITATION_QR, TOKEN_SHA256)
    assert ref.manifest_signed_bytes().hex() == MANIFEST_SIGNED
    v = ref.spake2()
    assert v.w.to_bytes(32, "big").hex() == BLE_W
    assert (v.pa.hex(), v.pb.hex(), v.k.hex()) == (BLE_PA, BLE_PB, BLE_K)
    assert (v.ke.hex(), v.ka.hex(), v.ca.hex(), v.cb.hex()) == (BLE_KE, BLE_KA, BLE_CA, BLE_CB)
    assert (v.config_key.hex(), v.tt_hash.hex()) == (BLE_CONFIG_KEY, BLE_TT_HASH)


def test_the_specification_prints_every_vector() -> None:
    text = "".join(SPEC.read_text(encoding="utf-8").split())  # hex may wrap over lines
    for value in (SETUP_KEY, SETUP_PROOF, ADMIN_VERIFIER, ADMIN_PROOF, LABEL, INVITATION_QR,
                  TOKEN_SHA256, MANIFEST_SIGNED, BLE_W, BLE_PA, BLE_PB, BLE_K, BLE_KE, BLE_KA,
                  BLE_CA, BLE_CB, BLE_CONFIG_KEY, BLE_TT_HASH, ref.spake2().tt.hex()):
        assert value in text, value[:40]


def test_the_reference_is_not_vacuous() -> None:
    """The independent construction must depend on what the specification says it does."""
    salt_info_swapped = ref.hkdf_sha256(
        ref.SETUP_CODE.encode(), b"shcommission/v1/setup-code-key", ref.SERIAL.encode(), 32)
    assert salt_info_swapped.hex() != SETUP_KEY
    # The written-out HKDF reproduces RFC 5869 test cases 1 and 3.
    okm1 = ref.hkdf_sha256(b"\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42)
    assert okm1.hex().startswith("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")
    okm3 = ref.hkdf_sha256(b"\x0b" * 22, b"", b"", 42)
    assert okm3.hex().startswith("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d")


# --------------------------------------------------------------------------- the app's side


def test_app_setup_code_proof_matches_the_vector() -> None:
    proof = make_proof(ref.SETUP_CODE, ref.SERIAL, *NONCES, ref.LEAF_DER)
    assert proof.hex() == SETUP_PROOF


def test_app_admin_proof_matches_the_vector() -> None:
    assert admin_verifier(ref.ADMIN_CREDENTIAL, ref.SERIAL).hex() == ADMIN_VERIFIER
    proof = make_admin_proof(ref.ADMIN_CREDENTIAL, ref.SERIAL, *NONCES, ref.LEAF_DER)
    assert proof.hex() == ADMIN_PROOF


def test_label_check_code_matches_the_vector() -> None:
    label = Label("ac-living-01", "Sakura Denki", "SD-AC2200", "SDA22-000123", "20231104",
                  "air-conditioner")
    assert encode_label(label) == LABEL
    assert decode_label(LABEL) == label
    assert crc16_ccitt(ref.LABEL_BODY.encode()) == 0x9D05


def test_invitation_payload_and_token_hash_match_the_vector() -> None:
    inv = Invitation(ref.INVITATION_ID, ref.INVITATION_HOME, ref.INVITATION_GATEWAY,
                     ref.INVITATION_TOKEN,
                     dt.datetime.fromtimestamp(ref.INVITATION_EXPIRES, dt.UTC), 1)
    assert encode_invitation_qr(inv) == INVITATION_QR
    assert token_sha256(inv) == TOKEN_SHA256
    decoded = decode_invitation_qr(INVITATION_QR)
    assert decoded.token == ref.INVITATION_TOKEN
    assert decoded.expires_at == inv.expires_at


def _manifest() -> FirmwareManifest:
    m = ref.MANIFEST
    return FirmwareManifest(str(m["manufacturer"]), str(m["model"]), str(m["version"]),
                            str(m["min_version"]), int(m["size"]), str(m["sha256"]))


def _signer() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x5EC7E575, ec.SECP256R1())


def test_manifest_signed_bytes_match_the_vector() -> None:
    assert _manifest().signed_bytes().hex() == MANIFEST_SIGNED
    # What the manufacturer signs is exactly these bytes: a signature the test makes over the
    # vector (not through the product) verifies, and the product's signature verifies as such.
    key = _signer()
    raw = key.sign(bytes.fromhex(MANIFEST_SIGNED), ec.ECDSA(hashes.SHA256()))
    verify_manifest(_manifest(), base64.b64encode(raw).decode(), key.public_key())
    product_sig = base64.b64decode(sign_manifest(_manifest(), key))
    key.public_key().verify(product_sig, bytes.fromhex(MANIFEST_SIGNED), ec.ECDSA(hashes.SHA256()))
    # A signature over the bare canonical JSON (no domain-separation prefix) is refused.
    bare = bytes.fromhex(MANIFEST_SIGNED).split(b"\n", 1)[1]
    wrong = key.sign(bare, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(ManifestError):
        verify_manifest(_manifest(), base64.b64encode(wrong).decode(), key.public_key())


def test_app_spake2_matches_the_vector() -> None:
    app = ble_pake.Spake2App(ref.SETUP_CODE, ref.SERIAL, ref.BLE_DEVICE_ID, ref.BLE_INFO,
                             ephemeral=ref.BLE_X)
    assert ble_pake.derive_w(ref.SETUP_CODE, ref.SERIAL).to_bytes(32, "big").hex() == BLE_W
    assert app.pa.hex() == BLE_PA
    keys = app.finish(bytes.fromhex(BLE_PB))
    assert (keys.confirm_a.hex(), keys.confirm_b.hex()) == (BLE_CA, BLE_CB)
    assert keys.ke.hex() == BLE_KE
    assert keys.config_key().hex() == BLE_CONFIG_KEY
    assert keys.transcript_hash.hex() == BLE_TT_HASH
    sealed = ble_pake.seal_config(keys, ble_pake.NetworkConfig("home-ssid", "passphrase-1", "h1"))
    # the independently derived key opens what the app sealed
    plain = AESGCM(bytes.fromhex(BLE_CONFIG_KEY)).decrypt(
        sealed[:12], sealed[12:],
        b"shcommission/v1/ble-network-config" + bytes.fromhex(BLE_TT_HASH))
    assert b'"ssid":"home-ssid"' in plain


def test_fixed_ephemeral_scalars_are_range_checked() -> None:
    for bad in (0, ble_pake.p256.N, -1):
        with pytest.raises(ValueError):
            ble_pake.Spake2App(ref.SETUP_CODE, ref.SERIAL, "a", b"{}", ephemeral=bad)


# --------------------------------------------------------------------------- the device's side


def test_device_accepts_exactly_the_vector_setup_code_proof() -> None:
    """The virtual device's check (``VirtualDevice._proof`` → ``verify_proof``)."""
    proof = bytes.fromhex(SETUP_PROOF)
    assert verify_proof(ref.SETUP_CODE, ref.SERIAL, *NONCES, ref.LEAF_DER, proof)
    assert not verify_proof(ref.SETUP_CODE, ref.SERIAL, *NONCES, ref.LEAF_DER, _flip(proof))
    assert not verify_proof("20231105", ref.SERIAL, *NONCES, ref.LEAF_DER, proof)


def test_device_stores_the_vector_verifier_and_accepts_the_vector_admin_proof() -> None:
    """What ``VirtualDevice._put_admin_credential`` stores and ``_admin_proof`` checks."""
    verifier = admin_verifier(ref.ADMIN_CREDENTIAL, ref.SERIAL)
    assert verifier.hex() == ADMIN_VERIFIER
    proof = bytes.fromhex(ADMIN_PROOF)
    assert verify_admin_proof(verifier, *NONCES, ref.LEAF_DER, proof)
    assert not verify_admin_proof(verifier, *NONCES, ref.LEAF_DER, _flip(proof))
    assert not verify_admin_proof(_flip(verifier), *NONCES, ref.LEAF_DER, proof)


def test_virtual_gateway_redeems_the_vector_token() -> None:
    token = vh_gateway._decode_token(INVITATION_QR.split(";t=")[1].split(";")[0])
    assert token == ref.INVITATION_TOKEN
    assert hashlib.sha256(token).hexdigest() == TOKEN_SHA256


def test_virtual_ble_device_answers_with_the_vector_transcript() -> None:
    identity = BleIdentity(
        device_id="ac-living-01", kind="air-conditioner", manufacturer="Sakura Denki",
        model="SD-AC2200", serial="SDA22-000123", firmware="1.2.0",
        state=CommissioningState.FACTORY)
    assert identity.info_value(False) == ref.BLE_INFO
    device = ble_pake.Spake2Device(ref.SETUP_CODE, ref.SERIAL, identity.device_id,
                                   identity.info_value(False), ephemeral=ref.BLE_Y)
    pb, keys = device.respond(bytes.fromhex(BLE_PA))
    assert pb.hex() == BLE_PB
    assert (keys.confirm_a.hex(), keys.confirm_b.hex()) == (BLE_CA, BLE_CB)
    assert keys.config_key().hex() == BLE_CONFIG_KEY
    assert ble_pake.confirm_equal(keys.confirm_a, bytes.fromhex(BLE_CA))
    assert not ble_pake.confirm_equal(keys.confirm_a, _flip(bytes.fromhex(BLE_CA)))


def test_virtual_device_refuses_a_manifest_signed_without_the_prefix() -> None:
    """The device (firmware_slots → verify_manifest) rebuilds the prefixed bytes itself."""
    key = _signer()
    good = key.sign(bytes.fromhex(MANIFEST_SIGNED), ec.ECDSA(hashes.SHA256()))
    verify_manifest(_manifest(), base64.b64encode(good).decode(), key.public_key())
    other = _manifest().to_json() | {"version": "1.3.1"}
    with pytest.raises(ManifestError):
        verify_manifest(FirmwareManifest.from_json(other), base64.b64encode(good).decode(),
                        key.public_key())
