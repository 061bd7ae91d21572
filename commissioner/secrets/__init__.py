"""Secrets: the master key in the OS keyring and the encrypted job-secret vault."""

from commissioner.secrets.keyring_guard import MasterKey, check_keyring_backend
from commissioner.secrets.vault import (
    SecretCorruptError,
    SecretError,
    SecretNotFoundError,
    SecretVault,
)

__all__ = [
    "MasterKey",
    "SecretCorruptError",
    "SecretError",
    "SecretNotFoundError",
    "SecretVault",
    "check_keyring_backend",
]
