"""The app's firmware image cache: ``<data dir>/firmware-cache`` (one file per image SHA-256).

Images are downloaded once through TUF (:func:`commissioner.trust.catalog.download_target`:
length and hashes checked against the signed targets metadata while streaming to disk) and
can be pre-loaded in the office for sites without internet (``commissioner firmware
preload``). Before any use an image is verified again, from the file on disk:

1. size and SHA-256 equal the catalog's firmware index (itself a TUF-verified target);
2. the manufacturer's signature over the manifest verifies with the firmware key of that
   manufacturer in the same index.

Only then does :class:`ImageProvider` hand out a :class:`VerifiedImage`. Nothing is held in
memory: hashing reads 1 MiB blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.protocol.firmware_index import FirmwareIndex, FirmwareRelease, ModelFirmware
from commissioner.protocol.firmware_manifest import (
    FirmwareManifest,
    ManifestError,
    file_sha256,
    verify_manifest,
)
from commissioner.trust.catalog import CatalogConfig, CatalogError, download_target

CACHE_DIR: Final = "firmware-cache"


class FirmwareImageError(Exception):
    """An image cannot be used. ``reason``: not-cached, download-failed, tampered,
    bad-signature, no-image, no-key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class VerifiedImage:
    path: Path
    manifest: FirmwareManifest
    signature: str
    target: str

    @property
    def size(self) -> int:
        return self.manifest.size

    @property
    def sha256(self) -> str:
        return self.manifest.sha256


def cache_dir(data_dir: Path) -> Path:
    return Path(data_dir) / CACHE_DIR


class FirmwareCache:
    """Images by SHA-256 in ``directory``; downloads with TUF, verifies before use."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, sha256: str) -> Path:
        return self.directory / f"{sha256}.bin"

    def has(self, release: FirmwareRelease) -> bool:
        return release.image is not None and self.path_for(release.image.sha256).is_file()

    def download(self, config: CatalogConfig | None, release: FirmwareRelease) -> Path:
        """The cached file of ``release``'s image, downloading it through TUF if missing."""
        image = release.image
        if image is None:
            raise FirmwareImageError("no-image", f"release {release.version} has no image")
        path = self.path_for(image.sha256)
        if path.is_file():
            return path
        if config is None or not config.url:
            raise FirmwareImageError(
                "not-cached",
                f"the image {image.target} is not in the firmware cache and there is no "
                "catalog connection; preload it in the office (commissioner firmware preload)",
            )
        tmp = path.with_name(f".{path.name}.download")
        try:
            digest = download_target(config, image.target, tmp, max_bytes=image.size)
            if digest != image.sha256:
                raise FirmwareImageError(
                    "tampered", f"{image.target}: the signed metadata and the firmware index "
                    "disagree about the image hash; sync the catalog again")
            os.replace(tmp, path)
        except CatalogError as err:
            raise FirmwareImageError(
                "tampered" if err.is_security else "download-failed",
                f"cannot download {image.target}: {err.message}",
            ) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return path

    @staticmethod
    def verify(
        path: Path, index: FirmwareIndex, model: ModelFirmware, release: FirmwareRelease
    ) -> VerifiedImage:
        """Check the file against the index (size, SHA-256) and the manufacturer signature."""
        image = release.image
        if image is None:
            raise FirmwareImageError("no-image", f"release {release.version} has no image")
        manifest = model.manifest(release)
        try:
            size, digest = file_sha256(path)
        except OSError as err:
            raise FirmwareImageError("not-cached", f"cannot read {path}: {err}") from None
        if size != image.size or digest != image.sha256:
            raise FirmwareImageError(
                "tampered",
                f"the cached image of {model.model_number} {release.version} does not match "
                "the signed catalog (size or SHA-256 differ); it was not used",
            )
        try:
            key = index.public_key(model.manufacturer)
        except ManifestError as err:
            raise FirmwareImageError("no-key", str(err)) from None
        if key is None:
            raise FirmwareImageError(
                "no-key", f"the catalog has no firmware key for {model.manufacturer}")
        try:
            verify_manifest(manifest, image.signature, key)
        except ManifestError as err:
            raise FirmwareImageError(err.reason, str(err)) from None
        return VerifiedImage(path, manifest, image.signature, image.target)

    def discard(self, sha256: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(sha256).unlink()


class ImageProvider:
    """Per run: each image is downloaded and verified once, even with many devices of the
    same model updating concurrently."""

    def __init__(
        self, cache: FirmwareCache, index: FirmwareIndex, config: CatalogConfig | None
    ) -> None:
        self.cache = cache
        self.index = index
        self.config = config
        self._locks: dict[str, asyncio.Lock] = {}
        self._verified: dict[str, VerifiedImage] = {}

    async def get(self, model: ModelFirmware, release: FirmwareRelease) -> VerifiedImage:
        if release.image is None:
            raise FirmwareImageError("no-image", f"release {release.version} has no image")
        key = release.image.sha256
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key in self._verified:
                return self._verified[key]
            path = await asyncio.to_thread(self.cache.download, self.config, release)
            try:
                image = await asyncio.to_thread(
                    self.cache.verify, path, self.index, model, release)
            except FirmwareImageError as err:
                if err.reason == "tampered":
                    self.cache.discard(key)  # never used; a later run downloads it afresh
                raise
            self._verified[key] = image
            return image


def preload(
    cache: FirmwareCache,
    config: CatalogConfig | None,
    index: FirmwareIndex,
    models: list[str] | None = None,
) -> list[VerifiedImage]:
    """Download and verify the latest image of ``models`` (all models of the index when
    None); returns what is now cached. FirmwareImageError on the first failure."""
    out: list[VerifiedImage] = []
    wanted = index.models if models is None else [
        m for m in index.models if m.model_number in set(models)
    ]
    if models is not None:
        missing = set(models) - {m.model_number for m in wanted}
        if missing:
            raise FirmwareImageError(
                "no-image", f"the catalog has no firmware for {', '.join(sorted(missing))}")
    for model in wanted:
        release = model.latest_release
        path = cache.download(config, release)
        out.append(cache.verify(path, index, model, release))
    return out
