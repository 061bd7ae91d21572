"""An in-process BLE world for tests: the virtual home's radio (Bumble controllers on one link,
HCI relay on 127.0.0.1 TCP), virtual peripherals, and the app's adapter connected to the relay
through the real bleak API (BleakScanner/BleakClient with the Bumble backend)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from commissioner.ble.adapter import BleAdapter
from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState
from commissioner.virtualhome.ble_device import BleIdentity, VirtualBlePeripheral
from commissioner.virtualhome.ble_radio import BleRadio

NETWORK = NetworkConfig("vh-lan-test", "Secret-Passphrase-4f9a2c", "home-test")


def make_identity(n: int, kind: str = "air-conditioner") -> BleIdentity:
    return BleIdentity(
        device_id=f"skr-ac-{n:06x}",
        kind=kind,
        manufacturer="Sakura Denki",
        model="SD-AC2400",
        serial=f"SKR-AC-{n:08d}",
        firmware="1.2.0",
        state=CommissioningState.FACTORY,
    )


def label_for(p: VirtualBlePeripheral, code: str) -> Label:
    i = p.identity
    return Label(i.device_id, i.manufacturer, i.model, i.serial, code, i.kind)


@dataclass
class World:
    radio: BleRadio
    adapter: BleAdapter
    peripherals: list[VirtualBlePeripheral]
    codes: dict[str, str] = field(default_factory=dict)
    joined: list[str] = field(default_factory=list)

    def label(self, p: VirtualBlePeripheral, code: str | None = None) -> Label:
        return label_for(p, code or self.codes[p.device_id])


@asynccontextmanager
async def ble_world(
    count: int, faults: Iterable[frozenset[str]] = ()
) -> AsyncIterator[World]:
    radio = BleRadio()
    await radio.start()
    fault_list = list(faults)
    world = World(radio, BleAdapter(radio.transport_spec), [])
    try:
        for n in range(count):
            code = f"{secrets.randbelow(10**8):08d}"
            identity = make_identity(n + 1)

            async def joined(cfg: NetworkConfig, _id: str = identity.device_id) -> None:
                world.joined.append(_id)

            p = VirtualBlePeripheral(
                radio, identity, code, NETWORK,
                faults=fault_list[n] if n < len(fault_list) else frozenset(),
                on_joined=joined,
            )
            await p.start()
            world.peripherals.append(p)
            world.codes[p.device_id] = code
        await world.adapter.open()
        yield world
    finally:
        await world.adapter.close()
        for p in world.peripherals:
            await p.stop()
        await radio.stop()
