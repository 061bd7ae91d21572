"""The ``matter`` discovery transport: Matter nodes heard over mDNS (DNS-SD).

* Commissionable nodes, ``_matterc._udp``: TXT ``D`` (12-bit discriminator), ``VP``
  (``vendor+product``), ``CM`` (commissioning mode: 0 not open, 1 passcode, 2 enhanced),
  ``DT`` (device type), ``DN`` (device name). The device id is
  :func:`~commissioner.discovery.matter_ids.matter_device_id` of the vendor, product and
  discriminator, so a scanned label meets the device it belongs to.
* Operational nodes, ``_matter._tcp``: the instance name is
  ``<compressed fabric id>-<node id>`` (16 hex digits each); they carry no vendor/product. A
  caller that knows which job device a node id belongs to passes ``operational_ids``; any other
  is reported as ``matter-node-<fabric>-<node>``.

Like the project's own mDNS transport, it never chooses interfaces: it needs an explicit list
of interface addresses. IPv6 link-local addresses keep their zone (``fe80::1%3``), which is how
a device behind a link is reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Final

from zeroconf import DNSQuestionType, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from commissioner.discovery.events import MalformedAdvertisement, Sighting
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.matter_ids import MATTER_KIND, matter_device_id
from commissioner.discovery.mdns import duplicate_txt_key, ip_version_for
from commissioner.protocol.spec import CommissioningState, Role

__all__ = ["COMMISSIONABLE_TYPE", "OPERATIONAL_TYPE", "TRANSPORT_NAME", "MatterTransport",
           "parse_commissionable_txt"]

_LOGGER = logging.getLogger(__name__)

TRANSPORT_NAME: Final = "matter"
COMMISSIONABLE_TYPE: Final = "_matterc._udp.local."
OPERATIONAL_TYPE: Final = "_matter._tcp.local."
_OPERATIONAL_RE: Final = re.compile(r"^([0-9A-Fa-f]{16})-([0-9A-Fa-f]{16})$")
_DECIMAL_RE: Final = re.compile(r"^[0-9]{1,5}$")
MAX_NAME_CHARS: Final = 32


class MatterTxtError(ValueError):
    pass


def _text(props: Mapping[bytes, bytes | None], key: bytes) -> str | None:
    raw = props.get(key)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MatterTxtError(f"TXT {key.decode()} is not UTF-8") from None


def _number(text: str | None, what: str, top: int) -> int:
    if text is None or not _DECIMAL_RE.fullmatch(text) or int(text) > top:
        raise MatterTxtError(f"TXT {what} is missing or out of range")
    return int(text)


def parse_commissionable_txt(props: Mapping[bytes, bytes | None]) -> tuple[int, int, int, int,
                                                                           str | None]:
    """(discriminator, vendor id, product id, commissioning mode, device name) from the TXT."""
    discriminator = _number(_text(props, b"D"), "D", 0xFFF)
    vp = _text(props, b"VP")
    if vp is None:
        raise MatterTxtError("TXT VP (vendor and product id) is missing")
    vendor_text, _, product_text = vp.partition("+")
    vendor = _number(vendor_text, "VP", 0xFFFF)
    product = _number(product_text, "VP", 0xFFFF) if product_text else 0
    mode = _number(_text(props, b"CM") or "0", "CM", 2)
    name = _text(props, b"DN")
    if name is not None:
        name = "".join(ch for ch in name if ch.isprintable())[:MAX_NAME_CHARS] or None
    return discriminator, vendor, product, mode, name


class MatterTransport:
    """Browses both Matter service types and reports what it hears to the manager."""

    name = TRANSPORT_NAME

    def __init__(self, interfaces: Sequence[str], *, zeroconf: AsyncZeroconf | None = None,
                 request_timeout: float = 3.0,
                 operational_ids: Mapping[str, str] | None = None) -> None:
        self._ip_version = ip_version_for(interfaces)
        self._interfaces = list(interfaces)
        self._given = zeroconf
        self._zeroconf: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._manager: DiscoveryManager | None = None
        self._request_timeout = request_timeout
        self._operational_ids = {k.upper(): v for k, v in (operational_ids or {}).items()}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def async_start(self, manager: DiscoveryManager) -> None:
        if self._browser is not None:
            return
        self._manager = manager
        self._zeroconf = self._given or AsyncZeroconf(interfaces=list(self._interfaces),
                                                      ip_version=self._ip_version)
        self._browser = AsyncServiceBrowser(
            self._zeroconf.zeroconf, [COMMISSIONABLE_TYPE, OPERATIONAL_TYPE],
            handlers=[self._on_state_change], question_type=DNSQuestionType.QM)

    async def async_stop(self) -> None:
        browser, self._browser = self._browser, None
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if browser is not None:
            await browser.async_cancel()
        zc, self._zeroconf = self._zeroconf, None
        if zc is not None and self._given is None:
            await zc.async_close()

    def _on_state_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                         state_change: ServiceStateChange) -> None:
        manager = self._manager
        if manager is None:
            return
        if state_change is ServiceStateChange.Removed:
            task = self._tasks.pop(name, None)
            if task is not None:
                task.cancel()
            manager.report_lost(self.name, name)
            return
        if name in self._tasks:
            return
        self._tasks[name] = asyncio.get_running_loop().create_task(
            self._resolve_task(service_type, name), name=f"matter-resolve {name}")

    async def _resolve_task(self, service_type: str, name: str) -> None:
        try:
            await self._resolve(service_type, name)
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the transport alive whatever one node does
            _LOGGER.exception("resolving Matter service %r failed", name)
            self._malformed(name, "service details could not be read")
        finally:
            if self._tasks.get(name) is asyncio.current_task():
                del self._tasks[name]

    async def _resolve(self, service_type: str, name: str) -> None:
        zc, manager = self._zeroconf, self._manager
        if zc is None or manager is None:
            return
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(zc.zeroconf, self._request_timeout * 1000,
                                        question_type=DNSQuestionType.QM):
            self._malformed(name, "no service details (request timed out)")
            return
        if (dup := duplicate_txt_key(info.text or b"")) is not None:
            self._malformed(name, f"TXT key {dup!r} appears more than once")
            return
        addresses = info.parsed_scoped_addresses(self._ip_version)
        port = info.port
        if not addresses or not isinstance(port, int) or not 1 <= port <= 65535:
            self._malformed(name, "no usable address or port advertised")
            return
        address = sorted(addresses, key=lambda a: (not a.startswith("fe80"), a))[0]
        instance = name[: -len(service_type) - 1] if name.endswith("." + service_type) else name
        if service_type == COMMISSIONABLE_TYPE:
            try:
                disc, vendor, product, mode, device_name = parse_commissionable_txt(
                    info.properties)
            except MatterTxtError as err:
                self._malformed(name, str(err))
                return
            sighting = Sighting(
                transport=self.name, device_id=matter_device_id(vendor, product, disc),
                role=Role.DEVICE, kind=MATTER_KIND, manufacturer=f"VID {vendor:04X}",
                model=device_name or f"PID {product:04X}", firmware="unknown",
                state=CommissioningState.FACTORY if mode else CommissioningState.COMMISSIONED,
                protocol_version="matter", address=address, port=port)
        else:
            m = _OPERATIONAL_RE.fullmatch(instance)
            if m is None:
                self._malformed(name, "operational instance name is not <fabric>-<node>")
                return
            device_id = self._operational_ids.get(instance.upper()) or (
                f"matter-node-{m.group(1).lower()}-{m.group(2).lower()}")
            sighting = Sighting(
                transport=self.name, device_id=device_id, role=Role.DEVICE, kind=MATTER_KIND,
                manufacturer="Matter node", model=f"node {m.group(2).upper()}",
                firmware="unknown", state=CommissioningState.COMMISSIONED,
                protocol_version="matter", address=address, port=port)
        manager.report_sighting(name, sighting)

    def _malformed(self, name: str, reason: str) -> None:
        if self._manager is not None:
            self._manager.report_malformed(
                MalformedAdvertisement(transport=self.name, source=name, reason=reason))
