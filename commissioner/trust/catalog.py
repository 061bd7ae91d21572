"""The signed catalog client: certified models, manufacturer roots and model policies,
delivered by the platform as a TUF repository (R2-2 / R3-3: only certified models).

Online, :func:`sync` runs python-tuf's ngclient against the platform; TUF refuses arbitrary
content, rollback, freeze (expired metadata), mix-and-match and endless data. Offline (a site
without internet), :func:`load_offline` re-verifies the cached metadata chain with
``tuf.api.metadata`` and applies a grace policy.

Cache layout (``config.cache_dir``)::

    state.json                       the commit point: current generation, version, times
    generations/<gen>/metadata/      ngclient's metadata dir (root_history/, timestamp.json...)
    generations/<gen>/targets/       the three verified target files

A sync works in a *new* generation directory seeded with a copy of the current metadata (so
TUF's rollback protection carries over), downloads and verifies everything, parses the
catalog, and only then replaces ``state.json`` atomically. A sync that fails for any reason
leaves the last good generation and ``state.json`` exactly as they were.

Offline policy (documented choice):

* the last successful refresh must be no older than ``grace_days``, measured against
  ``max(now, highest_time_seen)``; ``highest_time_seen`` is kept in ``state.json`` and raised
  on every call, so winding the clock back cannot extend the grace;
* timestamp and snapshot metadata are *freshness* roles with short lifetimes: offline, their
  expiry is tolerated only while inside the grace window (never more than ``grace_days``
  after they expired); root and targets metadata must not be expired at all;
* ``refreshed_at`` must not be later than the cached timestamp's expiry (a successful refresh
  is impossible after that), which catches an edited ``state.json``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tuf.api import exceptions as tuf_exceptions
from tuf.api.metadata import (  # type: ignore[attr-defined]  # public re-exports without __all__
    Metadata,
    Root,
    Snapshot,
    Targets,
    Timestamp,
)
from tuf.ngclient.updater import Updater

from commissioner.atomic_file import write_atomic
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import (
    MAX_TARGET_BYTES,
    OPTIONAL_TARGET_NAMES,
    TARGET_NAMES,
    Catalog,
    CatalogDataError,
    parse_content,
)

logger = logging.getLogger(__name__)

STATE_FILE: Final = "state.json"
GENERATIONS_DIR: Final = "generations"
STATE_FORMAT: Final = 1
DEFAULT_GRACE_DAYS: Final = 14
MAX_ROOT_BYTES: Final = 512_000
MAX_TIMESTAMP_BYTES: Final = 16_384
MAX_SNAPSHOT_BYTES: Final = 2_000_000
MAX_TARGETS_BYTES: Final = 5_000_000
MAX_ROOT_ROTATIONS: Final = 256

HINT_SYNC: Final = (
    "Connect to the internet and run `commissioner catalog sync`, or preload the catalog in "
    "the office"
)
HINT_SECURITY: Final = (
    "Do not continue with this catalog. The catalog server may be compromised or the "
    "connection tampered with: report it to the platform operator. The last good catalog "
    "was kept."
)

# Reason codes. Only NETWORK_REASONS allow get_catalog() to fall back to the offline cache.
NETWORK_REASONS: Final = frozenset({"unreachable"})
SECURITY_REASONS: Final = frozenset({
    "bad-signature", "rollback", "expired", "tampered", "oversized", "invalid-metadata",
    "invalid-catalog", "missing-target", "bad-trust-root",
})
OFFLINE_REASONS: Final = frozenset({"no-catalog", "grace-expired", "cache-corrupt"})

_EXIT_CODES: Final = {"unreachable": 4, "no-catalog": 5, "grace-expired": 5}


class CatalogError(UserError):
    """The catalog cannot be used. ``reason_code`` is stable for programs and tests:
    unreachable, bad-signature, rollback, expired, tampered, oversized, invalid-metadata,
    invalid-catalog, missing-target, bad-trust-root, no-url, io-error, no-catalog,
    grace-expired, cache-corrupt.

    CLI exit codes: 3 security failure, 4 platform unreachable, 5 no usable offline catalog,
    1 other."""

    def __init__(self, reason_code: str, message: str, hint: str | None = None) -> None:
        code = 3 if reason_code in SECURITY_REASONS else _EXIT_CODES.get(reason_code, 1)
        super().__init__(message, hint=hint, exit_code=code)
        self.reason_code = reason_code
        self.message = message

    @property
    def is_network(self) -> bool:
        return self.reason_code in NETWORK_REASONS

    @property
    def is_security(self) -> bool:
        return self.reason_code in SECURITY_REASONS


@dataclass(frozen=True, slots=True)
class CatalogConfig:
    url: str | None
    cache_dir: Path
    trusted_root: bytes
    grace_days: int = DEFAULT_GRACE_DAYS


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    has_catalog: bool
    version: int | None
    refreshed_at: dt.datetime | None
    highest_time_seen: dt.datetime | None
    grace_days: int
    grace_remaining: dt.timedelta | None
    url: str | None

    @property
    def usable_offline(self) -> bool:
        return self.grace_remaining is not None and self.grace_remaining >= dt.timedelta(0)

    def to_json(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "has_catalog": self.has_catalog,
            "version": self.version,
            "refreshed_at": iso(self.refreshed_at),
            "highest_time_seen": iso(self.highest_time_seen),
            "grace_days": self.grace_days,
            "grace_remaining_seconds": (
                None if self.grace_remaining is None else int(self.grace_remaining.total_seconds())
            ),
            "usable_offline": self.usable_offline,
            "url": self.url,
        }


# --------------------------------------------------------------------------- files


atomic_write_bytes = write_atomic  # one atomic-file writer for the whole app


def _read_limited(path: Path, limit: int) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise CatalogError(
            "cache-corrupt", f"cached file {path.name} is larger than {limit} bytes", HINT_SYNC
        )
    return data


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class _State:
    generation: str | None = None
    version: int | None = None
    refreshed_at: dt.datetime | None = None
    highest_time_seen: dt.datetime | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "format": STATE_FORMAT,
            "generation": self.generation,
            "version": self.version,
            "refreshed_at": iso(self.refreshed_at),
            "highest_time_seen": iso(self.highest_time_seen),
            "url": self.url,
        }


def _parse_time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("time must be a string")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("time without a time zone")
    return parsed


def _read_state(cache_dir: Path) -> _State | None:
    """The committed state, ``None`` if there is none. Raises CatalogError if unreadable."""
    path = cache_dir / STATE_FILE
    try:
        raw = _read_limited(path, 64_000)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CatalogError("cache-corrupt", f"cannot read {path}: {err}", HINT_SYNC) from None
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
            raise ValueError("unknown format")
        generation = doc.get("generation")
        version = doc.get("version")
        url = doc.get("url")
        if generation is not None and (
            not isinstance(generation, str) or not generation.startswith("gen-")
            or "/" in generation or "\\" in generation or ".." in generation
        ):
            raise ValueError("bad generation")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise ValueError("bad version")
        if url is not None and not isinstance(url, str):
            raise ValueError("bad url")
        return _State(
            generation=generation,
            version=version,
            refreshed_at=_parse_time(doc.get("refreshed_at")),
            highest_time_seen=_parse_time(doc.get("highest_time_seen")),
            url=url,
        )
    except (ValueError, TypeError) as err:
        raise CatalogError(
            "cache-corrupt", f"the catalog cache state {path} is unreadable ({err})", HINT_SYNC
        ) from None


def _write_state(cache_dir: Path, state: _State) -> None:
    data = (json.dumps(state.to_json(), indent=1, sort_keys=True) + "\n").encode()
    atomic_write_bytes(cache_dir / STATE_FILE, data)


def _effective_now(now: dt.datetime | None, state: _State | None) -> dt.datetime:
    current = _aware(now) if now is not None else _utcnow()
    if state is not None:
        for seen in (state.highest_time_seen, state.refreshed_at):
            if seen is not None and seen > current:
                current = seen
    return current


# --------------------------------------------------------------------------- online


def _classify(err: BaseException, url: str) -> CatalogError:
    """Map a python-tuf / OS failure to a CatalogError with a reason code."""
    e = tuf_exceptions
    if isinstance(err, CatalogError):
        return err
    if isinstance(err, e.DownloadLengthMismatchError):
        return CatalogError(
            "oversized", f"the catalog server sent more data than the signed metadata allows "
            f"({err})", HINT_SECURITY)
    if isinstance(err, e.DownloadHTTPError):
        return CatalogError(
            "unreachable", f"the catalog server {url} answered HTTP {err.status_code}",
            "Check the platform URL and try again later; the last good catalog was kept.")
    if isinstance(err, e.DownloadError):
        return CatalogError(
            "unreachable",
            f"the catalog server {url} cannot be reached ({err or type(err).__name__})",
            "Check the internet connection and try again; the last good catalog was kept.")
    if isinstance(err, e.UnsignedMetadataError):
        return CatalogError(
            "bad-signature", f"catalog metadata is not signed by the trusted keys ({err})",
            HINT_SECURITY)
    if isinstance(err, e.BadVersionNumberError):
        return CatalogError(
            "rollback", f"the catalog server offered older metadata than this computer already "
            f"trusts (rollback) ({err})", HINT_SECURITY)
    if isinstance(err, e.ExpiredMetadataError):
        return CatalogError(
            "expired", f"the catalog server offered expired metadata (freeze) ({err})",
            HINT_SECURITY)
    if isinstance(err, e.LengthOrHashMismatchError):
        return CatalogError(
            "tampered", f"a catalog file does not match its signed hash/length ({err})",
            HINT_SECURITY)
    if isinstance(err, e.RepositoryError):
        return CatalogError(
            "invalid-metadata", f"catalog metadata failed verification ({err})", HINT_SECURITY)
    if isinstance(err, CatalogDataError):
        return CatalogError(
            "invalid-catalog", f"the signed catalog content is malformed: {err}", HINT_SECURITY)
    if isinstance(err, OSError):
        return CatalogError(
            "io-error", f"cannot write the catalog cache: {err}",
            "Check free disk space and permissions of the data folder.")
    return CatalogError("invalid-metadata", f"catalog update failed: {err!r}", HINT_SECURITY)


def _generations(cache_dir: Path) -> Path:
    return cache_dir / GENERATIONS_DIR


def _new_generation_name(now: dt.datetime) -> str:
    return f"gen-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


def sync(config: CatalogConfig, *, now: dt.datetime | None = None) -> Catalog:
    """Refresh the catalog from ``config.url`` with full TUF verification and cache it."""
    if not config.url:
        raise CatalogError(
            "no-url", "no catalog URL is configured",
            "Pass --url, set catalog_url in settings.toml, or use --virtual-home DIR.")
    url = config.url.rstrip("/")
    cache_dir = Path(config.cache_dir)
    state = _read_state_tolerant(cache_dir)
    reference = _effective_now(now, state)

    gens = _generations(cache_dir)
    gen_name = _new_generation_name(reference)
    staging = gens / gen_name
    committed = False
    try:
        metadata_dir = staging / "metadata"
        targets_dir = staging / "targets"
        old = gens / state.generation if state and state.generation else None
        if old is not None and (old / "metadata").is_dir():
            shutil.copytree(old / "metadata", metadata_dir, symlinks=True)
        else:
            metadata_dir.mkdir(parents=True)
        targets_dir.mkdir(parents=True)

        try:
            updater = Updater(
                metadata_dir=str(metadata_dir),
                metadata_base_url=f"{url}/metadata/",
                target_dir=str(targets_dir),
                target_base_url=f"{url}/targets/",
                bootstrap=config.trusted_root,
            )
        except (tuf_exceptions.RepositoryError, ValueError) as err:
            raise CatalogError(
                "bad-trust-root", f"the built-in catalog trust root is invalid ({err})",
                "Reinstall the commissioner or pass the correct --root FILE.") from None
        # Expiry is judged against max(now, highest time seen): a clock wound back cannot
        # make expired metadata acceptable. (ngclient keeps its reference time here.)
        trusted_set = getattr(updater, "_trusted_set", None)
        if trusted_set is not None and hasattr(trusted_set, "reference_time"):
            trusted_set.reference_time = reference

        files: dict[str, bytes] = {}
        try:
            updater.refresh()
            for name in (*TARGET_NAMES, *OPTIONAL_TARGET_NAMES):
                info = updater.get_targetinfo(name)
                if info is None and name in OPTIONAL_TARGET_NAMES:
                    continue
                if info is None:
                    raise CatalogError(
                        "missing-target", f"the signed catalog has no {name}", HINT_SECURITY)
                if info.length > MAX_TARGET_BYTES:
                    raise CatalogError(
                        "oversized", f"{name} is {info.length} bytes, limit {MAX_TARGET_BYTES}",
                        HINT_SECURITY)
                dest = targets_dir / name
                previous = old / "targets" / name if old is not None else None
                if previous is not None and updater.find_cached_target(info, str(previous)):
                    shutil.copyfile(previous, dest)
                else:
                    updater.download_target(info, filepath=str(dest))
                data = _read_limited(dest, MAX_TARGET_BYTES)
                info.verify_length_and_hashes(data)
                files[name] = data
            content = parse_content(files)
            targets_md: Metadata[Targets] = Metadata.from_bytes(
                _read_limited(metadata_dir / "targets.json", MAX_TARGETS_BYTES))
        except Exception as err:
            raise _classify(err, url) from err

        version = int(targets_md.signed.version)
        # Commit: re-read the state (another sync may have committed meanwhile).
        latest = _read_state_tolerant(cache_dir)
        if latest and latest.version is not None and latest.version > version:
            raise CatalogError(
                "rollback", f"catalog version {version} is older than the cached version "
                f"{latest.version}", HINT_SECURITY)
        refreshed = _aware(now) if now is not None else _utcnow()
        highest = max(reference, refreshed)
        if latest and latest.highest_time_seen and latest.highest_time_seen > highest:
            highest = latest.highest_time_seen
        new_state = _State(
            generation=gen_name, version=version, refreshed_at=refreshed,
            highest_time_seen=highest, url=config.url,
        )
        try:
            _write_state(cache_dir, new_state)
        except OSError as err:
            raise _classify(err, url) from err
        committed = True
        for stale in {old, gens / latest.generation if latest and latest.generation else None}:
            if stale is not None and stale.name != gen_name:
                shutil.rmtree(stale, ignore_errors=True)
        logger.info("catalog version %d synced from %s", version, url)
        return content.to_catalog(
            version=version, expires=targets_md.signed.expires, refreshed_at=refreshed)
    except OSError as err:
        raise _classify(err, url) from err
    finally:
        if not committed:
            shutil.rmtree(staging, ignore_errors=True)


def _read_state_tolerant(cache_dir: Path) -> _State | None:
    """For sync: an unreadable state is treated as no cache (TUF starts from the trust root)."""
    try:
        return _read_state(cache_dir)
    except CatalogError as err:
        logger.warning("ignoring unreadable catalog cache state: %s", err)
        return None


# --------------------------------------------------------------------------- offline


def _no_catalog() -> CatalogError:
    return CatalogError(
        "no-catalog", "no catalog has been downloaded on this computer yet", HINT_SYNC)


def load_offline(config: CatalogConfig, *, now: dt.datetime | None = None) -> Catalog:
    """The cached catalog, re-verified without any network access, within the grace period."""
    cache_dir = Path(config.cache_dir)
    state = _read_state(cache_dir)
    if state is None or state.generation is None or state.refreshed_at is None:
        raise _no_catalog()
    generation, refreshed_at = state.generation, state.refreshed_at
    effective = _effective_now(now, state)
    if state.highest_time_seen is None or effective > state.highest_time_seen:
        state = _State(
            generation=state.generation, version=state.version, refreshed_at=state.refreshed_at,
            highest_time_seen=effective, url=state.url)
        try:
            _write_state(cache_dir, state)
        except OSError as err:
            raise CatalogError(
                "io-error", f"cannot update the catalog cache state: {err}",
                "Check free disk space and permissions of the data folder.") from None

    grace = dt.timedelta(days=config.grace_days)
    age = effective - refreshed_at
    if age > grace:
        raise CatalogError(
            "grace-expired",
            f"the catalog was last refreshed {age.days} days ago (limit {config.grace_days}); "
            "an outdated certified-model list cannot be used",
            HINT_SYNC)

    gen_dir = _generations(cache_dir) / generation
    try:
        targets_md, files = _verify_cached(
            gen_dir, config.trusted_root, effective, grace, refreshed_at)
        content = parse_content(files)
    except CatalogError:
        raise
    except CatalogDataError as err:
        raise CatalogError("cache-corrupt", f"cached catalog content is malformed: {err}",
                           HINT_SYNC) from None
    except (tuf_exceptions.RepositoryError, OSError, ValueError, KeyError, TypeError) as err:
        raise CatalogError(
            "cache-corrupt", f"the cached catalog failed verification ({err})", HINT_SYNC
        ) from None
    version = int(targets_md.signed.version)
    if state.version is not None and state.version != version:
        raise CatalogError(
            "cache-corrupt", f"cache state says version {state.version}, metadata says {version}",
            HINT_SYNC)
    return content.to_catalog(
        version=version, expires=targets_md.signed.expires, refreshed_at=refreshed_at)


def _verify_cached(
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
            "bad-trust-root", f"the built-in catalog trust root is invalid ({err})",
            "Reinstall the commissioner or pass the correct --root FILE.") from None
    if root_md.signed.type != "root":
        raise CatalogError("bad-trust-root", "the trust root is not root metadata")
    root_md.signed.verify_delegate("root", root_md.signed_bytes, root_md.signatures)

    # Chain newer cached roots: each signed by the previous root and by itself.
    for _ in range(MAX_ROOT_ROTATIONS):
        nxt = metadata_dir / "root_history" / f"{root_md.signed.version + 1}.root.json"
        if not nxt.is_file():
            break
        new_md: Metadata[Root] = Metadata.from_bytes(_read_limited(nxt, MAX_ROOT_BYTES))
        if new_md.signed.type != "root" or new_md.signed.version != root_md.signed.version + 1:
            raise CatalogError("cache-corrupt", f"{nxt.name} has the wrong type or version",
                               HINT_SYNC)
        root_md.signed.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        new_md.signed.verify_delegate("root", new_md.signed_bytes, new_md.signatures)
        root_md = new_md
    root: Root = root_md.signed

    ts_md: Metadata[Timestamp] = Metadata.from_bytes(
        _read_limited(metadata_dir / "timestamp.json", MAX_TIMESTAMP_BYTES))
    if ts_md.signed.type != "timestamp":
        raise CatalogError("cache-corrupt", "timestamp.json is not timestamp metadata", HINT_SYNC)
    root.verify_delegate("timestamp", ts_md.signed_bytes, ts_md.signatures)

    snap_meta = ts_md.signed.snapshot_meta
    snap_bytes = _read_limited(metadata_dir / "snapshot.json", MAX_SNAPSHOT_BYTES)
    snap_meta.verify_length_and_hashes(snap_bytes)
    snap_md: Metadata[Snapshot] = Metadata.from_bytes(snap_bytes)
    if snap_md.signed.type != "snapshot" or snap_md.signed.version != snap_meta.version:
        raise CatalogError("cache-corrupt", "snapshot.json does not match timestamp.json",
                           HINT_SYNC)
    root.verify_delegate("snapshot", snap_md.signed_bytes, snap_md.signatures)

    targets_meta = snap_md.signed.meta.get("targets.json")
    if targets_meta is None:
        raise CatalogError("cache-corrupt", "snapshot does not list targets.json", HINT_SYNC)
    targets_bytes = _read_limited(metadata_dir / "targets.json", MAX_TARGETS_BYTES)
    targets_meta.verify_length_and_hashes(targets_bytes)
    targets_md: Metadata[Targets] = Metadata.from_bytes(targets_bytes)
    if targets_md.signed.type != "targets" or targets_md.signed.version != targets_meta.version:
        raise CatalogError("cache-corrupt", "targets.json does not match snapshot.json",
                           HINT_SYNC)
    root.verify_delegate("targets", targets_md.signed_bytes, targets_md.signatures)

    # Expiry, offline policy (see module docstring).
    if refreshed_at > ts_md.signed.expires:
        raise CatalogError(
            "cache-corrupt", "the recorded refresh time is after the cached timestamp expired",
            HINT_SYNC)
    strict: tuple[tuple[str, Root | Targets], ...] = (
        ("root", root), ("targets", targets_md.signed))
    for name, signed in strict:
        if signed.is_expired(effective):
            raise CatalogError(
                "expired", f"the cached {name} metadata expired on "
                f"{signed.expires:%Y-%m-%d %H:%M} UTC", HINT_SYNC)
    fresh: tuple[tuple[str, Timestamp | Snapshot], ...] = (
        ("timestamp", ts_md.signed), ("snapshot", snap_md.signed))
    for name, fresh_md in fresh:
        if fresh_md.is_expired(effective) and effective - fresh_md.expires > grace:
            raise CatalogError(
                "grace-expired", f"the cached {name} metadata expired more than "
                f"{grace.days} days ago", HINT_SYNC)

    files: dict[str, bytes] = {}
    for name in (*TARGET_NAMES, *OPTIONAL_TARGET_NAMES):
        info = targets_md.signed.targets.get(name)
        if info is None and name in OPTIONAL_TARGET_NAMES:
            continue
        if info is None:
            raise CatalogError("cache-corrupt", f"the cached catalog has no {name}", HINT_SYNC)
        data = _read_limited(gen_dir / "targets" / name, min(info.length, MAX_TARGET_BYTES))
        info.verify_length_and_hashes(data)
        files[name] = data
    return targets_md, files


# --------------------------------------------------------------------------- large targets


def download_target(config: CatalogConfig, name: str, dest: Path, max_bytes: int) -> str:
    """Download target ``name`` (e.g. a firmware image) to ``dest`` with full TUF
    verification and return its SHA-256 (hex) from the signed targets metadata.

    TUF streams the file to a temporary file and checks length and hashes against the
    signed metadata before ``dest`` appears (never the whole file in memory). Works on a
    private copy of the cached metadata, so the committed catalog cache is not touched.
    Raises CatalogError (``no-catalog``, ``missing-target``, ``oversized``, ``tampered``,
    ``unreachable``...)."""
    if not config.url:
        raise CatalogError("no-url", "no catalog URL is configured to download from",
                           "Sync the catalog online (or preload firmware in the office).")
    url = config.url.rstrip("/")
    cache_dir = Path(config.cache_dir)
    state = _read_state(cache_dir)
    if state is None or state.generation is None:
        raise _no_catalog()
    gen_metadata = _generations(cache_dir) / state.generation / "metadata"
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".tuf-") as tmp:
        metadata_dir = Path(tmp) / "metadata"
        try:
            shutil.copytree(gen_metadata, metadata_dir, symlinks=True)
        except OSError as err:
            raise CatalogError("cache-corrupt", f"cannot read the catalog cache: {err}",
                               HINT_SYNC) from None
        try:
            updater = Updater(
                metadata_dir=str(metadata_dir), metadata_base_url=f"{url}/metadata/",
                target_dir=tmp, target_base_url=f"{url}/targets/",
                bootstrap=config.trusted_root,
            )
            trusted_set = getattr(updater, "_trusted_set", None)
            if trusted_set is not None and hasattr(trusted_set, "reference_time"):
                trusted_set.reference_time = _effective_now(None, state)
            updater.refresh()
            info = updater.get_targetinfo(name)
            if info is None:
                raise CatalogError("missing-target", f"the signed catalog has no {name}",
                                   HINT_SECURITY)
            if info.length > max_bytes:
                raise CatalogError("oversized", f"{name} is {info.length} bytes, limit "
                                   f"{max_bytes}", HINT_SECURITY)
            partial = Path(tmp) / "download.part"
            updater.download_target(info, filepath=str(partial))
            os.replace(partial, dest)
        except Exception as err:
            raise _classify(err, url) from err
        return str(info.hashes["sha256"])


# --------------------------------------------------------------------------- combined


def get_catalog(
    config: CatalogConfig, *, now: dt.datetime | None = None, online: bool = True
) -> Catalog:
    """Sync when online; fall back to the verified offline cache only when the platform is
    unreachable. Security failures (bad signature, rollback, freeze, tamper...) raise."""
    if not online or not config.url:
        return load_offline(config, now=now)
    try:
        return sync(config, now=now)
    except CatalogError as err:
        if not err.is_network:
            raise
        logger.warning("catalog platform unreachable, using the offline cache: %s", err)
        try:
            return load_offline(config, now=now)
        except CatalogError as offline_err:
            raise CatalogError(
                offline_err.reason_code,
                f"{err.message}; and offline: {offline_err.message}",
                offline_err.hint,
            ) from offline_err


async def async_sync(config: CatalogConfig, *, now: dt.datetime | None = None) -> Catalog:
    """:func:`sync` on a worker thread (it does blocking HTTP and file I/O)."""
    return await asyncio.to_thread(sync, config, now=now)


async def async_get_catalog(
    config: CatalogConfig, *, now: dt.datetime | None = None, online: bool = True
) -> Catalog:
    """:func:`get_catalog` on a worker thread."""
    return await asyncio.to_thread(get_catalog, config, now=now, online=online)


def status(config: CatalogConfig, *, now: dt.datetime | None = None) -> CatalogStatus:
    """What is cached (read-only; does not verify signatures — :func:`load_offline` does)."""
    state = _read_state(Path(config.cache_dir))
    if state is None or state.generation is None or state.refreshed_at is None:
        return CatalogStatus(
            has_catalog=False, version=None, refreshed_at=None,
            highest_time_seen=state.highest_time_seen if state else None,
            grace_days=config.grace_days, grace_remaining=None,
            url=(state.url if state else None) or config.url)
    effective = _effective_now(now, state)
    remaining = state.refreshed_at + dt.timedelta(days=config.grace_days) - effective
    return CatalogStatus(
        has_catalog=True, version=state.version, refreshed_at=state.refreshed_at,
        highest_time_seen=state.highest_time_seen, grace_days=config.grace_days,
        grace_remaining=remaining, url=state.url or config.url)
