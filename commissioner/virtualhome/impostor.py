"""An impostor on the home network: it advertises a genuine device's id and cannot prove it.

A spoofing attack on discovery (docs/device-protocol.md section 17): someone copies a real
device's mDNS advertisement - its TXT record is public - under another service instance name and
serves TLS on an endpoint of their own. The certificate it presents names the genuine device
(id, manufacturer, model, serial: all public in the genuine certificate) but is issued by a
root of its own making that carries the manufacturer's name; it does not hold the genuine
attestation key, so it cannot present the genuine chain either.

    impostor = Impostor(home_dir, device_id)     # copies the public facts of the device
    await impostor.start(zeroconf)               # TLS on 127.0.0.1, announced over mDNS
    ...
    await impostor.stop()

The simulator stays independent of product policy: this only builds the lie; what the app
makes of it is for the app's tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from commissioner.protocol import tls
from commissioner.protocol.attestation import (
    DeviceCertFields,
    cert_pem,
    generate_key,
    key_pem,
    make_device_certificate,
    make_intermediate,
    make_root,
    parse_attestation_certificate,
)
from commissioner.protocol.spec import SERVICE_TYPE
from commissioner.virtualhome.state import CHAIN_FILE, device_dir

__all__ = ["IMPOSTOR_SUFFIX", "Impostor"]

HOST: Final = "127.0.0.1"
IMPOSTOR_SUFFIX: Final = "-lookalike"  # the impostor's service instance: "<device id>-lookalike"


def _public_fields(home_dir: Path, device_id: str) -> DeviceCertFields:
    leaf = x509.load_pem_x509_certificates(
        (device_dir(home_dir, device_id) / CHAIN_FILE).read_bytes())[0]
    ident = parse_attestation_certificate(leaf.public_bytes(serialization.Encoding.DER))
    return DeviceCertFields(ident.device_id, ident.manufacturer, ident.model, ident.serial,
                            ident.kind)


def _forged_chain(fields: DeviceCertFields) -> tuple[bytes, bytes]:
    """A chain naming the genuine device, from a root of the impostor's own making."""
    root_key, inter_key, key = generate_key(), generate_key(), generate_key()
    root = make_root(fields.manufacturer, root_key)
    inter = make_intermediate(fields.manufacturer, inter_key, root, root_key)
    leaf = make_device_certificate(fields, key.public_key(), inter, inter_key)
    return cert_pem(leaf) + cert_pem(inter), key_pem(key)


class Impostor:
    """A look-alike of one device of a virtual home, on 127.0.0.1."""

    def __init__(self, home_dir: Path, device_id: str) -> None:
        self.device_id = device_id
        self.fields = _public_fields(Path(home_dir), device_id)
        self.instance = f"{device_id}{IMPOSTOR_SUFFIX}.{SERVICE_TYPE}"
        self.port = 0
        self.address = HOST
        self._server: asyncio.Server | None = None
        self._info: ServiceInfo | None = None
        self._zc: AsyncZeroconf | None = None

    async def start(self, zeroconf: AsyncZeroconf) -> None:
        """Copy the genuine device's TXT record off the network, serve TLS and announce the
        copy under the impostor's own instance name (ValueError if the device is not heard)."""
        genuine = AsyncServiceInfo(SERVICE_TYPE, f"{self.device_id}.{SERVICE_TYPE}")
        if not await genuine.async_request(zeroconf.zeroconf, 3000):
            raise ValueError(f"{self.device_id} is not advertised; nothing to copy")
        txt = {k: v for k, v in genuine.properties.items() if k is not None}
        chain_pem, key = _forged_chain(self.fields)
        ctx = tls.server_context(chain_pem, key)
        self._server = await asyncio.start_server(self._on_client, HOST, 0, ssl=ctx)
        self.port = self._server.sockets[0].getsockname()[1]
        self._info = ServiceInfo(
            SERVICE_TYPE, self.instance, addresses=[socket.inet_aton(HOST)], port=self.port,
            properties=txt, server=f"{self.device_id}{IMPOSTOR_SUFFIX}.local.",
        )
        self._zc = zeroconf
        await zeroconf.async_register_service(self._info)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(4096), 5.0)  # says nothing useful, then hangs up
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()

    async def stop(self) -> None:
        if self._zc is not None and self._info is not None:
            with contextlib.suppress(Exception):
                await self._zc.async_unregister_service(self._info)
        self._info = None
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

