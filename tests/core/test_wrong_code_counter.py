"""A device's wrong-code counter is one per device: its BLE onboarding sessions and its TLS
setup-code proofs count in it together, and a restart of the device keeps it (spec sections 9
and 18.3). Real virtual home process, real TLS, emulated BLE controller on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vh_fixtures import running_virtual_home

from commissioner.ble.adapter import BleAdapter
from commissioner.ble.onboarding import onboard_device
from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.client import TrustStore, open_session
from commissioner.protocol.errors import RateLimitedError, SetupCodeRejectedError
from commissioner.protocol.label import Label
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.state import save_rate_limiter
from commissioner.virtualhome.wrong_code_counter import SharedWrongCodeCounter

pytestmark = pytest.mark.timeout(120)


def _wrong(label: Label) -> Label:
    code = f"{(int(label.setup_code) + 1) % 10**8:08d}"
    return dataclasses.replace(label, setup_code=code)


def _network(home: HomeFile) -> NetworkConfig:
    raw = json.loads((home.directory / "lan" / "network.json").read_text())
    return NetworkConfig(raw["ssid"], raw["passphrase"], raw["home_id"])


def _both_device(home: HomeFile) -> tuple[str, str, int]:
    """A device on BLE and the LAN: (device id, BLE address, TLS port)."""
    assert home.ble is not None
    ports = {d.device_id: d.port for d in home.devices}
    entry = next(b for b in home.ble.devices if b.mode == "both" and b.device_id in ports)
    return entry.device_id, entry.address, ports[entry.device_id]


async def _ble_try(adapter: BleAdapter, home: HomeFile, address: str, label: Label) -> str | None:
    result = await onboard_device(adapter, address, label, _network(home))
    assert not result.config_sent
    return result.reason


async def _adapter(home: HomeFile) -> BleAdapter:
    assert home.ble is not None
    adapter = BleAdapter(home.ble.transport)
    await adapter.open()
    return adapter


async def _tls_try(home: HomeFile, port: int, label: Label) -> type[Exception] | None:
    store = TrustStore.from_pem(home.trust_roots_path.read_bytes())
    async with await open_session("127.0.0.1", port, store) as session:
        try:
            await session.authenticate(label)
        except (SetupCodeRejectedError, RateLimitedError) as err:
            return type(err)
    return None


def test_wrong_codes_over_ble_and_tls_share_one_counter_that_survives_a_restart(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "home"
    # The first two templates of ble-mixed: a BLE-only device and one on BLE and the LAN.
    with running_virtual_home(state_dir, scenario="ble-mixed", devices=2) as home:
        device_id, address, port = _both_device(home)
        good = read_label_file(home.label_path(device_id))
        bad = _wrong(good)

        async def split_guesses() -> None:
            adapter = await _adapter(home)
            try:
                for _ in range(3):  # three wrong guesses over BLE ...
                    assert await _ble_try(adapter, home, address, bad) == "bad-setup-code"
                for _ in range(2):  # ... and two over TLS: five in all
                    assert await _tls_try(home, port, bad) is SetupCodeRejectedError
                # Both paths are locked now, even for the right code.
                assert await _tls_try(home, port, good) is RateLimitedError
                assert await _ble_try(adapter, home, address, good) == "rate-limited"
            finally:
                await adapter.close()

        asyncio.run(split_guesses())

    with running_virtual_home(state_dir, scenario=None) as again:
        _, address, port = _both_device(again)

        async def still_locked() -> None:
            adapter = await _adapter(again)
            try:
                assert await _ble_try(adapter, again, address, good) == "rate-limited"
            finally:
                await adapter.close()
            assert await _tls_try(again, port, good) is RateLimitedError

        asyncio.run(still_locked())


def test_a_late_snapshot_does_not_undo_the_other_paths_count(tmp_path: Path) -> None:
    """The TLS path persists a snapshot after it counted; if the BLE path counted in between,
    the late snapshot must not overwrite the newer count."""
    ble = SharedWrongCodeCounter(tmp_path)
    tls = SharedWrongCodeCounter(tmp_path)
    tls.record_failure(1000.0)
    late = tls.state()  # taken before the other path counts
    ble.record_failure(1001.0)
    save_rate_limiter(tmp_path, dict(late))  # written late
    assert SharedWrongCodeCounter(tmp_path).failures == 2
    assert tls.state()["failures"] == 2
    for n in range(3):
        (ble if n % 2 else tls).record_failure(1002.0 + n)
    assert ble.check(1006.0) is not None and tls.check(1006.0) is not None
    ble.record_success()
    assert tls.check(1007.0) is None and tls.failures == 0
