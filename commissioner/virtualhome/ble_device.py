"""A virtual BLE peripheral: advertises the device and serves the onboarding GATT service.

The device side of spec section 18 (see :mod:`commissioner.protocol.ble_pake`).
Every value written to
its characteristics is appended to :attr:`VirtualBlePeripheral.writes` (a radio capture for
tests: what an eavesdropper on the link would record from the app).

Device-side rules: one session at a time (others get ``BUSY``); each PAKE start counts as a
failed attempt until its key confirmation succeeds, so an attacker gets one guess per session
and the :class:`~commissioner.protocol.setup_code.ProofRateLimiter` locks sessions after five
failures (``RATE_LIMITED``) - in a virtual home the device's one counter, shared with its TLS
setup-code proofs and kept across power cycles; a configuration is accepted only after ``cA``
verifies.

Faults (scenario names): ``ble-vanish`` — the device disappears from the radio (power loss)
right after the app's PAKE message; ``ble-gatt-error`` — reading the info characteristic
answers an ATT error (Unlikely Error).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from bumble import att, gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import AdvertisingEventProperties, AdvertisingParameters, Device

from commissioner.protocol.ble_advertisement import BleAdvertisement, build_manufacturer_data
from commissioner.protocol.ble_errors import MalformedBleError
from commissioner.protocol.ble_pake import (
    NetworkConfig,
    SessionKeys,
    Spake2Device,
    confirm_equal,
    open_config,
)
from commissioner.protocol.ble_spec import (
    COMPANY_ID,
    CONFIG_CHAR_UUID,
    INFO_CHAR_UUID,
    MAC_BYTES,
    ONBOARDING_SERVICE_UUID,
    PAKE_CHAR_UUID,
    POINT_BYTES,
    STATUS_CHAR_UUID,
    AttAppError,
    OnboardingStatus,
)
from commissioner.protocol.setup_code import ProofRateLimiter
from commissioner.protocol.spec import PROTOCOL_VERSION, CommissioningState
from commissioner.virtualhome.ble_radio import BleRadio, address_for
from commissioner.virtualhome.scenario import BLE_GATT_ERROR, BLE_VANISH

log = logging.getLogger(__name__)

FAULT_VANISH: Final = BLE_VANISH
FAULT_GATT_ERROR: Final = BLE_GATT_ERROR
ADV_INTERVAL_MS: Final = 20.0

JoinCallback = Callable[[NetworkConfig], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BleIdentity:
    device_id: str
    kind: str
    manufacturer: str
    model: str  # the model the device reports
    serial: str
    firmware: str
    state: CommissioningState

    def info_value(self, on_network: bool) -> bytes:
        body = {
            "pv": PROTOCOL_VERSION,
            "id": self.device_id,
            "k": self.kind,
            "mf": self.manufacturer,
            "mn": self.model,
            "sn": self.serial,
            "fw": self.firmware,
            "st": self.state.value,
            "net": on_network,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(slots=True)
class _Session:
    connection: Any
    info: bytes
    pb: bytes = b""
    keys: SessionKeys | None = field(default=None, repr=False)


def _att(code: int) -> att.ATT_Error:
    return att.ATT_Error(error_code=code)


class VirtualBlePeripheral:
    """One BLE device of the virtual home on a :class:`BleRadio`."""

    def __init__(
        self,
        radio: BleRadio,
        identity: BleIdentity,
        setup_code: str,
        network: NetworkConfig,
        *,
        on_network: bool = False,
        faults: frozenset[str] = frozenset(),
        on_joined: JoinCallback | None = None,
        adv_interval_ms: float = ADV_INTERVAL_MS,
        wrong_codes: ProofRateLimiter | None = None,
        address: str | None = None,
    ) -> None:
        self.radio = radio
        self.identity = identity
        # Derived from the device id; an impostor that reuses the id has an address of its own.
        self.address = address or address_for(identity.device_id)
        self._setup_code = setup_code
        self._network = network
        self.on_network = on_network
        self.faults = faults
        self._on_joined = on_joined
        self._interval = adv_interval_ms
        # The device's one wrong-code counter (in a home: shared with its TLS path and kept
        # across power cycles, wrong_code_counter.py); a bare peripheral counts in memory.
        self._limiter = wrong_codes if wrong_codes is not None else ProofRateLimiter()
        self._session: _Session | None = None
        self._status = OnboardingStatus.IDLE
        self._device: Device | None = None
        self._controller: Any = None
        self._adv_set: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.writes: list[bytes] = []  # every value the app wrote (radio capture)
        self.onboarded: NetworkConfig | None = None
        self.sessions_started = 0

    @property
    def device_id(self) -> str:
        return self.identity.device_id

    @property
    def running(self) -> bool:
        return self._device is not None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._device is not None:
            return
        device, controller = self.radio.new_host(self.device_id, self.address)
        device.on("connection", self._on_connection)
        device.add_service(self._service())
        await device.power_on()
        self._device, self._controller = device, controller
        await self._advertise()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        device, self._device = self._device, None
        if device is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await device.power_off()
        if self._controller is not None:
            self.radio.detach(self._controller)
            self._controller = None

    async def vanish(self) -> None:
        """Disappear from the radio at once (power loss): peers see a supervision timeout."""
        if self._controller is not None:
            for adv in list(self._controller.advertising_sets.values()):
                with contextlib.suppress(Exception):
                    adv.stop()
            self.radio.detach(self._controller)
        device, self._device = self._device, None
        self._controller = None
        self._session = None
        if device is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await device.power_off()

    def advertisement(self) -> BleAdvertisement:
        i = self.identity
        return BleAdvertisement(
            device_id=i.device_id,
            kind=i.kind,
            manufacturer=i.manufacturer,
            model=i.model,
            firmware=i.firmware,
            state=i.state,
            on_network=self.on_network,
            onboarding_open=True,
        )

    def _adv_data(self) -> bytes:
        payload = COMPANY_ID.to_bytes(2, "little") + build_manufacturer_data(self.advertisement())
        return bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),
                    (AdvertisingData.MANUFACTURER_SPECIFIC_DATA, payload),
                ]
            )
        )

    async def _advertise(self) -> None:
        device = self._device
        if device is None:
            return
        if self._adv_set is not None:
            with contextlib.suppress(Exception):
                await self._adv_set.set_advertising_data(self._adv_data())
                return
        props = AdvertisingEventProperties(
            is_connectable=True,
            is_scannable=False,
            is_directed=False,
            is_high_duty_cycle_directed_connectable=False,
            is_legacy=False,
            is_anonymous=False,
            include_tx_power=False,
        )
        self._adv_set = await device.create_advertising_set(
            advertising_parameters=AdvertisingParameters(
                advertising_event_properties=props,
                primary_advertising_interval_min=self._interval,
                primary_advertising_interval_max=self._interval,
            ),
            random_address=device.random_address,
            advertising_data=self._adv_data(),
            auto_restart=True,
        )

    def _on_connection(self, connection: Any) -> None:
        connection.on("disconnection", lambda *_: self._on_disconnection(connection))

    def _on_disconnection(self, connection: Any) -> None:
        if self._session is not None and self._session.connection is connection:
            self._session = None
            if self._status is OnboardingStatus.PAKE_DONE:
                self._status = OnboardingStatus.IDLE
        if self._device is not None:
            self._spawn(self._restart_advertising())

    async def _restart_advertising(self) -> None:
        await asyncio.sleep(0)
        if self._adv_set is not None and not self._adv_set.enabled and self._device is not None:
            with contextlib.suppress(Exception):
                await self._adv_set.start()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- GATT ------------------------------------------------------------------------------

    def _service(self) -> gatt.Service:
        props = gatt.Characteristic.Properties
        rw = gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE
        return gatt.Service(
            UUID(ONBOARDING_SERVICE_UUID),
            [
                gatt.Characteristic(
                    UUID(INFO_CHAR_UUID), props.READ, gatt.Characteristic.READABLE,
                    gatt.CharacteristicValue(read=self._read_info),
                ),
                gatt.Characteristic(
                    UUID(PAKE_CHAR_UUID), props.READ | props.WRITE, rw,
                    gatt.CharacteristicValue(read=self._read_pake, write=self._write_pake),
                ),
                gatt.Characteristic(
                    UUID(CONFIG_CHAR_UUID), props.WRITE, gatt.Characteristic.WRITEABLE,
                    gatt.CharacteristicValue(write=self._write_config),
                ),
                gatt.Characteristic(
                    UUID(STATUS_CHAR_UUID), props.READ, gatt.Characteristic.READABLE,
                    gatt.CharacteristicValue(read=self._read_status),
                ),
            ],
        )

    def _read_info(self, connection: Any) -> bytes:
        if FAULT_GATT_ERROR in self.faults:
            raise _att(att.ErrorCode.UNLIKELY_ERROR)
        return self.identity.info_value(self.on_network)

    def _read_status(self, connection: Any) -> bytes:
        return bytes([int(self._status)])

    async def _write_pake(self, connection: Any, value: bytes) -> None:
        self.writes.append(bytes(value))
        if self._session is not None and self._session.connection is not connection:
            raise _att(AttAppError.BUSY)
        if len(value) != POINT_BYTES:
            raise _att(AttAppError.MALFORMED)
        now = time.time()
        if self._limiter.check(now) is not None:
            raise _att(AttAppError.RATE_LIMITED)
        # Counted as a failure until the key confirmation of this session succeeds.
        self._limiter.record_failure(now)
        self.sessions_started += 1
        info = self.identity.info_value(self.on_network)
        try:
            pake = Spake2Device(self._setup_code, self.identity.serial, self.device_id, info)
            pb, keys = pake.respond(bytes(value))
        except MalformedBleError:
            raise _att(AttAppError.MALFORMED) from None
        self._session = _Session(connection, info, pb, keys)
        self._status = OnboardingStatus.PAKE_DONE
        if FAULT_VANISH in self.faults:
            self._spawn(self.vanish())

    def _read_pake(self, connection: Any) -> bytes:
        session = self._session
        if session is None or session.connection is not connection or session.keys is None:
            raise _att(AttAppError.OUT_OF_ORDER)
        return session.pb + session.keys.confirm_b

    async def _write_config(self, connection: Any, value: bytes) -> None:
        self.writes.append(bytes(value))
        session = self._session
        if session is None or session.connection is not connection or session.keys is None:
            raise _att(AttAppError.OUT_OF_ORDER)
        keys = session.keys
        if len(value) < MAC_BYTES or not confirm_equal(keys.confirm_a, bytes(value[:MAC_BYTES])):
            self._session = None
            self._status = OnboardingStatus.FAILED
            raise _att(AttAppError.BAD_CONFIRMATION)
        self._limiter.record_success()
        try:
            config = open_config(keys, bytes(value[MAC_BYTES:]))
        except MalformedBleError:
            self._status = OnboardingStatus.FAILED
            raise _att(AttAppError.BAD_CONFIG) from None
        if (config.ssid, config.passphrase) != (self._network.ssid, self._network.passphrase):
            self._status = OnboardingStatus.FAILED
            raise _att(AttAppError.JOIN_FAILED)
        self._session = None
        self._status = OnboardingStatus.JOINING
        self.onboarded = config
        self._spawn(self._join(config))

    async def _join(self, config: NetworkConfig) -> None:
        try:
            if self._on_joined is not None:
                await self._on_joined(config)
        except Exception:
            log.exception("%s: joining the virtual LAN failed", self.device_id)
            self._status = OnboardingStatus.FAILED
            return
        self.on_network = True
        self._status = OnboardingStatus.JOINED
        await self._advertise()
