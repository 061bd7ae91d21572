"""SPAKE2 over P-256 (RFC 9382) with key confirmation, and the sealed network configuration.

Why SPAKE2: the session is authenticated with the 8-digit setup code, a low-entropy secret. A
plain HMAC proof over BLE (as over TLS, spec section 8) would be an offline guessing oracle for
anybody who records it on the radio, and the radio has no attested TLS channel to bind it to.
With a PAKE, an eavesdropper learns nothing about the code, and an active attacker (an impostor
device or app) gets exactly one online guess per session (the device rate-limits sessions).

Construction (RFC 9382, ciphersuite P256-SHA256-HKDF-HMAC; app = A, device = B)::

    w    = int(HKDF-SHA256(ikm = setup code, salt = serial, info = PAKE_W_INFO, L = 40)) mod n
    pA   = x·G + w·M          (app, x random)
    pB   = y·G + w·N          (device, y random)
    K    = x·(pB − w·N) = y·(pA − w·M)
    TT   = len‖A ‖ len‖B ‖ len‖pA ‖ len‖pB ‖ len‖K ‖ len‖w      (len: 8 bytes little-endian)
    Ke‖Ka   = SHA-256(TT)
    KcA‖KcB = HKDF-SHA256(ikm = Ka, salt = none, info = "ConfirmationKeys" ‖ AAD, L = 32)
    cA = HMAC-SHA256(KcA, TT),  cB = HMAC-SHA256(KcB, TT)
    AAD = PAKE_CONTEXT ‖ SHA-256(the device's info characteristic value)

A = ``PAKE_IDENTITY_APP``, B = the device id (ASCII). M and N are the RFC 9382 P-256 constants.
The network configuration is sealed with AES-256-GCM under
``HKDF-SHA256(ikm = Ke, info = CONFIG_KEY_INFO, L = 32)``, a random 96-bit nonce, and
``CONFIG_AAD ‖ TT-hash`` as associated data. The key is used for exactly one message.

Every primitive is CRYPTREC-listed (ECDH-class P-256 group operations, SHA-256, HMAC-SHA256,
HKDF-SHA256, AES-GCM) and comes from ``cryptography`` except the point additions and arbitrary-
point multiplications of :mod:`.p256`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commissioner.protocol import p256
from commissioner.protocol.ble_errors import MalformedBleError
from commissioner.protocol.ble_spec import (
    CONFIG_AAD,
    CONFIG_KEY_INFO,
    GCM_NONCE_BYTES,
    GCM_TAG_BYTES,
    MAC_BYTES,
    MAX_CONFIG_PLAINTEXT,
    MAX_PASSPHRASE_CHARS,
    MAX_SSID_BYTES,
    MIN_PASSPHRASE_CHARS,
    PAKE_CONTEXT,
    PAKE_IDENTITY_APP,
    PAKE_W_INFO,
    POINT_BYTES,
)
from commissioner.protocol.spec import SETUP_CODE_RE

# RFC 9382 section 6, P-256 (compressed SEC1).
M: Final = p256.decode(
    bytes.fromhex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f")
)
N: Final = p256.decode(
    bytes.fromhex("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49")
)


def derive_w(setup_code: str, serial: str) -> int:
    if not isinstance(setup_code, str) or not SETUP_CODE_RE.fullmatch(setup_code):
        raise ValueError("setup code must be 8 digits")
    raw = HKDF(
        algorithm=hashes.SHA256(), length=40, salt=serial.encode("utf-8"), info=PAKE_W_INFO
    ).derive(setup_code.encode("ascii"))
    return int.from_bytes(raw, "big") % p256.N


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


def _random_scalar() -> int:
    return secrets.randbelow(p256.N - 1) + 1


def _decode_share(data: bytes, what: str) -> p256.Point:
    if len(data) != POINT_BYTES:
        raise MalformedBleError("malformed-pake", f"{what} is not a 65-byte P-256 point")
    try:
        return p256.decode(bytes(data))
    except p256.PointError as exc:
        raise MalformedBleError("malformed-pake", f"{what}: {exc}") from None


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """What both sides hold after a SPAKE2 run (before confirmation is checked)."""

    transcript_hash: bytes
    ke: bytes = field(repr=False)
    confirm_a: bytes = field(repr=False)  # cA, sent by the app
    confirm_b: bytes = field(repr=False)  # cB, sent by the device

    def config_key(self) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CONFIG_KEY_INFO).derive(
            self.ke
        )


def _schedule(
    id_a: bytes, id_b: bytes, pa: bytes, pb: bytes, k: p256.Point, w: int, aad: bytes
) -> SessionKeys:
    if k is None:
        raise MalformedBleError("malformed-pake", "the shared point is the identity")
    tt = (
        _lp(id_a)
        + _lp(id_b)
        + _lp(pa)
        + _lp(pb)
        + _lp(p256.encode(k))
        + _lp(w.to_bytes(32, "big"))
    )
    digest = hashlib.sha256(tt).digest()
    ke, ka = digest[:16], digest[16:]
    kc = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ConfirmationKeys" + aad
    ).derive(ka)
    kca, kcb = kc[:16], kc[16:]
    return SessionKeys(
        transcript_hash=hashlib.sha256(b"TT" + tt).digest(),
        ke=ke,
        confirm_a=hmac.new(kca, tt, hashlib.sha256).digest(),
        confirm_b=hmac.new(kcb, tt, hashlib.sha256).digest(),
    )


def session_aad(info_value: bytes) -> bytes:
    return PAKE_CONTEXT + hashlib.sha256(info_value).digest()


def _ephemeral(scalar: int | None) -> int:
    """A fresh random scalar, or the fixed one of a known-answer test (spec section 18.6)."""
    if scalar is None:
        return _random_scalar()
    if isinstance(scalar, bool) or not isinstance(scalar, int) or not 0 < scalar < p256.N:
        raise ValueError("the ephemeral scalar must be in 1..n-1")
    return scalar


class Spake2App:
    """The app's side (A). ``start()`` gives pA; ``finish(pB)`` gives the session keys.

    ``ephemeral`` fixes x for the known-answer vectors only; never pass it otherwise."""

    def __init__(
        self,
        setup_code: str,
        serial: str,
        device_id: str,
        info_value: bytes,
        *,
        ephemeral: int | None = None,
    ) -> None:
        self._w = derive_w(setup_code, serial)
        self._x = _ephemeral(ephemeral)
        self._id_b = device_id.encode("ascii")
        self._aad = session_aad(info_value)
        x_g = p256.multiply_base(self._x)
        self.pa = p256.encode(p256.add(x_g, p256.multiply(self._w, M)))

    def finish(self, pb: bytes) -> SessionKeys:
        y_share = _decode_share(pb, "pB")
        q = p256.add(y_share, p256.negate(p256.multiply(self._w, N)))
        k = p256.multiply(self._x, q)
        return _schedule(PAKE_IDENTITY_APP, self._id_b, self.pa, bytes(pb), k, self._w, self._aad)


class Spake2Device:
    """The device's side (B): ``respond(pA)`` gives pB and the session keys.

    ``ephemeral`` fixes y for the known-answer vectors only; never pass it otherwise."""

    def __init__(
        self,
        setup_code: str,
        serial: str,
        device_id: str,
        info_value: bytes,
        *,
        ephemeral: int | None = None,
    ) -> None:
        self._fixed_y = None if ephemeral is None else _ephemeral(ephemeral)
        self._w = derive_w(setup_code, serial)
        self._id_b = device_id.encode("ascii")
        self._aad = session_aad(info_value)
        self._w_m = p256.negate(p256.multiply(self._w, M))
        self._w_n = p256.multiply(self._w, N)

    def respond(self, pa: bytes) -> tuple[bytes, SessionKeys]:
        x_share = _decode_share(pa, "pA")
        y = _ephemeral(self._fixed_y)
        pb = p256.encode(p256.add(p256.multiply_base(y), self._w_n))
        k = p256.multiply(y, p256.add(x_share, self._w_m))
        keys = _schedule(PAKE_IDENTITY_APP, self._id_b, bytes(pa), pb, k, self._w, self._aad)
        return pb, keys


def confirm_equal(expected: bytes, received: bytes) -> bool:
    return len(received) == MAC_BYTES and hmac.compare_digest(expected, bytes(received))


# Network configuration ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """The home network a device is given. The passphrase is a secret (kept out of repr)."""

    ssid: str
    passphrase: str = field(repr=False)
    home_id: str

    def validate(self) -> None:
        if not 0 < len(self.ssid.encode("utf-8")) <= MAX_SSID_BYTES:
            raise ValueError(f"SSID must be 1..{MAX_SSID_BYTES} bytes")
        if not (
            MIN_PASSPHRASE_CHARS <= len(self.passphrase) <= MAX_PASSPHRASE_CHARS
            and self.passphrase.isascii()
            and self.passphrase.isprintable()
        ):
            raise ValueError(
                f"passphrase must be {MIN_PASSPHRASE_CHARS}..{MAX_PASSPHRASE_CHARS} printable "
                "ASCII characters"
            )
        if not 0 < len(self.home_id) <= 64 or not self.home_id.isascii():
            raise ValueError("home id must be 1..64 ASCII characters")

    def to_bytes(self) -> bytes:
        self.validate()
        body: dict[str, Any] = {"ssid": self.ssid, "passphrase": self.passphrase,
                                "home_id": self.home_id}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes) -> NetworkConfig:
        """Strict parse; MalformedBleError for anything else."""
        if len(data) > MAX_CONFIG_PLAINTEXT:
            raise MalformedBleError("bad-config", "configuration is too long")
        try:
            raw = json.loads(data.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise MalformedBleError("bad-config", "configuration is not ASCII JSON") from None
        if not isinstance(raw, dict) or set(raw) != {"ssid", "passphrase", "home_id"}:
            raise MalformedBleError("bad-config", "configuration has the wrong members")
        if not all(isinstance(v, str) for v in raw.values()):
            raise MalformedBleError("bad-config", "configuration values must be strings")
        config = cls(raw["ssid"], raw["passphrase"], raw["home_id"])
        try:
            config.validate()
        except ValueError as exc:
            raise MalformedBleError("bad-config", str(exc)) from None
        return config


def seal_config(keys: SessionKeys, config: NetworkConfig) -> bytes:
    """nonce (12) ‖ AES-256-GCM(ciphertext ‖ tag)."""
    nonce = secrets.token_bytes(GCM_NONCE_BYTES)
    sealed = AESGCM(keys.config_key()).encrypt(
        nonce, config.to_bytes(), CONFIG_AAD + keys.transcript_hash
    )
    return nonce + sealed


def open_config(keys: SessionKeys, blob: bytes) -> NetworkConfig:
    if len(blob) < GCM_NONCE_BYTES + GCM_TAG_BYTES + 2:
        raise MalformedBleError("bad-config", "sealed configuration is too short")
    nonce, sealed = blob[:GCM_NONCE_BYTES], blob[GCM_NONCE_BYTES:]
    try:
        plain = AESGCM(keys.config_key()).decrypt(
            nonce, bytes(sealed), CONFIG_AAD + keys.transcript_hash
        )
    except InvalidTag:
        raise MalformedBleError("bad-config", "sealed configuration does not verify") from None
    return NetworkConfig.from_bytes(plain)
