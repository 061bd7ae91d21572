"""mDNS/DNS-SD discovery transport over python-zeroconf.

The transport never picks network interfaces by itself: it needs an explicit, non-empty list of
interface addresses, so that it cannot multicast on interfaces nobody chose.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from zeroconf import DNSQuestionType, IPVersion, ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from commissioner.discovery.events import MalformedAdvertisement, Sighting
from commissioner.protocol import spec
from commissioner.protocol.advertisement import MalformedAdvertisementError, parse_txt

if TYPE_CHECKING:
    from commissioner.discovery.manager import DiscoveryManager

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_INSTANCE_NAME_BYTES",
    "MdnsTransport",
    "duplicate_txt_key",
    "ip_version_for",
]

_LOGGER = logging.getLogger(__name__)

TRANSPORT_NAME = "mdns"
DEFAULT_REQUEST_TIMEOUT = 3.0  # seconds to wait for SRV/TXT/A answers of one service
MAX_INSTANCE_NAME_BYTES = 63  # one DNS label (RFC 6763 section 4.1.1)


def duplicate_txt_key(raw: bytes) -> str | None:
    """The first key that appears twice in a raw TXT record (RFC 6763 section 6: keys are
    compared case-insensitively; a string without '=' is a key too), else None. A record
    whose length bytes overrun it is left to the parser's own checks."""
    seen: set[bytes] = set()
    i = 0
    while i < len(raw):
        length = raw[i]
        entry = raw[i + 1:i + 1 + length]
        i += 1 + length
        if not entry:
            continue
        key = entry.split(b"=", 1)[0].lower()
        if key in seen:
            return key.decode("ascii", errors="replace")[:32]
        seen.add(key)
    return None


def ip_version_for(interfaces: Sequence[str]) -> IPVersion:
    """Validate an explicit interface address list and choose the IP version it implies."""
    if isinstance(interfaces, str) or not interfaces:
        raise ValueError("mDNS needs an explicit, non-empty list of interface addresses")
    versions: set[int] = set()
    for text in interfaces:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(f"not an interface IP address: {text!r}") from None
        if address.is_unspecified or address.is_multicast:
            raise ValueError(f"{text!r} does not name one interface")
        versions.add(address.version)
    if versions == {4}:
        return IPVersion.V4Only
    if versions == {6}:
        return IPVersion.V6Only
    return IPVersion.All


