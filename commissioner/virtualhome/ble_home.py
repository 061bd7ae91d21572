"""The virtual home's BLE side: which devices are BLE, the virtual LAN, the radio and peripherals.

Files in the home directory (written when the home is seeded, only if a device uses BLE)::

    ble.json             {"format": 1, "devices": {"<id>": {"mode": "only"|"both",
                          "faults": [...], "onboarded": bool}}}
    lan/network.json     the virtual LAN the devices must be given (0600):
                          {"ssid", "passphrase", "home_id"} — the home owner's secret, which the
                          installer has in the field; the app reads it in training mode.

``mode`` ``only``: the device is reachable over BLE only until onboarded, then it joins the
virtual LAN (its TLS server starts and it is announced over mDNS); that is persisted
(``onboarded``), so a restarted home keeps it on the LAN. ``both``: BLE and LAN from the start.

home.json gains ``"ble": {"transport": "tcp-client:127.0.0.1:PORT", "network":
"lan/network.json", "devices": [{"device_id", "address", "mode", "on_network"}]}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_json_atomic
from commissioner.virtualhome.homefile import BleDeviceEntry, BleEntry

if TYPE_CHECKING:
    from commissioner.virtualhome.ble_device import VirtualBlePeripheral
    from commissioner.virtualhome.ble_radio import BleRadio
    from commissioner.virtualhome.device import VirtualDevice

log = logging.getLogger(__name__)

BLE_FILE: Final = "ble.json"
NETWORK_FILE: Final = "lan/network.json"
MODES: Final = frozenset({"only", "both"})


@dataclass(slots=True)
class BleDeviceConfig:
    mode: str
    faults: tuple[str, ...] = ()
    onboarded: bool = False

    @property
    def on_network(self) -> bool:
        return self.mode == "both" or self.onboarded


def seed_ble(directory: Path, entries: Iterable[tuple[str, str | None, Iterable[str]]]) -> None:
    """Write ble.json and the virtual LAN for the devices whose mode is not None."""
    devices = {
        device_id: {"mode": mode, "faults": sorted(faults), "onboarded": False}
        for device_id, mode, faults in entries
        if mode is not None
    }
    if not devices:
        return
    write_json_atomic(directory / BLE_FILE, {"format": 1, "devices": devices})
    network = {
        "ssid": f"vh-lan-{secrets.token_hex(2)}",
        "passphrase": secrets.token_urlsafe(18),
        "home_id": f"home-{secrets.token_hex(4)}",
    }
    (directory / NETWORK_FILE).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_atomic(directory / NETWORK_FILE, network, mode=SECRET_MODE)


def read_network(path: Path) -> NetworkConfig:
    """Read a network file ({"ssid", "passphrase", "home_id"}); ValueError if malformed."""
    raw = read_json(path, "network configuration")
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), str) for k in ("ssid", "passphrase", "home_id")
    ):
        raise ValueError(f"{path}: needs string members ssid, passphrase, home_id")
    config = NetworkConfig(raw["ssid"], raw["passphrase"], raw["home_id"])
    config.validate()
    return config


def _read_ble(directory: Path) -> dict[str, BleDeviceConfig]:
    raw = read_json(directory / BLE_FILE, "BLE device list")
    if not isinstance(raw, dict) or raw.get("format") != 1 or not isinstance(
        raw.get("devices"), dict
    ):
        raise ValueError(f"{directory / BLE_FILE}: unsupported format")
    out: dict[str, BleDeviceConfig] = {}
    for device_id, entry in raw["devices"].items():
        if (
            not isinstance(entry, dict)
            or entry.get("mode") not in MODES
            or not isinstance(entry.get("onboarded"), bool)
            or not isinstance(entry.get("faults"), list)
        ):
            raise ValueError(f"{directory / BLE_FILE}: bad entry for {device_id!r}")
        out[device_id] = BleDeviceConfig(
            entry["mode"], tuple(str(f) for f in entry["faults"]), entry["onboarded"]
        )
    return out


JoinLan = Callable[[str], Awaitable[None]]


class BleHome:
    """The radio and one peripheral per BLE device of a running virtual home."""

    def __init__(self, directory: Path, configs: dict[str, BleDeviceConfig]) -> None:
        self.directory = directory
        self.configs = configs
        self.network = read_network(directory / NETWORK_FILE)
        self.radio: BleRadio | None = None
        self.peripherals: dict[str, VirtualBlePeripheral] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Future[None]] = set()

    @classmethod
    def load(cls, directory: Path) -> BleHome | None:
        """The home's BLE side, or None if no device of this home uses BLE."""
        if not (directory / BLE_FILE).exists():
            return None
        return cls(directory, _read_ble(directory))

    def offline_ids(self) -> set[str]:
        """Devices that are not on the LAN yet (BLE-only, not onboarded)."""
        return {i for i, c in self.configs.items() if not c.on_network}

    async def start(self, devices: dict[str, VirtualDevice], join_lan: JoinLan) -> None:
        from commissioner.virtualhome.ble_device import BleIdentity, VirtualBlePeripheral
        from commissioner.virtualhome.ble_radio import BleRadio
        from commissioner.virtualhome.wrong_code_counter import SharedWrongCodeCounter

        self.radio = BleRadio()
        await self.radio.start()
        for device_id, config in self.configs.items():
            device = devices.get(device_id)
            if device is None:
                log.warning("ble.json names unknown device %s", device_id)
                continue
            s = device.state
            identity = BleIdentity(
                device_id=s.device_id,
                kind=s.kind,
                manufacturer=s.manufacturer,
                model=s.advertised_model,
                serial=s.serial,
                firmware=s.firmware,
                state=s.state,
            )

            async def on_joined(
                network: NetworkConfig, _id: str = device_id, _dev: Any = device
            ) -> None:
                await self._joined(_id, _dev, join_lan)

            peripheral = VirtualBlePeripheral(
                self.radio,
                identity,
                s.setup_code,
                self.network,
                on_network=config.on_network,
                faults=frozenset(config.faults),
                on_joined=on_joined,
                wrong_codes=SharedWrongCodeCounter(device.directory),
            )
            self.peripherals[device_id] = peripheral
        await asyncio.gather(*(p.start() for p in self.peripherals.values()))

    async def _joined(self, device_id: str, device: VirtualDevice, join_lan: JoinLan) -> None:
        async with self._lock:
            config = self.configs[device_id]
            was_offline = not config.on_network
            config.onboarded = True
            await asyncio.to_thread(self._save)
        device.state.network_configured = True
        await device.persist_state()
        if was_offline:
            # The device has its configuration; announcing itself on the LAN (mDNS probing
            # takes a second or more) runs on, as on a real device after it got an address.
            task = asyncio.ensure_future(self._join(device_id, join_lan))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _join(self, device_id: str, join_lan: JoinLan) -> None:
        try:
            await join_lan(device_id)
        except Exception:
            log.exception("%s: could not join the virtual LAN", device_id)

    def _save(self) -> None:
        body = {
            "format": 1,
            "devices": {
                i: {"mode": c.mode, "faults": list(c.faults), "onboarded": c.onboarded}
                for i, c in self.configs.items()
            },
        }
        write_json_atomic(self.directory / BLE_FILE, body)

    def home_entry(self) -> BleEntry:
        """The "ble" section of home.json."""
        assert self.radio is not None
        return BleEntry(
            transport=self.radio.transport_spec,
            network=NETWORK_FILE,
            devices=tuple(
                BleDeviceEntry(i, p.address, self.configs[i].mode, self.configs[i].on_network)
                for i, p in sorted(self.peripherals.items())
            ),
        )

    def status(self) -> dict[str, Any]:
        return {
            i: {"on_network": p.on_network, "running": p.running, "sessions": p.sessions_started}
            for i, p in self.peripherals.items()
        }

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(
            *(p.stop() for p in self.peripherals.values()), return_exceptions=True
        )
        if self.radio is not None:
            with contextlib.suppress(Exception):
                await self.radio.stop()
            self.radio = None
