"""Certificate handling of a provisioned virtual device: CSRs, operational certificate checks,
client-certificate roles, the gateway challenge signature and owner-certificate issuing.

Everything is ECDSA P-256 / SHA-256 (CRYPTREC-listed); the only other key types in here are
the deliberately weak ones the ``weak-csr`` fault hook produces.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from commissioner.protocol.spec import MAX_OWNER_EPOCH, MAX_PEM_CHARS, CertRole


def fingerprint(cert: x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the certificate's DER (the allow-list fingerprint)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def pem_text(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_one_cert(value: object) -> x509.Certificate | None:
    """Exactly one PEM certificate from ``value`` (a str of at most MAX_PEM_CHARS), else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_PEM_CHARS:
        return None
    try:
        certs = x509.load_pem_x509_certificates(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return certs[0] if len(certs) == 1 else None


def subject_value(
    cert: x509.Certificate | x509.CertificateSigningRequest, oid: x509.ObjectIdentifier
) -> str | None:
    attrs = cert.subject.get_attributes_for_oid(oid)
    if len(attrs) != 1:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else None


def is_p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


def same_public_key(a: object, b: object) -> bool:
    if not (is_p256(a) and is_p256(b)):
        return False
    assert isinstance(a, ec.EllipticCurvePublicKey) and isinstance(b, ec.EllipticCurvePublicKey)
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*fmt) == b.public_bytes(*fmt)


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``cert`` is signed by ``issuer`` (names, signature) and ``issuer`` is a CA."""
    try:
        bc = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not bc.ca:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def in_validity(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def check_chain_to_root(
    leaf: x509.Certificate, chain: list[x509.Certificate], now: dt.datetime
) -> str | None:
    """None if ``leaf`` chains through ``chain`` to its last element, a self-signed CA.

    Otherwise a short reason (``untrusted-certificate``, ``certificate-expired``).
    """
    if not chain:
        return "untrusted-certificate"
    path = [leaf, *chain]
    for child, parent in itertools.pairwise(path):
        if not issued_by(child, parent):
            return "untrusted-certificate"
    if not issued_by(chain[-1], chain[-1]):
        return "untrusted-certificate"
    if not all(in_validity(c, now) for c in path):
        return "certificate-expired"
    return None


def is_self_signed_ca(cert: x509.Certificate) -> bool:
    return is_p256(cert.public_key()) and issued_by(cert, cert)


# --- CSRs -----------------------------------------------------------------------------------


def make_csr(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, common_name: str) -> str:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def weak_csr(variant: str, common_name: str) -> str:
    """A CSR with a key outside the profile (``rsa-2048`` or ``p-384``), for the fault hook."""
    if variant == "p-384":
        return make_csr(ec.generate_private_key(ec.SECP384R1()), common_name)
    return make_csr(rsa.generate_private_key(public_exponent=65537, key_size=2048), common_name)


def malformed_csr() -> str:
    junk = base64.encodebytes(b"this is not a certificate signing request" * 3).decode("ascii")
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{junk}-----END CERTIFICATE REQUEST-----\n"


def load_csr(value: object) -> x509.CertificateSigningRequest | None:
    """A CSR with a valid self-signature and a P-256 key, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_PEM_CHARS:
        return None
    try:
        csr = x509.load_pem_x509_csr(value.encode("ascii"))
        if not csr.is_signature_valid or not is_p256(csr.public_key()):
            return None
    except (ValueError, UnicodeEncodeError):
        return None
    return csr


# --- client certificates --------------------------------------------------------------------


def client_role(
    cert_der: bytes, home_ca: x509.Certificate
) -> tuple[CertRole, int | None] | str:
    """Role (and owner epoch) of a TLS client certificate the handshake verified against
    ``home_ca``; or a reason string if it grants nothing.

    Roles ``gateway``, ``commissioner`` and ``device`` must be issued directly by the home CA
    (the gateway's issuing CA may only make owner certificates); ``owner`` certificates carry
    the owner epoch in the subject ``serialNumber``.
    """
    try:
        cert = x509.load_der_x509_certificate(cert_der)
    except ValueError:
        return "untrusted-client-certificate"
    ou = subject_value(cert, NameOID.ORGANIZATIONAL_UNIT_NAME)
    try:
        role = CertRole(ou or "")
    except ValueError:
        return "unknown-role"
    if role is CertRole.OWNER:
        text = subject_value(cert, NameOID.SERIAL_NUMBER) or ""
        if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_OWNER_EPOCH:
            return "owner-without-epoch"
        return role, int(text)
    if not issued_by(cert, home_ca):
        return "untrusted-client-certificate"
    return role, None


# --- gateway challenge (SR2-H-2 / SR2-D-2) ---------------------------------------------------


def challenge_message(nonce: bytes, gateway_cert_der: bytes) -> bytes:
    return nonce + hashlib.sha256(gateway_cert_der).digest()


def sign_challenge(key: ec.EllipticCurvePrivateKey, nonce: bytes, gateway_cert_der: bytes) -> bytes:
    return key.sign(challenge_message(nonce, gateway_cert_der), ec.ECDSA(hashes.SHA256()))


def verify_challenge(
    cert: x509.Certificate, nonce: bytes, gateway_cert_der: bytes, signature: bytes
) -> bool:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not is_p256(key):
        return False
    try:
        key.verify(signature, challenge_message(nonce, gateway_cert_der), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
