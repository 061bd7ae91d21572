"""Where is a device now? Resolvers for the reconnects of a firmware update.

A device that reboots into new firmware may come back on another address (DHCP) or port. The
update (:mod:`commissioner.firmware.push`) asks a :data:`~commissioner.firmware.push.Resolver`
for the device's current endpoint before each reconnect:

* :class:`MdnsResolver` - what the device advertises over mDNS on the configured interfaces
  (never on interfaces nobody chose). One browser runs for the whole update, started on the
  first lookup (a run where nothing reconnects sends no multicast at all); a lookup returns at
  once when the device is known, otherwise as soon as it is announced, or None after ``wait``
  seconds (the caller then keeps the endpoint it has).
* where the site says the device is (training mode: the training home's ``home.json``;
  :func:`commissioner.app.firmware.site_resolver`).
* :func:`chain` - the first resolver that knows the device.

An advertisement only says where to knock: the update still proves, over the new TLS
connection, that the attested identity (certificate fingerprint) is the one it planned with,
and reads the running version from the device - never from the advertisement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from zeroconf.asyncio import AsyncZeroconf

from commissioner.discovery.events import DeviceAdded, DeviceUpdated, DiscoveryEvent
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import DEFAULT_REQUEST_TIMEOUT, MdnsTransport, ip_version_for
from commissioner.firmware.plan import DeviceEndpoint
from commissioner.protocol import spec

__all__ = ["DEFAULT_WAIT", "MdnsResolver", "chain"]

log = logging.getLogger(__name__)

DEFAULT_WAIT = 2.0  # seconds one lookup waits for a device that is not announced (yet)

_Resolve = Callable[[str], Awaitable[DeviceEndpoint | None]]


class MdnsResolver:
    """``device_id -> endpoint`` from mDNS on explicit ``interfaces``; use as an async context
    manager (or call :meth:`aclose`) so the browser stops with the update. Never raises for
    what the network does: a lookup that cannot answer returns None."""

    def __init__(
        self,
        interfaces: Sequence[str],
        *,
        wait: float = DEFAULT_WAIT,
        service_type: str = spec.SERVICE_TYPE,
        zeroconf: AsyncZeroconf | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        if wait < 0:
            raise ValueError("wait must not be negative")
        ip_version_for(interfaces)  # an explicit, valid interface list - checked up front
        self._interfaces = tuple(interfaces)
        self._wait = wait
        self._service_type = service_type
        self._zeroconf = zeroconf
        self._request_timeout = request_timeout
        self._manager: DiscoveryManager | None = None
        self._lock = asyncio.Lock()
        self._failed = False
        self._closed = False
        self.lookups = 0  # how many lookups answered with an endpoint (for tests and logs)

    async def __aenter__(self) -> MdnsResolver:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        async with self._lock:
            self._closed = True
            manager, self._manager = self._manager, None
        if manager is not None:
            await manager.async_stop()

    async def _started(self) -> DiscoveryManager | None:
        async with self._lock:
            if self._manager is not None or self._failed or self._closed:
                return self._manager
            transport = MdnsTransport(
                self._interfaces, service_type=self._service_type, zeroconf=self._zeroconf,
                request_timeout=self._request_timeout,
            )
            manager = DiscoveryManager([transport])
            try:
                await manager.async_start()
            except (OSError, RuntimeError, ValueError) as err:
                # e.g. an interface address this machine does not have
                log.warning("mDNS lookup unavailable on %s: %s; devices are expected back "
                            "at their known address", ", ".join(self._interfaces), err)
                self._failed = True
                return None
            self._manager = manager
            return manager

    @staticmethod
    def _known(manager: DiscoveryManager, device_id: str) -> DeviceEndpoint | None:
        record = manager.devices.get(device_id)
        sighting = record.network if record is not None else None
        if sighting is None or sighting.address is None or sighting.port is None:
            return None
        return DeviceEndpoint(device_id, sighting.address, sighting.port)

    async def __call__(self, device_id: str) -> DeviceEndpoint | None:
        manager = await self._started()
        if manager is None:
            return None
        seen = asyncio.Event()

        def on_event(event: DiscoveryEvent) -> None:
            if isinstance(event, DeviceAdded | DeviceUpdated) and (
                event.record.device_id == device_id
            ):
                seen.set()

        unsubscribe = manager.async_subscribe(on_event, replay=False)
        try:
            found = self._known(manager, device_id)
            if found is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(seen.wait(), timeout=self._wait)
                found = self._known(manager, device_id)
        finally:
            unsubscribe()
        if found is not None:
            self.lookups += 1
        return found


def chain(*resolvers: _Resolve) -> _Resolve:
    """The first answer of ``resolvers``, asked in order (None when none knows the device)."""

    async def resolve(device_id: str) -> DeviceEndpoint | None:
        for resolver in resolvers:
            found = await resolver(device_id)
            if found is not None:
                return found
        return None

    return resolve
