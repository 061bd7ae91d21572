"""This installation's bundle keys, kept in the OS keyring next to the master key.

Items under service ``commissioner``: ``bundle-signing-key-v1`` and ``bundle-receiving-key-v1``
(each a P-256 private key, PKCS#8 DER in base64), made on first use. The keys never leave the
keyring except into this process; only the public card is written to a file.
"""

from __future__ import annotations

import base64
import binascii
import socket
from dataclasses import dataclass
from typing import Final

import keyring
import keyring.backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.bundles.crypto import Card, make_card
from commissioner.errors import UserError
from commissioner.secrets.keyring_guard import (
    MASTER_KEY_SERVICE,
    _get,
    _set,
    check_keyring_backend,
)

SIGNING_ITEM: Final = "bundle-signing-key-v1"
RECEIVING_ITEM: Final = "bundle-receiving-key-v1"


@dataclass(frozen=True)
class Installation:
    signing: ec.EllipticCurvePrivateKey
    receiving: ec.EllipticCurvePrivateKey

    def card(self) -> Card:
        return make_card(self.signing, self.receiving.public_key(),
                         f"commissioner installation on {socket.gethostname()[:30]}")

    def __repr__(self) -> str:
        return "Installation(<keys>)"


def _load_or_create(backend: keyring.backend.KeyringBackend, item: str
                    ) -> ec.EllipticCurvePrivateKey:
    stored = _get(backend, MASTER_KEY_SERVICE, item)
    if stored is None:
        key = ec.generate_private_key(ec.SECP256R1())
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        _set(backend, MASTER_KEY_SERVICE, item, base64.b64encode(der).decode("ascii"))
        stored = _get(backend, MASTER_KEY_SERVICE, item)
        if stored is None:
            raise UserError(code="keyring.key-not-returned")
    try:
        loaded = serialization.load_der_private_key(base64.b64decode(stored, validate=True),
                                                    password=None)
    except (binascii.Error, ValueError):
        loaded = None
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise UserError(code="keyring.foreign-installation-key", params={"item": item})
    return loaded


def installation(backend: keyring.backend.KeyringBackend | None = None) -> Installation:
    chosen = keyring.get_keyring() if backend is None else backend
    check_keyring_backend(chosen)
    return Installation(_load_or_create(chosen, SIGNING_ITEM),
                        _load_or_create(chosen, RECEIVING_ITEM))
