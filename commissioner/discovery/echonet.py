"""ECHONET Lite discovery transport: multicast Get of the node profile's instance list (0xD6)
on each configured interface, then each object's identity read by unicast.

Every object becomes one :class:`Sighting` (transport ``echonet``), keyed by a device id made
of the node's identification number and the object code, so the discovery manager merges it
with other transports when they report the same id. A node that answers something malformed
becomes a :class:`MalformedAdvertisement` with the reason; nothing a node sends can stop the
scan. Status announcements (INF 0xD5) of nodes that join later are followed up the same way.
Like mDNS, it never chooses interfaces itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Coroutine, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Final

from commissioner.backends.echonet import TRANSPORT_ECHONET
from commissioner.backends.echonet.client import EchonetEndpoint
from commissioner.backends.echonet.identity import (
    NODE_EPCS,
    EchonetObject,
    node_facts,
    read_node,
    read_objects,
)
from commissioner.backends.echonet.pool import shared_endpoint
from commissioner.discovery.events import MalformedAdvertisement, Sighting
from commissioner.protocol.echonet import (
    EPC_INSTANCE_LIST,
    INF,
    NODE_PROFILE_EOJ,
    Frame,
)
from commissioner.protocol.errors import DeviceProtocolError, MalformedReplyError
from commissioner.protocol.spec import CommissioningState, Role

if TYPE_CHECKING:
    from commissioner.discovery.manager import DiscoveryManager

__all__ = ["EchonetTransport", "sighting_of"]

_LOGGER = logging.getLogger(__name__)
DEFAULT_WAIT: Final = 1.0  # seconds to collect multicast replies
DEFAULT_TIMEOUT: Final = 1.0  # per unicast Get
DEFAULT_INTERVAL: Final = 30.0  # seconds between multicast rounds


def sighting_of(obj: EchonetObject) -> Sighting:
    return Sighting(
        transport=TRANSPORT_ECHONET, device_id=obj.device_id, role=Role.DEVICE, kind=obj.kind,
        manufacturer=obj.manufacturer_code, model=obj.product_code, firmware=obj.release,
        state=CommissioningState.FACTORY, protocol_version=f"ECHONET Lite {obj.node_version}",
        address=obj.host, port=None,
    )


class EchonetTransport:
    """Finds ECHONET Lite objects on ``interfaces`` (IPv4 addresses) while started."""

    name = TRANSPORT_ECHONET

    def __init__(self, interfaces: Sequence[str], *, wait: float = DEFAULT_WAIT,
                 timeout: float = DEFAULT_TIMEOUT, interval: float = DEFAULT_INTERVAL) -> None:
        if isinstance(interfaces, str) or not interfaces:
            raise ValueError("ECHONET Lite needs an explicit, non-empty list of interfaces")
        self._interfaces = tuple(interfaces)
        self._wait, self._timeout, self._interval = wait, timeout, interval
        self._manager: DiscoveryManager | None = None
        self._stack: AsyncExitStack | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._objects: dict[str, EchonetObject] = {}
        self.rounds = 0

    @property
    def objects(self) -> dict[str, EchonetObject]:
        return dict(self._objects)

    async def async_start(self, manager: DiscoveryManager) -> None:
        if self._stack is not None:
            return
        self._manager = manager
        stack = AsyncExitStack()
        endpoints: list[EchonetEndpoint] = []
        try:
            for interface in self._interfaces:
                endpoint = await stack.enter_async_context(shared_endpoint(interface))
                endpoint.listeners.append(functools.partial(self._heard, endpoint))
                endpoints.append(endpoint)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        for endpoint in endpoints:
            self._spawn(self._rounds(endpoint))

    async def async_stop(self) -> None:
        tasks, self._tasks = set(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        self._manager = None

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _rounds(self, endpoint: EchonetEndpoint) -> None:
        while True:
            try:
                await self.search(endpoint)
            except DeviceProtocolError as err:
                _LOGGER.warning("ECHONET Lite search on %s failed: %s", endpoint.interface, err)
            await asyncio.sleep(self._interval)

    async def search(self, endpoint: EchonetEndpoint) -> None:
        """One multicast round on ``endpoint``'s interface, then every responder read."""
        replies = await endpoint.multicast_get(NODE_PROFILE_EOJ, NODE_EPCS, wait=self._wait)
        self.rounds += 1
        await asyncio.gather(*(self._read_node(endpoint, host, frame)
                               for host, frame in {h: f for h, f in replies}.items()))
        self._report_bad(endpoint)

    def _heard(self, endpoint: EchonetEndpoint, host: str, frame: Frame) -> None:
        """An unsolicited frame: a node announcing its instances is read."""
        if frame.esv == INF and frame.seoj == NODE_PROFILE_EOJ and frame.value(
                EPC_INSTANCE_LIST) is not None and self._manager is not None:
            self._spawn(self._read_node(endpoint, host, None))

    async def _read_node(self, endpoint: EchonetEndpoint, host: str, frame: Frame | None
                         ) -> None:
        manager = self._manager
        if manager is None:
            return
        try:
            node = (node_facts(host, frame) if frame is not None
                    else await read_node(endpoint, host, timeout=self._timeout))
            results = await read_objects(endpoint, node, timeout=self._timeout)
        except DeviceProtocolError as err:
            self._malformed(host, err.message)
            return
        for result in results:
            if isinstance(result, MalformedReplyError):
                self._malformed(host, result.message)
            elif isinstance(result, EchonetObject):
                self._objects[result.device_id] = result
                manager.report_sighting(f"{host}/{result.eoj}", sighting_of(result))
        self._report_bad(endpoint)

    def _malformed(self, source: str, reason: str) -> None:
        if self._manager is not None:
            self._manager.report_malformed(MalformedAdvertisement(
                transport=self.name, source=source, reason=reason))

    def _report_bad(self, endpoint: EchonetEndpoint) -> None:
        bad, endpoint.bad[:] = list(endpoint.bad), []
        for item in bad:
            self._malformed(item.host, f"{item.reason}: {item.message}")
