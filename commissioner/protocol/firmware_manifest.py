"""The manufacturer's signed firmware manifest, shared by the app and the (virtual) device.

A firmware image is signed by its manufacturer's firmware key (ECDSA P-256 over SHA-256)
*indirectly*: the manufacturer signs a small manifest that names the model, the version, the
image's size and SHA-256 and the minimum version the image may be installed over::

    {"format": 1, "manufacturer": ..., "model": ..., "version": "1.3.0",
     "min_version": "1.0.0", "size": 262144, "sha256": "<64 hex>"}

The signed bytes are the canonical JSON of that object (sorted keys, no spaces, UTF-8) with
the context prefix ``shcommission/v1/firmware-manifest\\n``. The signature is DER ECDSA,
base64 in transport. Both sides rebuild the bytes from the fields, so nothing can be smuggled
in extra members. The app checks everything before it sends a byte; the device checks it
again, independently, when the transfer begins and when it is committed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol.spec import FIRMWARE_VERSION_RE, NAME_RE

MANIFEST_FORMAT: Final = 1
MANIFEST_CONTEXT: Final = b"shcommission/v1/firmware-manifest\n"
SHA256_RE: Final = re.compile(r"^[0-9a-f]{64}$")
MAX_IMAGE_BYTES: Final = 1024 * 1024 * 1024  # 1 GiB: no device image is larger
MAX_SIGNATURE_B64: Final = 200
HASH_BLOCK: Final = 1024 * 1024


class ManifestError(ValueError):
    """A manifest or signature is malformed or does not verify; ``reason`` is a code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` → ``(1, 2, 3)``; ValueError for anything else."""
    if not isinstance(text, str) or not FIRMWARE_VERSION_RE.fullmatch(text):
        raise ValueError(f"not a firmware version: {str(text)[:20]!r}")
    a, b, c = text.split(".")
    return int(a), int(b), int(c)


def version_lt(a: str, b: str) -> bool:
    return parse_version(a) < parse_version(b)


@dataclass(frozen=True, slots=True)
class FirmwareManifest:
    manufacturer: str
    model: str
    version: str
    min_version: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "version": self.version,
            "min_version": self.min_version,
            "size": self.size,
            "sha256": self.sha256,
        }

    def signed_bytes(self) -> bytes:
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return MANIFEST_CONTEXT + text.encode("utf-8")

    @classmethod
    def from_json(cls, raw: object) -> FirmwareManifest:
        """Strict parse (unknown members refused); ManifestError(``bad-manifest``)."""

        def bad(msg: str) -> ManifestError:
            return ManifestError("bad-manifest", f"firmware manifest: {msg}")

        if not isinstance(raw, dict):
            raise bad("not an object")
        keys = {"format", "manufacturer", "model", "version", "min_version", "size", "sha256"}
        if set(raw) != keys:
            raise bad("wrong members")
        if raw["format"] != MANIFEST_FORMAT:
            raise bad("unsupported format")
        for name in ("manufacturer", "model"):
            value = raw[name]
            if not isinstance(value, str) or not NAME_RE.fullmatch(value):
                raise bad(f"{name} is not a valid name")
        for name in ("version", "min_version"):
            value = raw[name]
            if not isinstance(value, str) or not FIRMWARE_VERSION_RE.fullmatch(value):
                raise bad(f"{name} is not a version")
        size = raw["size"]
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_IMAGE_BYTES:
            raise bad("size out of range")
        digest = raw["sha256"]
        if not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
            raise bad("sha256 is not 64 lower-case hex digits")
        if parse_version(raw["min_version"]) > parse_version(raw["version"]):
            raise bad("min_version is above version")
        return cls(raw["manufacturer"], raw["model"], raw["version"], raw["min_version"],
                   size, digest)


def sign_manifest(manifest: FirmwareManifest, key: ec.EllipticCurvePrivateKey) -> str:
    """Base64 DER ECDSA-P256/SHA-256 signature over :meth:`FirmwareManifest.signed_bytes`."""
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("firmware keys are ECDSA P-256")
    der = key.sign(manifest.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(der).decode("ascii")


def load_public_key(pem: str | bytes) -> ec.EllipticCurvePublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ManifestError("bad-key", "the firmware key is not a readable PEM key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ManifestError("bad-key", "the firmware key is not an ECDSA P-256 key")
    return key


def public_key_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 (hex) of the DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def verify_manifest(
    manifest: FirmwareManifest, signature_b64: str, key: ec.EllipticCurvePublicKey
) -> None:
    """ManifestError(``bad-signature``) unless ``signature_b64`` is the manufacturer's."""
    if not isinstance(signature_b64, str) or len(signature_b64) > MAX_SIGNATURE_B64:
        raise ManifestError("bad-signature", "the firmware signature is malformed")
    try:
        der = base64.b64decode(signature_b64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ManifestError("bad-signature", "the firmware signature is not base64") from None
    try:
        key.verify(der, manifest.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise ManifestError(
            "bad-signature",
            f"the firmware image {manifest.model} {manifest.version} is not signed by the "
            "manufacturer's firmware key",
        ) from None


def file_sha256(path: Path) -> tuple[int, str]:
    """(size, SHA-256 hex) of a file, read in 1 MiB blocks (never the whole file at once)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(HASH_BLOCK)
            if not block:
                break
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def update_refusal(
    manifest: FirmwareManifest, *, model: str, manufacturer: str, current: str
) -> tuple[str, str] | None:
    """Why ``manifest`` must not be installed on a device (model, manufacturer, running
    ``current``): ``(code, sentence)`` or None. Codes: wrong-model, wrong-manufacturer,
    downgrade, already-installed, below-min-version. Used by app and device alike."""
    if manifest.model != model:
        return "wrong-model", (
            f"the image is for model {manifest.model}, the device is a {model}"
        )
    if manifest.manufacturer != manufacturer:
        return "wrong-manufacturer", (
            f"the image is from {manifest.manufacturer}, the device from {manufacturer}"
        )
    if version_lt(manifest.version, current):
        return "downgrade", (
            f"the image {manifest.version} is older than the running firmware {current}"
        )
    if manifest.version == current:
        return "already-installed", f"firmware {current} is already running"
    if version_lt(current, manifest.min_version):
        return "below-min-version", (
            f"the image {manifest.version} can only be installed over {manifest.min_version} "
            f"or later; the device runs {current}"
        )
    return None
