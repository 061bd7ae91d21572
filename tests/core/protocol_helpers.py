"""Test helpers for the device-protocol tests: a throwaway manufacturer PKI, a tiny device
server on 127.0.0.1 built only from the protocol modules, and a minimal DER re-writer used to
craft certificates that the ``cryptography`` builder refuses to make.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol import tls
from commissioner.protocol.attestation import (
    DeviceCertFields,
    cert_der,
    cert_pem,
    generate_key,
    key_pem,
    make_device_certificate,
    make_intermediate,
    make_root,
)
from commissioner.protocol.http11 import (
    HttpFramingError,
    read_request,
    write_error,
    write_response,
)
from commissioner.protocol.setup_code import ProofRateLimiter, verify_proof
from commissioner.protocol.spec import COMMISSIONING_OPEN, COMMISSIONING_PREFIX, Endpoint

FIELDS = DeviceCertFields(
    device_id="ac-living-01",
    manufacturer="Sakura Denki",
    model="SD-AC2200",
    serial="SDA22-000123",
    kind="air-conditioner",
)
SETUP_CODE = "20231104"


@dataclass
class Manufacturer:
    name: str
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    inter_key: ec.EllipticCurvePrivateKey
    inter: x509.Certificate

    @property
    def root_pem(self) -> bytes:
        return cert_pem(self.root)


def make_manufacturer(name: str = FIELDS.manufacturer) -> Manufacturer:
    root_key = generate_key()
    root = make_root(name, root_key)
    inter_key = generate_key()
    inter = make_intermediate(name, inter_key, root, root_key)
    return Manufacturer(name, root_key, root, inter_key, inter)


@dataclass
class DeviceCredentials:
    leaf: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    inter: x509.Certificate

    @property
    def leaf_der(self) -> bytes:
        return cert_der(self.leaf)

    @property
    def chain_pem(self) -> bytes:
        return cert_pem(self.leaf) + cert_pem(self.inter)


def make_device(mfr: Manufacturer, fields: DeviceCertFields = FIELDS) -> DeviceCredentials:
    key = generate_key()
    leaf = make_device_certificate(fields, key.public_key(), mfr.inter, mfr.inter_key)
    return DeviceCredentials(leaf, key, mfr.inter)


# Tiny device server ----------------------------------------------------------------------------


@dataclass
class TinyDevice:
    """A device speaking protocol v1 on 127.0.0.1, recording every request it reads."""

    creds: DeviceCredentials
    fields: DeviceCertFields = FIELDS
    setup_code: str = SETUP_CODE
    ssl_context: ssl.SSLContext | None = None
    identity_overrides: dict[str, Any] = field(default_factory=dict)
    limiter: ProofRateLimiter = field(default_factory=ProofRateLimiter)
    requests: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    def identity_json(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "protocol_version": "1",
            "device_id": self.fields.device_id,
            "role": "device",
            "kind": self.fields.kind,
            "manufacturer": self.fields.manufacturer,
            "model": self.fields.model,
            "serial": self.fields.serial,
            "firmware": "1.2.0",
            "certificate_chain": [
                cert_pem(self.creds.leaf).decode(),
                cert_pem(self.creds.inter).decode(),
            ],
        }
        info.update(self.identity_overrides)
        return info

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn: dict[str, Any] = {"nonce": None, "client_nonce": None, "auth": False}
        try:
            tls.check_negotiated(writer.get_extra_info("ssl_object"))
            while True:
                try:
                    request = await read_request(reader)
                except HttpFramingError as exc:
                    await write_error(writer, exc.status or 400, "bad-request", exc.message,
                                      extra_headers={"Connection": "close"})
                    return
                if request is None:
                    return
                self.requests.append((request.method, request.path))
                await self._dispatch(request.method, request.path, request, writer, conn)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _dispatch(self, method: str, path: str, request: Any,
                        writer: asyncio.StreamWriter, conn: dict[str, Any]) -> None:
        if method == "GET" and path == Endpoint.IDENTITY:
            await write_response(writer, 200, self.identity_json())
        elif method == "GET" and path == Endpoint.STATE:
            await write_response(writer, 200, {"state": "factory",
                                               "default_credential_enabled": True,
                                               "uptime_s": 12.5})
        elif method == "GET" and path == Endpoint.FIRMWARE:
            await write_response(writer, 200, {"version": "1.2.0", "active_slot": "a",
                                               "slots": {"a": "1.2.0", "b": None}})
        elif method == "POST" and path == Endpoint.SESSION_CHALLENGE:
            body = request.json()
            conn["client_nonce"] = base64.b64decode(body["client_nonce"], validate=True)
            conn["nonce"] = os.urandom(32)
            await write_response(writer, 200,
                                 {"device_nonce": base64.b64encode(conn["nonce"]).decode()})
        elif method == "POST" and path == Endpoint.SESSION_PROOF:
            await self._proof(request, writer, conn)
        elif path.startswith(COMMISSIONING_PREFIX):
            if not conn["auth"]:
                await write_error(writer, 401, "not-authenticated", "authenticate first")
            elif method == "POST" and path == COMMISSIONING_OPEN:
                await write_response(writer, 200, {"ok": True})
            else:
                await write_error(writer, 404, "not-found", "no such endpoint")
        else:
            await write_error(writer, 404, "not-found", "no such endpoint")

    async def _proof(self, request: Any, writer: asyncio.StreamWriter,
                     conn: dict[str, Any]) -> None:
        now = time.time()
        retry = self.limiter.check(now)
        if retry is not None:
            await write_error(writer, 429, "rate-limited", "wait",
                              extra={"retry_after_s": retry})
            return
        if conn["nonce"] is None:
            await write_error(writer, 409, "no-challenge", "ask for a challenge first")
            return
        device_nonce, conn["nonce"] = conn["nonce"], None  # single use
        proof = base64.b64decode(request.json()["proof"], validate=True)
        if verify_proof(self.setup_code, self.fields.serial, device_nonce,
                        conn["client_nonce"], self.creds.leaf_der, proof):
            self.limiter.record_success()
            conn["auth"] = True
            await write_response(writer, 200, {"authenticated": True})
        else:
            self.limiter.record_failure(now)
            await write_error(writer, 401, "bad-proof", "wrong setup code")


@asynccontextmanager
async def serve(device: TinyDevice) -> Any:
    ctx = device.ssl_context or tls.server_context(device.creds.chain_pem,
                                                   key_pem(device.creds.key))
    server = await asyncio.start_server(device._handle, "127.0.0.1", 0, ssl=ctx)
    device.port = server.sockets[0].getsockname()[1]
    try:
        yield device
    finally:
        server.close()
        await server.wait_closed()


# Minimal DER re-writer -------------------------------------------------------------------------


def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(tag, header_len, content_len, end) of the TLV at ``pos``."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, 2, first, pos + 2 + first
    n = first & 0x7F
    length = int.from_bytes(data[pos + 2 : pos + 2 + n], "big")
    return tag, 2 + n, length, pos + 2 + n + length


def _children(data: bytes) -> Iterator[bytes]:
    pos = 0
    while pos < len(data):
        _, _, _, end = _read_tlv(data, pos)
        yield data[pos:end]
        pos = end


def _encode(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def _content(tlv: bytes) -> bytes:
    _, hlen, clen, _ = _read_tlv(tlv, 0)
    return tlv[hlen : hlen + clen]


def with_serial_number(cert: x509.Certificate, serial: int,
                       signer: ec.EllipticCurvePrivateKey) -> bytes:
    """DER of ``cert`` with another (possibly absurd) serial number, re-signed by ``signer``."""
    outer = list(_children(_content(cert_der(cert))))
    tbs_parts = list(_children(_content(outer[0])))
    raw = serial.to_bytes((serial.bit_length() + 8) // 8, "big", signed=True)
    tbs_parts[1] = _encode(0x02, raw)  # [0]=version, [1]=serialNumber
    tbs = _encode(0x30, b"".join(tbs_parts))
    signature = signer.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return _encode(0x30, tbs + outer[1] + _encode(0x03, b"\x00" + signature))


__all__ = ["FIELDS", "SETUP_CODE", "DeviceCredentials", "Manufacturer", "TinyDevice",
           "make_device", "make_manufacturer", "replace", "serve", "with_serial_number"]
