"""Matter device attestation, checked by the app as well as by the engine.

The commissioning engine refuses a device whose DAC does not chain to a PAA in the folder it
is given (:func:`materialise_paa_store` lays that folder out from the catalog's signed target).
After commissioning the app asks the device again for its DAC and PAI over the operational
session and checks, with ``cryptography``: DAC → PAI → a PAA of the store (signatures and
validity), and the vendor/product ids across DAC, PAI and BasicInformation. The result names
the chain for the report (:class:`AttestedChain`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from commissioner.backends.errors import AttestationError, UntrustedDeviceError
from commissioner.protocol.matter_paa_store import PaaRoot, parse_paa_store

VID_OID: Final = x509.ObjectIdentifier("1.3.6.1.4.1.37244.2.1")
PID_OID: Final = x509.ObjectIdentifier("1.3.6.1.4.1.37244.2.2")

__all__ = ["AttestedChain", "PaaFolder", "materialise_paa_store", "verify_device_chain"]


@dataclass(frozen=True, slots=True)
class PaaFolder:
    """A folder of PAA DER files for the engine, and the roots in it."""

    path: Path
    roots: tuple[PaaRoot, ...]
    skipped_test_roots: int = 0


def materialise_paa_store(target: bytes, dest: Path, *, allow_test: bool) -> PaaFolder:
    """Parse the catalog's PAA store target and write its roots to ``dest`` (emptied first).
    Test/development PAAs are written only when ``allow_test`` (training mode)."""
    roots = parse_paa_store(target)
    kept = tuple(r for r in roots if allow_test or not r.test)
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.der"):
        old.unlink()
    for root in kept:
        (dest / root.file_name).write_bytes(root.der)
    return PaaFolder(dest, kept, len(roots) - len(kept))


def load_paa_folder(path: Path) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_der_x509_certificate(p.read_bytes())
                 for p in sorted(path.glob("*.der")))


@dataclass(frozen=True, slots=True)
class AttestedChain:
    dac_fingerprint: str
    root_fingerprint: str
    subjects: tuple[str, ...]  # DAC, PAI, PAA
    vendor_id: int
    product_id: int
    valid_from: dt.datetime
    valid_until: dt.datetime


def _dn_hex(cert: x509.Certificate, oid: x509.ObjectIdentifier, where: str) -> int | None:
    attrs = cert.subject.get_attributes_for_oid(oid)
    if not attrs:
        return None
    value = attrs[0].value
    try:
        return int(value if isinstance(value, str) else value.decode(), 16)
    except ValueError:
        raise AttestationError("bad-certificate",
                               f"the {where}'s vendor/product id {value!r} is not hex") from None


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except Exception:  # noqa: BLE001 - InvalidSignature, ValueError, TypeError: not issued by
        return False
    return True


def verify_device_chain(dac_der: bytes, pai_der: bytes, paa_folder: Path, *,
                        vendor_id: int, product_id: int,
                        now: dt.datetime | None = None) -> AttestedChain:
    """Check what the device sent against the store; raise :class:`UntrustedDeviceError`
    (no PAA of the store issued the PAI: "not attested") or :class:`AttestationError`."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        dac = x509.load_der_x509_certificate(dac_der)
        pai = x509.load_der_x509_certificate(pai_der)
    except ValueError as err:
        raise AttestationError("bad-certificate", f"the device's DAC or PAI is not a "
                               f"certificate: {err}") from None
    for cert, name in ((dac, "DAC"), (pai, "PAI")):
        if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
            raise AttestationError("bad-certificate", f"the {name} key is not an EC key")
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise AttestationError("expired", f"the {name} is outside its validity period")
    if not _issued_by(dac, pai):
        raise AttestationError("bad-chain", "the DAC is not signed by the device's PAI")
    paa = next((root for root in load_paa_folder(paa_folder) if _issued_by(pai, root)), None)
    if paa is None:
        raise UntrustedDeviceError("not-attested", "not attested: the device's PAI does not "
                                   "chain to any PAA of the catalog's trust store")
    if not paa.not_valid_before_utc <= now <= paa.not_valid_after_utc:
        raise AttestationError("expired", "the PAA is outside its validity period")
    dac_vid = _dn_hex(dac, VID_OID, "DAC")
    dac_pid = _dn_hex(dac, PID_OID, "DAC")
    pai_vid = _dn_hex(pai, VID_OID, "PAI")
    pai_pid = _dn_hex(pai, PID_OID, "PAI")
    paa_vid = _dn_hex(paa, VID_OID, "PAA")
    problems = []
    if dac_vid != vendor_id or (pai_vid is not None and pai_vid != dac_vid):
        problems.append(f"vendor id: DAC {dac_vid}, PAI {pai_vid}, device {vendor_id}")
    if paa_vid is not None and paa_vid != dac_vid:
        problems.append(f"vendor id: PAA {paa_vid}, DAC {dac_vid}")
    if dac_pid != product_id or (pai_pid is not None and pai_pid != dac_pid):
        problems.append(f"product id: DAC {dac_pid}, PAI {pai_pid}, device {product_id}")
    if problems:
        raise AttestationError("id-mismatch", "the attestation chain names another device: "
                               + "; ".join(problems))
    return AttestedChain(
        dac_fingerprint=hashlib.sha256(dac_der).hexdigest(),
        root_fingerprint=hashlib.sha256(paa.public_bytes(Encoding.DER)).hexdigest(),
        subjects=tuple(c.subject.rfc4514_string() for c in (dac, pai, paa)),
        vendor_id=vendor_id, product_id=product_id,
        valid_from=dac.not_valid_before_utc, valid_until=dac.not_valid_after_utc)
