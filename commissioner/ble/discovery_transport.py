"""BLE discovery transport: bleak's ``BleakScanner`` feeding the discovery manager.

The source key of every report is the BLE address. Advertisements without manufacturer data
under the protocol's company id are ignored (other BLE things in the house); ours are parsed
strictly (:mod:`commissioner.protocol.ble_advertisement`) and a malformed one becomes a
:class:`MalformedAdvertisement` entry. BLE has no goodbye: a source silent for ``lost_after``
seconds is reported lost (a device being onboarded stops advertising while connected, so keep
``lost_after`` above an onboarding session's length).

The transport also remembers, per device id, the bleak ``BLEDevice`` and the parsed
advertisement of every address that claims it, for onboarding: :meth:`BleTransport.ble_device`,
:meth:`advertisement`, :meth:`factory_devices`, :meth:`claimants`. An id claimed by two
addresses at once is *contested*: one of them is an impostor and nothing tells which, so
:meth:`ble_device` gives neither and onboarding refuses the id (``duplicate-device``) until the
installer resolves it (switches the impostor off, or picks the address on the label's unit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Final

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from commissioner.ble.adapter import BleAdapter
from commissioner.discovery.events import MalformedAdvertisement, Sighting
from commissioner.protocol.ble_advertisement import BleAdvertisement, parse_advertisement
from commissioner.protocol.ble_errors import MalformedBleError

if TYPE_CHECKING:
    from bleak import BleakScanner

    from commissioner.discovery.manager import DiscoveryManager

__all__ = ["TRANSPORT_NAME", "BleTransport"]

_LOGGER = logging.getLogger(__name__)

TRANSPORT_NAME: Final = "ble"
DEFAULT_LOST_AFTER: Final = 15.0
_REPORT_EVERY: Final = 1.0  # re-report an unchanged advertisement at most this often


class BleTransport:
    """Scans with ``adapter`` (opened and closed by the caller) while started."""

    name = TRANSPORT_NAME

    def __init__(self, adapter: BleAdapter, *, lost_after: float = DEFAULT_LOST_AFTER) -> None:
        self._adapter = adapter
        self._lost_after = lost_after
        self._manager: DiscoveryManager | None = None
        self._scanner: BleakScanner | None = None
        self._expiry: asyncio.Task[None] | None = None
        self._last: dict[str, tuple[float, bytes | None, int]] = {}  # address -> (t, data, rssi)
        # device id -> address -> (BLEDevice, advertisement), every address that claims the id
        self._by_id: dict[str, dict[str, tuple[BLEDevice, BleAdvertisement]]] = {}
        self._address_id: dict[str, str] = {}

    @property
    def adapter(self) -> BleAdapter:
        return self._adapter

    async def async_start(self, manager: DiscoveryManager) -> None:
        if self._scanner is not None:
            return
        self._manager = manager
        scanner = self._adapter.scanner(self._on_advertisement)
        await scanner.start()
        self._scanner = scanner
        self._expiry = asyncio.get_running_loop().create_task(self._expire(), name="ble-expiry")

    async def async_stop(self) -> None:
        scanner, self._scanner = self._scanner, None
        expiry, self._expiry = self._expiry, None
        if expiry is not None:
            expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await expiry
        if scanner is not None:
            with contextlib.suppress(Exception):
                await scanner.stop()
        self._manager = None
        self._last.clear()

    # --- lookups for onboarding ----------------------------------------------------------------

    def claimants(self, device_id: str) -> tuple[str, ...]:
        """The BLE addresses advertising ``device_id`` now (sorted; two or more: contested)."""
        return tuple(sorted(self._by_id.get(device_id, {})))

    def contested(self) -> dict[str, tuple[str, ...]]:
        """Every device id that more than one address advertises, with those addresses."""
        return {i: tuple(sorted(c)) for i, c in sorted(self._by_id.items()) if len(c) > 1}

    def _entry(
        self, device_id: str, address: str | None
    ) -> tuple[BLEDevice, BleAdvertisement] | None:
        claims = self._by_id.get(device_id, {})
        if address is not None:
            return claims.get(address)
        if len(claims) != 1:  # unseen, or contested: never guess which one is genuine
            return None
        return next(iter(claims.values()))

    def ble_device(self, device_id: str, address: str | None = None) -> BLEDevice | None:
        """The device advertising ``device_id`` (at ``address`` if given); None when it is not
        seen, or when the id is contested and no address is given."""
        entry = self._entry(device_id, address)
        return entry[0] if entry else None

    def advertisement(
        self, device_id: str, address: str | None = None
    ) -> BleAdvertisement | None:
        entry = self._entry(device_id, address)
        return entry[1] if entry else None

    def factory_devices(self) -> list[str]:
        """Ids of devices seen over BLE that are not on the network yet and accept onboarding
        (a contested id is listed when any claimant says so: onboarding then refuses it)."""
        return sorted(
            i for i, claims in self._by_id.items()
            if any(adv.onboarding_open and not adv.on_network for _, adv in claims.values())
        )

    # --- scanner callback ----------------------------------------------------------------------

    def _on_advertisement(self, device: BLEDevice, adv: AdvertisementData) -> None:
        manager = self._manager
        if manager is None:
            return
        address = device.address
        try:
            from commissioner.protocol.ble_spec import COMPANY_ID

            raw = adv.manufacturer_data.get(COMPANY_ID)
            loop_time = asyncio.get_running_loop().time()
            last = self._last.get(address)
            rssi = adv.rssi
            if last is not None and last[1] == raw and last[2] == rssi and (
                loop_time - last[0] < _REPORT_EVERY
            ):
                return
            self._last[address] = (loop_time, raw, rssi)
            try:
                parsed = parse_advertisement(adv.manufacturer_data)
            except MalformedBleError as exc:
                self._forget_address(address)
                manager.report_malformed(
                    MalformedAdvertisement(transport=self.name, source=address, reason=exc.message)
                )
                return
            if parsed is None:
                return
            previous = self._address_id.get(address)
            if previous is not None and previous != parsed.device_id:
                self._forget_address(address)
            self._address_id[address] = parsed.device_id
            self._by_id.setdefault(parsed.device_id, {})[address] = (device, parsed)
            manager.report_sighting(
                address,
                Sighting(
                    transport=self.name,
                    device_id=parsed.device_id,
                    role=parsed.role,
                    kind=parsed.kind,
                    manufacturer=parsed.manufacturer,
                    model=parsed.model,
                    firmware=parsed.firmware,
                    state=parsed.state,
                    protocol_version=parsed.protocol_version,
                    address=address,
                    port=None,
                    rssi=rssi,
                ),
            )
        except Exception:  # a scanner callback must never die on one advertisement
            _LOGGER.exception("BLE advertisement from %s could not be handled", address)

    def _forget_address(self, address: str) -> None:
        device_id = self._address_id.pop(address, None)
        if device_id is not None:
            claims = self._by_id.get(device_id, {})
            claims.pop(address, None)
            if not claims:
                self._by_id.pop(device_id, None)

    async def _expire(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self._lost_after / 2))
            manager = self._manager
            if manager is None:
                return
            now = asyncio.get_running_loop().time()
            for address, (seen, _, _) in list(self._last.items()):
                if now - seen > self._lost_after:
                    del self._last[address]
                    self._forget_address(address)
                    manager.report_lost(self.name, address)
