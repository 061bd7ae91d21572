"""The virtual home's manufacturers publish firmware: signing keys, images, the firmware index.

At every start of the home (before its catalog is published):

* each manufacturer of the home gets a firmware signing key (ECDSA P-256), generated once:
  ``DIR/pki/firmware-signing/<slug>.key.pem`` (0600) and ``<slug>.pub.pem``;
* every device gets its manufacturer's public firmware key "at manufacture":
  ``DIR/devices/<id>/firmware-signer.pem`` (written if missing);
* for each model in the home the release history is fixed once in ``DIR/firmware/releases.json``
  (devices ``1.0.3`` (known vulnerable) → ``1.2.0`` → ``1.3.0`` latest; gateways ``2.0.4``
  (vulnerable) → ``2.1.0`` → ``2.2.0``; a model seeded at or above that gets a later latest),
  and the latest image is generated once: ``DIR/firmware/images/<slug>/<version>.bin``
  (a short header, then random bytes). Its size is ``$COMMISSIONER_VH_FIRMWARE_BYTES``
  (default 256 KiB) when the home is first started;
* the index (:mod:`commissioner.protocol.firmware_index`) lists every release, the latest with
  its image target, size, SHA-256 and the manufacturer's signature over the manifest.

Tests that need other images (older, wrong model, badly signed) sign them with
:func:`load_signing_key` and :func:`make_image`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol.firmware_index import (
    FirmwareImage,
    FirmwareIndex,
    FirmwareRelease,
    ModelFirmware,
    target_name,
)
from commissioner.protocol.firmware_manifest import (
    FirmwareManifest,
    file_sha256,
    load_public_key,
    parse_version,
    public_key_pem,
    sign_manifest,
)
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_atomic, write_json_atomic

FIRMWARE_DIR: Final = "firmware"
RELEASES_FILE: Final = "releases.json"
SIGNING_DIR: Final = "pki/firmware-signing"
DEVICE_SIGNER_FILE: Final = "firmware-signer.pem"
SIZE_ENV: Final = "COMMISSIONER_VH_FIRMWARE_BYTES"
DEFAULT_IMAGE_BYTES: Final = 256 * 1024
MAX_IMAGE_BYTES: Final = 1024 * 1024 * 1024
_BLOCK: Final = 1024 * 1024

DEVICE_LINE: Final = ("1.0.3", "1.2.0", "1.3.0")
GATEWAY_LINE: Final = ("2.0.4", "2.1.0", "2.2.0")
_DATES: Final = ("2024-03-15", "2024-11-01", "2025-06-02")
_ADVISORY: Final = (
    "Known vulnerable: the device accepts a malformed pairing request that lets a nearby "
    "attacker run code (fictional advisory SHC-2024-017). Update to the latest firmware."
)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


@dataclass(frozen=True, slots=True)
class PublishedFirmware:
    index: FirmwareIndex
    images: dict[str, Path]  # target name -> file


# --------------------------------------------------------------------------- keys


def signing_key_path(home_dir: Path, manufacturer: str) -> Path:
    return home_dir / SIGNING_DIR / f"{_slug(manufacturer)}.key.pem"


def load_signing_key(home_dir: Path, manufacturer: str) -> ec.EllipticCurvePrivateKey:
    """The manufacturer's firmware signing key (created on first use)."""
    path = signing_key_path(home_dir, manufacturer)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC key")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomic(path, pem, mode=SECRET_MODE)
    write_atomic(path.with_name(f"{_slug(manufacturer)}.pub.pem"),
                 public_key_pem(key.public_key()).encode("ascii"))
    return key


# --------------------------------------------------------------------------- images


def make_image(path: Path, model: str, version: str, size: int) -> tuple[int, str]:
    """Write a pseudo image of ``size`` bytes (header + random) in 1 MiB blocks; returns
    (size, sha256)."""
    header = f"SHCFW1\0{model}\0{version}\0".encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        written = 0
        first = header[:size]
        fh.write(first)
        written += len(first)
        while written < size:
            n = min(_BLOCK, size - written)
            fh.write(os.urandom(n))
            written += n
    os.replace(tmp, path)
    return file_sha256(path)


def sign_image(
    home_dir: Path, manufacturer: str, model: str, version: str, min_version: str, path: Path
) -> tuple[FirmwareManifest, str]:
    """Manifest of the image file at ``path`` and the manufacturer's signature over it."""
    size, digest = file_sha256(path)
    manifest = FirmwareManifest(manufacturer, model, version, min_version, size, digest)
    return manifest, sign_manifest(manifest, load_signing_key(home_dir, manufacturer))


# --------------------------------------------------------------------------- releases


def _bump_minor(version: str) -> str:
    a, b, _ = parse_version(version)
    return f"{a}.{b + 1}.0"


