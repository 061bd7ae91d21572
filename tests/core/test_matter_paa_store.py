"""The PAA store target and the app's own check of a device's DAC chain, with certificates
made here (no devices): test PAAs only in training mode, malformed stores refused, a PAI under
an unknown PAA "not attested" (counterfeit), vendor/product ids checked across the chain."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from matter_home import PAA_SOURCE, matter_test_paa_der

from commissioner.backends.errors import AttestationError, UntrustedDeviceError
from commissioner.backends.matter.attestation import (
    PID_OID,
    VID_OID,
    materialise_paa_store,
    verify_device_chain,
)
from commissioner.protocol.matter_paa_store import (
    PaaRoot,
    PaaStoreError,
    encode_paa_store,
    parse_paa_store,
)

NOW = dt.datetime.now(dt.UTC)


Issuer = tuple[x509.Name, ec.EllipticCurvePrivateKey]


def _cert(cn: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer | None, *, ca: bool,
          vid: int | None = None, pid: int | None = None) -> tuple[x509.Name, bytes]:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if vid is not None:
        attrs.append(x509.NameAttribute(VID_OID, f"{vid:04X}"))
    if pid is not None:
        attrs.append(x509.NameAttribute(PID_OID, f"{pid:04X}"))
    name = x509.Name(attrs)
    issuer_name, issuer_key = issuer if issuer else (name, key)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))
    return name, cert.public_bytes(Encoding.DER)


def _chain(*, dac_vid: int = 0xFFF1, pai_vid: int = 0xFFF1) -> tuple[bytes, bytes, bytes]:
    paa_key, pai_key, dac_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    paa_name, paa = _cert("Test PAA", paa_key, None, ca=True)
    pai_name, pai = _cert("Test PAI", pai_key, (paa_name, paa_key), ca=True, vid=pai_vid)
    _, dac = _cert("Test DAC", dac_key, (pai_name, pai_key), ca=False, vid=dac_vid, pid=0x8000)
    return paa, pai, dac


def test_test_paas_are_laid_out_only_in_training(tmp_path: Path) -> None:
    if not PAA_SOURCE.exists():
        pytest.skip("matter.js is not installed (run scripts/setup.sh)")
    store = encode_paa_store([PaaRoot("Matter Test PAA", True, matter_test_paa_der())])
    training = materialise_paa_store(store, tmp_path / "training", allow_test=True)
    assert len(training.roots) == 1 and len(list(training.path.glob("*.der"))) == 1
    field = materialise_paa_store(store, tmp_path / "field", allow_test=False)
    assert field.roots == () and field.skipped_test_roots == 1
    assert list(field.path.glob("*.der")) == []


@pytest.mark.parametrize("mutate", [
    lambda doc: doc.update(extra=1),
    lambda doc: doc.update(format=2),
    lambda doc: doc["roots"][0].update(certificate_der="***"),
    lambda doc: doc["roots"][0].update(test="yes"),
    lambda doc: doc["roots"][0].update(certificate_der=doc["leaf"]),
])
def test_a_malformed_store_is_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    import base64

    paa, _pai, dac = _chain()
    doc = json.loads(encode_paa_store([PaaRoot("root", False, paa)]))
    doc["leaf"] = base64.b64encode(dac).decode()
    mutate(doc)
    if "leaf" in doc:
        del doc["leaf"]
    with pytest.raises(PaaStoreError):
        parse_paa_store(json.dumps(doc).encode())


def test_a_chain_to_a_stored_paa_is_attested(tmp_path: Path) -> None:
    paa, pai, dac = _chain()
    folder = materialise_paa_store(encode_paa_store([PaaRoot("root", False, paa)]), tmp_path,
                                   allow_test=False)
    chain = verify_device_chain(dac, pai, folder.path, vendor_id=0xFFF1, product_id=0x8000)
    assert chain.vendor_id == 0xFFF1 and len(chain.subjects) == 3


def test_a_pai_under_an_unknown_paa_is_not_attested(tmp_path: Path) -> None:
    paa, _, _ = _chain()
    _, pai, dac = _chain()  # a counterfeit chain: its own PAA, not in the store
    folder = materialise_paa_store(encode_paa_store([PaaRoot("root", False, paa)]), tmp_path,
                                   allow_test=False)
    with pytest.raises(UntrustedDeviceError, match="not attested"):
        verify_device_chain(dac, pai, folder.path, vendor_id=0xFFF1, product_id=0x8000)


@pytest.mark.parametrize(("dac_vid", "pai_vid", "device_vid", "device_pid"), [
    (0xFFF2, 0xFFF1, 0xFFF1, 0x8000),  # DAC and PAI disagree
    (0xFFF1, 0xFFF1, 0xFFF2, 0x8000),  # the device reports another vendor
    (0xFFF1, 0xFFF1, 0xFFF1, 0x8001),  # the device reports another product
])
def test_ids_must_agree_across_the_chain(tmp_path: Path, dac_vid: int, pai_vid: int,
                                         device_vid: int, device_pid: int) -> None:
    paa, pai, dac = _chain(dac_vid=dac_vid, pai_vid=pai_vid)
    folder = materialise_paa_store(encode_paa_store([PaaRoot("root", False, paa)]), tmp_path,
                                   allow_test=False)
    with pytest.raises(AttestationError) as caught:
        verify_device_chain(dac, pai, folder.path, vendor_id=device_vid, product_id=device_pid)
    assert caught.value.reason == "id-mismatch"
