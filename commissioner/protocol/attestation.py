"""Device attestation certificates (spec section 4): build them (manufacturer side) and
check them (app side).

Profile: device leaf (ECDSA P-256 key) ← manufacturer intermediate (P-256) ← manufacturer root
(P-256), every signature ECDSA with SHA-256. The leaf subject holds exactly O=manufacturer,
CN=device id, serialNumber=serial, the model number (``spec.OID_MODEL_NUMBER``) and the device
kind (``spec.OID_DEVICE_KIND``); intermediate and root carry the same O.

The parsing and checking functions are total: they return a result or raise
:class:`AttestationError` / :class:`UntrustedDeviceError`, never anything else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from commissioner.protocol.errors import (
    AttestationError,
    DeviceProtocolError,
    UntrustedDeviceError,
)
from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    NAME_RE,
    OID_DEVICE_KIND,
    OID_MODEL_NUMBER,
    SERIAL_RE,
    DeviceKind,
)

MODEL_NUMBER_OID: x509.ObjectIdentifier = x509.ObjectIdentifier(OID_MODEL_NUMBER)
DEVICE_KIND_OID: x509.ObjectIdentifier = x509.ObjectIdentifier(OID_DEVICE_KIND)
PUBLIC_KEY_TYPE = "ec-p256"
MAX_CERT_DER_BYTES = 8192
MAX_CHAIN_CERTS = 4
# RFC 5280: "no well-defined expiration date" for device certificates.
NO_EXPIRY = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)

_KINDS = frozenset(k.value for k in DeviceKind)
_DISPLAY_NAMES = {
    NameOID.SERIAL_NUMBER: "serialNumber",
    MODEL_NUMBER_OID: "model",
    DEVICE_KIND_OID: "kind",
}
_LEAF_ATTRS = {
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.COMMON_NAME: "CN",
    NameOID.SERIAL_NUMBER: "serialNumber",
    MODEL_NUMBER_OID: "model",
    DEVICE_KIND_OID: "kind",
}


@dataclass(frozen=True, slots=True)
class DeviceCertFields:
    device_id: str
    manufacturer: str
    model: str
    serial: str
    kind: str


@dataclass(frozen=True, slots=True)
class AttestedIdentity:
    device_id: str
    manufacturer: str
    model: str
    serial: str
    kind: str
    fingerprint_sha256: str  # hex SHA-256 of the leaf DER
    not_before: dt.datetime
    not_after: dt.datetime
    public_key_type: str


@dataclass(frozen=True, slots=True)
class ChainSummary:
    subjects: list[str]  # leaf, intermediate, root (RFC 4514 strings)
    root_fingerprint: str  # hex SHA-256 of the root DER
    manufacturer: str


# Builders (manufacturer side) -----------------------------------------------------------------


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _window(
    not_before: dt.datetime | None, not_after: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    return (not_before or _now() - dt.timedelta(days=1), not_after or NO_EXPIRY)


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer_public_key: ec.EllipticCurvePublicKey,
    path_length: int | None,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
) -> x509.CertificateBuilder:
    start, end = _window(not_before, not_after)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key),
            critical=False,
        )
    )


def make_root(
    manufacturer: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, manufacturer),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{manufacturer} Device Attestation Root"),
        ]
    )
    pub = key.public_key()
    builder = _ca_builder(name, name, pub, pub, 1, not_before, not_after)
    return builder.sign(key, hashes.SHA256())


def make_intermediate(
    manufacturer: str,
    key: ec.EllipticCurvePrivateKey,
    root_cert: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    common_name: str | None = None,
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, manufacturer),
            x509.NameAttribute(
                NameOID.COMMON_NAME, common_name or f"{manufacturer} Device Attestation CA"
            ),
        ]
    )
    builder = _ca_builder(
        name, root_cert.subject, key.public_key(), root_key.public_key(), 0, not_before, not_after
    )
    return builder.sign(root_key, hashes.SHA256())


def device_subject(identity: DeviceCertFields) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.manufacturer),
            x509.NameAttribute(NameOID.COMMON_NAME, identity.device_id),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, identity.serial),
            x509.NameAttribute(MODEL_NUMBER_OID, identity.model),
            x509.NameAttribute(DEVICE_KIND_OID, identity.kind),
        ]
    )


def make_device_certificate(
    identity: DeviceCertFields,
    device_public_key: ec.EllipticCurvePublicKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    start, end = _window(not_before, not_after)
    return (
        x509.CertificateBuilder()
        .subject_name(device_subject(identity))
        .issuer_name(issuer_cert.subject)
        .public_key(device_public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(device_public_key), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (for ``tls.server_context``); protect it like the key itself."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# Parsing and checking (app side) --------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_pem_bundle(data: bytes) -> list[x509.Certificate]:
    """All certificates in a PEM bundle ([] if it holds none); AttestationError if unreadable."""
    if not isinstance(data, bytes | bytearray):
        raise AttestationError("malformed-pem", "certificate bundle is not bytes")
    if b"-----BEGIN" not in data:
        return []
    try:
        return x509.load_pem_x509_certificates(bytes(data))
    except Exception as exc:  # noqa: BLE001 - bundle may come from anywhere
        raise AttestationError(
            "malformed-pem", f"certificate bundle is not readable PEM ({type(exc).__name__})"
        ) from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hostile certificates (e.g. negative serials) make ``cryptography`` warn before we
    reject them; the rejection is the report, so the warning is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        yield


def _short(value: object) -> str:
    text = repr(value)
    return text[:40] + ("…" if len(text) > 40 else "")


def _load_der(der: bytes, what: str) -> x509.Certificate:
    if not isinstance(der, bytes | bytearray):
        raise AttestationError("malformed-certificate", f"{what} certificate is not bytes")
    if len(der) > MAX_CERT_DER_BYTES:
        raise AttestationError("malformed-certificate", f"{what} certificate is too large")
    try:
        cert = x509.load_der_x509_certificate(bytes(der))
    except Exception:  # noqa: BLE001
        raise AttestationError(
            "malformed-certificate", f"{what} certificate is not a readable X.509 certificate"
        ) from None
    return cert


def _check_common(cert: x509.Certificate, what: str) -> None:
    """Checks every certificate of the chain must pass."""
    if cert.version is not x509.Version.v3:
        raise AttestationError("profile-violation", f"{what} certificate is not X.509 v3")
    serial = cert.serial_number
    if serial <= 0 or serial.bit_length() > 159:
        raise AttestationError(
            "profile-violation", f"{what} certificate serial number is out of range"
        )
    if cert.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
        raise AttestationError(
            "profile-violation", f"{what} certificate is not signed with ECDSA/SHA-256"
        )
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise AttestationError(
            "wrong-key-type", f"{what} certificate key is not an ECDSA P-256 key"
        )
    if cert.not_valid_before_utc >= cert.not_valid_after_utc:
        raise AttestationError("profile-violation", f"{what} certificate validity is empty")
    # Accessing the extensions parses them all: duplicates and garbage raise here.
    exts = cert.extensions
    try:
        bc = exts.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        raise AttestationError(
            "profile-violation", f"{what} certificate has no basic constraints"
        ) from None
    if not bc.critical:
        raise AttestationError(
            "profile-violation", f"{what} certificate basic constraints are not critical"
        )
    for ext_class in (x509.SubjectKeyIdentifier, x509.KeyUsage):
        try:
            exts.get_extension_for_class(ext_class)
        except x509.ExtensionNotFound:
            raise AttestationError(
                "profile-violation", f"{what} certificate lacks {ext_class.__name__}"
            ) from None


def _single_attributes(name: x509.Name, what: str) -> dict[x509.ObjectIdentifier, str]:
    out: dict[x509.ObjectIdentifier, str] = {}
    for rdn in name.rdns:
        if len(rdn) != 1:
            raise AttestationError(
                "profile-violation", f"{what} subject has a multi-valued name component"
            )
        for attr in rdn:
            if attr.oid in out:
                raise AttestationError(
                    "profile-violation",
                    f"{what} subject repeats the {_LEAF_ATTRS.get(attr.oid, 'same')} attribute",
                )
            if not isinstance(attr.value, str):
                raise AttestationError(
                    "profile-violation", f"{what} subject has a non-text attribute"
                )
            out[attr.oid] = attr.value
    return out


def _organization(cert: x509.Certificate, what: str) -> str:
    attrs = _single_attributes(cert.subject, what)
    org = attrs.get(NameOID.ORGANIZATION_NAME)
    if org is None or not NAME_RE.fullmatch(org):
        raise AttestationError(
            "profile-violation", f"{what} certificate has no valid organisation (O)"
        )
    return org


def parse_attestation_certificate(der: bytes) -> AttestedIdentity:
    """Parse and profile-check a device leaf certificate. Raises only AttestationError."""
    try:
        with _quiet():
            return _parse_leaf(der)
    except AttestationError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile certificates must not crash the app
        raise AttestationError(
            "malformed-certificate", f"device certificate is unreadable ({type(exc).__name__})"
        ) from None


def _parse_leaf(der: bytes) -> AttestedIdentity:
    cert = _load_der(der, "device")
    _check_common(cert, "device")
    exts = cert.extensions
    bc = exts.get_extension_for_class(x509.BasicConstraints).value
    if bc.ca:
        raise AttestationError("profile-violation", "device certificate claims to be a CA")
    ku = exts.get_extension_for_class(x509.KeyUsage).value
    if not ku.digital_signature or ku.key_cert_sign or ku.crl_sign:
        raise AttestationError("profile-violation", "device certificate key usage is wrong")
    try:
        eku = exts.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise AttestationError(
            "profile-violation", "device certificate has no extended key usage"
        ) from None
    if ExtendedKeyUsageOID.SERVER_AUTH not in list(eku):
        raise AttestationError("profile-violation", "device certificate is not for serverAuth")
    try:
        exts.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        raise AttestationError(
            "profile-violation", "device certificate has no authority key identifier"
        ) from None

    attrs = _single_attributes(cert.subject, "device")
    unknown = set(attrs) - set(_LEAF_ATTRS)
    if unknown:
        raise AttestationError(
            "profile-violation", "device certificate subject has unexpected attributes"
        )
    for oid, label in _LEAF_ATTRS.items():
        if oid not in attrs:
            raise AttestationError(
                "missing-attribute", f"device certificate subject has no {label} attribute"
            )
    manufacturer = attrs[NameOID.ORGANIZATION_NAME]
    device_id = attrs[NameOID.COMMON_NAME]
    serial = attrs[NameOID.SERIAL_NUMBER]
    model = attrs[MODEL_NUMBER_OID]
    kind = attrs[DEVICE_KIND_OID]
    if not NAME_RE.fullmatch(manufacturer):
        raise AttestationError("bad-attribute", f"manufacturer {_short(manufacturer)} is invalid")
    if not DEVICE_ID_RE.fullmatch(device_id):
        raise AttestationError("bad-attribute", f"device id {_short(device_id)} is invalid")
    if not SERIAL_RE.fullmatch(serial):
        raise AttestationError("bad-attribute", f"serial number {_short(serial)} is invalid")
    if not NAME_RE.fullmatch(model):
        raise AttestationError("bad-attribute", f"model number {_short(model)} is invalid")
    if kind not in _KINDS:
        raise AttestationError("bad-attribute", f"device kind {_short(kind)} is unknown")
    return AttestedIdentity(
        device_id=device_id,
        manufacturer=manufacturer,
        model=model,
        serial=serial,
        kind=kind,
        fingerprint_sha256=sha256_hex(bytes(der)),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        public_key_type=PUBLIC_KEY_TYPE,
    )


def _check_ca(cert: x509.Certificate, what: str) -> None:
    _check_common(cert, what)
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    if not bc.ca:
        raise AttestationError("profile-violation", f"{what} certificate is not a CA")
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    if not ku.key_cert_sign:
        raise AttestationError(
            "profile-violation", f"{what} certificate may not sign certificates"
        )


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - any failure means "not issued by"
        return False
    return True


def _check_time(cert: x509.Certificate, what: str, now: dt.datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise UntrustedDeviceError(
            "certificate-not-yet-valid", f"the {what} certificate is not valid yet"
        )
    if now > cert.not_valid_after_utc:
        raise UntrustedDeviceError("certificate-expired", f"the {what} certificate has expired")


def check_root(cert: x509.Certificate) -> str:
    """Profile-check a trust-store root; returns its manufacturer (O)."""
    try:
        _check_ca(cert, "root")
        if cert.subject != cert.issuer or not _signed_by(cert, cert):
            raise AttestationError("profile-violation", "root certificate is not self-signed")
        return _organization(cert, "root")
    except DeviceProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise AttestationError(
            "malformed-certificate", f"root certificate is unreadable ({type(exc).__name__})"
        ) from None


def verify_chain(
    leaf_der: bytes,
    chain_ders: Sequence[bytes],
    roots: Sequence[x509.Certificate],
    *,
    now: dt.datetime,
) -> ChainSummary:
    """Verify leaf ← intermediate ← trusted root.

    ``chain_ders`` holds the intermediate; a leading copy of the leaf is allowed and skipped
    (devices send ``[leaf, intermediate]``). Raises AttestationError for certificates that
    break the profile and UntrustedDeviceError when the chain does not lead to a trusted root,
    the manufacturer names disagree, or a certificate is outside its validity window.
    """
    try:
        with _quiet():
            return _verify_chain(leaf_der, chain_ders, roots, now)
    except DeviceProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise AttestationError(
            "malformed-chain", f"certificate chain is unreadable ({type(exc).__name__})"
        ) from None


def _verify_chain(
    leaf_der: bytes,
    chain_ders: Sequence[bytes],
    roots: Sequence[x509.Certificate],
    now: dt.datetime,
) -> ChainSummary:
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    identity = parse_attestation_certificate(leaf_der)
    leaf = x509.load_der_x509_certificate(bytes(leaf_der))
    rest = [bytes(d) for d in chain_ders]
    if len(rest) > MAX_CHAIN_CERTS:
        raise AttestationError("malformed-chain", "certificate chain is too long")
    if rest and rest[0] == bytes(leaf_der):
        rest = rest[1:]
    if len(rest) != 1:
        raise AttestationError(
            "malformed-chain",
            f"expected exactly one intermediate certificate, got {len(rest)}",
        )
    inter = _load_der(rest[0], "intermediate")
    _check_ca(inter, "intermediate")
    if not _signed_by(leaf, inter):
        raise UntrustedDeviceError(
            "untrusted-chain", "the device certificate is not signed by the intermediate"
        )
    inter_org = _organization(inter, "intermediate")
    if inter_org != identity.manufacturer:
        raise UntrustedDeviceError(
            "manufacturer-mismatch",
            f"the device claims manufacturer {identity.manufacturer!r} but its certificate "
            f"was issued by {inter_org!r}",
        )
    root: x509.Certificate | None = None
    for candidate in roots:
        if candidate.subject == inter.issuer and _signed_by(inter, candidate):
            root = candidate
            break
    if root is None:
        raise UntrustedDeviceError(
            "untrusted-chain",
            "certificate chain does not lead to a trusted manufacturer root",
        )
    root_org = check_root(root)
    if root_org != identity.manufacturer:
        raise UntrustedDeviceError(
            "manufacturer-mismatch",
            f"the device claims manufacturer {identity.manufacturer!r} but its chain leads "
            f"to the root of {root_org!r}",
        )
    _check_time(leaf, "device", now)
    _check_time(inter, "intermediate", now)
    _check_time(root, "root", now)
    return ChainSummary(
        subjects=[c.subject.rfc4514_string(_DISPLAY_NAMES) for c in (leaf, inter, root)],
        root_fingerprint=sha256_hex(cert_der(root)),
        manufacturer=identity.manufacturer,
    )
