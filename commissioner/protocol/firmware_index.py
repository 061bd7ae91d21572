"""The catalog's firmware index (optional TUF target ``firmware-index.json``).

Per model: every known release with its date, notes, whether it is known vulnerable (R3-6,
SR2-H-6, SR2-D-5), the minimum version it can be installed over, and - for releases that are
published - the image: its TUF target name, size, SHA-256 and the manufacturer's signature over
the firmware manifest (:mod:`commissioner.protocol.firmware_manifest`). The manufacturers' firmware
public keys travel in the same file. Format 1::

    {"format": 1,
     "manufacturer_keys": [{"manufacturer", "public_key_pem"}],
     "models": [{"manufacturer", "model_number", "latest": "1.3.0",
                 "releases": [{"version", "release_date": "YYYY-MM-DD", "notes",
                               "min_version", "vulnerable": bool, "advisory": str|null,
                               "image": null | {"target": "firmware/<model>/<v>.bin",
                                                "size", "sha256", "signature"}}]}]}

``latest`` MUST be the highest release that has an image and is not vulnerable. Parsing is
strict (unknown members, duplicates and inconsistencies are errors naming the field).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol.firmware_manifest import (
    MAX_IMAGE_BYTES,
    SHA256_RE,
    FirmwareManifest,
    ManifestError,
    load_public_key,
    parse_version,
)
from commissioner.protocol.spec import FIRMWARE_VERSION_RE

FIRMWARE_INDEX_TARGET: Final = "firmware-index.json"
FIRMWARE_TARGET_PREFIX: Final = "firmware/"
INDEX_FORMAT: Final = 1
MAX_RELEASES: Final = 200
MAX_NOTES: Final = 2000
_TARGET_RE: Final = re.compile(r"^firmware/[A-Za-z0-9._-]{1,80}/[0-9.]{5,24}\.bin$")
_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FirmwareIndexError(ValueError):
    """The firmware index is malformed; the message names the field."""


def target_name(model: str, version: str) -> str:
    """``firmware/<model slug>/<version>.bin`` (characters outside ``[A-Za-z0-9._-]`` → ``_``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", model)
    return f"{FIRMWARE_TARGET_PREFIX}{slug}/{version}.bin"


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    target: str
    size: int
    sha256: str
    signature: str  # base64 DER ECDSA over the manifest

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "size": self.size, "sha256": self.sha256,
                "signature": self.signature}


@dataclass(frozen=True, slots=True)
class FirmwareRelease:
    version: str
    release_date: dt.date
    notes: str
    min_version: str
    vulnerable: bool
    advisory: str | None
    image: FirmwareImage | None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "release_date": self.release_date.isoformat(),
            "notes": self.notes,
            "min_version": self.min_version,
            "vulnerable": self.vulnerable,
            "advisory": self.advisory,
            "image": None if self.image is None else self.image.to_json(),
        }


@dataclass(frozen=True, slots=True)
class ModelFirmware:
    manufacturer: str
    model_number: str
    latest: str
    releases: tuple[FirmwareRelease, ...]

    def release(self, version: str) -> FirmwareRelease | None:
        for r in self.releases:
            if r.version == version:
                return r
        return None

    @property
    def latest_release(self) -> FirmwareRelease:
        release = self.release(self.latest)
        assert release is not None  # checked when parsed
        return release

    def is_vulnerable(self, version: str) -> bool:
        release = self.release(version)
        return release is not None and release.vulnerable

    def manifest(self, release: FirmwareRelease) -> FirmwareManifest:
        """The manifest the manufacturer signed for a published release."""
        if release.image is None:
            raise ValueError(f"{self.model_number} {release.version} has no image")
        return FirmwareManifest(
            manufacturer=self.manufacturer, model=self.model_number, version=release.version,
            min_version=release.min_version, size=release.image.size,
            sha256=release.image.sha256,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "manufacturer": self.manufacturer,
            "model_number": self.model_number,
            "latest": self.latest,
            "releases": [r.to_json() for r in self.releases],
        }


@dataclass(frozen=True, slots=True)
class FirmwareIndex:
    keys: dict[str, str]  # manufacturer -> public key PEM
    models: tuple[ModelFirmware, ...]
    _by_model: dict[str, ModelFirmware] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_model.update({m.model_number: m for m in self.models})

    def for_model(self, model_number: str) -> ModelFirmware | None:
        return self._by_model.get(model_number)

    def public_key(self, manufacturer: str) -> ec.EllipticCurvePublicKey | None:
        pem = self.keys.get(manufacturer)
        return None if pem is None else load_public_key(pem)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": INDEX_FORMAT,
            "manufacturer_keys": [
                {"manufacturer": k, "public_key_pem": v} for k, v in sorted(self.keys.items())
            ],
            "models": [m.to_json() for m in self.models],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
                + "\n").encode("utf-8")


# --------------------------------------------------------------------------- parsing


def _fail(where: str, msg: str) -> FirmwareIndexError:
    return FirmwareIndexError(f"{FIRMWARE_INDEX_TARGET}: {where}: {msg}")


def _obj(value: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "expected an object")
    if set(value) != keys:
        missing = keys - set(value)
        extra = set(value) - keys
        raise _fail(where, f"missing {sorted(missing)} / unknown {sorted(extra)[:5]}")
    return value


