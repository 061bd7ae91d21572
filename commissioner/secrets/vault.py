"""Job secrets at rest: AES-256-GCM under a per-job key, stored in the job store.

Per-job keys: each job gets a random 32-byte key the first time a secret is stored; the store
keeps it only wrapped (AES-256-GCM) under ``HKDF(master key || release key)``, as the secret
``jobkey/field`` or ``jobkey/training``. The master key lives in the OS keyring; the *release
key* is held by signed-in operators whose roles need job secrets (each account's key slot,
see :mod:`commissioner.operators.passwords`; training jobs use the training release key). So the
keyring alone opens nothing: a job's secrets need the keyring AND a signed-in operator.
Jobs stored before per-job keys (no ``jobkey/*``) stay under the master key, as before.

Each value is encrypted with a fresh 12-byte random nonce; the additional authenticated data is
``job_id || 0x00 || name``, so a ciphertext moved to another job or another name does not
decrypt. Names look like ``home-ca.key``, ``admin/<device id>``,
``label/<device id>/setup-code``. No message of this module ever contains a secret value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commissioner.errors import UserError
from commissioner.jobs.store import JobNotFoundError, JobStore, normalise_job_id

__all__ = ["JOB_KEY_PREFIX", "NONCE_BYTES", "ReleaseKey", "SecretCorruptError", "SecretError",
           "SecretNotFoundError", "SecretPurgedError", "SecretSealedError", "SecretVault"]

JOB_KEY_PREFIX: Final = "jobkey/"
PURGED_ACTION: Final = "secrets.purged"

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


class SecretSealedError(SecretError, UserError):
    """The job's key is not released: nobody signed in whose role needs it."""


class SecretPurgedError(SecretNotFoundError, UserError):
    """The job's secrets were purged from this laptop after they were escrowed."""

    def __init__(self, message: str | None = None, *, hint: str | None = None,
                 code: str | None = None, params: Mapping[str, object] | None = None) -> None:
        UserError.__init__(self, message, hint=hint, code=code, params=params)

    def __str__(self) -> str:
        return UserError.__str__(self)


@dataclass(frozen=True, slots=True)
class ReleaseKey:
    """The key a signed-in operator holds that unwraps per-job keys (never stored in clear)."""

    kind: Literal["field", "training"]
    key: bytes

    def __repr__(self) -> str:
        return f"ReleaseKey({self.kind})"


def _aad(job_id: str, name: str) -> bytes:
    return job_id.encode("utf-8") + b"\0" + name.encode("utf-8")


