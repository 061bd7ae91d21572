"""The virtual home's manufacturer PKI: per-manufacturer root + intermediate CAs, rogue CAs
for counterfeits, and device attestation chains. Builders come from
:mod:`commissioner.protocol.attestation`; this module only arranges and stores them.

Stored under ``DIR/pki/<ca-key>/`` (``root.pem``, ``intermediate.pem``, and the keys
``root-key.pem`` / ``intermediate-key.pem`` with mode 0600). A rogue CA (key ``rogue-<key>``)
copies the genuine manufacturer's names but has its own keys, and its root is never written to
the trust roots file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol.attestation import (
    DeviceCertFields,
    cert_pem,
    generate_key,
    key_pem,
    make_device_certificate,
    make_intermediate,
    make_root,
)
from commissioner.virtualhome.fsutil import SECRET_MODE, write_atomic

PKI_DIR = "pki"


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    key: str  # directory name under pki/
    manufacturer: str
    rogue: bool
    root_cert: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    intermediate_cert: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey


def create_ca(key: str, manufacturer: str, *, rogue: bool = False) -> CertificateAuthority:
    root_key = generate_key()
    root = make_root(manufacturer, root_key)
    inter_key = generate_key()
    inter = make_intermediate(manufacturer, inter_key, root, root_key)
    return CertificateAuthority(key, manufacturer, rogue, root, root_key, inter, inter_key)


def save_ca(home_dir: Path, ca: CertificateAuthority) -> None:
    d = home_dir / PKI_DIR / ca.key
    write_atomic(d / "root.pem", cert_pem(ca.root_cert))
    write_atomic(d / "intermediate.pem", cert_pem(ca.intermediate_cert))
    write_atomic(d / "root-key.pem", key_pem(ca.root_key), mode=SECRET_MODE)
    write_atomic(d / "intermediate-key.pem", key_pem(ca.intermediate_key), mode=SECRET_MODE)


def issue_chain(
    ca: CertificateAuthority, fields: DeviceCertFields, device_key: ec.EllipticCurvePrivateKey
) -> list[x509.Certificate]:
    """``[leaf, intermediate]`` for a device key, issued by ``ca``'s intermediate."""
    leaf = make_device_certificate(
        fields, device_key.public_key(), ca.intermediate_cert, ca.intermediate_key
    )
    return [leaf, ca.intermediate_cert]


def self_signed_chain(
    fields: DeviceCertFields, device_key: ec.EllipticCurvePrivateKey
) -> list[x509.Certificate]:
    """A counterfeit's chain: a leaf with the genuine subject layout, signed by its own key."""
    # Build a normal leaf first (issued by a throw-away CA) to copy its exact profile, then
    # re-sign it as its own issuer.
    scratch = create_ca("scratch", fields.manufacturer)
    template = make_device_certificate(
        fields, device_key.public_key(), scratch.intermediate_cert, scratch.intermediate_key
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(template.subject)
        .issuer_name(template.subject)
        .public_key(device_key.public_key())
        .serial_number(template.serial_number)
        .not_valid_before(template.not_valid_before_utc)
        .not_valid_after(template.not_valid_after_utc)
    )
    for ext in template.extensions:
        if isinstance(ext.value, x509.AuthorityKeyIdentifier):
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(device_key.public_key()),
                critical=False,
            )
        else:
            builder = builder.add_extension(ext.value, critical=ext.critical)
    return [builder.sign(device_key, hashes.SHA256())]


def chain_pem(chain: list[x509.Certificate]) -> bytes:
    return b"".join(cert_pem(c) for c in chain)


def load_chain(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def load_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("device key is not an EC key")
    return key
