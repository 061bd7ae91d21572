"""Identify one device: who is it, really (its attestation verified over TLS)."""

from __future__ import annotations

import asyncio
import ipaddress

from commissioner.app.context import AppContext
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.backends import DeviceAddress, Identification, TrustStore, backend_for
from commissioner.errors import UserError
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.trust.catalog import CatalogError


def parse_endpoint(text: str) -> tuple[str, int]:
    """``ADDRESS:PORT`` (``[v6]:PORT`` too) with a literal IP address."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise UserError(code="address.not-host-port", params={"text": text})
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UserError(code="address.not-ip", params={"host": host}) from None
    port = int(port_text)
    if not 0 < port < 65536:
        raise UserError(code="address.port-range", params={"port": port})
    return host, port


async def manufacturer_roots(ctx: AppContext) -> TrustStore:
    """The roots to verify attestation with (see :mod:`commissioner.app.trust_roots`)."""
    try:
        return await asyncio.to_thread(manufacturer_trust, ctx)
    except CatalogError as err:
        raise UserError(code="catalog.no-roots-detail", params={"detail": err.message}) from None


async def identify_endpoint(
    ctx: AppContext, host: str, port: int, *, model: str | None = None,
    timeout: float = 5.0,  # noqa: ASYNC109 - per device
) -> Identification:
    """Ask the device at ``host:port`` who it is; its identity must chain to a trusted root."""
    trust = await manufacturer_roots(ctx)
    try:
        return await backend_for(trust).identify(DeviceAddress("", host, port),
                                                 advertised_model=model, timeout=timeout)
    except DeviceProtocolError as exc:
        raise UserError(
            code="identify.not-verified",
            params={"address": f"{host}:{port}", "reason": exc.reason,
                    "detail": exc.message}) from None
