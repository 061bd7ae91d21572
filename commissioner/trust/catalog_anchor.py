"""The catalog cache's anchor outside the cache: what the local TUF state must at least be.

TUF's rollback and freeze protection lives in files (``state.json`` and the trusted metadata
of the current generation). Whoever can edit the cache could delete them, or put back an
older, validly signed copy, and the client would quietly start again from the embedded trust
root, accepting older catalogs. So, like the job store (:mod:`commissioner.jobs.store_anchor`),
each cache folder has a record in the OS keyring, item ``catalog-v1:<hash of the folder>``
under service ``commissioner``, holding the committed generation, the refresh time, the
highest time seen, the versions of the four top-level roles and the digests of their files,
plus the times trust was explicitly reset or the clock correction acknowledged.

Checks, before any use of the cache (sync, offline load, target download, status):

* a record but no ``state.json`` (or no cache folder) -> ``cache-lost``;
* an unreadable ``state.json``, or trusted metadata missing or unparsable -> ``cache-edited``;
* the same generation as recorded but other metadata bytes, another refresh time or a lower
  highest time seen -> ``cache-edited``;
* another generation: accepted only if it is newer (every role version and the refresh time
  at least the recorded ones: a crash between writing ``state.json`` and the keyring), and the
  record then catches up; an older copy -> ``cache-edited``.

Writes go ``state.json`` first, then the keyring. After a sync the served metadata must also
be at least the recorded versions (the floor holds even after ``--reset-trust``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Protocol

from commissioner.trust.catalog_errors import CatalogError

__all__ = [
    "ROLES",
    "Anchored",
    "CatalogAnchor",
    "anchor_name",
    "fingerprint",
    "keyring_anchor",
]

ROLES: Final = ("root", "timestamp", "snapshot", "targets")
_LABEL: Final = "catalog cache lost or edited"
_MAX_FILE: Final = 5_000_000


class CatalogAnchor(Protocol):
    """Small named text values kept outside the catalog cache (the OS keyring)."""

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...


def keyring_anchor() -> CatalogAnchor:
    """The product's anchor: the OS keyring (refused if plaintext or unavailable)."""
    from commissioner.secrets.store_anchor import KeyringStoreAnchor

    return KeyringStoreAnchor()


def anchor_name(cache_dir: Path) -> str:
    """The keyring item name for the cache at ``cache_dir`` (its absolute, resolved path)."""
    digest = hashlib.sha256(str(Path(cache_dir).resolve()).encode("utf-8")).hexdigest()[:32]
    return f"catalog-v1:{digest}"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    versions: dict[str, int]
    digests: dict[str, str]


@dataclass(frozen=True, slots=True)
class Anchored:
    generation: str
    refreshed_at: dt.datetime
    highest_time_seen: dt.datetime
    versions: dict[str, int]
    digests: dict[str, str]
    trust_resets: tuple[str, ...] = field(default=())
    clock_corrections: tuple[str, ...] = field(default=())

    def to_text(self, cache_dir: Path) -> str:
        return json.dumps({
            "format": 1,
            "cache_dir": str(cache_dir),
            "generation": self.generation,
            "refreshed_at": self.refreshed_at.isoformat(),
            "highest_time_seen": self.highest_time_seen.isoformat(),
            "versions": self.versions,
            "digests": self.digests,
            "trust_resets": list(self.trust_resets),
            "clock_corrections": list(self.clock_corrections),
        }, sort_keys=True)


def lost(message: str) -> CatalogError:
    return CatalogError("cache-lost", code="catalog.cache-lost", params={"detail": message})


def edited(message: str) -> CatalogError:
    return CatalogError("cache-edited", code="catalog.cache-edited", params={"detail": message})


def load(anchor: CatalogAnchor, cache_dir: Path) -> Anchored | None:
    text = anchor.read(anchor_name(cache_dir))
    if text is None:
        return None
    try:
        doc: dict[str, Any] = json.loads(text)
        versions = {role: int(doc["versions"][role]) for role in ROLES}
        digests = {role: str(doc["digests"][role]) for role in ROLES}
        return Anchored(
            generation=str(doc["generation"]),
            refreshed_at=dt.datetime.fromisoformat(doc["refreshed_at"]),
            highest_time_seen=dt.datetime.fromisoformat(doc["highest_time_seen"]),
            versions=versions, digests=digests,
            trust_resets=tuple(str(t) for t in doc.get("trust_resets", [])),
            clock_corrections=tuple(str(t) for t in doc.get("clock_corrections", [])),
        )
    except (ValueError, KeyError, TypeError) as err:
        raise edited(f"the record of the catalog cache {cache_dir} kept in the OS keyring "
                     f"is unreadable ({err})") from None


