"""Fault hooks with which a virtual device lies to the app (docs/device-protocol.md section 17).

Every defence of the app against a dishonest or replaced device needs a device that actually
misbehaves, or the defence never runs. Set through the control channel like the other fault
hooks (``commissioner virtual-home ctl DIR fault DEVICE_ID NAME --variant V``), persisted in the
device's ``injected_faults`` until ``clear``:

``readback-differs``  ``GET /v1/commissioning/summary`` reports something other than what the
                      device holds; variant: ``operational-certificate`` (default), ``acl``,
                      ``default-credential``, ``completion``.
``not-applied``       the device answers a provisioning step with the confirmation the app
                      expects but does not apply it (and does not miss it at ``complete``);
                      variant: ``default-credential`` (default), ``acl``, ``complete``,
                      ``admin-credential``.
``swapped-unit``      another unit answers at this device's address (as if it was exchanged
                      after certification): a new attestation key and leaf from the genuine
                      manufacturer CA; variant ``same-id`` (default: new serial, same device
                      id) or ``other-id``.
``attestation``       the attestation chain breaks the rules; variant ``expired-intermediate``
                      (default, issued by the genuine root), ``expired-root`` (a root with the
                      manufacturer's name that expired; written to ``lie-root.pem`` in the
                      device directory so a test can trust it), ``foreign-root`` (the
                      intermediate is issued by the genuine root of *another* manufacturer),
                      ``not-yet-valid-intermediate``.

The simulator stays independent of product policy: this module only builds lies from the
protocol's own certificate builders; what the app makes of them is for the app's tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.protocol.attestation import (
    DeviceCertFields,
    cert_pem,
    generate_key,
    key_pem,
    make_device_certificate,
    make_intermediate,
    make_root,
    parse_attestation_certificate,
)
from commissioner.protocol.spec import ProvisioningEndpoint
from commissioner.virtualhome.fsutil import write_atomic

LIE_READBACK: Final = "readback-differs"
LIE_NOT_APPLIED: Final = "not-applied"
LIE_SWAPPED: Final = "swapped-unit"
LIE_ATTESTATION: Final = "attestation"

VARIANTS: Final[Mapping[str, tuple[str, ...]]] = {
    LIE_READBACK: ("operational-certificate", "acl", "default-credential", "completion"),
    LIE_NOT_APPLIED: ("default-credential", "acl", "complete", "admin-credential"),
    LIE_SWAPPED: ("same-id", "other-id"),
    LIE_ATTESTATION: (
        "expired-intermediate", "expired-root", "foreign-root", "not-yet-valid-intermediate",
    ),
}
LIES: Final = frozenset(VARIANTS)
LIE_ROOT_FILE: Final = "lie-root.pem"

_PE = ProvisioningEndpoint
_STEP_PATHS: Final = {
    "default-credential": _PE.DEFAULT_CREDENTIAL.value,
    "acl": _PE.ACL.value,
    "complete": _PE.COMPLETE.value,
    "admin-credential": _PE.ADMIN_CREDENTIAL.value,
}
_MISSING_NAME: Final = {  # the name ``complete`` uses for a missing step (spec 13.2)
    "default-credential": "default-credential",
    "acl": "acl",
    "admin-credential": "admin-credential",
}
_DAY: Final = dt.timedelta(days=1)
# Forged attestation material, per device directory and variant (stable while the home runs).
_forged: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}


def fault_entry(name: str, variant: str | None) -> dict[str, Any]:
    """The persisted form of a lie; ValueError for an unknown variant."""
    allowed = VARIANTS[name]
    chosen = variant or allowed[0]
    if chosen not in allowed:
        raise ValueError(f"variant must be one of {', '.join(allowed)}")
    return {"remaining": None, "variant": chosen}


def _variant(faults: Mapping[str, Mapping[str, Any]], name: str) -> str | None:
    entry = faults.get(name)
    if entry is None:
        return None
    return str(entry.get("variant") or VARIANTS[name][0])


# --------------------------------------------------------------------------- provisioning


def readback(faults: Mapping[str, Mapping[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """The summary the device reports (``readback-differs`` alters one field)."""
    variant = _variant(faults, LIE_READBACK)
    if variant is None:
        return summary
    out: dict[str, Any] = json.loads(json.dumps(summary))
    if variant == "operational-certificate":
        out["operational_certificate_fingerprint"] = hashlib.sha256(b"another").hexdigest()
    elif variant == "acl":
        acl = out.get("acl") or {}
        entries = [e for e in acl.get("entries") or [] if e.get("role") != "commissioner"]
        out["acl"] = {**acl, "entries": entries}
    elif variant == "default-credential":
        out["default_credential_enabled"] = True
    else:  # completion
        out["state"] = "factory"
    return out


def unapplied_reply(
    faults: Mapping[str, Mapping[str, Any]], path: str, read_body: Callable[[], Mapping[str, Any]]
) -> dict[str, Any] | None:
    """For ``not-applied``: the confirmation the app expects, for a step the device skips;
    None to handle the request normally."""
    variant = _variant(faults, LIE_NOT_APPLIED)
    if variant is None or _STEP_PATHS[variant] != path:
        return None
    if variant == "default-credential":
        return {"default_credential_enabled": False}
    if variant == "complete":
        return {"state": "commissioned"}
    if variant == "admin-credential":
        return {"admin_credential_set": True}
    body = read_body()
    home_ca = body.get("home_ca")
    fingerprint = None
    if isinstance(home_ca, str):
        try:
            cert = x509.load_pem_x509_certificate(home_ca.encode("ascii"))
            fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        except (ValueError, UnicodeEncodeError):
            fingerprint = None
    entries = body.get("entries")
    return {"acl": {"home_ca_fingerprint": fingerprint,
                    "entries": entries if isinstance(entries, list) else []}}


def still_missing(faults: Mapping[str, Mapping[str, Any]], missing: list[str]) -> list[str]:
    """What ``complete`` says is missing: a ``not-applied`` device does not miss its skip."""
    variant = _variant(faults, LIE_NOT_APPLIED)
    if variant is None or variant not in _MISSING_NAME:
        return missing
    skipped = _MISSING_NAME[variant]
    return [m for m in missing if m != skipped]


# --------------------------------------------------------------------------- attestation


def changes_attestation(name: str) -> bool:
    return name in (LIE_SWAPPED, LIE_ATTESTATION)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC key")
    return key


def _ca_dirs(home_dir: Path) -> list[Path]:
    pki = home_dir / "pki"
    return sorted(d for d in pki.iterdir() if (d / "intermediate-key.pem").exists()) \
        if pki.is_dir() else []


def _own_ca(home_dir: Path, intermediate: x509.Certificate) -> Path:
    for d in _ca_dirs(home_dir):
        if x509.load_pem_x509_certificate((d / "intermediate.pem").read_bytes()) == intermediate:
            return d
    raise ValueError("the device's manufacturer CA is not in the home's pki directory")


def _org(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)


def _fields(leaf: x509.Certificate) -> DeviceCertFields:
    ident = parse_attestation_certificate(leaf.public_bytes(serialization.Encoding.DER))
    return DeviceCertFields(ident.device_id, ident.manufacturer, ident.model, ident.serial,
                            ident.kind)


def attestation(
    directory: Path, faults: Mapping[str, Mapping[str, Any]], chain_pem: bytes, device_key: bytes
) -> tuple[bytes, bytes]:
    """The (chain PEM, key PEM) the device presents: its own, or a forged one for
    ``swapped-unit`` / ``attestation``."""
    swapped, broken = _variant(faults, LIE_SWAPPED), _variant(faults, LIE_ATTESTATION)
    if swapped is None and broken is None:
        return chain_pem, device_key
    cache_key = (str(directory), swapped or "", broken or "")
    if cache_key not in _forged:
        _forged[cache_key] = _forge(directory, swapped, broken, chain_pem, device_key)
    return _forged[cache_key]


def _forge(
    directory: Path, swapped: str | None, broken: str | None, chain_pem: bytes, key_pem_: bytes
) -> tuple[bytes, bytes]:
    leaf, inter = x509.load_pem_x509_certificates(chain_pem)[:2]
    home_dir = directory.parent.parent  # DIR/devices/<id>
    ca_dir = _own_ca(home_dir, inter)
    root = x509.load_pem_x509_certificate((ca_dir / "root.pem").read_bytes())
    root_key = _load_key(ca_dir / "root-key.pem")
    inter_key = _load_key(ca_dir / "intermediate-key.pem")
    fields = _fields(leaf)
    key = _load_key_bytes(key_pem_)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if swapped is not None:
        key = generate_key()
        serial = fields.serial[:28] + "-SWP"
        device_id = fields.device_id if swapped == "same-id" else f"{fields.device_id[:50]}-swapped"
        fields = DeviceCertFields(device_id, fields.manufacturer, fields.model, serial,
                                  fields.kind)
    maker = fields.manufacturer
    if broken == "expired-intermediate":
        inter_key = generate_key()
        inter = make_intermediate(maker, inter_key, root, root_key, not_before=now - 30 * _DAY,
                                  not_after=now - _DAY)
    elif broken == "not-yet-valid-intermediate":
        inter_key = generate_key()
        inter = make_intermediate(maker, inter_key, root, root_key, not_before=now + 30 * _DAY,
                                  not_after=now + 3650 * _DAY)
    elif broken == "expired-root":
        root_key = generate_key()
        root = make_root(maker, root_key, not_before=now - 30 * _DAY, not_after=now - _DAY)
        write_atomic(directory / LIE_ROOT_FILE, cert_pem(root))
        inter_key = generate_key()
        inter = make_intermediate(maker, inter_key, root, root_key)
    elif broken == "foreign-root":
        other = next((d for d in _ca_dirs(home_dir) if d != ca_dir and not d.name.startswith(
            "rogue") and _org(x509.load_pem_x509_certificate((d / "root.pem").read_bytes()))
            != maker), None)
        if other is None:
            raise ValueError("foreign-root needs a second manufacturer in the home")
        other_root = x509.load_pem_x509_certificate((other / "root.pem").read_bytes())
        inter_key = generate_key()
        inter = make_intermediate(maker, inter_key, other_root, _load_key(other / "root-key.pem"))
    new_leaf = make_device_certificate(fields, key.public_key(), inter, inter_key)
    return cert_pem(new_leaf) + cert_pem(inter), key_pem(key)


def _load_key_bytes(data: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("device key is not an EC key")
    return key
