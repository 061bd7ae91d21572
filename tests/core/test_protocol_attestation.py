"""Attestation certificate profile: building, parsing hostile certificates, chain checks."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_helpers import (
    FIELDS,
    Manufacturer,
    make_device,
    make_manufacturer,
    with_serial_number,
)

from commissioner.protocol.attestation import (
    DEVICE_KIND_OID,
    MODEL_NUMBER_OID,
    AttestedIdentity,
    DeviceCertFields,
    cert_der,
    cert_pem,
    load_pem_bundle,
    make_device_certificate,
    parse_attestation_certificate,
    verify_chain,
)
from commissioner.protocol.errors import AttestationError, UntrustedDeviceError

NOW = dt.datetime.now(dt.UTC)
_GOOD_DER = make_device(make_manufacturer()).leaf_der


@pytest.fixture(scope="module")
def mfr() -> Manufacturer:
    return make_manufacturer()


def _leaf_builder(
    mfr: Manufacturer,
    subject: list[x509.NameAttribute],
    public_key: object,
    *,
    ca: bool = False,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(mfr.inter.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, ca, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(mfr.inter_key.public_key()),
            critical=False,
        )
    )


def _subject(**override: str) -> list[x509.NameAttribute]:
    values = {
        "O": FIELDS.manufacturer,
        "CN": FIELDS.device_id,
        "SN": FIELDS.serial,
        "MODEL": FIELDS.model,
        "KIND": FIELDS.kind,
    }
    values.update(override)
    oids = {
        "O": NameOID.ORGANIZATION_NAME,
        "CN": NameOID.COMMON_NAME,
        "SN": NameOID.SERIAL_NUMBER,
        "MODEL": MODEL_NUMBER_OID,
        "KIND": DEVICE_KIND_OID,
    }
    return [x509.NameAttribute(oids[k], v) for k, v in values.items() if v != "-"]


def test_good_certificate_parses(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    ident = parse_attestation_certificate(creds.leaf_der)
    assert (ident.device_id, ident.manufacturer, ident.model, ident.serial, ident.kind) == (
        FIELDS.device_id, FIELDS.manufacturer, FIELDS.model, FIELDS.serial, FIELDS.kind,
    )
    assert ident.public_key_type == "ec-p256"
    assert len(ident.fingerprint_sha256) == 64
    assert ident.not_before < NOW < ident.not_after


def _sign(builder: x509.CertificateBuilder, mfr: Manufacturer) -> bytes:
    return cert_der(builder.sign(mfr.inter_key, hashes.SHA256()))


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("rsa-key", "wrong-key-type"),
        ("p384-key", "wrong-key-type"),
        ("ed25519-key", "wrong-key-type"),
        ("missing-model", "missing-attribute"),
        ("non-printable-model", "bad-attribute"),
        ("lowercase-serial", "bad-attribute"),
        ("unknown-kind", "bad-attribute"),
        ("duplicate-cn", "profile-violation"),
        ("extra-attribute", "profile-violation"),
        ("ca-leaf", "profile-violation"),
    ],
)
def test_hostile_certificates_are_refused(mfr: Manufacturer, case: str, reason: str) -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    subject = _subject()
    key: object = p256
    ca = False
    if case == "rsa-key":
        key = rsa.generate_private_key(65537, 2048).public_key()
    elif case == "p384-key":
        key = ec.generate_private_key(ec.SECP384R1()).public_key()
    elif case == "ed25519-key":
        key = ed25519.Ed25519PrivateKey.generate().public_key()
    elif case == "missing-model":
        subject = _subject(MODEL="-")
    elif case == "non-printable-model":
        subject = _subject(MODEL="SD-AC\x07<script>")
    elif case == "lowercase-serial":
        subject = _subject(SN="sda22-1")
    elif case == "unknown-kind":
        subject = _subject(KIND="toaster")
    elif case == "duplicate-cn":
        subject = [*subject, x509.NameAttribute(NameOID.COMMON_NAME, "other-device")]
    elif case == "extra-attribute":
        subject = [*subject, x509.NameAttribute(NameOID.COUNTRY_NAME, "JP")]
    elif case == "ca-leaf":
        ca = True
    der = _sign(_leaf_builder(mfr, subject, key, ca=ca), mfr)
    with pytest.raises(AttestationError) as info:
        parse_attestation_certificate(der)
    assert info.value.reason == reason, info.value.message


def test_absurd_serial_numbers_are_refused(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    for serial in (2**400 + 7, 2**160, 0, -5):
        der = with_serial_number(creds.leaf, serial, mfr.inter_key)
        with pytest.raises(AttestationError) as info:
            parse_attestation_certificate(der)
        assert info.value.reason in {"profile-violation", "malformed-certificate"}
    # The rewriter itself is sound: a normal serial parses.
    assert parse_attestation_certificate(with_serial_number(creds.leaf, 12345, mfr.inter_key))


def test_garbage_and_wrong_types_are_refused() -> None:
    for bad in (b"", b"\x30\x03\x02\x01\x01", b"\xff" * 20000, "text"):
        with pytest.raises(AttestationError):
            parse_attestation_certificate(bad)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_certificates_never_crash(data: st.DataObject) -> None:
    der = bytearray(_GOOD_DER)
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(der) - 1))
        der[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(der)))
    candidate = bytes(der[:cut] if cut > 10 else der)
    try:
        identity = parse_attestation_certificate(candidate)
    except AttestationError:
        assert candidate != _GOOD_DER  # the genuine certificate is never refused
        return
    assert isinstance(identity, AttestedIdentity)
    assert identity.fingerprint_sha256 == hashlib.sha256(candidate).hexdigest()
    assert parse_attestation_certificate(candidate) == identity


# Chain checks ----------------------------------------------------------------------------------


def test_verify_chain_good(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    summary = verify_chain(creds.leaf_der, [creds.leaf_der, cert_der(mfr.inter)], [mfr.root],
                           now=NOW)
    assert summary.manufacturer == FIELDS.manufacturer
    assert len(summary.subjects) == 3
    assert "serialNumber=SDA22-000123" in summary.subjects[0]
    assert summary.root_fingerprint == hashlib.sha256(cert_der(mfr.root)).hexdigest()
    # Same result without the leading copy of the leaf.
    assert verify_chain(creds.leaf_der, [cert_der(mfr.inter)], [mfr.root], now=NOW) == summary


def test_verify_chain_unknown_root(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    stranger = make_manufacturer("Sakura Denki")  # same name, different keys
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(creds.leaf_der, [cert_der(mfr.inter)], [stranger.root], now=NOW)
    assert info.value.reason == "untrusted-chain"


def test_verify_chain_wrong_manufacturer(mfr: Manufacturer) -> None:
    # Manufacturer A's CA signs a certificate claiming to be a device of "Sakura Denki".
    rogue = make_manufacturer("Kitsune Works")
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_device_certificate(FIELDS, key.public_key(), rogue.inter, rogue.inter_key)
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(cert_der(leaf), [cert_der(rogue.inter)], [mfr.root, rogue.root], now=NOW)
    assert info.value.reason == "manufacturer-mismatch"


def test_verify_chain_leaf_not_signed_by_intermediate(mfr: Manufacturer) -> None:
    other = make_manufacturer()
    creds = make_device(other)
    with pytest.raises(UntrustedDeviceError):
        verify_chain(creds.leaf_der, [cert_der(mfr.inter)], [mfr.root], now=NOW)


def test_verify_chain_expired(mfr: Manufacturer) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_device_certificate(
        FIELDS, key.public_key(), mfr.inter, mfr.inter_key,
        not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=1),
    )
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(cert_der(leaf), [cert_der(mfr.inter)], [mfr.root], now=NOW)
    assert info.value.reason == "certificate-expired"


def test_verify_chain_requires_one_intermediate(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    with pytest.raises(AttestationError):
        verify_chain(creds.leaf_der, [], [mfr.root], now=NOW)
    with pytest.raises(AttestationError):
        verify_chain(creds.leaf_der, [b"junk"], [mfr.root], now=NOW)


def test_leaf_cannot_pose_as_intermediate(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    other_fields = DeviceCertFields("x-1", FIELDS.manufacturer, "M", "SDA22-000999", "lighting")
    key = ec.generate_private_key(ec.SECP256R1())
    # Signed by the device key itself, with the device as "issuer".
    leaf2 = make_device_certificate(other_fields, key.public_key(), creds.leaf, creds.key)
    with pytest.raises(AttestationError):
        verify_chain(cert_der(leaf2), [creds.leaf_der], [mfr.root], now=NOW)


def test_load_pem_bundle(mfr: Manufacturer) -> None:
    assert load_pem_bundle(cert_pem(mfr.root) + cert_pem(mfr.inter)) == [mfr.root, mfr.inter]
    assert load_pem_bundle(b"") == []
    with pytest.raises(AttestationError):
        load_pem_bundle(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
