"""Helpers for the GUI tests: devices advertised with real zeroconf on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from commissioner.protocol.advertisement import Advertisement, build_txt
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role
from ui.bridge import AsyncBridge

LOOPBACK = "127.0.0.1"


def advertisement(
    device_id: str,
    kind: DeviceKind,
    *,
    manufacturer: str = "Sakura Denki",
    model: str = "SD-100",
    firmware: str = "1.2.3",
    state: CommissioningState = CommissioningState.FACTORY,
) -> Advertisement:
    role = Role.GATEWAY if kind is DeviceKind.GATEWAY else Role.DEVICE
    return Advertisement(
        device_id=device_id,
        role=role,
        kind=kind.value,
        manufacturer=manufacturer,
        model=model,
        firmware=firmware,
        state=state,
        protocol_version="1",
    )


@dataclass
class LoopbackDevices:
    """Services registered with a separate AsyncZeroconf on 127.0.0.1, on its own loop thread.

    Uses a service type unique to the test so that other mDNS traffic on loopback (other test
    runs, a virtual home) cannot leak into what the window shows.
    """

    runner: AsyncBridge
    service_type: str
    zeroconf: AsyncZeroconf | None = None
    infos: dict[str, ServiceInfo] = field(default_factory=dict)
    next_port: int = 47000

    def _run(self, coro: Coroutine[Any, Any, None], timeout: float = 15.0) -> None:
        self.runner.submit(coro, name="loopback-devices").result(timeout)

    def start(self) -> None:
        async def create() -> None:
            self.zeroconf = AsyncZeroconf(interfaces=[LOOPBACK], ip_version=IPVersion.V4Only)

        self._run(create())

    def _info(self, instance: str, properties: Mapping[str, str | bytes]) -> ServiceInfo:
        self.next_port += 1
        return ServiceInfo(
            self.service_type,
            f"{instance}.{self.service_type}",
            addresses=[socket.inet_aton(LOOPBACK)],
            port=self.next_port,
            properties=dict(properties),
            server=f"{instance}.local.",
        )

    def register(self, entries: Mapping[str, Mapping[str, str | bytes]]) -> None:
        """Register ``{instance name: TXT properties}`` all at once."""
        infos = {name: self._info(name, props) for name, props in entries.items()}

        async def register_all() -> None:
            assert self.zeroconf is not None
            tasks = [await self.zeroconf.async_register_service(i) for i in infos.values()]
            await asyncio.gather(*tasks)

        self._run(register_all())
        self.infos.update(infos)

    def unregister(self, instance: str) -> None:
        info = self.infos.pop(instance)

        async def unregister_one() -> None:
            assert self.zeroconf is not None
            await (await self.zeroconf.async_unregister_service(info))

        self._run(unregister_one())

    def close(self) -> None:
        async def close() -> None:
            if self.zeroconf is not None:
                await self.zeroconf.async_close()
                self.zeroconf = None

        self._run(close())


FIVE_DEVICES: dict[str, Advertisement] = {
    "gw": advertisement("gw-0001", DeviceKind.GATEWAY, model="HGW-1"),
    "aircon": advertisement("ac-living", DeviceKind.AIR_CONDITIONER, model="AC-22"),
    "heater": advertisement(
        "wh-bath", DeviceKind.WATER_HEATER, manufacturer="Fuji Works", model="WH-5"
    ),
    "lock": advertisement(
        "lock-front",
        DeviceKind.ELECTRIC_LOCK,
        manufacturer="Kagi Co",
        state=CommissioningState.COMMISSIONED,
    ),
    "camera": advertisement("cam-garden", DeviceKind.CAMERA, firmware="2.0.10"),
}
HOSTILE_TXT: dict[str, str | bytes] = {
    **build_txt(advertisement("evil-0001", DeviceKind.CAMERA)),
    "kind": "toaster",
}
HOSTILE_REASON = "unknown device kind 'toaster'"