class SecretVault:
    """Encrypts job secrets with the master key and keeps the ciphertexts in ``store``."""

    def __init__(self, store: JobStore, master_key: bytes, release: ReleaseKey | None = None,
                 *, require_release: bool = False) -> None:
        """``require_release``: new jobs get a per-job key (refused without ``release``);
        without it and without ``release`` the vault keeps secrets under the master key."""
        if not isinstance(master_key, bytes | bytearray) or len(master_key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._store = store
        self._master = bytes(master_key)
        self._legacy = AESGCM(self._master)
        self._release = release
        self._require = require_release
        self._keys: dict[str, AESGCM] = {}
        self._pending: dict[str, tuple[str, bytes, bytes]] = {}

    # -- per-job keys ----------------------------------------------------------------------
    def _wrapper(self, kind: str) -> AESGCM:
        if self._release is None or self._release.kind != kind:
            raise SecretSealedError(
                code="secrets.sealed-training" if kind == "training" else "secrets.sealed")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"commissioner job key wrap v1:" + kind.encode()).derive(
            self._master + self._release.key)
        return AESGCM(key)

    def _stored_key(self, jid: str) -> tuple[str, tuple[bytes, bytes]] | None:
        for kind in ("field", "training"):
            row = self._store.get_secret(jid, JOB_KEY_PREFIX + kind)
            if row is not None:
                return kind, row
        return None

    def _aead(self, jid: str, *, create: bool, store_new: bool = True) -> AESGCM:
        if jid in self._keys:
            return self._keys[jid]
        try:
            stored = self._stored_key(jid)
            legacy = stored is None and any(
                not n.startswith(JOB_KEY_PREFIX) for n in self._store.secret_names(jid))
        except JobNotFoundError:
            if store_new:
                raise
            stored, legacy = None, False  # a job about to be imported
        if stored is not None:
            kind, (nonce, wrapped) = stored
            try:
                key = self._wrapper(kind).decrypt(nonce, wrapped, _aad(jid, kind))
            except InvalidTag:
                raise SecretSealedError(code="secrets.key-mismatch",
                                        params={"job_id": jid}) from None
            aead = AESGCM(key)
        elif legacy or not create or (self._release is None and not self._require):
            return self._legacy
        else:
            kind = "field" if self._release is None else self._release.kind
            key = AESGCM.generate_key(bit_length=256)
            nonce = os.urandom(NONCE_BYTES)
            wrapped = self._wrapper(kind).encrypt(nonce, key, _aad(jid, kind))
            if store_new:
                self._store.put_secret(jid, JOB_KEY_PREFIX + kind, nonce, wrapped)
            else:
                self._pending[jid] = (JOB_KEY_PREFIX + kind, nonce, wrapped)
            aead = AESGCM(key)
        self._keys[jid] = aead
        return aead

    def job_key_rows(self, job_id: str) -> list[tuple[str, bytes, bytes]]:
        """The wrapped key made by :meth:`seal` for a job not stored yet (to store with it)."""
        row = self._pending.pop(normalise_job_id(job_id), None)
        return [] if row is None else [row]

    def __repr__(self) -> str:
        return f"SecretVault(store={self._store.path!s})"

    def put(self, job_id: str, name: str, value: bytes) -> None:
        """Encrypt and store ``value`` (replacing an earlier one); durable on return.

        Raises JobNotFoundError, JobClosedError, ValueError (bad name or value type).
        """
        if not isinstance(value, bytes | bytearray):
            raise ValueError("a secret's value must be bytes")
        jid = normalise_job_id(job_id)
        if name.startswith(JOB_KEY_PREFIX):
            raise ValueError(f"{JOB_KEY_PREFIX}* names are the vault's own")
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._aead(jid, create=True).encrypt(nonce, bytes(value), _aad(jid, name))
        self._store.put_secret(jid, name, nonce, ciphertext)

    def seal(self, job_id: str, name: str, value: bytes) -> tuple[bytes, bytes]:
        """``(nonce, ciphertext)`` of ``value`` as :meth:`put` would store it, without storing
        (a job import writes them in its own transaction)."""
        jid = normalise_job_id(job_id)
        nonce = os.urandom(NONCE_BYTES)
        aead = self._aead(jid, create=True, store_new=False)
        return nonce, aead.encrypt(nonce, bytes(value), _aad(jid, name))

    def get(self, job_id: str, name: str) -> bytes:
        """The decrypted value. Raises SecretNotFoundError, SecretCorruptError."""
        jid = normalise_job_id(job_id)
        row = self._store.get_secret(jid, name)
        if row is None:
            purged = self._purged(jid)
            if purged is not None:
                raise SecretPurgedError(code="secrets.purged", params={
                    "job_id": jid, "name": name, "date": purged[:10]})
            raise SecretNotFoundError(f"job {jid} holds no secret {name!r}")
        nonce, ciphertext = row
        if len(nonce) != NONCE_BYTES:
            raise SecretCorruptError(f"job {jid}: secret {name!r} has a malformed nonce")
        aead = self._aead(jid, create=False)
        try:
            return aead.decrypt(nonce, ciphertext, _aad(jid, name))
        except InvalidTag:
            raise SecretCorruptError(
                f"job {jid}: secret {name!r} does not decrypt (it was altered, or the OS "
                "keyring holds a different master key than the one it was stored with)"
            ) from None

    def has(self, job_id: str, name: str) -> bool:
        return self._store.get_secret(normalise_job_id(job_id), name) is not None

    def names(self, job_id: str, prefix: str = "") -> list[str]:
        """Names of the job's secrets starting with ``prefix``, sorted (values stay sealed;
        the wrapped job key is not listed)."""
        return [n for n in self._store.secret_names(normalise_job_id(job_id), prefix)
                if not n.startswith(JOB_KEY_PREFIX)]

    def _purged(self, jid: str) -> str | None:
        """When the job's secrets were purged (None: they were not)."""
        try:
            steps = self._store.followup_steps(jid)
        except JobNotFoundError:
            return None
        done = [s.at for s in steps if s.action == PURGED_ACTION]
        return done[-1] if done else None

    def delete(self, job_id: str, prefix: str) -> int:
        """Delete the job's secrets whose names start with ``prefix`` ("" = all); also on a
        closed job (purge, SR3-PP-14). Returns how many were deleted; "" also deletes the
        job's key, which makes any copy of its sealed secrets useless."""
        jid = normalise_job_id(job_id)
        self._keys.pop(jid, None)
        return self._store.delete_secrets(jid, prefix)
