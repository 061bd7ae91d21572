"""The operator store's items in the OS keyring (service ``commissioner``).

* ``operators-v1:<hash of the store path>``: the store's id, generation and MAC key;
* ``session-key-v1``: the key that seals CLI session tokens;
* ``training-release-key-v1``: the release key of training jobs (never of field jobs).

The same backend checks as for the master key apply (plaintext and "fail" backends refused).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backend

from commissioner.secrets.keyring_guard import (
    MASTER_KEY_SERVICE,
    KeyringRefusedError,
    MasterKey,
    _get,
    _set,
    check_keyring_backend,
)


class Keyring(Protocol):
    """Small named text values in a protected place (the OS keyring in the product)."""

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...

    def master_key(self) -> bytes: ...


class OsKeyring:
    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        try:
            self._backend = keyring.get_keyring() if backend is None else backend
        except Exception as exc:  # noqa: BLE001 - a backend that cannot even start
            raise KeyringRefusedError(
                code="keyring.locked", params={"detail": type(exc).__name__}) from None
        check_keyring_backend(self._backend)
        self._seen: dict[str, str | None] = {}  # one use case reads each item once
        self._master: bytes | None = None

    def read(self, name: str) -> str | None:
        if name not in self._seen:
            self._seen[name] = _get(self._backend, MASTER_KEY_SERVICE, name)
        return self._seen[name]

    def write(self, name: str, value: str) -> None:
        _set(self._backend, MASTER_KEY_SERVICE, name, value)
        self._seen[name] = value

    def master_key(self) -> bytes:
        if self._master is None:
            self._master = MasterKey.load_or_create(backend=self._backend)
        return self._master


def store_item(path: Path) -> str:
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:32]
    return f"operators-v1:{digest}"


def random_key_item(ring: Keyring, name: str) -> bytes:
    """A 32-byte key kept under ``name`` (made on first use)."""
    text = ring.read(name)
    if text is not None:
        try:
            key = base64.b64decode(text.encode("ascii"), validate=True)
        except ValueError:
            key = b""
        if len(key) == 32:
            return key
        raise KeyringRefusedError(code="keyring.item-damaged", params={"name": name})
    key = secrets.token_bytes(32)
    ring.write(name, base64.b64encode(key).decode("ascii"))
    return key


def session_key(ring: Keyring) -> bytes:
    return random_key_item(ring, "session-key-v1")


def training_release_key(ring: Keyring) -> bytes:
    return random_key_item(ring, "training-release-key-v1")
