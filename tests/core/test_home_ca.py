"""The home CA: its certificate profile, strict CSR checks, and the certificates it issues
(verified with cryptography's own X.509 path validation). No mocks."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store

from commissioner.jobs.store import JobStore
from commissioner.provisioning.home_ca import (
    CA_KEY_NAME,
    CsrRejectedError,
    HomeCA,
    fingerprint,
    issue_owner_certificate,
)
from commissioner.secrets import SecretVault

JOB = "J7K2M9Q4X"


def _csr(
    cn: str,
    key: object | None = None,
    *,
    ca: bool = False,
    digest: hashes.HashAlgorithm | None = None,
) -> bytes:
    k = ec.generate_private_key(ec.SECP256R1()) if key is None else key
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    )
    if ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
    algorithm = None if isinstance(k, ed25519.Ed25519PrivateKey) else (digest or hashes.SHA256())
    return builder.sign(k, algorithm).public_bytes(serialization.Encoding.PEM)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ca() -> HomeCA:
    return HomeCA.create(JOB)


def _names(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(oid)]


def _client_chain(ca: HomeCA, leaf: x509.Certificate,
                  intermediates: list[x509.Certificate] | None = None) -> None:
    # Web PKI rules for the CAs; the leaves carry no SAN by design (identity is the CN).
    verifier = (
        PolicyBuilder()
        .store(Store([ca.certificate]))
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    verifier.verify(leaf, intermediates or [])


def test_ca_certificate_profile(ca: HomeCA) -> None:
    cert = ca.certificate
    assert _names(cert, NameOID.COMMON_NAME) == [f"{JOB} Home CA"]
    assert _names(cert, NameOID.ORGANIZATION_NAME) == [f"Home {JOB}"]
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 1
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=20 * 365) <= life <= dt.timedelta(days=20 * 366)
    assert "key" not in repr(ca).replace("HomeCA", "").lower() or "PRIVATE" not in repr(ca)
    assert "EllipticCurvePrivateKey" not in repr(ca)
    assert _names(HomeCA.create(JOB, home_id="H-1").certificate, NameOID.COMMON_NAME) == [
        "H-1 Home CA"
    ]


def test_good_csr_gets_an_operational_certificate(ca: HomeCA) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue_operational(_csr("aircon-1", key), device_id="aircon-1", role="device")
    assert cert.public_key() == key.public_key()
    assert _names(cert, NameOID.COMMON_NAME) == ["aircon-1"]
    assert _names(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == ["device"]
    assert _names(cert, NameOID.ORGANIZATION_NAME) == [f"Home {JOB}"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(ca.certificate)
    _client_chain(ca, cert)
    assert cert.not_valid_after_utc <= ca.certificate.not_valid_after_utc
    gw = ca.issue_operational(_csr("gateway-1"), device_id="gateway-1", role="gateway")
    assert _names(gw, NameOID.ORGANIZATIONAL_UNIT_NAME) == ["gateway"]
    assert fingerprint(cert) == hashlib.sha256(
        cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert fingerprint(cert) != fingerprint(gw) and len(fingerprint(cert)) == 64


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RSA"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "secp384r1"),
        (lambda: ed25519.Ed25519PrivateKey.generate(), "Ed25519"),
    ],
    ids=["rsa-2048", "p-384", "ed25519"],
)
def test_non_p256_keys_are_rejected(ca: HomeCA, key: object, kind: str) -> None:
    pem = _csr("aircon-1", key())  # type: ignore[operator]
    with pytest.raises(CsrRejectedError, match="only ECDSA P-256") as info:
        ca.issue_operational(pem, device_id="aircon-1", role="device")
    assert info.value.reason == "csr-weak-key"
    assert kind in str(info.value)


def test_csr_for_another_identity_is_rejected(ca: HomeCA) -> None:
    with pytest.raises(CsrRejectedError, match="another identity") as info:
        ca.issue_operational(_csr("lock-1"), device_id="aircon-1", role="device")
    assert info.value.reason == "csr-wrong-identity"


def test_csr_with_a_bad_signature_is_rejected(ca: HomeCA) -> None:
    csr = x509.load_pem_x509_csr(_csr("aircon-1"))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # last byte of the signature's s value
    pem = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(CsrRejectedError, match="signature does not verify") as info:
        ca.issue_operational(pem, device_id="aircon-1", role="device")
    assert info.value.reason == "csr-bad-signature"


def test_other_bad_csrs_are_rejected(ca: HomeCA) -> None:
    cases = [
        (_csr("aircon-1", ca=True), "csr-ca-request"),
        (_csr("aircon-1", digest=hashes.SHA384()), "csr-bad-algorithm"),
        (b"not a csr", "csr-malformed"),
        (b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
         "csr-malformed"),
        (b"x" * 20000, "csr-malformed"),
        ("text", "csr-malformed"),
    ]
    for pem, reason in cases:
        with pytest.raises(CsrRejectedError) as info:
            ca.issue_operational(pem, device_id="aircon-1", role="device")  # type: ignore[arg-type]
        assert info.value.reason == reason, pem[:40]
    with pytest.raises(ValueError, match="role"):
        ca.issue_operational(_csr("aircon-1"), device_id="aircon-1", role="owner")  # type: ignore[arg-type]


def test_gateway_issuing_ca_and_owner_certificate(ca: HomeCA) -> None:
    gw_key = ec.generate_private_key(ec.SECP256R1())
    issuing = ca.issue_gateway_issuing_ca(gw_key.public_key(), gateway_id="gateway-1")
    bc = issuing.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca and bc.path_length == 0
    issuing.verify_directly_issued_by(ca.certificate)
    owner_key = ec.generate_private_key(ec.SECP256R1())
    owner = issue_owner_certificate(issuing, gw_key, _csr("anything", owner_key), epoch=3)
    assert owner.public_key() == owner_key.public_key()
    assert _names(owner, NameOID.ORGANIZATIONAL_UNIT_NAME) == ["owner"]
    assert _names(owner, NameOID.COMMON_NAME) == ["owner-3"]
    assert _names(owner, NameOID.SERIAL_NUMBER) == ["3"]
    assert _names(owner, NameOID.ORGANIZATION_NAME) == [f"Home {JOB}"]
    _client_chain(ca, owner, [issuing])
    # The issuing CA cannot issue another CA (pathlen 0) and owner CSRs are checked too.
    with pytest.raises(CsrRejectedError):
        issue_owner_certificate(issuing, gw_key,
                                _csr("x", ec.generate_private_key(ec.SECP384R1())), epoch=1)
    with pytest.raises(ValueError, match="does not match"):
        issue_owner_certificate(issuing, owner_key, _csr("x"), epoch=1)
    with pytest.raises(ValueError, match="epoch"):
        issue_owner_certificate(issuing, gw_key, _csr("x"), epoch=0)
    with pytest.raises(ValueError, match="P-256"):
        ca.issue_gateway_issuing_ca(
            ec.generate_private_key(ec.SECP384R1()).public_key())  # type: ignore[arg-type]


def test_commissioner_client_certificate(ca: HomeCA) -> None:
    cert, key = ca.issue_commissioner_client(JOB)
    assert cert.public_key() == key.public_key()
    assert _names(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == ["commissioner"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    _client_chain(ca, cert)
    with pytest.raises(ValueError, match="belongs to job"):
        ca.issue_commissioner_client("J00000000")


def test_vault_round_trip_keeps_the_key_encrypted(tmp_path: Path) -> None:
    with JobStore.open(tmp_path / "jobs.sqlite3") as store:
        job = store.create_job(job_number="N-1", site_name="S", site_address="A",
                               service_level=2, operator="Op").id
        vault = SecretVault(store, os.urandom(32))
        ca = HomeCA.create(job)
        ca.to_vault(vault, job)
        assert vault.names(job) == ["home-ca.crt", CA_KEY_NAME]
        again = HomeCA.from_vault(vault, job)
        assert again.certificate == ca.certificate and again.fingerprint == ca.fingerprint
        cert = again.issue_operational(_csr("aircon-1"), device_id="aircon-1", role="device")
        cert.verify_directly_issued_by(ca.certificate)
        key_der = ca.key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
        scalar = ca.key.private_numbers().private_value.to_bytes(32, "big")
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert b"PRIVATE KEY" not in data and key_der not in data and scalar not in data
