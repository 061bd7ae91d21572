"""The home CA (docs/provisioning-design.md, "Roles and certificates").

One ECDSA P-256 / SHA-256 CA per job: ``CN=<home id> Home CA``, ``O=Home <job id>``,
pathlen 1. It issues

* operational certificates for devices and the gateway, from CSRs the devices make with a
  fresh P-256 key (``CN=<device id>``, ``OU=device|gateway``, EKU serverAuth + clientAuth);
* the gateway issuing CA (pathlen 0), with which the gateway issues **owner** certificates
  (:func:`issue_owner_certificate`: ``OU=owner``, ``CN=owner-<epoch>``, serialNumber=<epoch>);
* the commissioner client certificate (``OU=commissioner``) for management connections.

CSRs are checked strictly (:class:`CsrRejectedError` with a machine ``reason``): the signature
must verify with ECDSA/SHA-256, the key must be P-256 (RSA, P-384, Ed25519 ... are refused),
the subject CN must be the device id being provisioned, and no CA may be requested.

The CA key exists only inside the job's encrypted vault (``home-ca.key``); nothing in this
module logs or puts key material in a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.spec import DEVICE_ID_RE

if TYPE_CHECKING:
    from commissioner.secrets.vault import SecretVault

__all__ = [
    "CA_CERT_NAME",
    "CA_KEY_NAME",
    "CsrRejectedError",
    "HomeCA",
    "OperationalRole",
    "check_csr",
    "fingerprint",
    "issue_owner_certificate",
]

CA_KEY_NAME: Final = "home-ca.key"
CA_CERT_NAME: Final = "home-ca.crt"
CA_VALIDITY: Final = dt.timedelta(days=20 * 365 + 5)
BACKDATE: Final = dt.timedelta(hours=1)  # tolerate devices whose clock is a little behind
MAX_CSR_BYTES: Final = 8192

OperationalRole = Literal["device", "gateway"]
_ROLES: Final = frozenset({"device", "gateway"})


class CsrRejectedError(DeviceProtocolError):
    """A certificate signing request breaks the profile; ``reason`` says how."""

    default_reason = "csr-rejected"


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lower-case hex (what allow-lists compare)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _is_p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


def _key_kind(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    name = type(key).__name__.removeprefix("_").replace("PublicKey", "")
    size = getattr(key, "key_size", None)
    return f"{name} {size}" if isinstance(size, int) else name


def check_csr(csr_pem: bytes, *, expected_cn: str | None) -> x509.CertificateSigningRequest:
    """Parse and check a CSR (see the module docstring); total: returns or raises
    :class:`CsrRejectedError`. ``expected_cn=None`` skips the subject check (owner CSRs,
    whose subject the issuer decides)."""
    try:
        return _check_csr(csr_pem, expected_cn)
    except CsrRejectedError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must never escape as a crash
        raise CsrRejectedError(
            "csr-malformed", f"the certificate request cannot be read ({type(exc).__name__})"
        ) from None


def _check_csr(csr_pem: bytes, expected_cn: str | None) -> x509.CertificateSigningRequest:
    if not isinstance(csr_pem, bytes | bytearray) or len(csr_pem) > MAX_CSR_BYTES:
        raise CsrRejectedError("csr-malformed", "the certificate request is not PEM bytes "
                               f"of at most {MAX_CSR_BYTES} bytes")
    try:
        csr = x509.load_pem_x509_csr(bytes(csr_pem))
    except ValueError:
        raise CsrRejectedError(
            "csr-malformed", "the certificate request is not a PEM PKCS#10 request"
        ) from None
    try:
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise CsrRejectedError(
            "csr-weak-key", "the certificate request's key type is not supported; only "
            "ECDSA P-256 is accepted"
        ) from None
    if not _is_p256(key):
        raise CsrRejectedError(
            "csr-weak-key",
            f"the certificate request's key is {_key_kind(key)}; only ECDSA P-256 "
            "(CRYPTREC-listed) is accepted",
        )
    if csr.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
        raise CsrRejectedError(
            "csr-bad-algorithm",
            "the certificate request is not signed with ECDSA with SHA-256",
        )
    if not csr.is_signature_valid:
        raise CsrRejectedError(
            "csr-bad-signature",
            "the certificate request's signature does not verify (not made with its key)",
        )
    try:
        extensions = list(csr.extensions)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        raise CsrRejectedError(
            "csr-malformed", "the certificate request's extensions cannot be read"
        ) from None
    for ext in extensions:
        value = ext.value
        if isinstance(value, x509.BasicConstraints) and value.ca:
            raise CsrRejectedError(
                "csr-ca-request", "the certificate request asks for a CA certificate"
            )
        if isinstance(value, x509.KeyUsage) and (value.key_cert_sign or value.crl_sign):
            raise CsrRejectedError(
                "csr-ca-request", "the certificate request asks to sign certificates"
            )
    if expected_cn is not None:
        cns = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if len(cns) != 1 or cns[0].value != expected_cn:
            raise CsrRejectedError(
                "csr-wrong-identity",
                f"the certificate request is for another identity (expected CN={expected_cn})",
            )
    return csr


def _org(job_id: str) -> str:
    return f"Home {job_id}"


@dataclass(frozen=True, slots=True)
class HomeCA:
    """A job's home CA: its certificate and (kept out of repr) its private key."""

    job_id: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey = field(repr=False)

    # --- creation and storage ----------------------------------------------------------------

    @classmethod
    def create(cls, job_id: str, *, home_id: str | None = None) -> HomeCA:
        """A new CA for ``job_id``; ``CN=<home id> Home CA`` (home id defaults to the job id)."""
        _check_text("job id", job_id)
        home = job_id if home_id is None else home_id
        _check_text("home id", home)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _org(job_id)),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{home} Home CA"),
            ]
        )
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(job_id, cert, key)

    def to_vault(self, vault: SecretVault, job_id: str) -> None:
        """Store the key (``home-ca.key``) and certificate (``home-ca.crt``) in the vault."""
        self._same_job(job_id)
        vault.put(job_id, CA_KEY_NAME, self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))
        vault.put(job_id, CA_CERT_NAME, self.certificate_pem)

    @classmethod
    def from_vault(cls, vault: SecretVault, job_id: str) -> HomeCA:
        """Load the job's CA (SecretNotFoundError / SecretCorruptError from the vault;
        ValueError if the stored key and certificate do not belong together)."""
        key = serialization.load_pem_private_key(vault.get(job_id, CA_KEY_NAME), None)
        cert = x509.load_pem_x509_certificate(vault.get(job_id, CA_CERT_NAME))
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise ValueError("the stored home CA key is not an ECDSA P-256 key")
        if key.public_key() != cert.public_key():
            raise ValueError("the stored home CA key does not match its certificate")
        return cls(job_id, cert, key)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    # --- issuing -------------------------------------------------------------------------------

    def issue_operational(
        self, csr_pem: bytes, *, device_id: str, role: OperationalRole
    ) -> x509.Certificate:
        """The operational certificate for ``device_id`` from its CSR (strictly checked)."""
        if role not in _ROLES:
            raise ValueError(f"role must be 'device' or 'gateway', not {role!r}")
        if not isinstance(device_id, str) or not DEVICE_ID_RE.fullmatch(device_id):
            raise ValueError("device id is not valid")
        csr = check_csr(csr_pem, expected_cn=device_id)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _org(self.job_id)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                x509.NameAttribute(NameOID.COMMON_NAME, device_id),
            ]
        )
        return self._leaf(
            subject,
            csr.public_key(),
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        )

    def issue_gateway_issuing_ca(
        self, public_key: ec.EllipticCurvePublicKey, *, gateway_id: str | None = None
    ) -> x509.Certificate:
        """The CA (pathlen 0) with which the gateway issues owner certificates."""
        if not _is_p256(public_key):
            raise ValueError("the gateway issuing CA key must be ECDSA P-256")
        label = "Gateway" if gateway_id is None else gateway_id
        _check_text("gateway id", label)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _org(self.job_id)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "gateway-issuing-ca"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{label} Owner Issuing CA"),
            ]
        )
        now = _now()
        return (
            self._builder(subject, public_key, now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue_commissioner_client(
        self, job_id: str
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """A fresh key and client certificate (``OU=commissioner``) for the app's management
        connections. Store the key in the vault; it is a job secret."""
        self._same_job(job_id)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _org(self.job_id)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "commissioner"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"commissioner-{self.job_id.lower()}"),
            ]
        )
        cert = self._leaf(subject, key.public_key(), [ExtendedKeyUsageOID.CLIENT_AUTH])
        return cert, key

    # --- internals -----------------------------------------------------------------------------

    def _same_job(self, job_id: str) -> None:
        if job_id != self.job_id:
            raise ValueError(f"this home CA belongs to job {self.job_id}, not {job_id}")

    def _builder(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey, now: dt.datetime
    ) -> x509.CertificateBuilder:
        return _child_builder(self.certificate, subject, public_key, now)

    def _leaf(
        self,
        subject: x509.Name,
        public_key: object,
        usages: list[x509.ObjectIdentifier],
    ) -> x509.Certificate:
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not _is_p256(public_key):
            raise ValueError("only ECDSA P-256 keys are certified")
        return (
            self._builder(subject, public_key, _now())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .sign(self.key, hashes.SHA256())
        )


