"""One controller endpoint per interface and event loop, shared by discovery and identify.

Replies come to UDP 3610, which only one socket per address can own: the discovery transport
and the backend therefore borrow the same endpoint (reference-counted) rather than each binding
their own. When another program holds 3610 on that address, a private port is used instead
(nodes that answer the sender's port still reply).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from commissioner.backends.echonet.client import EchonetEndpoint, open_endpoint
from commissioner.protocol.echonet import ECHONET_PORT
from commissioner.protocol.errors import DeviceProtocolError, DeviceUnreachableError

__all__ = ["interface_towards", "shared_endpoint"]

_Key = tuple[int, str]
_endpoints: dict[_Key, tuple[EchonetEndpoint, int]] = {}
_locks: dict[_Key, asyncio.Lock] = {}


def interface_towards(host: str) -> str:
    """The local address the kernel would send to ``host`` from (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, ECHONET_PORT))
        return str(probe.getsockname()[0])
    except OSError as err:
        raise DeviceUnreachableError("no-route", f"no route to {host}: {err.strerror or err}"
                                     ) from None
    finally:
        probe.close()


@asynccontextmanager
async def shared_endpoint(interface: str, *, port: int = ECHONET_PORT
                          ) -> AsyncIterator[EchonetEndpoint]:
    key = (id(asyncio.get_running_loop()), interface)
    lock = _locks.setdefault(key, asyncio.Lock())
    async with lock:
        held = _endpoints.get(key)
        if held is None:
            try:
                endpoint = await open_endpoint(interface, port=port)
            except DeviceProtocolError:
                if port == 0:
                    raise
                endpoint = await open_endpoint(interface, port=0)
            held = (endpoint, 0)
        _endpoints[key] = (held[0], held[1] + 1)
    try:
        yield held[0]
    finally:
        endpoint, count = _endpoints[key]
        if count <= 1:
            del _endpoints[key]
            _locks.pop(key, None)
            endpoint.close()
        else:
            _endpoints[key] = (endpoint, count - 1)
