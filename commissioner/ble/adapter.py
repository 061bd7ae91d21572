"""Which BLE stack the app uses: chosen by configuration, never by guessing.

* ``BleAdapter()`` (no transport): bleak's platform backend — BlueZ, WinRT or CoreBluetooth —
  for the field. Nothing is opened here; bleak talks to the OS stack.
* ``BleAdapter("tcp-client:127.0.0.1:PORT")``: the Bumble backend of
  :mod:`commissioner.ble.bumble_backend`, connected to the virtual home's emulated controller
  (the ``ble.transport`` of its home.json). Loopback only.

Everything BLE in the app goes through the public bleak API (``BleakScanner``/``BleakClient``)
built by :meth:`BleAdapter.scanner` and :meth:`BleAdapter.client`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementDataCallback

__all__ = ["BleAdapter"]


class BleAdapter:
    def __init__(self, transport: str | None = None) -> None:
        self.transport = transport
        self._central: Any = None
        if transport is not None:
            from commissioner.ble.bumble_backend import BumbleCentral

            self._central = BumbleCentral(transport)

    @property
    def kind(self) -> str:
        return "platform" if self.transport is None else "bumble"

    async def open(self) -> None:
        if self._central is not None:
            await self._central.open()

    async def close(self) -> None:
        if self._central is not None:
            await self._central.close()

    async def __aenter__(self) -> BleAdapter:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _backend_kwargs(self, scanner: bool) -> dict[str, Any]:
        if self._central is None:
            return {}
        from commissioner.ble.bumble_backend import BumbleClient, BumbleScanner

        return {"backend": BumbleScanner if scanner else BumbleClient, "central": self._central}

    def scanner(
        self,
        detection_callback: AdvertisementDataCallback | None = None,
        *,
        service_uuids: list[str] | None = None,
    ) -> BleakScanner:
        return BleakScanner(
            detection_callback, service_uuids, "active", **self._backend_kwargs(True)
        )

    def client(
        self,
        device: BLEDevice | str,
        *,
        timeout: float,
        disconnected_callback: Callable[[BleakClient], None] | None = None,
    ) -> BleakClient:
        return BleakClient(
            device,
            disconnected_callback,
            timeout=timeout,
            **self._backend_kwargs(False),
        )
