"""What the job store keeps outside its own file, to notice when the file is not the one it
was: the store's identity and generation, and each closed job's seal.

A store is named by a random ``store_id`` made when it is created, and counts a
``generation`` up on each commit that matters (a job opened or closed, a run's lease taken or
given back). An :class:`StoreAnchor` (the OS keyring in the product; see
:mod:`commissioner.secrets.store_anchor`) remembers, per store path, the identity and the
highest generation seen, and, per closed job, the sealed hash. On opening:

* the keyring knows a store here but the file is gone -> lost (vanished);
* the file exists but is empty (0 bytes) -> lost (truncated), never rebuilt as a new store;
* another ``store_id`` -> lost (replaced by another store);
* a lower generation -> lost (an older copy was put back);
* a higher generation (a crash between the commit and the keyring write) -> caught up.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from commissioner.jobs.store_errors import StoreLostError

__all__ = [
    "AnchoredStore",
    "StoreAnchor",
    "check_before_open",
    "read_meta",
    "seal_name",
    "store_name",
]


class StoreAnchor(Protocol):
    """Small named text values kept outside the job store (e.g. in the OS keyring)."""

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AnchoredStore:
    store_id: str
    generation: int


def store_name(path: Path) -> str:
    """The anchor's name for the store at ``path`` (by its absolute, resolved path)."""
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:32]
    return f"store-v1:{digest}"


def seal_name(store_id: str, job_id: str) -> str:
    return f"seal-v1:{store_id}:{job_id}"


def load(anchor: StoreAnchor, path: Path) -> AnchoredStore | None:
    text = anchor.read(store_name(path))
    if text is None:
        return None
    try:
        data = json.loads(text)
        return AnchoredStore(str(data["store_id"]), int(data["generation"]))
    except (ValueError, KeyError, TypeError):
        raise StoreLostError(code="store.anchor-unreadable", params={"path": path}) from None


def save(anchor: StoreAnchor, path: Path, state: AnchoredStore) -> None:
    anchor.write(store_name(path), json.dumps(
        {"store_id": state.store_id, "generation": state.generation, "path": str(path)},
        sort_keys=True,
    ))


def check_before_open(
    path: Path, anchored: AnchoredStore | None, *, create: bool
) -> None:
    """Refuse a vanished or emptied store before SQLite would silently make a new one."""
    try:
        size: int | None = path.stat().st_size
    except FileNotFoundError:
        size = None
    if size is None and anchored is not None:
        raise StoreLostError(
            code="store.vanished",
            params={"path": path, "store_id": anchored.store_id, "generation": anchored.generation})
    if size == 0 and (anchored is not None or not create):
        raise StoreLostError(code="store.truncated", params={"path": path})


def read_meta(conn: sqlite3.Connection) -> AnchoredStore:
    row = conn.execute("SELECT store_id, generation FROM store_meta WHERE one = 1").fetchone()
    if row is None:
        raise StoreLostError(code="store.no-identity")
    return AnchoredStore(str(row[0]), int(row[1]))


def check_after_open(path: Path, found: AnchoredStore, anchored: AnchoredStore) -> None:
    if found.store_id != anchored.store_id:
        raise StoreLostError(
            code="store.replaced",
            params={"path": path, "found": found.store_id, "expected": anchored.store_id})
    if found.generation < anchored.generation:
        raise StoreLostError(
            code="store.older-copy",
            params={"path": path, "found": found.generation, "seen": anchored.generation})
