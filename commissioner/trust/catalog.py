"""The signed catalog client: certified models, manufacturer roots and model policies,
delivered by the platform as a TUF repository (R2-2 / R3-3: only certified models).

Online, :func:`sync` runs python-tuf's ngclient against the platform; TUF refuses arbitrary
content, rollback, freeze (expired metadata), mix-and-match and endless data. Offline (a site
without internet), :func:`load_offline` re-verifies the cached metadata chain with
``tuf.api.metadata`` (:mod:`commissioner.trust.catalog_verify`) and applies a grace policy.

Cache layout (``config.cache_dir``)::

    state.json                       the commit point: current generation, version, times
    generations/<gen>/metadata/      ngclient's metadata dir (root_history/, timestamp.json...)
    generations/<gen>/targets/       the three verified target files

A sync works in a *new* generation directory seeded with a copy of the current metadata (so
TUF's rollback protection carries over), downloads and verifies everything, parses the
catalog, and only then replaces ``state.json`` atomically. A sync that fails for any reason
leaves the last good generation and ``state.json`` exactly as they were.

A bad network is not an attack. A refused, cut or reset connection, an HTTP error and a
platform too slow for the sync's overall deadline (``deadline_seconds``, default 60 s,
enforced by :mod:`commissioner.trust.catalog_fetch`) are all "unreachable", and
:func:`get_catalog` then uses the verified cache within its grace period. Only a verified
mismatch (signature, rollback, freeze, hash or length) is a security failure.

Time. Expiry is judged against ``max(now, highest_time_seen)``. When the platform's metadata
is valid by this computer's clock but expired by the highest time seen, the clock is behind a
time it has already seen (it was once set ahead, or has been set back): that is reported as
``clock-behind`` naming the local clock, not as a server freeze. The way out is to set the
clock correctly and run ``commissioner catalog sync --clock-corrected``
(``sync(..., clock_corrected=True)``): that one sync judges expiry by the local clock,
lowers the highest time seen to it, and records the correction in ``state.json`` and the
keyring. A platform whose metadata is expired by the local clock too is still a freeze.

Loss or edit of the local TUF state is detected: the cache is anchored in the OS keyring
(:mod:`commissioner.trust.catalog_anchor`, one item per cache folder). A deleted or edited
``state.json``, missing or changed trusted metadata, or an older copy of the cache put back
is ``cache-lost`` / ``cache-edited`` ("catalog cache lost or edited"), never a silent
restart from the embedded trust root. The way out is explicit: ``commissioner catalog sync
--reset-trust`` (``sync(..., reset_trust=True)``) starts TUF again from the trust root,
online, still refuses metadata older than the versions the keyring recorded, and records
the reset in ``state.json`` and the keyring.

Offline policy (documented choice):

* the last successful refresh must be no older than ``grace_days``, measured against
  ``max(now, highest_time_seen)``; ``highest_time_seen`` is kept in ``state.json`` and in the
  keyring and raised on every call, so winding the clock back cannot extend the grace;
* timestamp and snapshot metadata are *freshness* roles with short lifetimes: offline, their
  expiry is tolerated only while inside the grace window (never more than ``grace_days``
  after they expired); root and targets metadata must not be expired at all;
* ``refreshed_at`` must not be later than the cached timestamp's expiry (a successful refresh
  is impossible after that), and must equal the keyring's record.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from tuf.api import exceptions as tuf_exceptions
from tuf.api.metadata import Metadata, Targets  # type: ignore[attr-defined]
from tuf.ngclient.updater import Updater

from commissioner import paths
from commissioner.atomic_file import write_atomic
from commissioner.messages import Text
from commissioner.protocol.catalog_format import (
    MAX_TARGET_BYTES,
    OPTIONAL_TARGET_NAMES,
    TARGET_NAMES,
    Catalog,
    CatalogDataError,
    parse_content,
)
from commissioner.trust import catalog_anchor as anchoring
from commissioner.trust.catalog_anchor import Anchored, CatalogAnchor, keyring_anchor
from commissioner.trust.catalog_errors import (
    NETWORK_REASONS,
    OFFLINE_REASONS,
    SECURITY_REASONS,
    CatalogError,
    classify,
)
from commissioner.trust.catalog_fetch import DEFAULT_DEADLINE_SECONDS, DeadlineFetcher
from commissioner.trust.catalog_state import State, aware, read_state, utcnow, write_state
from commissioner.trust.catalog_verify import MAX_TARGETS_BYTES, read_limited, verify_cached

__all__ = [
    "DEFAULT_DEADLINE_SECONDS", "DEFAULT_GRACE_DAYS", "NETWORK_REASONS", "OFFLINE_REASONS",
    "SECURITY_REASONS", "CatalogConfig", "CatalogError", "CatalogStatus", "async_get_catalog",
    "async_sync", "atomic_write_bytes", "download_target", "get_catalog", "load_offline",
    "status", "sync",
]

logger = logging.getLogger(__name__)

GENERATIONS_DIR: Final = "generations"
DEFAULT_GRACE_DAYS: Final = 14

atomic_write_bytes = write_atomic  # one atomic-file writer for the whole app


@dataclass(frozen=True, slots=True)
class CatalogConfig:
    url: str | None
    cache_dir: Path
    trusted_root: bytes
    grace_days: int = DEFAULT_GRACE_DAYS
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS  # per sync / target download
    anchor: CatalogAnchor | None = None  # None: the OS keyring


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    has_catalog: bool
    version: int | None
    refreshed_at: dt.datetime | None
    highest_time_seen: dt.datetime | None
    grace_days: int
    grace_remaining: dt.timedelta | None
    url: str | None
    problem: CatalogError | None = None  # the cache was lost or edited

    @property
    def usable_offline(self) -> bool:
        return (self.problem is None and self.grace_remaining is not None
                and self.grace_remaining >= dt.timedelta(0))

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
            "problem": None if self.problem is None else {
                "reason": self.problem.reason_code, "message": self.problem.message},
        }


# --------------------------------------------------------------------------- cache state


def _generations(cache_dir: Path) -> Path:
    return cache_dir / GENERATIONS_DIR


def _anchor(config: CatalogConfig) -> CatalogAnchor:
    return config.anchor if config.anchor is not None else keyring_anchor()


def _checked_state(
    cache_dir: Path, anchor: CatalogAnchor
) -> tuple[State | None, Anchored | None, Anchored | None]:
    """The committed state checked against its keyring record: (state, record, caught-up
    record to save once the cache is verified, or None). Raises cache-lost/-edited."""
    record = anchoring.load(anchor, cache_dir)
    try:
        state = read_state(cache_dir)
    except CatalogError as err:
        if record is None:
            raise
        raise anchoring.edited(f"the cache state is unreadable ({err.message})") from None
    if record is None:
        return state, None, None
    generation = state.generation if state else None
    caught_up = anchoring.check(
        record, cache_dir, generation=generation,
        refreshed_at=state.refreshed_at if state else None,
        highest_time_seen=state.highest_time_seen if state else None,
        metadata_dir=_generations(cache_dir) / generation / "metadata" if generation else None,
    )
    return state, record, caught_up


def _highest_seen(state: State | None, record: Anchored | None) -> dt.datetime | None:
    seen = [t for t in (state.highest_time_seen if state else None,
                        state.refreshed_at if state else None,
                        record.highest_time_seen if record else None) if t is not None]
    return max(seen) if seen else None


def _effective_now(now: dt.datetime | None, state: State | None,
                   record: Anchored | None = None) -> dt.datetime:
    current = aware(now) if now is not None else utcnow()
    seen = _highest_seen(state, record)
    return current if seen is None or seen <= current else seen


def _record_for(state: State, metadata_dir: Path, previous: Anchored | None, *,
                trust_reset: bool = False, clock_corrected: bool = False) -> Anchored:
    assert state.generation is not None and state.refreshed_at is not None
    found = anchoring.fingerprint(metadata_dir)
    stamp = (state.refreshed_at.isoformat(),)
    return Anchored(
        generation=state.generation, refreshed_at=state.refreshed_at,
        highest_time_seen=state.highest_time_seen or state.refreshed_at,
        versions=found.versions, digests=found.digests,
        trust_resets=(previous.trust_resets if previous else ()) + (stamp if trust_reset else ()),
        clock_corrections=(previous.clock_corrections if previous else ())
        + (stamp if clock_corrected else ()),
    )


# --------------------------------------------------------------------------- online


def _clock_behind(local: dt.datetime, seen: dt.datetime, role: str) -> CatalogError:
    return CatalogError(
        "clock-behind",
        code="catalog.clock-behind",
        params={"local": f"{local:%Y-%m-%d %H:%M} UTC", "seen": f"{seen:%Y-%m-%d %H:%M} UTC",
                "role": role})


def _trusted_roles(updater: Updater) -> dict[str, Any]:
    """The verified top-level signed parts after a refresh, by role."""
    trusted = updater._trusted_set  # ngclient keeps the verified metadata here
    return {"root": trusted.root, "timestamp": trusted.timestamp,
            "snapshot": trusted.snapshot, "targets": trusted.targets}


def sync(config: CatalogConfig, *, now: dt.datetime | None = None,
         reset_trust: bool = False, clock_corrected: bool = False) -> Catalog:
    """Refresh the catalog from ``config.url`` with full TUF verification and cache it.

    ``reset_trust``: start again from the trust root although the cache was lost or edited
    (recorded). ``clock_corrected``: the operator has set the clock right after a
    ``clock-behind`` error; judge expiry by it and lower the highest time seen (recorded)."""
    if not config.url:
        raise CatalogError("no-url", code="catalog.no-url")
    url = config.url.rstrip("/")
    cache_dir = Path(config.cache_dir)
    anchor = _anchor(config)
    state: State | None
    if reset_trust:
        try:
            record = anchoring.load(anchor, cache_dir)
        except CatalogError:
            record = None  # an unreadable record is replaced by the reset
        state = None
        logger.warning("catalog trust reset for %s: starting from the trust root", cache_dir)
    else:
        state, record, _caught_up = _checked_state(cache_dir, anchor)
    local_now = aware(now) if now is not None else utcnow()
    reference = local_now if clock_corrected else _effective_now(now, state, record)

    gens = _generations(cache_dir)
    gen_name = f"gen-{reference.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    staging = gens / gen_name
    committed = False
    try:
        metadata_dir = staging / "metadata"
        targets_dir = staging / "targets"
        old = gens / state.generation if state and state.generation else None
        paths.make_private_dir(staging)  # the cache and each generation: 0700
        if old is not None and (old / "metadata").is_dir():
            shutil.copytree(old / "metadata", metadata_dir, symlinks=True)
        else:
            metadata_dir.mkdir()
        targets_dir.mkdir()

        fetcher = DeadlineFetcher(config.deadline_seconds)  # the deadline starts here
        try:
            updater = Updater(
                metadata_dir=str(metadata_dir),
                metadata_base_url=f"{url}/metadata/",
                target_dir=str(targets_dir),
                target_base_url=f"{url}/targets/",
                bootstrap=config.trusted_root,
                fetcher=fetcher,
            )
        except (tuf_exceptions.RepositoryError, ValueError) as err:
            raise CatalogError(
                "bad-trust-root", code="catalog.root-invalid", params={"detail": err}) from None
        # ngclient judges expiry by the local clock (a freeze by that clock is the server's);
        # then everything is judged by the highest time seen too (see the module docstring).
        trusted_set = getattr(updater, "_trusted_set", None)
        if trusted_set is not None and hasattr(trusted_set, "reference_time"):
            trusted_set.reference_time = local_now

        files: dict[str, bytes] = {}
        try:
            updater.refresh()
            roles = _trusted_roles(updater)
            if reference > local_now:
                for role, signed in roles.items():
                    if signed.is_expired(reference):
                        raise _clock_behind(local_now, reference, role)
            anchoring.check_floor(record, {r: int(s.version) for r, s in roles.items()})
            for name in (*TARGET_NAMES, *OPTIONAL_TARGET_NAMES):
                info = updater.get_targetinfo(name)
                if info is None and name in OPTIONAL_TARGET_NAMES:
                    continue
                if info is None:
                    raise CatalogError(
                        "missing-target", code="catalog.missing-target", params={"name": name})
                if info.length > MAX_TARGET_BYTES:
                    raise CatalogError(
                        "oversized",
                        code="catalog.oversized",
                        params={"name": name, "size": info.length, "limit": MAX_TARGET_BYTES})
                dest = targets_dir / name
                previous = old / "targets" / name if old is not None else None
                if previous is not None and updater.find_cached_target(info, str(previous)):
                    shutil.copyfile(previous, dest)
                else:
                    updater.download_target(info, filepath=str(dest))
                data = read_limited(dest, MAX_TARGET_BYTES)
                info.verify_length_and_hashes(data)
                files[name] = data
            content = parse_content(files)
            targets_md: Metadata[Targets] = Metadata.from_bytes(
                read_limited(metadata_dir / "targets.json", MAX_TARGETS_BYTES))
        except Exception as err:
            raise classify(err, url) from err

        version = int(targets_md.signed.version)
        # Commit: re-read the state (another sync may have committed meanwhile).
        latest = _read_state_tolerant(cache_dir)
        if not reset_trust and latest and latest.version is not None \
                and latest.version > version:
            raise CatalogError(
                "rollback",
                code="catalog.rollback",
                params={"version": version, "cached": latest.version})
        highest = max(reference, local_now)
        if not clock_corrected and not reset_trust and latest and latest.highest_time_seen \
                and latest.highest_time_seen > highest:
            highest = latest.highest_time_seen
        carried = latest if latest is not None and not reset_trust else state
        new_state = State(
            generation=gen_name, version=version, refreshed_at=local_now,
            highest_time_seen=highest, url=config.url,
            trust_reset_at=local_now if reset_trust else (carried.trust_reset_at if carried
                                                          else None),
            clock_corrected_at=local_now if clock_corrected else (
                carried.clock_corrected_at if carried else None),
        )
        new_record = _record_for(new_state, metadata_dir, record,
                                 trust_reset=reset_trust, clock_corrected=clock_corrected)
        try:
            paths.make_private_tree(cache_dir)  # TUF wrote with the umask's modes
            write_state(cache_dir, new_state)
        except OSError as err:
            raise classify(err, url) from err
        committed = True
        anchoring.save(anchor, cache_dir, new_record)
        stale = {old, gens / latest.generation if latest and latest.generation else None}
        if reset_trust and gens.is_dir():
            stale.update(gens.iterdir())
        for path in stale:
            if path is not None and path.name != gen_name:
                shutil.rmtree(path, ignore_errors=True)
        logger.info("catalog version %d synced from %s", version, url)
        return content.to_catalog(
            version=version, expires=targets_md.signed.expires, refreshed_at=local_now)
    except OSError as err:
        raise classify(err, url) from err
    finally:
        if not committed:
            shutil.rmtree(staging, ignore_errors=True)


def _read_state_tolerant(cache_dir: Path) -> State | None:
    """At commit: an unreadable state is treated as none (it was checked at the start)."""
    try:
        return read_state(cache_dir)
    except CatalogError as err:
        logger.warning("ignoring unreadable catalog cache state: %s", err)
        return None


# --------------------------------------------------------------------------- offline


def _no_catalog() -> CatalogError:
    return CatalogError("no-catalog", code="catalog.none-downloaded")


def load_offline(config: CatalogConfig, *, now: dt.datetime | None = None) -> Catalog:
    """The cached catalog, re-verified without any network access, within the grace period."""
    cache_dir = Path(config.cache_dir)
    anchor = _anchor(config)
    state, record, caught_up = _checked_state(cache_dir, anchor)
    if state is None or state.generation is None or state.refreshed_at is None:
        raise _no_catalog()
    generation, refreshed_at = state.generation, state.refreshed_at
    effective = _effective_now(now, state, record)
    if state.highest_time_seen is None or effective > state.highest_time_seen:
        state = replace(state, highest_time_seen=effective)
        try:
            write_state(cache_dir, state)
        except OSError as err:
            raise CatalogError(
                "io-error", code="catalog.state-unwritable", params={"detail": err}) from None
    if record is not None and caught_up is None and effective > record.highest_time_seen:
        anchoring.save(anchor, cache_dir, replace(record, highest_time_seen=effective))

    grace = dt.timedelta(days=config.grace_days)
    age = effective - refreshed_at
    if age > grace:
        raise CatalogError(
            "grace-expired",
            code="catalog.grace-expired",
            params={"days": age.days, "limit": config.grace_days})

    gen_dir = _generations(cache_dir) / generation
    try:
        targets_md, files = verify_cached(
            gen_dir, config.trusted_root, effective, grace, refreshed_at)
        content = parse_content(files)
    except CatalogError:
        raise
    except CatalogDataError as err:
        raise CatalogError(
            "cache-corrupt", code="catalog.cache-unusable", params={"detail": err}) from None
    except (tuf_exceptions.RepositoryError, OSError, ValueError, KeyError, TypeError) as err:
        raise CatalogError(
            "cache-corrupt", code="catalog.cache-unusable", params={"detail": err}) from None
    version = int(targets_md.signed.version)
    if state.version is not None and state.version != version:
        raise CatalogError(
            "cache-corrupt",
            code="catalog.cache-inconsistent",
            params={"detail": f"state {state.version} / metadata {version}"})
    if record is None or caught_up is not None:  # verified: anchor it (first use / catch up)
        anchoring.save(anchor, cache_dir, _record_for(state, gen_dir / "metadata", record))
    return content.to_catalog(
        version=version, expires=targets_md.signed.expires, refreshed_at=refreshed_at)


# --------------------------------------------------------------------------- large targets


def download_target(config: CatalogConfig, name: str, dest: Path, max_bytes: int,
                    *, deadline_seconds: float | None = None) -> str:
    """Download target ``name`` (e.g. a firmware image) to ``dest`` with full TUF
    verification and return its SHA-256 (hex) from the signed targets metadata.

    TUF streams the file to a temporary file and checks length and hashes against the
    signed metadata before ``dest`` appears (never the whole file in memory). Works on a
    private copy of the cached metadata, so the committed catalog cache is not touched.
    The whole download ends by ``deadline_seconds`` (default: the config's deadline).
    Raises CatalogError (``no-catalog``, ``missing-target``, ``oversized``, ``tampered``,
    ``unreachable``, ``cache-lost``...)."""
    if not config.url:
        raise CatalogError("no-url", code="catalog.no-download-url")
    url = config.url.rstrip("/")
    cache_dir = Path(config.cache_dir)
    state, record, _caught_up = _checked_state(cache_dir, _anchor(config))
    if state is None or state.generation is None:
        raise _no_catalog()
    gen_metadata = _generations(cache_dir) / state.generation / "metadata"
    dest = Path(dest)
    paths.make_private_dir(dest.parent)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".tuf-") as tmp:
        metadata_dir = Path(tmp) / "metadata"
        try:
            shutil.copytree(gen_metadata, metadata_dir, symlinks=True)
        except OSError as err:
            raise CatalogError(
                "cache-corrupt", code="catalog.cache-unusable", params={"detail": err}) from None
        try:
            updater = Updater(
                metadata_dir=str(metadata_dir), metadata_base_url=f"{url}/metadata/",
                target_dir=tmp, target_base_url=f"{url}/targets/",
                bootstrap=config.trusted_root,
                fetcher=DeadlineFetcher(deadline_seconds or config.deadline_seconds),
            )
            trusted_set = getattr(updater, "_trusted_set", None)
            if trusted_set is not None and hasattr(trusted_set, "reference_time"):
                trusted_set.reference_time = _effective_now(None, state, record)
            updater.refresh()
            anchoring.check_floor(record, {
                r: int(s.version) for r, s in _trusted_roles(updater).items()})
            info = updater.get_targetinfo(name)
            if info is None:
                raise CatalogError(
                    "missing-target", code="catalog.missing-target", params={"name": name})
            if info.length > max_bytes:
                raise CatalogError(
                    "oversized",
                    code="catalog.oversized",
                    params={"name": name, "size": info.length, "limit": max_bytes})
            partial = Path(tmp) / "download.part"
            updater.download_target(info, filepath=str(partial))
            paths.make_private_file(partial)
            os.replace(partial, dest)
        except Exception as err:
            raise classify(err, url) from err
        return str(info.hashes["sha256"])


# --------------------------------------------------------------------------- combined


def get_catalog(
    config: CatalogConfig, *, now: dt.datetime | None = None, online: bool = True
) -> Catalog:
    """Sync when online; fall back to the verified offline cache only when the platform is
    unreachable (refused, cut, HTTP error, too slow). Security failures (bad signature,
    rollback, freeze, tamper, a lost or edited cache...) and a clock behind raise."""
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
                offline_err.reason_code, code="catalog.online-and-offline",
                params={"online": _coded(err), "offline": _coded(offline_err)},
            ) from offline_err


def _coded(err: CatalogError) -> Text | str:
    """The error as a coded text a face renders in its language (its English without one)."""
    return Text(err.code, err.params) if err.code else err.message


async def async_sync(config: CatalogConfig, *, now: dt.datetime | None = None) -> Catalog:
    """:func:`sync` on a worker thread (it does blocking HTTP and file I/O)."""
    return await asyncio.to_thread(sync, config, now=now)


async def async_get_catalog(
    config: CatalogConfig, *, now: dt.datetime | None = None, online: bool = True
) -> Catalog:
    """:func:`get_catalog` on a worker thread."""
    return await asyncio.to_thread(get_catalog, config, now=now, online=online)


def status(config: CatalogConfig, *, now: dt.datetime | None = None) -> CatalogStatus:
    """What is cached (read-only; does not verify signatures — :func:`load_offline` does).
    A cache lost or edited since its keyring record is reported in ``problem``."""
    cache_dir = Path(config.cache_dir)
    problem: CatalogError | None = None
    record: Anchored | None = None
    try:
        state, record, _caught_up = _checked_state(cache_dir, _anchor(config))
    except CatalogError as err:
        if err.reason_code not in {"cache-lost", "cache-edited"}:
            raise
        problem = err
        try:
            state = read_state(cache_dir)
        except CatalogError:
            state = None
    highest = _highest_seen(state, record)
    if problem is not None or state is None or state.generation is None \
            or state.refreshed_at is None:
        return CatalogStatus(
            has_catalog=False, version=None, refreshed_at=None,
            highest_time_seen=highest, grace_days=config.grace_days, grace_remaining=None,
            url=(state.url if state else None) or config.url, problem=problem)
    effective = _effective_now(now, state, record)
    remaining = state.refreshed_at + dt.timedelta(days=config.grace_days) - effective
    return CatalogStatus(
        has_catalog=True, version=state.version, refreshed_at=state.refreshed_at,
        highest_time_seen=highest, grace_days=config.grace_days,
        grace_remaining=remaining, url=state.url or config.url)