class MdnsTransport:
    """Browses ``service_type`` and reports each service instance to the discovery manager.

    Questions ask for multicast answers (QM): a unicast answer to port 5353 reaches only one of
    the sockets sharing that port on the host (avahi, another app, a test's publisher), so QU
    answers were seen to get lost, delaying discovery by a second or more.

    The source key of every report is the full service instance name
    (``"Name._shcommission._tcp.local."``).
    """

    name = TRANSPORT_NAME

    def __init__(
        self,
        interfaces: Sequence[str],
        *,
        service_type: str = spec.SERVICE_TYPE,
        zeroconf: AsyncZeroconf | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._ip_version = ip_version_for(interfaces)
        self._interfaces = list(interfaces)
        self._service_type = service_type
        self._given_zeroconf = zeroconf
        self._request_timeout = request_timeout
        self._zeroconf: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._manager: DiscoveryManager | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._deadlines: dict[str, float] = {}

    @property
    def interfaces(self) -> tuple[str, ...]:
        return tuple(self._interfaces)

    @property
    def ip_version(self) -> IPVersion:
        return self._ip_version

    async def async_start(self, manager: DiscoveryManager) -> None:
        if self._browser is not None:
            return
        self._manager = manager
        if self._given_zeroconf is not None:
            self._zeroconf = self._given_zeroconf
        else:
            self._zeroconf = AsyncZeroconf(
                interfaces=list(self._interfaces), ip_version=self._ip_version
            )
        self._browser = AsyncServiceBrowser(
            self._zeroconf.zeroconf,
            self._service_type,
            handlers=[self._on_state_change],
            question_type=DNSQuestionType.QM,
        )

    async def async_requery(self, instances: Sequence[str] = ()) -> None:
        """Ask again now: a fresh browse (a new PTR question, not the browser's backed-off
        schedule) plus a direct request for each named instance (full names) not resolved
        yet. For a scan that must find devices it knows, whose answers got lost."""
        zeroconf = self._zeroconf
        if zeroconf is None or self._browser is None:
            return
        old, self._browser = self._browser, AsyncServiceBrowser(
            zeroconf.zeroconf, self._service_type, handlers=[self._on_state_change],
            question_type=DNSQuestionType.QM,
        )
        await old.async_cancel()
        loop = asyncio.get_running_loop()
        for name in instances:
            if name not in self._tasks:
                deadline = self._deadlines.setdefault(name, loop.time() + self._request_timeout)
                self._tasks[name] = loop.create_task(
                    self._resolve_task(name, deadline), name=f"mdns-resolve {name}"
                )

    async def async_stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        self._deadlines.clear()
        for task in tasks:
            task.cancel()
        browser, self._browser = self._browser, None
        zeroconf, self._zeroconf = self._zeroconf, None
        try:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            if browser is not None:
                await browser.async_cancel()
        finally:
            if zeroconf is not None and zeroconf is not self._given_zeroconf:
                await zeroconf.async_close()
            self._manager = None

    # Browser callback (runs on the loop; must not block) ------------------------------------

    def _on_state_change(
        self,
        zeroconf: Any,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        del zeroconf, service_type
        if self._manager is None or self._browser is None:
            return
        if state_change is ServiceStateChange.Removed:
            task = self._tasks.pop(name, None)
            self._deadlines.pop(name, None)
            if task is not None:
                task.cancel()
            self._manager.report_lost(self.name, name)
            return
        # Coalesce: at most one request per name. A newer update restarts the request (its
        # answers are usually in the cache by now) but keeps the first request's deadline, so
        # a flood of updates cannot postpone the verdict forever.
        loop = asyncio.get_running_loop()
        running = self._tasks.pop(name, None)
        if running is not None:
            running.cancel()
        deadline = self._deadlines.setdefault(name, loop.time() + self._request_timeout)
        self._tasks[name] = loop.create_task(
            self._resolve_task(name, deadline), name=f"mdns-resolve {name}"
        )

    async def _resolve_task(self, name: str, deadline: float) -> None:
        try:
            await self._resolve(name, deadline)
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the transport alive whatever one service does
            _LOGGER.exception("resolving mDNS service %r failed", name)
            self._report_malformed(name, "service details could not be read")
        finally:
            if self._tasks.get(name) is asyncio.current_task():
                del self._tasks[name]
                self._deadlines.pop(name, None)

    async def _resolve(self, name: str, deadline: float) -> None:
        zeroconf = self._zeroconf
        if zeroconf is None:
            return
        instance = (
            name[: -len(self._service_type) - 1]
            if name.endswith("." + self._service_type)
            else name
        )
        if len(instance.encode("utf-8")) > MAX_INSTANCE_NAME_BYTES:
            self._report_malformed(
                name, f"service name is longer than {MAX_INSTANCE_NAME_BYTES} bytes"
            )
            return
        info = AsyncServiceInfo(self._service_type, name)
        remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
        found = await info.async_request(
            zeroconf.zeroconf, remaining * 1000, question_type=DNSQuestionType.QM
        )
        if not found:
            self._report_malformed(name, "no service details (request timed out)")
            return
        duplicate = duplicate_txt_key(info.text or b"")
        if duplicate is not None:
            # zeroconf keeps one value per key; the protocol says a key MUST NOT repeat.
            self._report_malformed(name, f"TXT key {duplicate!r} appears more than once")
            return
        try:
            adv = parse_txt(cast("Mapping[object, object]", info.properties))
        except MalformedAdvertisementError as err:
            self._report_malformed(name, str(err))
            return
        addresses = info.parsed_addresses(self._ip_version)
        if not addresses:
            self._report_malformed(name, "no IP address advertised")
            return
        port = info.port
        if not isinstance(port, int) or not 1 <= port <= 65535:
            self._report_malformed(name, f"TLS port {port!r} is out of range")
            return
        manager = self._manager
        if manager is None:
            return
        manager.report_sighting(
            name,
            Sighting(
                transport=self.name,
                device_id=adv.device_id,
                role=adv.role,
                kind=adv.kind,
                manufacturer=adv.manufacturer,
                model=adv.model,
                firmware=adv.firmware,
                state=adv.state,
                protocol_version=adv.protocol_version,
                address=addresses[0],
                port=port,
            ),
        )

    def _report_malformed(self, name: str, reason: str) -> None:
        if self._manager is not None:
            self._manager.report_malformed(
                MalformedAdvertisement(transport=self.name, source=name, reason=reason)
            )
