"""The catalog cache's commit point, ``state.json``: the current generation, its version,
the refresh time, the highest time seen, and when trust was reset or the clock corrected."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from commissioner.atomic_file import SECRET_MODE, write_atomic
from commissioner.trust.catalog_errors import CatalogError
from commissioner.trust.catalog_verify import read_limited

__all__ = ["STATE_FILE", "State", "aware", "read_state", "utcnow", "write_state"]

STATE_FILE: Final = "state.json"
STATE_FORMAT: Final = 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class State:
    generation: str | None = None
    version: int | None = None
    refreshed_at: dt.datetime | None = None
    highest_time_seen: dt.datetime | None = None
    url: str | None = None
    trust_reset_at: dt.datetime | None = None
    clock_corrected_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "generation": self.generation,
            "version": self.version,
            "refreshed_at": _iso(self.refreshed_at),
            "highest_time_seen": _iso(self.highest_time_seen),
            "url": self.url,
            "trust_reset_at": _iso(self.trust_reset_at),
            "clock_corrected_at": _iso(self.clock_corrected_at),
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


def read_state(cache_dir: Path) -> State | None:
    """The committed state, ``None`` if there is none. Raises CatalogError if unreadable."""
    path = cache_dir / STATE_FILE
    try:
        raw = read_limited(path, 64_000)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CatalogError(
            "cache-corrupt", code="catalog.cache-unusable", params={"detail": err}) from None
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
        return State(
            generation=generation,
            version=version,
            refreshed_at=_parse_time(doc.get("refreshed_at")),
            highest_time_seen=_parse_time(doc.get("highest_time_seen")),
            url=url,
            trust_reset_at=_parse_time(doc.get("trust_reset_at")),
            clock_corrected_at=_parse_time(doc.get("clock_corrected_at")),
        )
    except (ValueError, TypeError) as err:
        raise CatalogError(
            "cache-corrupt", code="catalog.cache-unusable", params={"detail": err}) from None


def write_state(cache_dir: Path, state: State) -> None:
    data = (json.dumps(state.to_json(), indent=1, sort_keys=True) + "\n").encode()
    write_atomic(cache_dir / STATE_FILE, data, mode=SECRET_MODE)
