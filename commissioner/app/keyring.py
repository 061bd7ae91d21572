"""Keyring check: is the OS keyring fit to hold job secrets, before any work starts.

Plaintext, "fail"/"null" and locked keyrings are refused (the core's keyring guard). With
``create_key`` the master key is read as well (made on first use), so a locked keyring is
found at start-up rather than in the middle of a run. :func:`open_job_vault` is how the other
use cases open the job's secret vault under the same rules.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from commissioner.app.errors import KeyringRefusedError
from commissioner.errors import UserError
from commissioner.jobs.store import JobStore
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.keyring_guard import MasterKey, check_keyring_backend
from commissioner.secrets.vault import SecretVault

__all__ = ["KeyringStatus", "check_keyring", "open_job_vault"]


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    ok: bool
    backend: str = ""  # the backend's description when ok
    message: str = ""  # the core's (English) reason when refused
    hint: str | None = None


def _check(create_key: bool) -> KeyringStatus:
    try:
        backend = check_keyring_backend()
        if create_key:
            MasterKey.load_or_create()
    except UserError as err:
        return KeyringStatus(False, message=str(err), hint=err.hint)
    except Exception as err:  # noqa: BLE001 - a configured backend that cannot start
        return KeyringStatus(
            False, message=f"the OS keyring is locked or unavailable ({type(err).__name__})"
        )
    return KeyringStatus(True, backend=backend)


async def check_keyring(*, create_key: bool = True) -> KeyringStatus:
    """The keyring's fitness as a value (a refusal is an answer, not an error)."""
    return await asyncio.to_thread(_check, create_key)


def open_job_vault(store: JobStore) -> SecretVault:
    """The job-secret vault (blocking); a refused keyring raises
    :class:`~commissioner.app.errors.KeyringRefusedError`."""
    try:
        return open_vault(store)
    except KeyringRefusedError:
        raise
    except UserError as err:
        raise KeyringRefusedError(str(err), hint=err.hint, exit_code=err.exit_code,
                                  code=err.code, params=err.params) from None
