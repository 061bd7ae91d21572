"""Two BLE advertisers claim one device id (a genuine unit and an impostor): onboarding refuses
the id (``duplicate-device``) and sends nothing to either until the installer resolves it.
Real bleak API, real Bumble stack, emulated controllers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ble_helpers import NETWORK, World, ble_world

from commissioner.ble.discovery_transport import BleTransport
from commissioner.ble.workflow import onboard_seen
from commissioner.discovery.manager import DiscoveryManager
from commissioner.virtualhome.ble_device import VirtualBlePeripheral

IMPOSTOR_ADDRESS = "C6:66:66:66:66:66"


async def _impostor(world: World) -> VirtualBlePeripheral:
    genuine = world.peripherals[0]
    impostor = VirtualBlePeripheral(world.radio, genuine.identity, "12345678", NETWORK,
                                    address=IMPOSTOR_ADDRESS)
    await impostor.start()
    world.peripherals.append(impostor)  # stopped with the world
    return impostor


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(160):  # 8 s
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached within 8 s")


def test_an_id_two_advertisers_claim_is_refused_until_the_installer_picks_the_unit() -> None:
    async def main() -> None:
        async with ble_world(1) as world:
            genuine = world.peripherals[0]
            impostor = await _impostor(world)
            ble = BleTransport(world.adapter)
            manager = DiscoveryManager([ble])
            await manager.async_start()
            try:
                both = tuple(sorted((genuine.address, IMPOSTOR_ADDRESS)))
                await _until(lambda: ble.claimants(genuine.device_id) == both)
                assert ble.contested() == {genuine.device_id: both}
                assert ble.ble_device(genuine.device_id) is None  # never a guess
                labels = {genuine.device_id: world.label(genuine)}
                [refused] = await onboard_seen(ble, labels, NETWORK, [genuine.device_id])
                assert refused.reason == "duplicate-device" and not refused.ok
                assert refused.claimants == both and IMPOSTOR_ADDRESS in refused.message
                assert not refused.config_sent
                # Nothing went to either advertiser: no PAKE message, no guess handed over.
                assert genuine.writes == [] and impostor.writes == []
                assert genuine.sessions_started == impostor.sessions_started == 0
                # The installer picks the unit that carries the label, by its address.
                [done] = await onboard_seen(ble, labels, NETWORK, [genuine.device_id],
                                            addresses={genuine.device_id: genuine.address})
                assert done.ok, done
                assert genuine.onboarded == NETWORK and impostor.writes == []
            finally:
                await manager.async_stop()

    asyncio.run(main())


def test_the_id_is_onboarded_once_the_impostor_is_switched_off() -> None:
    async def main() -> None:
        async with ble_world(1) as world:
            genuine = world.peripherals[0]
            impostor = await _impostor(world)
            ble = BleTransport(world.adapter, lost_after=1.0)
            manager = DiscoveryManager([ble])
            await manager.async_start()
            try:
                await _until(lambda: len(ble.claimants(genuine.device_id)) == 2)
                labels = {genuine.device_id: world.label(genuine)}
                [refused] = await onboard_seen(ble, labels, NETWORK, [genuine.device_id])
                assert refused.reason == "duplicate-device"
                await impostor.vanish()  # the installer switches the impostor off
                await _until(lambda: ble.claimants(genuine.device_id) == (genuine.address,))
                [done] = await onboard_seen(ble, labels, NETWORK, [genuine.device_id])
                assert done.ok, done
                assert impostor.writes == [] and impostor.sessions_started == 0
            finally:
                await manager.async_stop()

    asyncio.run(main())


def test_the_cli_takes_the_installers_choice_of_address() -> None:
    import pytest

    from commissioner.cli import build_parser

    args = build_parser().parse_args(
        ["onboard", "--job", "J", "--ble-address", f"skr-ac-000001={IMPOSTOR_ADDRESS.lower()}"])
    assert args.ble_address == [("skr-ac-000001", IMPOSTOR_ADDRESS)]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["onboard", "--job", "J", "--ble-address", "no-address"])
