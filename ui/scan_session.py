"""One scan's discovery objects (mDNS, and Bluetooth LE when asked), and the device addresses
read from its discovery manager.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from commissioner.ble.discovery_transport import BleTransport
from commissioner.discovery.events import DeviceRecord, DiscoveryEvent, Unsubscribe
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.matter import MatterTransport
from commissioner.discovery.mdns import MdnsTransport
from ui import field_ops

__all__ = ["ScanSession", "heard_records", "network_addresses"]


def heard_records(manager: DiscoveryManager | None) -> list[DeviceRecord] | None:
    """What discovery has heard, from the discovery manager itself (call it on the bridge's
    loop thread, where the manager lives; None: no scan has run)."""
    if manager is None:
        return None
    return list(manager.devices.values())


def network_addresses(manager: DiscoveryManager | None) -> dict[str, tuple[str, int]]:
    """Each device's network address and port, from the discovery manager's records (call it on
    the bridge's loop thread, where the manager lives; None: no scan yet, no addresses)."""
    if manager is None:
        return {}
    return {
        device_id: (str(record.network.address), int(record.network.port))
        for device_id, record in manager.devices.items()
        if record.network is not None and record.network.address and record.network.port
    }


class ScanSession:
    """One scan's discovery objects. Touched only on the bridge's loop thread."""

    def __init__(
        self,
        interfaces: Sequence[str],
        service_type: str,
        emit: Callable[[DiscoveryEvent], None],
        *,
        ble: bool = False,
        virtual_home: Path | None = None,
    ) -> None:
        self._interfaces = list(interfaces)
        self._service_type = service_type
        self._emit = emit
        self._manager: DiscoveryManager | None = None
        self._unsubscribe: Unsubscribe | None = None
        self._stopped = False
        self.ble_enabled = ble  # also scan over Bluetooth LE (issue 7)
        self._virtual_home = virtual_home
        self._ble: BleTransport | None = None

    @property
    def manager(self) -> DiscoveryManager | None:
        return self._manager

    @property
    def ble(self) -> BleTransport | None:
        return self._ble

    async def async_start(self) -> None:
        transports: list[Any] = [
            MdnsTransport(self._interfaces, service_type=self._service_type),
            MatterTransport(self._interfaces),  # Matter nodes (issue 13)
        ]
        if self.ble_enabled:
            self._ble = await field_ops.open_ble(self._virtual_home)
            transports.append(self._ble)
        manager = DiscoveryManager(transports)
        self._manager = manager
        # The listener runs on the loop thread; emitting a Qt signal from here is thread-safe
        # and the GUI receives it through a queued connection.
        self._unsubscribe = manager.async_subscribe(self._emit)
        try:
            await manager.async_start()
        except BaseException:
            await self.async_stop()
            raise

    async def async_stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
        manager, self._manager = self._manager, None
        if manager is not None:
            await manager.async_stop()
        ble, self._ble = self._ble, None
        if ble is not None:
            await field_ops.close_ble(ble)
