"""Onboarding over GATT through the real bleak API and the real Bumble stack (no mocks).

The app side uses BleakScanner/BleakClient with the Bumble backend over the HCI relay on
127.0.0.1 TCP; the device side is the virtual home's peripheral on its own emulated controller.
"""

from __future__ import annotations

import asyncio
import time

from ble_helpers import NETWORK, ble_world
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakGATTProtocolError

from commissioner.ble.bumble_backend import BumbleClient, BumbleScanner
from commissioner.ble.discovery_transport import BleTransport
from commissioner.ble.onboarding import OnboardingStep, onboard_device, onboard_devices
from commissioner.ble.workflow import wait_for_ble_devices
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol.ble_spec import INFO_CHAR_UUID, ONBOARDING_SERVICE_UUID
from commissioner.virtualhome.scenario import BLE_GATT_ERROR, BLE_VANISH

SECRET = NETWORK.passphrase.encode()


def _wrong(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


async def _discover(world, count: int) -> BleTransport:  # type: ignore[no-untyped-def]
    ble = BleTransport(world.adapter)
    manager = DiscoveryManager([ble])
    await manager.async_start()
    await wait_for_ble_devices(manager, ble, None, 0.0)
    ids = [p.device_id for p in world.peripherals]
    await wait_for_ble_devices(manager, ble, ids, 5.0)
    await manager.async_stop()
    assert len(manager.devices) == count
    return ble


def test_bleak_public_api_scan_connect_read_and_gatt_error() -> None:
    async def main() -> None:
        async with ble_world(2, [frozenset(), frozenset({BLE_GATT_ERROR})]) as world:
            central = world.adapter._central
            found = await BleakScanner.discover(
                timeout=0.3, return_adv=True, backend=BumbleScanner, central=central
            )
            addresses = {p.address for p in world.peripherals}
            assert addresses <= set(found)
            device, adv = found[world.peripherals[0].address]
            assert 0xFFFF in adv.manufacturer_data and adv.rssi == -50
            async with BleakClient(device, backend=BumbleClient, central=central, timeout=3) as c:
                assert c.services.get_service(ONBOARDING_SERVICE_UUID) is not None
                info = await c.read_gatt_char(INFO_CHAR_UUID)
                assert b'"id":"skr-ac-000001"' in info
            bad_device, _ = found[world.peripherals[1].address]
            async with BleakClient(
                bad_device, backend=BumbleClient, central=central, timeout=3
            ) as c:
                try:
                    await c.read_gatt_char(INFO_CHAR_UUID)
                except BleakGATTProtocolError as exc:
                    assert exc.args[0] == 0x0E
                else:
                    raise AssertionError("expected a GATT error")

    asyncio.run(main())


def test_onboarding_succeeds_and_passphrase_never_in_the_clear() -> None:
    async def main() -> None:
        async with ble_world(1) as world:
            ble = await _discover(world, 1)
            p = world.peripherals[0]
            steps: list[OnboardingStep] = []
            result = await onboard_device(
                world.adapter, ble.ble_device(p.device_id), world.label(p), NETWORK,
                progress=lambda pr: steps.append(pr.step),
            )
            assert result.ok, result
            assert steps[-1] is OnboardingStep.JOINED
            assert p.onboarded == NETWORK and world.joined == [p.device_id]
            assert p.on_network  # advertises the on-network flag from now on
            captured = b"".join(p.writes)
            assert len(p.writes) == 2  # pA, then cA || sealed configuration
            assert SECRET not in captured and NETWORK.ssid.encode() not in captured

    asyncio.run(main())


def test_wrong_setup_code_is_refused_and_nothing_sensitive_is_sent() -> None:
    async def main() -> None:
        async with ble_world(1) as world:
            ble = await _discover(world, 1)
            p = world.peripherals[0]
            wrong = world.label(p, _wrong(world.codes[p.device_id]))
            result = await onboard_device(
                world.adapter, ble.ble_device(p.device_id), wrong, NETWORK
            )
            assert not result.ok and result.reason == "bad-setup-code"
            assert not result.config_sent
            assert p.onboarded is None and not p.on_network
            # Only the PAKE share went over the air: 65 bytes, no passphrase, no SSID.
            assert [len(w) for w in p.writes] == [65]
            assert all(SECRET not in w and NETWORK.ssid.encode() not in w for w in p.writes)
            # The right code still works afterwards (one failed session is not a lockout).
            ok = await onboard_device(
                world.adapter, ble.ble_device(p.device_id), world.label(p), NETWORK
            )
            assert ok.ok, ok

    asyncio.run(main())


def test_label_of_another_device_sends_nothing() -> None:
    async def main() -> None:
        async with ble_world(2) as world:
            ble = await _discover(world, 2)
            a, b = world.peripherals
            result = await onboard_device(
                world.adapter, ble.ble_device(a.device_id), world.label(b), NETWORK
            )
            assert result.reason == "label-mismatch"
            assert a.writes == []

    asyncio.run(main())


def test_absent_device_connect_times_out_within_bound() -> None:
    async def main() -> None:
        async with ble_world(1) as world:
            p = world.peripherals[0]
            bound = 0.5
            t0 = time.monotonic()
            result = await onboard_device(
                world.adapter, "C1:22:33:44:55:66", world.label(p), NETWORK,
                connect_timeout=bound,
            )
            elapsed = time.monotonic() - t0
            assert result.reason == "connect-timeout"
            assert bound <= elapsed < bound + 30.0  # bounded, not hung (generous on a busy machine)
            # The adapter is usable afterwards (the pending connection was cancelled).
            ble = await _discover(world, 1)
            ok = await onboard_device(
                world.adapter, ble.ble_device(p.device_id), world.label(p), NETWORK
            )
            assert ok.ok, ok

    asyncio.run(main())


def test_faults_give_per_device_errors_and_the_rest_continues() -> None:
    async def main() -> None:
        faults = [frozenset({BLE_VANISH}), frozenset({BLE_GATT_ERROR})]
        async with ble_world(5, faults) as world:
            ble = await _discover(world, 5)
            targets = [(ble.ble_device(p.device_id), world.label(p)) for p in world.peripherals]
            t0 = time.monotonic()
            results = await onboard_devices(
                world.adapter, targets, NETWORK, concurrency=3, op_timeout=2.0
            )
            assert time.monotonic() - t0 < 60.0  # a vanished device does not hang the batch
            by_id = {r.device_id: r for r in results}
            vanished, gatt_error, *good = world.peripherals
            assert by_id[vanished.device_id].reason == "device-lost"
            assert not by_id[vanished.device_id].config_sent
            assert by_id[gatt_error.device_id].reason == "gatt-error"
            assert all(by_id[p.device_id].ok for p in good)
            assert sorted(world.joined) == sorted(p.device_id for p in good)

    asyncio.run(main())
