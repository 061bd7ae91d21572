"""A bleak backend over Bumble's Bluetooth host stack (for the virtual home and tests).

bleak 3.x accepts any :class:`~bleak.backends.scanner.BaseBleakScanner` /
:class:`~bleak.backends.client.BaseBleakClient` subclass as ``backend=``; this module provides
both over one :class:`BumbleCentral` — a Bumble ``Device`` (host) talking HCI to a controller
through a Bumble transport. The only transport accepted is ``tcp-client:`` to a loopback
address: the controller is the virtual home's emulated one (no radio, no kernel Bluetooth).

    central = BumbleCentral("tcp-client:127.0.0.1:PORT")
    await central.open()
    async with BleakScanner(cb, backend=BumbleScanner, central=central): ...
    async with BleakClient(address, backend=BumbleClient, central=central, timeout=5): ...
    await central.close()

Mapping to bleak's contract: ATT error responses raise ``BleakGATTProtocolError``; an operation
interrupted by a disconnection raises ``BleakError("disconnected")`` (never a stray
``CancelledError``); ``connect`` is bounded by ``timeout`` and cancels the pending connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import uuid as uuid_mod
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import att, core, gatt, gatt_client, hci
from bumble.device import Connection, Device, Peer
from bumble.transport import open_transport

__all__ = ["BumbleCentral", "BumbleClient", "BumbleScanner", "check_transport_spec", "parse_ad"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

SCAN_INTERVAL_MS = 20.0
ATT_MTU = 517


def check_transport_spec(spec: str) -> tuple[str, int]:
    """Accept only ``tcp-client:<loopback address>:<port>``; returns (host, port)."""
    scheme, sep, rest = spec.partition(":")
    host, sep2, port_text = rest.rpartition(":")
    if scheme != "tcp-client" or not sep or not sep2:
        raise ValueError(f"BLE transport must be tcp-client:HOST:PORT, not {spec!r}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the Bumble controller must be on a loopback address, not {host!r}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"bad port in BLE transport {spec!r}")
    return host, int(port_text)


def _random_static_address() -> hci.Address:
    raw = bytearray(secrets.token_bytes(6))
    raw[0] |= 0xC0  # random static: two most significant bits set
    text = ":".join(f"{b:02X}" for b in raw)
    return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)


def _uuid_str(value: core.UUID) -> str:
    return str(uuid_mod.UUID(bytes=bytes(reversed(value.to_bytes(force_128=True)))))


_AdFields = tuple[str | None, dict[int, bytes], dict[str, bytes], list[str], int | None]


def parse_ad(data: bytes) -> _AdFields:
    """Split raw advertising data into bleak's fields. Total: malformed structures end parsing.

    Returns (local name, manufacturer data, service data, service UUIDs, tx power).
    """
    name: str | None = None
    mfr: dict[int, bytes] = {}
    sdata: dict[str, bytes] = {}
    uuids: list[str] = []
    tx: int | None = None
    pos = 0
    while pos < len(data):
        length = data[pos]
        if length == 0 or pos + 1 + length > len(data):
            break
        ad_type, value = data[pos + 1], data[pos + 2 : pos + 1 + length]
        pos += 1 + length
        if ad_type in (0x08, 0x09):
            name = value.decode("utf-8", "replace")
        elif ad_type == 0xFF and len(value) >= 2:
            mfr[int.from_bytes(value[:2], "little")] = bytes(value[2:])
        elif ad_type in (0x02, 0x03, 0x04, 0x05, 0x06, 0x07):
            size = {0x02: 2, 0x03: 2, 0x04: 4, 0x05: 4, 0x06: 16, 0x07: 16}[ad_type]
            for i in range(0, len(value) - size + 1, size):
                uuids.append(_uuid_str(core.UUID.from_bytes(bytes(value[i : i + size]))))
        elif ad_type in (0x16, 0x20, 0x21):
            size = {0x16: 2, 0x20: 4, 0x21: 16}[ad_type]
            if len(value) >= size:
                key = _uuid_str(core.UUID.from_bytes(bytes(value[:size])))
                sdata[key] = bytes(value[size:])
        elif ad_type == 0x0A and len(value) == 1:
            tx = int.from_bytes(value, "little", signed=True)
    return name, mfr, sdata, uuids, tx


class BumbleCentral:
    """One Bumble host (central role) shared by every scanner and client of this app."""

    def __init__(self, transport: str, *, name: str = "commissioner") -> None:
        check_transport_spec(transport)
        self.transport_spec = transport
        self._name = name
        self._transport: Any = None
        self.device: Device | None = None
        self._scanners: set[BumbleScanner] = set()
        self._scan_lock = asyncio.Lock()
        self._connect_lock = asyncio.Lock()
        self._scanning = False

    @property
    def is_open(self) -> bool:
        return self.device is not None

    async def open(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        if self.device is not None:
            return
        try:
            async with asyncio.timeout(timeout):
                self._transport = await open_transport(self.transport_spec)
                device = Device.with_hci(
                    self._name,
                    _random_static_address(),
                    self._transport.source,
                    self._transport.sink,
                )
                await device.power_on()
        except (OSError, TimeoutError, core.BaseBumbleError) as exc:
            await self._close_transport()
            raise BleakError(
                f"cannot open the BLE controller at {self.transport_spec}: {exc}"
            ) from exc
        device.on("advertisement", self._on_advertisement)
        self.device = device

    async def close(self) -> None:
        device, self.device = self.device, None
        self._scanners.clear()
        self._scanning = False
        if device is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await device.power_off()
        await self._close_transport()

    async def _close_transport(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            with contextlib.suppress(Exception):
                await transport.close()

    def _require(self) -> Device:
        if self.device is None:
            raise BleakError("the Bumble central is not open")
        return self.device

    # --- scanning ------------------------------------------------------------------------------

    async def add_scanner(self, scanner: BumbleScanner) -> None:
        device = self._require()
        async with self._scan_lock:
            self._scanners.add(scanner)
            if not self._scanning:
                await device.start_scanning(
                    active=scanner.active,
                    scan_interval=SCAN_INTERVAL_MS,
                    scan_window=SCAN_INTERVAL_MS,
                    filter_duplicates=False,
                )
                self._scanning = True

    async def remove_scanner(self, scanner: BumbleScanner) -> None:
        async with self._scan_lock:
            self._scanners.discard(scanner)
            if self._scanning and not self._scanners and self.device is not None:
                self._scanning = False
                with contextlib.suppress(Exception):
                    await self.device.stop_scanning()

    def _on_advertisement(self, advertisement: Any) -> None:
        for scanner in list(self._scanners):
            try:
                scanner.on_bumble_advertisement(advertisement)
            except Exception:
                _LOGGER.exception("BLE scanner callback failed")

    # --- connections ---------------------------------------------------------------------------

    async def connect(self, address: hci.Address, timeout: float) -> Connection:  # noqa: ASYNC109
        """Connect (one pending LE connection at a time, as HCI requires), bounded by timeout."""
        device = self._require()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            async with asyncio.timeout(timeout):
                await self._connect_lock.acquire()
        except TimeoutError:
            raise TimeoutError(f"connect to {address} timed out waiting for the adapter") from None
        try:
            remaining = max(deadline - loop.time(), 0.05)
            try:
                # Bumble cancels the pending connection itself when its timeout fires; the outer
                # bound is a backstop for controllers that never answer the cancel.
                async with asyncio.timeout(remaining + 1.0):
                    return await device.connect(address, timeout=remaining)
            except (core.TimeoutError, core.ConnectionError, TimeoutError) as exc:
                raise TimeoutError(f"connect to {address} timed out after {timeout:g} s") from exc
        finally:
            self._connect_lock.release()


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend; pass ``central=BumbleCentral`` through ``BleakScanner(**kwargs)``."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        *,
        central: BumbleCentral | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if central is None:
            raise BleakError("BumbleScanner needs central=BumbleCentral(...)")
        self._central = central
        self.active = scanning_mode != "passive"

    async def start(self) -> None:
        self.seen_devices = {}
        await self._central.add_scanner(self)

    async def stop(self) -> None:
        await self._central.remove_scanner(self)

    def on_bumble_advertisement(self, advertisement: Any) -> None:
        name, mfr, sdata, uuids, tx = parse_ad(bytes(advertisement.data_bytes))
        if not self.is_allowed_uuid(uuids):
            return
        address = str(advertisement.address).split("/")[0]
        adv = AdvertisementData(
            local_name=name,
            manufacturer_data=mfr,
            service_data=sdata,
            service_uuids=uuids,
            tx_power=tx,
            rssi=int(advertisement.rssi),
            platform_data=(advertisement,),
        )
        device = self.create_or_update_device(address, address, name, advertisement.address, adv)
        self.call_detection_callbacks(device, adv)


_PROPS: tuple[tuple[int, str], ...] = (
    (gatt.Characteristic.Properties.BROADCAST, "broadcast"),
    (gatt.Characteristic.Properties.READ, "read"),
    (gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (gatt.Characteristic.Properties.WRITE, "write"),
    (gatt.Characteristic.Properties.NOTIFY, "notify"),
    (gatt.Characteristic.Properties.INDICATE, "indicate"),
    (gatt.Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (gatt.Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
)


class BumbleClient(BaseBleakClient):
    """bleak client backend; pass ``central=BumbleCentral`` through ``BleakClient(**kwargs)``."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        central: BumbleCentral | None = None,
        services: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        if central is None:
            raise BleakError("BumbleClient needs central=BumbleCentral(...)")
        self._central = central
        self._bumble_address: hci.Address | None = None
        if isinstance(address_or_ble_device, BLEDevice) and isinstance(
            address_or_ble_device.details, hci.Address
        ):
            self._bumble_address = address_or_ble_device.details
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._lost = False

    @property
    def name(self) -> str:
        return self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return self._peer.gatt_client.mtu if self._peer is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._lost

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        address = self._bumble_address or hci.Address(
            self.address, hci.Address.RANDOM_DEVICE_ADDRESS
        )
        connection = await self._central.connect(address, self._timeout)
        self._connection = connection
        self._lost = False
        connection.on("disconnection", self._on_disconnection)
        peer = Peer(connection)
        self._peer = peer
        try:
            await self._guard(peer.request_mtu(ATT_MTU))
            await self._guard(self._discover(peer))
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self, peer: Peer) -> None:
        collection = BleakGATTServiceCollection()
        await peer.discover_services()
        for service in peer.services:
            bservice = BleakGATTService(service, service.handle, _uuid_str(service.uuid))
            collection.add_service(bservice)
            await service.discover_characteristics()
            for char in service.characteristics:
                props = [n for bit, n in _PROPS if char.properties & bit]
                bchar = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _uuid_str(char.uuid),
                    props,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bservice,
                )
                collection.add_characteristic(bchar)
                if props and ("notify" in props or "indicate" in props):
                    for desc in await char.discover_descriptors():
                        collection.add_descriptor(
                            BleakGATTDescriptor(desc, desc.handle, _uuid_str(desc.type), bchar)
                        )
        self.services = collection

    def _on_disconnection(self, reason: int) -> None:
        self._lost = True
        self._connection = None
        self._peer = None
        callback = self._disconnected_callback
        if callback is not None:
            asyncio.get_running_loop().call_soon(callback)

    async def _guard(self, aw: Awaitable[_T]) -> _T:
        """Map Bumble's errors onto bleak's; a disconnection mid-operation is a BleakError."""
        try:
            return await aw
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from None
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._lost and task is not None and not task.cancelling():
                raise BleakError("disconnected") from None
            raise
        except core.TimeoutError as exc:
            raise TimeoutError(str(exc)) from None
        except core.BaseBumbleError as exc:
            if self._lost:
                raise BleakError("disconnected") from None
            raise BleakError(str(exc)) from exc

    def _require_peer(self) -> Peer:
        if self._peer is None or self._lost:
            raise BleakError("disconnected")
        return self._peer

    async def disconnect(self) -> None:
        connection, self._connection = self._connection, None
        self._peer = None
        if connection is not None and not self._lost:
            self._lost = True
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await connection.disconnect()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("pairing is not used by the onboarding protocol")

    async def unpair(self) -> None:
        raise NotImplementedError("pairing is not used by the onboarding protocol")

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._require_peer()
        return bytearray(await self._guard(peer.read_value(characteristic.obj)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._require_peer()
        return bytearray(await self._guard(peer.read_value(descriptor.obj)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        peer = self._require_peer()
        await self._guard(peer.write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        peer = self._require_peer()
        await self._guard(peer.write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        peer = self._require_peer()
        proxy: gatt_client.CharacteristicProxy[bytes] = characteristic.obj

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        await self._guard(peer.subscribe(proxy, on_value))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peer = self._require_peer()
        await self._guard(peer.unsubscribe(characteristic.obj))
