"""Job secrets at rest: AES-256-GCM under the master key, stored in the job store.

Each value is encrypted with a fresh 12-byte random nonce; the additional authenticated data is
``job_id || 0x00 || name``, so a ciphertext moved to another job or another name does not
decrypt. Names look like ``home-ca.key``, ``admin/<device id>``,
``label/<device id>/setup-code``. No message of this module ever contains a secret value.
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from commissioner.jobs.store import JobStore, normalise_job_id

__all__ = ["NONCE_BYTES", "SecretCorruptError", "SecretError", "SecretNotFoundError", "SecretVault"]

NONCE_BYTES: Final = 12
KEY_BYTES: Final = 32


class SecretError(Exception):
    """Base class of the vault's errors."""


class SecretNotFoundError(SecretError, KeyError):
    """The job holds no secret of that name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "secret not found"


class SecretCorruptError(SecretError):
    """A stored secret does not decrypt: edited, moved, or a different master key."""


def _aad(job_id: str, name: str) -> bytes:
    return job_id.encode("utf-8") + b"\0" + name.encode("utf-8")


class SecretVault:
    """Encrypts job secrets with the master key and keeps the ciphertexts in ``store``."""

    def __init__(self, store: JobStore, master_key: bytes) -> None:
        if not isinstance(master_key, bytes | bytearray) or len(master_key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._store = store
        self._aead = AESGCM(bytes(master_key))

    def __repr__(self) -> str:
        return f"SecretVault(store={self._store.path!s})"

    def put(self, job_id: str, name: str, value: bytes) -> None:
        """Encrypt and store ``value`` (replacing an earlier one); durable on return.

        Raises JobNotFoundError, JobClosedError, ValueError (bad name or value type).
        """
        if not isinstance(value, bytes | bytearray):
            raise ValueError("a secret's value must be bytes")
        jid = normalise_job_id(job_id)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._aead.encrypt(nonce, bytes(value), _aad(jid, name))
        self._store.put_secret(jid, name, nonce, ciphertext)

    def seal(self, job_id: str, name: str, value: bytes) -> tuple[bytes, bytes]:
        """``(nonce, ciphertext)`` of ``value`` as :meth:`put` would store it, without storing
        (a job import writes them in its own transaction)."""
        jid = normalise_job_id(job_id)
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self._aead.encrypt(nonce, bytes(value), _aad(jid, name))

    def get(self, job_id: str, name: str) -> bytes:
        """The decrypted value. Raises SecretNotFoundError, SecretCorruptError."""
        jid = normalise_job_id(job_id)
        row = self._store.get_secret(jid, name)
        if row is None:
            raise SecretNotFoundError(f"job {jid} holds no secret {name!r}")
        nonce, ciphertext = row
        if len(nonce) != NONCE_BYTES:
            raise SecretCorruptError(f"job {jid}: secret {name!r} has a malformed nonce")
        try:
            return self._aead.decrypt(nonce, ciphertext, _aad(jid, name))
        except InvalidTag:
            raise SecretCorruptError(
                f"job {jid}: secret {name!r} does not decrypt (it was altered, or the OS "
                "keyring holds a different master key than the one it was stored with)"
            ) from None

    def has(self, job_id: str, name: str) -> bool:
        return self._store.get_secret(normalise_job_id(job_id), name) is not None

    def names(self, job_id: str, prefix: str = "") -> list[str]:
        """Names of the job's secrets starting with ``prefix``, sorted (values stay sealed)."""
        return self._store.secret_names(normalise_job_id(job_id), prefix)

    def delete(self, job_id: str, prefix: str) -> int:
        """Delete the job's secrets whose names start with ``prefix`` ("" = all); also on a
        closed job (purge, SR3-PP-14). Returns how many were deleted."""
        return self._store.delete_secrets(normalise_job_id(job_id), prefix)
