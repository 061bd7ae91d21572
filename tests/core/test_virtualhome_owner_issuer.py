"""The virtual gateway's own owner-certificate issuer (docs/device-protocol.md section 16).

The gateway does not borrow the app's issuer; these tests hold its own implementation to the
specification, refuse every unacceptable request with the wire reason, and check that it agrees
with the app's issuer on the certificate profile (two implementations, one specification).
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from commissioner.protocol.spec import CertRole
from commissioner.provisioning.home_ca import HomeCA, issue_owner_certificate
from commissioner.virtualhome import homepki
from commissioner.virtualhome.owner_issuer import (
    IssuerNotReady,
    OwnerCsrRefused,
    issue_owner,
    read_owner_csr,
)

NOW = dt.datetime.now(dt.UTC)
KEY_IDS = (x509.SubjectKeyIdentifier, x509.AuthorityKeyIdentifier)  # differ by construction


def _csr(key: object, *, ca: bool = False, cert_sign: bool = False) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone")])
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    if cert_sign:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, False, False, False), True
        )
    csr = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _issuing() -> tuple[HomeCA, x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca = HomeCA.create("J-TEST", home_id="Test")
    key = ec.generate_private_key(ec.SECP256R1())
    return ca, ca.issue_gateway_issuing_ca(key.public_key(), gateway_id="gw-1"), key


def _tampered_signature(csr_text: str) -> str:
    der = bytearray(x509.load_pem_x509_csr(csr_text.encode()).public_bytes(
        serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside the ECDSA signature's last integer
    csr = x509.load_der_x509_csr(bytes(der))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: "", "csr-malformed"),
        (lambda: "not a request", "csr-malformed"),
        (lambda: "x" * 20_000, "csr-malformed"),
        (lambda: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
         "csr-malformed"),
        (lambda: _csr(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
         "csr-weak-key"),
        (lambda: _csr(ec.generate_private_key(ec.SECP384R1())), "csr-weak-key"),
        (lambda: _csr(ec.generate_private_key(ec.SECP256R1()), ca=True), "csr-ca-request"),
        (lambda: _csr(ec.generate_private_key(ec.SECP256R1()), cert_sign=True),
         "csr-ca-request"),
        (lambda: _tampered_signature(_csr(ec.generate_private_key(ec.SECP256R1()))),
         "csr-bad-signature"),
    ],
)
def test_unacceptable_owner_requests_are_refused_with_their_reason(
    make: object, reason: str
) -> None:
    with pytest.raises(OwnerCsrRefused) as info:
        read_owner_csr(make())  # type: ignore[operator]
    assert info.value.reason == reason


def test_owner_certificate_follows_the_specification() -> None:
    ca, issuing, issuing_key = _issuing()
    owner_key = ec.generate_private_key(ec.SECP256R1())
    public = read_owner_csr(_csr(owner_key))
    cert = issue_owner(issuing, issuing_key, public, epoch=7, now=NOW)

    assert homepki.check_chain_to_root(cert, [issuing, ca.certificate], NOW) is None
    assert homepki.subject_value(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "owner"
    assert homepki.subject_value(cert, NameOID.COMMON_NAME) == "owner-7"
    assert homepki.subject_value(cert, NameOID.SERIAL_NUMBER) == "7"
    assert homepki.subject_value(cert, NameOID.ORGANIZATION_NAME) == "Home J-TEST"
    assert homepki.same_public_key(cert.public_key(), owner_key.public_key())
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.not_valid_after_utc == issuing.not_valid_after_utc
    assert cert.not_valid_before_utc >= issuing.not_valid_before_utc
    # The device's access check reads the role and epoch from it (section 14).
    role = homepki.client_role(cert.public_bytes(serialization.Encoding.DER), ca.certificate)
    assert role == (CertRole.OWNER, 7)


def test_gateway_and_app_issuers_agree_on_the_profile() -> None:
    _ca, issuing, issuing_key = _issuing()
    owner_key = ec.generate_private_key(ec.SECP256R1())
    request = _csr(owner_key)
    ours = issue_owner(issuing, issuing_key, read_owner_csr(request), epoch=3, now=NOW)
    apps = issue_owner_certificate(issuing, issuing_key, request.encode(), epoch=3)

    def profile(cert: x509.Certificate) -> object:
        return (
            cert.subject,
            cert.issuer,
            cert.not_valid_after_utc,
            sorted((e.oid.dotted_string, e.critical, e.value) for e in cert.extensions
                   if not isinstance(e.value, KEY_IDS)),
        )

    assert profile(ours) == profile(apps)


def test_an_issuing_ca_that_cannot_issue_is_not_ready() -> None:
    _ca, issuing, issuing_key = _issuing()
    public = read_owner_csr(_csr(ec.generate_private_key(ec.SECP256R1())))
    other_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(IssuerNotReady):
        issue_owner(issuing, other_key, public, epoch=1, now=NOW)
    with pytest.raises(IssuerNotReady):
        issue_owner(issuing, issuing_key, public, epoch=1,
                    now=issuing.not_valid_after_utc + dt.timedelta(seconds=1))
    with pytest.raises(ValueError, match="epoch"):
        issue_owner(issuing, issuing_key, public, epoch=0, now=NOW)
