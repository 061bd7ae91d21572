"""How the virtual gateway issues owner certificates (docs/device-protocol.md sections 14, 16).

This is the device's own implementation, written from the protocol specification and not
shared with the app: the gateway is the part that must catch a bug in the app's issuer, so it
must not reproduce it.

An owner redeems an invitation with a PKCS#10 request. The gateway accepts the request only if
it is a well-formed ECDSA P-256 request signed with ECDSA-SHA256 by its own key that asks for
no CA powers; the request's subject is ignored, the gateway decides it:
``O`` copied from the issuing CA, ``OU=owner``, ``CN=owner-<epoch>``, ``serialNumber=<epoch>``.
The certificate is an end-entity certificate (BasicConstraints cA=FALSE, KeyUsage
digitalSignature, EKU clientAuth) valid from a moment ago until the issuing CA expires.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from commissioner.protocol.spec import MAX_OWNER_EPOCH, MAX_PEM_CHARS

CLOCK_SKEW: Final = dt.timedelta(hours=1)  # owners' clocks may run a little behind


class OwnerCsrRefused(Exception):
    """The owner's certificate request is not acceptable; ``reason`` goes on the wire."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class IssuerNotReady(Exception):
    """The installed issuing CA cannot issue (not a CA, key does not match, expired)."""


def _p256(key: object) -> ec.EllipticCurvePublicKey | None:
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    return None


def read_owner_csr(csr_text: str) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of an acceptable owner request; else :class:`OwnerCsrRefused`."""
    if not csr_text or len(csr_text) > MAX_PEM_CHARS:
        raise OwnerCsrRefused("csr-malformed", "the request is empty or too long")
    try:
        csr = x509.load_pem_x509_csr(csr_text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise OwnerCsrRefused("csr-malformed", "the request is not a PEM PKCS#10 request") from None
    try:
        key = _p256(csr.public_key())
    except Exception:  # noqa: BLE001 - an unreadable key type is a refusal, not a crash
        key = None
    if key is None:
        raise OwnerCsrRefused("csr-weak-key", "only ECDSA P-256 keys are accepted")
    if csr.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
        raise OwnerCsrRefused("csr-bad-algorithm", "the request is not signed with ECDSA-SHA256")
    try:
        signed = csr.is_signature_valid
        requested = [ext.value for ext in csr.extensions]
    except Exception:  # noqa: BLE001 - hostile encodings are refused, never raised
        raise OwnerCsrRefused("csr-malformed", "the request cannot be read") from None
    if not signed:
        raise OwnerCsrRefused("csr-bad-signature", "the request is not signed by its own key")
    for value in requested:
        wants_ca = isinstance(value, x509.BasicConstraints) and value.ca
        wants_signing = isinstance(value, x509.KeyUsage) and (
            value.key_cert_sign or value.crl_sign
        )
        if wants_ca or wants_signing:
            raise OwnerCsrRefused("csr-ca-request", "an owner certificate cannot be a CA")
    return key


def issue_owner(
    issuer: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    owner_key: ec.EllipticCurvePublicKey,
    *,
    epoch: int,
    now: dt.datetime,
) -> x509.Certificate:
    """The owner certificate for ``owner_key`` at ``epoch``, signed by the issuing CA.

    Raises :class:`IssuerNotReady` if the issuing CA cannot issue."""
    if isinstance(epoch, bool) or not 1 <= epoch <= MAX_OWNER_EPOCH:
        raise ValueError("owner epoch out of range")
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        raise IssuerNotReady("the issuing CA lacks CA extensions") from None
    if not constraints.ca or issuer_key.public_key() != issuer.public_key():
        raise IssuerNotReady("the issuing CA key does not belong to a CA certificate")
    if issuer.not_valid_after_utc <= now:
        raise IssuerNotReady("the issuing CA has expired")
    organisation = [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(attr.value))
        for attr in issuer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[:1]
    ]
    subject = x509.Name(
        [
            *organisation,
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "owner"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"owner-{epoch}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, str(epoch)),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(owner_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now - CLOCK_SKEW, issuer.not_valid_before_utc))
        .not_valid_after(issuer.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(owner_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
