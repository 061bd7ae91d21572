"""TLS profile of the device protocol (spec section 5).

* TLS 1.2 or 1.3 only; TLS 1.2 cipher suites ``ECDHE+AESGCM`` only; key exchange on P-256.
* Python's ``ssl`` cannot restrict the TLS 1.3 suites, and OpenSSL also offers
  TLS_CHACHA20_POLY1305_SHA256 (not CRYPTREC-listed). Both sides therefore call
  :func:`check_negotiated` after the handshake and drop the connection if the negotiated
  version or suite is outside :data:`CRYPTREC_CIPHERS`.
* The client verifies the chain against the manufacturer roots of the trust store
  (``CERT_REQUIRED``) but does **not** check a host name: devices sit on home networks at
  addresses from DHCP and have no DNS names. A device is identified instead by the fields of
  its attestation certificate (device id, manufacturer, model, serial), which the app checks
  explicitly against the label, the advertisement and the catalog after the handshake.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import tempfile

from cryptography.hazmat.primitives import serialization

from commissioner.protocol.errors import WeakTlsError

TLS12_CIPHERS = "ECDHE+AESGCM"
ECDH_CURVE = "prime256v1"
CRYPTREC_CIPHERS: frozenset[str] = frozenset(
    {
        # TLS 1.3
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        # TLS 1.2
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    }
)
_ALLOWED_VERSIONS = frozenset({"TLSv1.2", "TLSv1.3"})


def _harden(ctx: ssl.SSLContext) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(TLS12_CIPHERS)
    ctx.set_ecdh_curve(ECDH_CURVE)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
    if hasattr(ssl, "OP_NO_RENEGOTIATION"):
        ctx.options |= ssl.OP_NO_RENEGOTIATION


def _load_chain(ctx: ssl.SSLContext, chain_pem: bytes, key_pem: bytes) -> None:
    # ssl can only load certificates and keys from files: use a private temporary directory,
    # and never let the key touch the disk in clear - it is written encrypted (AES-256, scrypt)
    # under a one-time password that only this process ever holds.
    password = secrets.token_bytes(32)
    key = serialization.load_pem_private_key(key_pem, password=None)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    with tempfile.TemporaryDirectory(prefix="shc-tls-") as tmp:
        cert_path = os.path.join(tmp, "chain.pem")
        key_path = os.path.join(tmp, "key.pem")
        for path, data in ((cert_path, chain_pem), (key_path, key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        try:
            ctx.load_cert_chain(cert_path, key_path, password=password)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(key_path)


def client_context(
    roots_pem: bytes,
    *,
    cert_chain_pem: bytes | None = None,
    key_pem: bytes | None = None,
) -> ssl.SSLContext:
    """Context for the app: trusts only ``roots_pem``; optional client certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _harden(ctx)
    ctx.check_hostname = False  # see module docstring: identity = attested certificate fields
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.load_verify_locations(cadata=roots_pem.decode("ascii"))
    if cert_chain_pem is not None:
        if key_pem is None:
            raise ValueError("a client certificate needs its key")
        _load_chain(ctx, cert_chain_pem, key_pem)
    return ctx


def server_context(
    chain_pem: bytes, key_pem: bytes, *, client_roots_pem: bytes | None = None
) -> ssl.SSLContext:
    """Context for a device: presents ``chain_pem`` (leaf first, then the intermediate).

    With ``client_roots_pem`` the device requires a client certificate issued under them.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    _load_chain(ctx, chain_pem, key_pem)
    if client_roots_pem is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        ctx.load_verify_locations(cadata=client_roots_pem.decode("ascii"))
    return ctx


def server_context_optional_client(
    chain_pem: bytes, key_pem: bytes, *, client_roots_pem: bytes
) -> ssl.SSLContext:
    """Context for a provisioned device: presents ``chain_pem`` (its attestation chain) and
    *requests* a client certificate (``CERT_OPTIONAL``) verified against ``client_roots_pem``
    (the home CA). A client without a certificate still connects (read-only endpoints, session
    login); a client whose certificate does not chain to the home CA fails the handshake.

    Build a new context whenever the home CA changes (SSLContext trust stores are additive).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    _load_chain(ctx, chain_pem, key_pem)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.load_verify_locations(cadata=client_roots_pem.decode("ascii"))
    return ctx


def check_negotiated(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> None:
    """Raise WeakTlsError unless the connection uses TLS ≥ 1.2 with a CRYPTREC-listed suite."""
    if ssl_object is None:
        raise WeakTlsError("not-tls", "the connection is not protected by TLS")
    version = ssl_object.version()
    if version not in _ALLOWED_VERSIONS:
        raise WeakTlsError("weak-tls-version", f"the device negotiated {version or 'no TLS'}")
    cipher = ssl_object.cipher()
    name = cipher[0] if cipher else None
    if name not in CRYPTREC_CIPHERS:
        raise WeakTlsError(
            "weak-cipher", f"the device negotiated cipher {name!r}, which is not CRYPTREC-listed"
        )
