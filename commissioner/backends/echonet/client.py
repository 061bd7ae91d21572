"""An ECHONET Lite controller endpoint over asyncio UDP: Get requests by unicast and multicast,
replies matched by TID and sender, bad datagrams counted with their reason, never raised.

The endpoint binds one interface address (port 3610 by default, where the specification sends
replies); multicast leaves only through that interface (``IP_MULTICAST_IF``, TTL 1), so a scan
never reaches a network nobody chose.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, cast

from commissioner.protocol.echonet import (
    ECHONET_PORT,
    GET_RES,
    GET_SNA,
    MULTICAST_GROUP,
    Eoj,
    Frame,
    MalformedFrameError,
    decode_frame,
    get_request,
)
from commissioner.protocol.errors import DeviceUnreachableError, MalformedReplyError

__all__ = ["BadDatagram", "EchonetEndpoint", "open_endpoint"]

_LOGGER = logging.getLogger(__name__)

MAX_BAD_KEPT: Final = 200
MAX_PENDING: Final = 1024


@dataclass(frozen=True, slots=True)
class BadDatagram:
    host: str
    reason: str
    message: str


FrameListener = Callable[[str, Frame], None]


@dataclass
class _Pending:
    host: str | None  # None: any sender (multicast)
    future: asyncio.Future[Frame] | None = None
    collected: list[tuple[str, Frame]] = field(default_factory=list)


class EchonetEndpoint(asyncio.DatagramProtocol):
    """One bound controller socket. Create with :func:`open_endpoint`."""

    def __init__(self, interface: str) -> None:
        self.interface = interface
        self._transport: asyncio.DatagramTransport | None = None
        self._tids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self.bad: list[BadDatagram] = []
        self.listeners: list[FrameListener] = []

    # --- asyncio protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        host = str(addr[0])
        try:
            frame = decode_frame(data)
        except MalformedFrameError as err:
            if len(self.bad) < MAX_BAD_KEPT:
                self.bad.append(BadDatagram(host, err.reason, err.message))
            return
        pending = self._pending.get(frame.tid)
        if pending is not None and frame.esv in (GET_RES, GET_SNA):
            if pending.future is not None:
                if pending.host == host and not pending.future.done():
                    pending.future.set_result(frame)
                    return
            else:
                pending.collected.append((host, frame))
                return
        for listener in list(self.listeners):
            try:
                listener(host, frame)
            except Exception:  # a listener must not stop the endpoint
                _LOGGER.exception("ECHONET Lite listener failed")

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("ECHONET Lite socket error: %s", exc)

    # --- requests ------------------------------------------------------------------------------

    def _next_tid(self) -> int:
        for _ in range(0x10000):
            tid = next(self._tids) & 0xFFFF
            if tid and tid not in self._pending:
                return tid
        raise DeviceUnreachableError("busy", "too many ECHONET Lite requests in flight")

    def _send(self, data: bytes, host: str) -> None:
        if self._transport is None or self._transport.is_closing():
            raise DeviceUnreachableError("closed", "the ECHONET Lite endpoint is closed")
        self._transport.sendto(data, (host, ECHONET_PORT))

    async def get(self, host: str, deoj: Eoj, epcs: Iterable[int], *, timeout: float,  # noqa: ASYNC109
                  attempts: int = 2) -> Frame:
        """Get ``epcs`` of ``deoj`` at ``host``; the Get_Res (or Get_SNA, with what the object
        could answer). Raises :class:`DeviceUnreachableError` after ``attempts`` timeouts."""
        codes = tuple(epcs)
        if len(self._pending) >= MAX_PENDING:
            raise DeviceUnreachableError("busy", "too many ECHONET Lite requests in flight")
        loop = asyncio.get_running_loop()
        for _ in range(max(1, attempts)):
            tid = self._next_tid()
            future: asyncio.Future[Frame] = loop.create_future()
            self._pending[tid] = _Pending(host, future)
            try:
                self._send(get_request(tid, deoj, codes), host)
                frame = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                continue
            finally:
                self._pending.pop(tid, None)
            if frame.seoj != deoj:
                raise MalformedReplyError("wrong-object",
                                          f"{host} answered for object {frame.seoj}, not {deoj}")
            return frame
        raise DeviceUnreachableError(
            "timeout", f"{host} did not answer an ECHONET Lite Get for {deoj} within {timeout} s")

    async def multicast_get(self, deoj: Eoj, epcs: Iterable[int], *,
                            wait: float) -> list[tuple[str, Frame]]:
        """Ask every node on this interface's link; the replies heard within ``wait`` seconds."""
        tid = self._next_tid()
        pending = _Pending(None)
        self._pending[tid] = pending
        try:
            self._send(get_request(tid, deoj, tuple(epcs)), MULTICAST_GROUP)
            await asyncio.sleep(wait)
        finally:
            self._pending.pop(tid, None)
        return [(h, f) for h, f in pending.collected if f.seoj == deoj]

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        for pending in self._pending.values():
            if pending.future is not None and not pending.future.done():
                pending.future.cancel()
        self._pending.clear()


def _socket_for(interface: str, port: int) -> socket.socket:
    address = ipaddress.ip_address(interface)
    if address.version != 4 or address.is_unspecified or address.is_multicast:
        raise ValueError(f"ECHONET Lite needs one IPv4 interface address, not {interface!r}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.bind((interface, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def open_endpoint(interface: str, *, port: int = ECHONET_PORT) -> EchonetEndpoint:
    """Bind a controller endpoint to ``interface`` (an IPv4 address) and ``port``."""
    loop = asyncio.get_running_loop()
    try:
        sock = _socket_for(interface, port)
    except OSError as err:
        raise DeviceUnreachableError(
            "bind-failed", f"cannot open UDP {interface}:{port} for ECHONET Lite "
            f"({err.strerror or err})") from None
    try:
        _, protocol = await loop.create_datagram_endpoint(lambda: EchonetEndpoint(interface),
                                                          sock=sock)
    except OSError as err:
        with contextlib.suppress(OSError):
            sock.close()
        raise DeviceUnreachableError("bind-failed", f"cannot open ECHONET Lite: {err}") from None
    return protocol

