"""Open the job-secret vault: the master key from the OS keyring, after refusing keyring
backends that would keep it in a plain file or nowhere, and the release key of the operator
signed in on this store handle (``store.release_source``, set by the application layer)."""

from __future__ import annotations

import keyring
import keyring.backend

from commissioner.errors import UserError
from commissioner.jobs.store import JobStore
from commissioner.secrets.keyring_guard import MasterKey, check_keyring_backend
from commissioner.secrets.vault import ReleaseKey, SecretVault

__all__ = ["open_vault"]


def open_vault(
    store: JobStore, *, backend: keyring.backend.KeyringBackend | None = None
) -> SecretVault:
    """The job-secret vault under the master key from the OS keyring. Refuses plaintext and
    "fail" backends and a locked/missing keyring with a clear :class:`UserError`."""
    if backend is None:
        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # noqa: BLE001 - a configured backend that cannot start
            raise UserError(code="keyring.locked", params={"detail": type(exc).__name__}) from None
    check_keyring_backend(backend)
    source = store.release_source
    release = source() if source is not None else None
    return SecretVault(store, MasterKey.load_or_create(backend=backend),
                       release if isinstance(release, ReleaseKey) else None,
                       require_release=source is not None)
