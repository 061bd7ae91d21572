"""The OS keyring: refuse unsafe backends, and keep the one master key there.

One master key per installation (32 random bytes, base64) lives in the OS keyring under
service ``commissioner``, user ``master-key-v1``; every job secret is encrypted with it in the
job store (:mod:`commissioner.secrets.vault`). Backends that would keep the key in a plain
file, or that silently drop it, are refused at start-up with a message saying what to do.

The key is never logged, put in an exception message or returned anywhere but to the caller.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any, Final

import keyring
import keyring.backend
from keyring.backends import chainer, fail, null

from commissioner.errors import UserError

__all__ = [
    "MASTER_KEY_BYTES",
    "MASTER_KEY_SERVICE",
    "MASTER_KEY_USERNAME",
    "MasterKey",
    "check_keyring_backend",
]

MASTER_KEY_SERVICE: Final = "commissioner"
MASTER_KEY_USERNAME: Final = "master-key-v1"
MASTER_KEY_BYTES: Final = 32

_HINT_BACKEND: Final = (
    "Use the operating system's own keyring: on Windows the Credential Manager and on macOS "
    "the login Keychain (both work out of the box); on Linux a Secret Service such as "
    "GNOME Keyring or KWallet in an unlocked desktop session. Remove 'keyrings.alt' if it is "
    "installed, and unset PYTHON_KEYRING_BACKEND / the keyring config file if they select a "
    "file backend."
)
_HINT_LOCKED: Final = (
    "Unlock the OS keyring (log in to the desktop session, or unlock 'Login' in "
    "Passwords and Keys / Keychain Access) and try again. On Linux check that a Secret "
    "Service (gnome-keyring or KWallet) is running on the session D-Bus."
)


def _describe(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _problem(backend: object) -> str | None:
    """Why ``backend`` must not hold the master key, or None if it may."""
    cls = type(backend)
    name = _describe(backend)
    if isinstance(backend, fail.Keyring | null.Keyring):
        return f"{name} stores nothing (no usable keyring backend was found)"
    if cls.__module__.startswith("keyrings.alt.file") or cls.__name__.startswith("Plaintext"):
        return f"{name} keeps secrets in a file on disk, not in a protected OS keyring"
    priority = _priority(backend)
    if priority < 1:
        return f"{name} is a low-priority fallback backend (priority {priority:g} < 1)"
    return None


def _priority(backend: object) -> float:
    """The backend's priority; UserError "locked or unavailable" if it reports itself
    unavailable (the Secret Service backend raises when no daemon answers on D-Bus)."""
    try:
        return float(getattr(backend, "priority", 0))
    except Exception as exc:  # noqa: BLE001 - a backend reports unavailability by raising
        raise _locked(f"{_describe(backend)}: {type(exc).__name__}: {exc}") from None


def _usable(backend: object) -> bool:
    try:
        return _problem(backend) is None
    except UserError:
        return False


def _chain_members(backend: chainer.ChainerBackend) -> list[Any]:
    try:
        return list(backend.backends)
    except Exception:  # noqa: BLE001 - discovering members may raise in a broken setup
        return []


class KeyringRefusedError(UserError):
    """The OS keyring cannot be used for the commissioner's secrets (plaintext, "fail",
    "null", unavailable or locked)."""


def check_keyring_backend(backend: keyring.backend.KeyringBackend | None = None) -> str:
    """Describe the keyring backend that will hold the master key, or refuse it.

    ``backend`` defaults to ``keyring.get_keyring()``. Raises :class:`UserError` (with a
    hint) for plaintext file backends (keyrings.alt), the "fail" and "null" backends, any
    backend whose priority is below 1 or that reports itself unavailable, and a chainer that
    has no usable member or whose first member (where it would write) is refused.
    """
    chosen = keyring.get_keyring() if backend is None else backend
    if isinstance(chosen, chainer.ChainerBackend):
        members = _chain_members(chosen)
        if not members:
            raise KeyringRefusedError(code="keyring.no-backend")
        first = _problem(members[0])
        if first is not None:
            usable = [m for m in members if _usable(m)]
            detail = (
                "it has no usable member" if not usable
                else f"it would write to {_describe(members[0])} first"
            )
            raise KeyringRefusedError(
                code="keyring.chain-unfit", params={"detail": f"{detail} ({first})"})
        names = ", ".join(_describe(m) for m in members)
        return f"keyring chain ({names}); writes go to {_describe(members[0])}"
    problem = _problem(chosen)
    if problem is not None:
        raise KeyringRefusedError(code="keyring.backend-unfit", params={"detail": problem})
    return f"{_describe(chosen)} (priority {_priority(chosen):g})"


def _locked(reason: str) -> UserError:
    return KeyringRefusedError(f"the OS keyring is locked or unavailable ({reason})",
                               hint=_HINT_LOCKED)


class MasterKey:
    """The installation's master key in the OS keyring (see the module docstring)."""

    @staticmethod
    def load_or_create(
        service: str = MASTER_KEY_SERVICE,
        username: str = MASTER_KEY_USERNAME,
        *,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> bytes:
        """The 32-byte master key: read from the keyring, or made and stored on first use.

        Refuses unsafe backends (:func:`check_keyring_backend`). A locked keyring or a
        missing Secret Service raises :class:`UserError` "the OS keyring is locked or
        unavailable". An entry that is not a 32-byte base64 key is never overwritten (the
        job secrets would be lost): that is a UserError too.
        """
        chosen = keyring.get_keyring() if backend is None else backend
        check_keyring_backend(chosen)
        stored = _get(chosen, service, username)
        if stored is None:
            _set(chosen, service, username, base64.b64encode(secrets.token_bytes(32)).decode())
            # Read back what the keyring holds: if another process stored a key at the same
            # moment, both use the one that won.
            stored = _get(chosen, service, username)
            if stored is None:
                raise _locked("the keyring accepted the master key but does not return it")
        return _decode(stored, service, username)


def _get(backend: keyring.backend.KeyringBackend, service: str, username: str) -> str | None:
    try:
        value = backend.get_password(service, username)
    except Exception as exc:  # noqa: BLE001 - every backend failure means "unavailable"
        raise _locked(f"reading failed: {type(exc).__name__}") from None
    if value is not None and not isinstance(value, str):
        raise _locked("the backend returned something that is not text")
    return value


def _set(
    backend: keyring.backend.KeyringBackend, service: str, username: str, value: str
) -> None:
    try:
        backend.set_password(service, username, value)
    except Exception as exc:  # noqa: BLE001 - every backend failure means "unavailable"
        raise _locked(f"storing failed: {type(exc).__name__}") from None


def _decode(stored: str, service: str, username: str) -> bytes:
    try:
        key = base64.b64decode(stored.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise UserError(
            code="keyring.foreign-master-key", params={"item": f"{service} / {username}"})
    return key
