"""The job store's anchor in the OS keyring, next to the master key.

Items under service ``commissioner``: ``store-v1:<hash of the store's path>`` holds the store's
identity and generation, ``seal-v1:<store id>:<job id>`` a closed job's sealed hash (see
:mod:`commissioner.jobs.store_anchor`). The same backend checks as for the master key apply:
a plaintext or "fail" backend is refused, a locked keyring is a clear error.
"""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backend

from commissioner.jobs.store import JobStore
from commissioner.secrets.keyring_guard import (
    MASTER_KEY_SERVICE,
    KeyringRefusedError,
    _get,
    _set,
    check_keyring_backend,
)

__all__ = ["KeyringStoreAnchor", "open_anchored_store"]


class KeyringStoreAnchor:
    """:class:`commissioner.jobs.store_anchor.StoreAnchor` kept in the OS keyring."""

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        service: str = MASTER_KEY_SERVICE,
    ) -> None:
        try:
            self._backend = keyring.get_keyring() if backend is None else backend
        except Exception as exc:  # noqa: BLE001 - a backend that cannot even start
            raise KeyringRefusedError(
                code="keyring.locked", params={"detail": type(exc).__name__}) from None
        check_keyring_backend(self._backend)
        self._service = service

    def read(self, name: str) -> str | None:
        return _get(self._backend, self._service, name)

    def write(self, name: str, value: str) -> None:
        _set(self._backend, self._service, name, value)


def open_anchored_store(
    path: Path, *, create: bool = True, backend: keyring.backend.KeyringBackend | None = None
) -> JobStore:
    """The job store at ``path``, checked against (and anchored in) the OS keyring."""
    return JobStore.open(path, create=create, anchor=KeyringStoreAnchor(backend))