def _str(value: Any, where: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _fail(where, f"expected a non-empty string of at most {limit} characters")
    if any(ord(c) < 0x20 and c not in "\n\t" for c in value) or "\x7f" in value:
        raise _fail(where, "contains control characters")
    return value


def _version(value: Any, where: str) -> str:
    if not isinstance(value, str) or not FIRMWARE_VERSION_RE.fullmatch(value):
        raise _fail(where, "expected a version like 1.2.0")
    return value


def _image(value: Any, where: str, model: str, version: str) -> FirmwareImage | None:
    if value is None:
        return None
    obj = _obj(value, where, {"target", "size", "sha256", "signature"})
    target = _str(obj["target"], f"{where}.target")
    if not _TARGET_RE.fullmatch(target) or target != target_name(model, version):
        raise _fail(f"{where}.target", f"must be {target_name(model, version)!r}")
    size = obj["size"]
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_IMAGE_BYTES:
        raise _fail(f"{where}.size", "out of range")
    digest = obj["sha256"]
    if not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
        raise _fail(f"{where}.sha256", "expected 64 lower-case hex digits")
    signature = _str(obj["signature"], f"{where}.signature", limit=200)
    return FirmwareImage(target, size, digest, signature)


def _release(value: Any, where: str, model: str) -> FirmwareRelease:
    obj = _obj(value, where, {"version", "release_date", "notes", "min_version", "vulnerable",
                              "advisory", "image"})
    version = _version(obj["version"], f"{where}.version")
    min_version = _version(obj["min_version"], f"{where}.min_version")
    if parse_version(min_version) > parse_version(version):
        raise _fail(f"{where}.min_version", "is above the version")
    date_text = _str(obj["release_date"], f"{where}.release_date", limit=10)
    if not _DATE_RE.fullmatch(date_text):
        raise _fail(f"{where}.release_date", "expected YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        raise _fail(f"{where}.release_date", "not a real date") from None
    vulnerable = obj["vulnerable"]
    if not isinstance(vulnerable, bool):
        raise _fail(f"{where}.vulnerable", "expected true or false")
    advisory = obj["advisory"]
    if advisory is not None:
        advisory = _str(advisory, f"{where}.advisory", limit=MAX_NOTES)
    return FirmwareRelease(
        version=version, release_date=date,
        notes=_str(obj["notes"], f"{where}.notes", limit=MAX_NOTES),
        min_version=min_version, vulnerable=vulnerable, advisory=advisory,
        image=_image(obj["image"], f"{where}.image", model, version),
    )


def _model(value: Any, where: str) -> ModelFirmware:
    obj = _obj(value, where, {"manufacturer", "model_number", "latest", "releases"})
    model = _str(obj["model_number"], f"{where}.model_number", limit=64)
    releases_raw = obj["releases"]
    if not isinstance(releases_raw, list) or not 0 < len(releases_raw) <= MAX_RELEASES:
        raise _fail(f"{where}.releases", f"expected 1..{MAX_RELEASES} releases")
    releases = tuple(
        _release(r, f"{where}.releases[{i}]", model) for i, r in enumerate(releases_raw)
    )
    versions = [r.version for r in releases]
    if len(set(versions)) != len(versions):
        raise _fail(f"{where}.releases", "a version is listed twice")
    latest = _version(obj["latest"], f"{where}.latest")
    installable = [r for r in releases if r.image is not None and not r.vulnerable]
    if not installable:
        raise _fail(where, "no published, non-vulnerable release")
    best = max(installable, key=lambda r: parse_version(r.version))
    if best.version != latest:
        raise _fail(f"{where}.latest", f"must be {best.version}, the highest installable release")
    return ModelFirmware(
        manufacturer=_str(obj["manufacturer"], f"{where}.manufacturer"),
        model_number=model, latest=latest, releases=releases,
    )


def parse_firmware_index(data: bytes) -> FirmwareIndex:
    """Parse ``firmware-index.json`` strictly; FirmwareIndexError names the field."""
    if len(data) > 2 * 1024 * 1024:
        raise _fail("file", "larger than 2 MiB")
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _fail("file", f"not valid UTF-8 JSON ({type(err).__name__})") from None
    top = _obj(doc, "top level", {"format", "manufacturer_keys", "models"})
    if top["format"] != INDEX_FORMAT:
        raise _fail("format", f"unsupported format (this app reads {INDEX_FORMAT})")
    keys_raw, models_raw = top["manufacturer_keys"], top["models"]
    if not isinstance(keys_raw, list) or not isinstance(models_raw, list):
        raise _fail("top level", "manufacturer_keys and models must be arrays")
    keys: dict[str, str] = {}
    for i, k in enumerate(keys_raw):
        obj = _obj(k, f"manufacturer_keys[{i}]", {"manufacturer", "public_key_pem"})
        name = _str(obj["manufacturer"], f"manufacturer_keys[{i}].manufacturer")
        pem = _str(obj["public_key_pem"], f"manufacturer_keys[{i}].public_key_pem", limit=4096)
        try:
            load_public_key(pem)
        except ManifestError as err:
            raise _fail(f"manufacturer_keys[{i}]", str(err)) from None
        if name in keys:
            raise _fail(f"manufacturer_keys[{i}]", f"{name!r} listed twice")
        keys[name] = pem
    models = tuple(_model(m, f"models[{i}]") for i, m in enumerate(models_raw))
    seen: set[str] = set()
    for m in models:
        if m.model_number in seen:
            raise _fail("models", f"model {m.model_number!r} listed twice")
        seen.add(m.model_number)
        if m.manufacturer not in keys:
            raise _fail("models", f"no firmware key for manufacturer {m.manufacturer!r}")
    return FirmwareIndex(keys=keys, models=models)


def _no_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")
