"""The cryptography of job bundles (CRYPTREC algorithms, all from ``cryptography``).

* An installation has two P-256 keys: one signs bundles (ECDSA with SHA-256), one receives
  secrets (ECDH). Its *card* is a PEM file with two certificates: the signing key's
  self-signed certificate and the receiving key's certificate issued by the signing key.
* Secrets are encrypted to a card: an ephemeral P-256 key, ECDH with the card's receiving
  key, HKDF-SHA256 (salt: both public keys; info: the purpose and the context), AES-256-GCM
  with the context as associated data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from commissioner.errors import UserError

HKDF_INFO: Final = b"commissioner job bundle secrets v1"
SIGN_CONTEXT: Final = b"commissioner job bundle v1\0"
NONCE_BYTES: Final = 12
CARD_VALIDITY: Final = dt.timedelta(days=10 * 365)
MAX_CARD_BYTES: Final = 16 * 1024


class BundleCryptoError(UserError):
    """A card, signature or encrypted part is not what it must be."""


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def key_fingerprint(key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 (hex) of the public key's SubjectPublicKeyInfo."""
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True, slots=True)
class Card:
    """An installation's public card: who signs, and where secrets are encrypted to."""

    signing: x509.Certificate
    receiving: x509.Certificate

    @property
    def signing_key(self) -> ec.EllipticCurvePublicKey:
        key = self.signing.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key

    @property
    def receiving_key(self) -> ec.EllipticCurvePublicKey:
        key = self.receiving.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key

    @property
    def signer_id(self) -> str:
        return key_fingerprint(self.signing_key)

    @property
    def recipient_id(self) -> str:
        return key_fingerprint(self.receiving_key)

    def pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.signing, self.receiving))


def make_card(signing: ec.EllipticCurvePrivateKey, receiving: ec.EllipticCurvePublicKey,
              name: str, *, now: dt.datetime | None = None) -> Card:
    moment = now or dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:60]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "commissioner")])

    def cert(key: ec.EllipticCurvePublicKey, usage: x509.KeyUsage) -> x509.Certificate:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key).serial_number(x509.random_serial_number())
                .not_valid_before(moment - dt.timedelta(hours=1))
                .not_valid_after(moment + CARD_VALIDITY)
                .add_extension(usage, critical=True)
                .sign(signing, hashes.SHA256()))

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False,
                             key_encipherment=False, data_encipherment=False,
                             key_agreement=not sign, key_cert_sign=sign, crl_sign=False,
                             encipher_only=False, decipher_only=False)

    return Card(cert(signing.public_key(), usage(True)), cert(receiving, usage(False)))


def load_card(data: bytes, where: str) -> Card:
    """Parse and check a card (two P-256 certificates, the second signed by the first)."""
    if len(data) > MAX_CARD_BYTES:
        raise BundleCryptoError(code="card.too-large", params={"path": where})
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise BundleCryptoError(code="card.no-pem", params={"path": where}) from None
    if len(certs) != 2:
        raise BundleCryptoError(code="card.not-two-certs", params={"path": where})
    card = Card(certs[0], certs[1])
    for c in certs:
        key = c.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise BundleCryptoError(code="card.not-p256", params={"path": where})
    try:
        card.signing_key.verify(card.signing.signature, card.signing.tbs_certificate_bytes,
                                ec.ECDSA(hashes.SHA256()))
        card.signing_key.verify(card.receiving.signature, card.receiving.tbs_certificate_bytes,
                                ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BundleCryptoError(code="card.mismatched", params={"path": where}) from None
    return card


def sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> bytes:
    return key.sign(SIGN_CONTEXT + body, ec.ECDSA(hashes.SHA256()))


def signature_ok(card: Card, body: bytes, signature: bytes) -> bool:
    try:
        card.signing_key.verify(signature, SIGN_CONTEXT + body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes, context: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=HKDF_INFO + b"\0" + context).derive(shared)


@dataclass(frozen=True, slots=True)
class Sealed:
    ephemeral: bytes  # uncompressed P-256 point
    nonce: bytes
    ciphertext: bytes


def encrypt_to(recipient: ec.EllipticCurvePublicKey, plaintext: bytes, context: bytes
               ) -> Sealed:
    eph = ec.generate_private_key(ec.SECP256R1())
    shared = eph.exchange(ec.ECDH(), recipient)
    eph_point = _point(eph.public_key())
    key = _derive(shared, eph_point, _point(recipient), context)
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(eph_point, nonce, AESGCM(key).encrypt(nonce, plaintext, context))


def decrypt_with(own: ec.EllipticCurvePrivateKey, sealed: Sealed, context: bytes) -> bytes:
    try:
        eph = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sealed.ephemeral)
    except ValueError:
        raise BundleCryptoError(
            code="bundle.secrets-damaged", params={"detail": "ephemeral key"}) from None
    shared = own.exchange(ec.ECDH(), eph)
    key = _derive(shared, sealed.ephemeral, _point(own.public_key()), context)
    if len(sealed.nonce) != NONCE_BYTES:
        raise BundleCryptoError(code="bundle.secrets-damaged", params={"detail": "nonce"})
    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, context)
    except InvalidTag:
        raise BundleCryptoError(code="bundle.secrets-no-decrypt") from None
