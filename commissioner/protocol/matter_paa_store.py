"""The Matter PAA trust store as a signed catalog target (``matter-paa-store.json``).

The platform publishes the Product Attestation Authorities it trusts (from the compliance
ledger) as one target of the TUF catalog; the app verifies the catalog, then lays the roots out
as a folder of DER files for the commissioning engine. Format (``"format": 1``)::

    {"format": 1,
     "roots": [{"name": "Matter Test PAA", "test": true, "certificate_der": "<base64>"}]}

``test`` marks development/test PAAs (accepted only in training mode). Every root must be a
self-signed CA certificate on P-256; anything else is a :class:`PaaStoreError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

PAA_STORE_TARGET: Final = "matter-paa-store.json"
FORMAT_VERSION: Final = 1
MAX_ROOTS: Final = 2000
MAX_BYTES: Final = 4 * 1024 * 1024

__all__ = ["MAX_BYTES", "PAA_STORE_TARGET", "PaaRoot", "PaaStoreError", "encode_paa_store",
           "parse_paa_store"]


class PaaStoreError(ValueError):
    """The PAA store target is malformed (the message names the entry and the problem)."""


@dataclass(frozen=True, slots=True)
class PaaRoot:
    name: str
    test: bool
    der: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def file_name(self) -> str:
        return f"paa-{self.fingerprint[:32]}.der"


def encode_paa_store(roots: list[PaaRoot]) -> bytes:
    doc = {"format": FORMAT_VERSION,
           "roots": [{"name": r.name, "test": r.test,
                      "certificate_der": base64.b64encode(r.der).decode()} for r in roots]}
    return json.dumps(doc, indent=1, sort_keys=True).encode()


def _check_root(der: bytes, where: str) -> None:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as err:
        raise PaaStoreError(f"{where}: not a DER certificate ({err})") from None
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise PaaStoreError(f"{where}: no basic constraints (not a CA)") from None
    if not bc.ca:
        raise PaaStoreError(f"{where}: not a CA certificate")
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise PaaStoreError(f"{where}: not a P-256 key")
    if cert.issuer != cert.subject:
        raise PaaStoreError(f"{where}: not self-signed")
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError) as err:
        raise PaaStoreError(f"{where}: its self-signature does not verify ({err})") from None
    except Exception as err:  # noqa: BLE001 - InvalidSignature and friends
        raise PaaStoreError(f"{where}: its self-signature does not verify ({err!r})") from None


def parse_paa_store(data: bytes) -> tuple[PaaRoot, ...]:
    if len(data) > MAX_BYTES:
        raise PaaStoreError(f"{PAA_STORE_TARGET} is {len(data)} bytes, limit {MAX_BYTES}")
    try:
        doc: Any = json.loads(data)
    except ValueError as err:
        raise PaaStoreError(f"{PAA_STORE_TARGET}: not JSON ({err})") from None
    if not isinstance(doc, dict) or set(doc) != {"format", "roots"}:
        raise PaaStoreError(f"{PAA_STORE_TARGET}: expected exactly format and roots")
    if doc["format"] != FORMAT_VERSION:
        raise PaaStoreError(f"{PAA_STORE_TARGET}: unknown format {doc['format']!r}")
    roots = doc["roots"]
    if not isinstance(roots, list) or len(roots) > MAX_ROOTS:
        raise PaaStoreError(f"{PAA_STORE_TARGET}: roots must be a list of at most {MAX_ROOTS}")
    out = []
    for i, entry in enumerate(roots):
        where = f"{PAA_STORE_TARGET} roots[{i}]"
        if (not isinstance(entry, dict) or set(entry) != {"name", "test", "certificate_der"}
                or not isinstance(entry["name"], str) or not isinstance(entry["test"], bool)
                or not isinstance(entry["certificate_der"], str)
                or not 0 < len(entry["name"]) <= 200):
            raise PaaStoreError(f"{where}: expected name (text), test (true/false) and "
                                "certificate_der (base64)")
        try:
            der = base64.b64decode(entry["certificate_der"], validate=True)
        except (binascii.Error, ValueError):
            raise PaaStoreError(f"{where}: certificate_der is not base64") from None
        _check_root(der, where)
        out.append(PaaRoot(entry["name"], entry["test"], der))
    return tuple(out)
