"""Offline re-verification of a cached catalog generation, without any network access: the
chain root -> timestamp -> snapshot -> targets -> target files, and the offline expiry policy
(see :mod:`commissioner.trust.catalog`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

from tuf.api import exceptions as tuf_exceptions
from tuf.api.metadata import (  # type: ignore[attr-defined]  # public re-exports without __all__
    Metadata,
    Root,
    Snapshot,
    Targets,
    Timestamp,
)

from commissioner.protocol.catalog_format import (
    MAX_TARGET_BYTES,
    OPTIONAL_TARGET_NAMES,
    TARGET_NAMES,
)
from commissioner.trust.catalog_errors import CatalogError

__all__ = ["read_limited", "verify_cached"]

MAX_ROOT_BYTES: Final = 512_000
MAX_TIMESTAMP_BYTES: Final = 16_384
MAX_SNAPSHOT_BYTES: Final = 2_000_000
MAX_TARGETS_BYTES: Final = 5_000_000
MAX_ROOT_ROTATIONS: Final = 256


def read_limited(path: Path, limit: int) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": f"{path.name} > {limit}"})
    return data


def verify_cached(
    gen_dir: Path,
    trusted_root: bytes,
    effective: dt.datetime,
    grace: dt.timedelta,
    refreshed_at: dt.datetime,
) -> tuple[Metadata[Targets], dict[str, bytes]]:
    """Re-verify the cached chain root → timestamp → snapshot → targets → target files."""
    metadata_dir = gen_dir / "metadata"
    try:
        root_md: Metadata[Root] = Metadata.from_bytes(trusted_root)
    except tuf_exceptions.RepositoryError as err:
        raise CatalogError(
            "bad-trust-root", code="catalog.root-invalid", params={"detail": err}) from None
    if root_md.signed.type != "root":
        raise CatalogError("bad-trust-root", code="catalog.root-not-root")
    root_md.signed.verify_delegate("root", root_md.signed_bytes, root_md.signatures)

    # Chain newer cached roots: each signed by the previous root and by itself.
    for _ in range(MAX_ROOT_ROTATIONS):
        nxt = metadata_dir / "root_history" / f"{root_md.signed.version + 1}.root.json"
        if not nxt.is_file():
            break
        new_md: Metadata[Root] = Metadata.from_bytes(read_limited(nxt, MAX_ROOT_BYTES))
        if new_md.signed.type != "root" or new_md.signed.version != root_md.signed.version + 1:
            raise CatalogError(
                "cache-corrupt", code="catalog.cache-inconsistent", params={"detail": nxt.name})
        root_md.signed.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        new_md.signed.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        root_md = new_md
    root: Root = root_md.signed

    ts_md: Metadata[Timestamp] = Metadata.from_bytes(
        read_limited(metadata_dir / "timestamp.json", MAX_TIMESTAMP_BYTES))
    if ts_md.signed.type != "timestamp":
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": "timestamp.json"})
    root.verify_delegate("timestamp", ts_md.signed_bytes, ts_md.signatures)

    snap_meta = ts_md.signed.snapshot_meta
    snap_bytes = read_limited(metadata_dir / "snapshot.json", MAX_SNAPSHOT_BYTES)
    snap_meta.verify_length_and_hashes(snap_bytes)
    snap_md: Metadata[Snapshot] = Metadata.from_bytes(snap_bytes)
    if snap_md.signed.type != "snapshot" or snap_md.signed.version != snap_meta.version:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": "snapshot.json / timestamp.json"})
    root.verify_delegate("snapshot", snap_md.signed_bytes, snap_md.signatures)

    targets_meta = snap_md.signed.meta.get("targets.json")
    if targets_meta is None:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": "snapshot.json / targets.json"})
    targets_bytes = read_limited(metadata_dir / "targets.json", MAX_TARGETS_BYTES)
    targets_meta.verify_length_and_hashes(targets_bytes)
    targets_md: Metadata[Targets] = Metadata.from_bytes(targets_bytes)
    if targets_md.signed.type != "targets" or targets_md.signed.version != targets_meta.version:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": "targets.json / snapshot.json"})
    root.verify_delegate("targets", targets_md.signed_bytes, targets_md.signatures)

    # Expiry, offline policy (see module docstring).
    if refreshed_at > ts_md.signed.expires:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": "timestamp.json"})
    strict: tuple[tuple[str, Root | Targets], ...] = (
        ("root", root), ("targets", targets_md.signed))
    for name, signed in strict:
        if signed.is_expired(effective):
            raise CatalogError(
                "expired",
                code="catalog.expired",
                params={"name": name, "expires": f"{signed.expires:%Y-%m-%d %H:%M} UTC"})
    fresh: tuple[tuple[str, Timestamp | Snapshot], ...] = (
        ("timestamp", ts_md.signed), ("snapshot", snap_md.signed))
    for name, fresh_md in fresh:
        if fresh_md.is_expired(effective) and effective - fresh_md.expires > grace:
            raise CatalogError(
                "grace-expired",
                code="catalog.grace-expired-metadata",
                params={"name": name, "days": grace.days})

    files: dict[str, bytes] = {}
    for name in (*TARGET_NAMES, *OPTIONAL_TARGET_NAMES):
        info = targets_md.signed.targets.get(name)
        if info is None and name in OPTIONAL_TARGET_NAMES:
            continue
        if info is None:
            raise CatalogError(
                "cache-corrupt", code="catalog.cache-inconsistent", params={"detail": name})
        data = read_limited(gen_dir / "targets" / name, min(info.length, MAX_TARGET_BYTES))
        info.verify_length_and_hashes(data)
        files[name] = data
    return targets_md, files
