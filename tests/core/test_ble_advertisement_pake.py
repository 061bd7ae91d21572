"""BLE advertisement codec (hostile input: only MalformedBleError, never a crash; the discovery
manager lists them as malformed), P-256 arithmetic and SPAKE2."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from ble_helpers import ble_world
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from commissioner.ble.discovery_transport import BleTransport
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol import p256
from commissioner.protocol.ble_advertisement import (
    BleAdvertisement,
    build_manufacturer_data,
    parse_manufacturer_data,
)
from commissioner.protocol.ble_errors import MalformedBleError
from commissioner.protocol.ble_pake import (
    NetworkConfig,
    Spake2App,
    Spake2Device,
    confirm_equal,
    open_config,
    seal_config,
)
from commissioner.protocol.ble_spec import COMPANY_ID
from commissioner.protocol.spec import CommissioningState

VALID = BleAdvertisement(
    "skr-ac-0a1b2c", "air-conditioner", "Sakura Denki", "SD-AC2400", "1.2.0",
    CommissioningState.FACTORY, on_network=False, onboarding_open=True,
)
VALID_BYTES = build_manufacturer_data(VALID)


def test_round_trip() -> None:
    assert parse_manufacturer_data(VALID_BYTES) == VALID
    with pytest.raises(MalformedBleError):
        parse_manufacturer_data(VALID_BYTES + b"\x00")


@st.composite
def hostile(draw: st.DrawFn) -> object:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.binary(max_size=260))
    if choice == 1:  # mutate a valid payload
        data = bytearray(VALID_BYTES)
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.integers(0, len(data) - 1))
            data[pos] = draw(st.integers(0, 255))
        return bytes(data[: draw(st.integers(0, len(data)))])
    if choice == 2:  # valid header, hostile strings
        fields = draw(st.lists(st.binary(max_size=70), min_size=0, max_size=5))
        body = b"".join(bytes([min(len(f) + draw(st.integers(-1, 1)), 255) % 256]) + f
                        for f in fields)
        return bytes([1, draw(st.integers(0, 2)), draw(st.integers(0, 255)),
                      draw(st.integers(0, 12))]) + body
    return draw(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.lists(st.integers())))


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(hostile(), st.just(VALID_BYTES)))
@example(VALID_BYTES)
def test_hostile_advertisements_only_raise_malformed(payload: object) -> None:
    try:
        adv = parse_manufacturer_data(payload)
    except MalformedBleError as exc:
        assert exc.reason == "malformed-advertisement" and exc.message
        assert payload != VALID_BYTES  # a valid advertisement is never refused
    else:
        assert build_manufacturer_data(adv) == bytes(payload)  # type: ignore[arg-type]


def test_hostile_advertisements_become_malformed_entries() -> None:
    """2,000 hostile payloads through the BLE transport's scanner callback (real bleak types)."""

    async def main() -> None:
        async with ble_world(0) as world:
            ble = BleTransport(world.adapter)
            manager = DiscoveryManager([ble])
            await manager.async_start()
            rng = secrets.SystemRandom()
            for n in range(2000):
                raw = bytearray(VALID_BYTES)
                for _ in range(rng.randint(1, 4)):
                    raw[rng.randrange(len(raw))] = rng.randrange(256)
                address = f"C0:00:00:00:{n >> 8:02X}:{n & 0xFF:02X}"
                adv = AdvertisementData(None, {COMPANY_ID: bytes(raw)}, {}, [], None, -60, ())
                ble._on_advertisement(BLEDevice(address, None, None), adv)
            await manager.async_stop()
            assert len(manager.devices) + len(manager.malformed) == 2000
            assert len(manager.malformed) > 1500
            assert all(m.transport == "ble" and m.reason for m in manager.malformed.values())

    asyncio.run(main())


def test_p256_matches_cryptography() -> None:
    for _ in range(8):
        k = secrets.randbelow(p256.N)
        assert p256.multiply(k, p256.G) == p256.multiply_base(k)
    a, b = secrets.randbelow(p256.N), secrets.randbelow(p256.N)
    assert p256.add(p256.multiply_base(a), p256.multiply_base(b)) == p256.multiply_base(a + b)
    assert p256.add(p256.G, p256.negate(p256.G)) is None
    with pytest.raises(p256.PointError):
        p256.decode(b"\x04" + b"\x01" * 64)


def test_spake2_agrees_only_with_the_right_code() -> None:
    info = b'{"id":"x"}'
    device = Spake2Device("20231104", "SKR-AC-1", "skr-ac-1", info)
    app = Spake2App("20231104", "SKR-AC-1", "skr-ac-1", info)
    pb, dev_keys = device.respond(app.pa)
    app_keys = app.finish(pb)
    assert confirm_equal(app_keys.confirm_b, dev_keys.confirm_b)
    assert confirm_equal(dev_keys.confirm_a, app_keys.confirm_a)
    net = NetworkConfig("lan", "passphrase-123", "home")
    assert open_config(dev_keys, seal_config(app_keys, net)) == net
    wrong = Spake2App("20231105", "SKR-AC-1", "skr-ac-1", info)
    pb, dev_keys = device.respond(wrong.pa)
    assert not confirm_equal(wrong.finish(pb).confirm_b, dev_keys.confirm_b)
    # Another info value (a man in the middle rewriting the identity) breaks confirmation.
    other = Spake2App("20231104", "SKR-AC-1", "skr-ac-1", b'{"id":"y"}')
    pb, dev_keys = device.respond(other.pa)
    assert not confirm_equal(other.finish(pb).confirm_b, dev_keys.confirm_b)
    with pytest.raises(MalformedBleError):
        device.respond(b"\x04" + b"\x00" * 64)