def save(anchor: CatalogAnchor, cache_dir: Path, record: Anchored) -> None:
    anchor.write(anchor_name(cache_dir), record.to_text(cache_dir))


def fingerprint(metadata_dir: Path) -> Fingerprint:
    """Versions and SHA-256 of the trusted top-level metadata (parsed, not verified: the
    offline load and ngclient verify them; this only has to notice a change)."""
    versions: dict[str, int] = {}
    digests: dict[str, str] = {}
    history = metadata_dir / "root_history"
    root_versions = [
        int(m.group(1)) for p in (history.iterdir() if history.is_dir() else ())
        if (m := re.fullmatch(r"(\d{1,9})\.root\.json", p.name))
    ]
    files = {role: metadata_dir / f"{role}.json" for role in ROLES}
    if root_versions:
        files["root"] = history / f"{max(root_versions)}.root.json"
    for role, path in files.items():
        try:
            with open(path, "rb") as fh:
                data = fh.read(_MAX_FILE + 1)
            if len(data) > _MAX_FILE:
                raise ValueError("too large")
            signed = json.loads(data)["signed"]
            if signed["_type"] != role:
                raise ValueError(f"not {role} metadata")
            version = signed["version"]
            if isinstance(version, bool) or not isinstance(version, int):
                raise ValueError("no version")
        except FileNotFoundError:
            raise lost(f"the trusted {role} metadata {path} is missing") from None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise edited(f"the trusted {role} metadata {path} is unreadable ({err})") from None
        versions[role] = version
        digests[role] = hashlib.sha256(data).hexdigest()
    return Fingerprint(versions, digests)


def check(
    record: Anchored,
    cache_dir: Path,
    *,
    generation: str | None,
    refreshed_at: dt.datetime | None,
    highest_time_seen: dt.datetime | None,
    metadata_dir: Path | None,
) -> Anchored | None:
    """Compare the cache with its record. Returns the caught-up record when the cache is a
    newer commit than the record (to be saved), ``None`` when they agree; raises
    ``cache-lost`` / ``cache-edited`` otherwise."""
    where = f"this computer's keyring records catalog version {record.versions['targets']} " \
        f"(generation {record.generation}) for {cache_dir}"
    if generation is None or refreshed_at is None or metadata_dir is None:
        raise lost(f"the cache state is gone, but {where}")
    if not metadata_dir.is_dir():
        raise lost(f"the cached generation {generation} is gone, but {where}")
    found = fingerprint(metadata_dir)
    if generation == record.generation:
        if found.digests != record.digests:
            changed = ", ".join(r for r in ROLES if found.digests[r] != record.digests[r])
            raise edited(f"the trusted metadata ({changed}) differs from what was synced; {where}")
        if refreshed_at != record.refreshed_at:
            raise edited(f"the recorded refresh time was changed; {where}")
        if highest_time_seen is None or highest_time_seen < record.highest_time_seen:
            raise edited(f"the highest time seen was moved back; {where}")
        return None
    older = [r for r in ROLES if found.versions[r] < record.versions[r]]
    if older or refreshed_at < record.refreshed_at:
        detail = ", ".join(
            f"{r} {found.versions[r]} < {record.versions[r]}" for r in older) or "refresh time"
        raise edited(f"the cache is an older copy ({detail}); {where}")
    return replace(record, generation=generation, refreshed_at=refreshed_at,
                   highest_time_seen=max(record.highest_time_seen,
                                         highest_time_seen or record.highest_time_seen),
                   versions=found.versions, digests=found.digests)


def check_floor(record: Anchored | None, versions: dict[str, int]) -> None:
    """Refuse metadata older than the highest versions this computer has anchored."""
    if record is None:
        return
    older = [r for r in ROLES if versions.get(r, 0) < record.versions[r]]
    if older:
        detail = ", ".join(f"{r} {versions.get(r)} < {record.versions[r]}" for r in older)
        raise CatalogError("rollback", code="catalog.metadata-rollback", params={"detail": detail})