def _device_facts(home_dir: Path) -> dict[str, dict[str, Any]]:
    """model -> {manufacturer, kind, versions, devices} from the devices' state files."""
    out: dict[str, dict[str, Any]] = {}
    devices = home_dir / "devices"
    if not devices.is_dir():
        return out
    for d in sorted(devices.iterdir()):
        try:
            raw = read_json(d / "state.json", "device state")
        except ValueError:
            continue
        if not isinstance(raw, dict):
            continue
        model, mfr, kind = raw.get("model"), raw.get("manufacturer"), raw.get("kind")
        slots = raw.get("firmware_slots")
        active = raw.get("active_slot")
        if not (isinstance(model, str) and isinstance(mfr, str) and isinstance(kind, str)):
            continue
        entry = out.setdefault(model, {"manufacturer": mfr, "kind": kind, "versions": set(),
                                       "devices": []})
        entry["devices"].append((d, mfr))
        if isinstance(slots, dict) and isinstance(active, str):
            version = slots.get(active)
            if isinstance(version, str):
                entry["versions"].add(version)
    return out


def _plan_releases(kind: str, seen: set[str]) -> dict[str, Any]:
    line = GATEWAY_LINE if kind == "gateway" else DEVICE_LINE
    vulnerable, _middle, latest = line
    highest = max(seen, key=parse_version) if seen else latest
    if parse_version(highest) >= parse_version(latest):
        latest = _bump_minor(highest)
    versions = sorted({*line[:2], *seen, latest}, key=parse_version)
    major = parse_version(latest)[0]
    return {
        "latest": latest,
        "vulnerable": [vulnerable],
        "versions": versions,
        "min_version": f"{major}.0.0",
    }


def prepare_firmware(home_dir: Path) -> PublishedFirmware:
    """Keys, images and the firmware index for every model of the home (idempotent)."""
    home_dir = Path(home_dir)
    facts = _device_facts(home_dir)
    fw_dir = home_dir / FIRMWARE_DIR
    releases_path = fw_dir / RELEASES_FILE
    try:
        stored = read_json(releases_path, "firmware releases")
    except ValueError:
        stored = {}
    if not isinstance(stored, dict) or stored.get("format") != 1:
        stored = {}
    models: dict[str, Any] = dict(stored.get("models", {}))
    image_bytes = stored.get("image_bytes")
    if not isinstance(image_bytes, int):
        env = os.environ.get(SIZE_ENV, "")
        image_bytes = int(env) if env.isdigit() else DEFAULT_IMAGE_BYTES
        image_bytes = max(64, min(MAX_IMAGE_BYTES, image_bytes))
    changed = not stored
    for model, f in facts.items():
        if model not in models:
            models[model] = {"manufacturer": f["manufacturer"],
                             **_plan_releases(f["kind"], f["versions"])}
            changed = True
    if changed:
        write_json_atomic(releases_path, {"format": 1, "image_bytes": image_bytes,
                                          "models": models})

    keys: dict[str, str] = {}
    entries: list[ModelFirmware] = []
    images: dict[str, Path] = {}
    for model in sorted(models):
        info = models[model]
        mfr, latest = info["manufacturer"], info["latest"]
        key = load_signing_key(home_dir, mfr)
        keys[mfr] = public_key_pem(key.public_key())
        target = target_name(model, latest)
        path = fw_dir / "images" / _slug(model) / f"{latest}.bin"
        if not path.exists():
            make_image(path, model, latest, image_bytes)
        manifest, signature = sign_image(home_dir, mfr, model, latest, info["min_version"], path)
        images[target] = path
        releases = []
        for i, version in enumerate(info["versions"]):
            is_latest = version == latest
            vulnerable = version in info["vulnerable"]
            releases.append(FirmwareRelease(
                version=version,
                release_date=dt.date.fromisoformat(_DATES[min(i, len(_DATES) - 1)]),
                notes=(f"{model} firmware {version}: security and stability fixes"
                       if not vulnerable else f"{model} firmware {version}"),
                min_version=info["min_version"] if is_latest else "0.0.0",
                vulnerable=vulnerable,
                advisory=_ADVISORY if vulnerable else None,
                image=FirmwareImage(target, manifest.size, manifest.sha256, signature)
                if is_latest else None,
            ))
        entries.append(ModelFirmware(mfr, model, latest, tuple(releases)))
    # "At manufacture": every device carries its manufacturer's public firmware key.
    for f in facts.values():
        for device_dir, mfr in f["devices"]:
            signer = device_dir / DEVICE_SIGNER_FILE
            if not signer.exists() and mfr in keys:
                write_atomic(signer, keys[mfr].encode("ascii"))
    return PublishedFirmware(FirmwareIndex(keys=keys, models=tuple(entries)), images)


def device_signer_key(device_dir: Path) -> ec.EllipticCurvePublicKey | None:
    """The public firmware key a device got at manufacture (None if it has none)."""
    try:
        return load_public_key((device_dir / DEVICE_SIGNER_FILE).read_bytes())
    except (OSError, ValueError):
        return None