def _check_text(what: str, value: object) -> None:
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isprintable():
        raise ValueError(f"{what} must be 1-64 printable characters")


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )


def _leaf_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def _child_builder(
    issuer: x509.Certificate,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: dt.datetime,
) -> x509.CertificateBuilder:
    """Common part of every certificate a CA issues: valid from now (minus a little) until
    the issuer expires, fresh random serial, SKI/AKI."""
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    not_after = issuer.not_valid_after_utc
    if not_after <= now:
        raise ValueError("the issuing CA has expired")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now - BACKDATE, issuer.not_valid_before_utc))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
    )


def issue_owner_certificate(
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    csr_pem: bytes,
    *,
    epoch: int,
) -> x509.Certificate:
    """The owner certificate the gateway issues with its issuing CA when an invitation is
    redeemed: ``OU=owner``, ``CN=owner-<epoch>``, ``serialNumber=<epoch>``, ``O`` copied from
    the issuer, EKU clientAuth. The CSR is checked like any other (P-256, valid signature,
    no CA request); its subject is not used. Raises CsrRejectedError or ValueError."""
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch < 2**31:
        raise ValueError("the owner epoch must be a positive integer")
    try:
        constraints = issuer_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        raise ValueError("the issuer certificate is not a CA") from None
    if not constraints.value.ca:
        raise ValueError("the issuer certificate is not a CA")
    if issuer_key.public_key() != issuer_cert.public_key():
        raise ValueError("the issuer key does not match the issuer certificate")
    csr = check_csr(csr_pem, expected_cn=None)
    public_key = csr.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):  # check_csr: P-256 only
        raise CsrRejectedError("csr-weak-key", "only ECDSA P-256 is accepted")
    orgs = issuer_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(orgs[0].value))] if orgs else []
    subject = x509.Name(
        [
            *attrs,
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "owner"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"owner-{epoch}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, str(epoch)),
        ]
    )
    return (
        _child_builder(issuer_cert, subject, public_key, _now())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
