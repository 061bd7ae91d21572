"""The virtual home: run the gateway and devices of a state directory seeded from a scenario.

Seeding and the manifest live in :mod:`.seed`; this module runs the home (TLS servers, mDNS,
the catalog server, BLE, the control channel) and writes ``home.json``
(docs/training-home.md).

State directory layout (``DIR``)::

    virtual-home.json              manifest: scenario, gateway id, device ids, faults (ground truth)
    home.json                      how the app finds the running home (see homefile.py)
    control.json                   control port + token, 0600, only while running
    labels/<id>.json|.png, labels/index.json
    trust/manufacturer-roots.pem   genuine manufacturer roots only (no rogue CAs)
    pki/<ca>/...                   the manufacturer (and rogue) CAs the home generated
    devices/<id>/...               per-device persistent state (see state.py)

Restart rule: if ``DIR`` already holds a virtual home (its manifest exists), that home is
started again exactly as persisted; ``--scenario``/``--devices`` may be omitted, and if given
they must match the existing home or the start fails with a clear error. A directory with a
``devices/`` folder but no manifest (a seeding that was interrupted) is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import math
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from commissioner.errors import UserError
from commissioner.protocol.advertisement import build_txt
from commissioner.protocol.spec import SERVICE_TYPE
from commissioner.virtualhome import ble_home as ble_home_mod
from commissioner.virtualhome import labels as labels_mod
from commissioner.virtualhome import swap as swap_mod
from commissioner.virtualhome.catalog_host import CatalogHost
from commissioner.virtualhome.control import CommandError, ControlServer
from commissioner.virtualhome.device import HOST, VirtualDevice
from commissioner.virtualhome.drift import apply_drift
from commissioner.virtualhome.echonet_home import EchonetRun, seed_echonet, start_echonet
from commissioner.virtualhome.firmware_slots import handle_control as firmware_control
from commissioner.virtualhome.gateway import VirtualGateway
from commissioner.virtualhome.homefile import DeviceEntry, GatewayEntry, HomeFile, write_home_file
from commissioner.virtualhome.personal_data import COMMANDS as RESALE_COMMANDS
from commissioner.virtualhome.personal_data import handle_control as resale_control
from commissioner.virtualhome.seed import TRUST_ROOTS, Manifest, ManifestDevice, prepare_home
from commissioner.virtualhome.state import device_dir

LOCK_FILE: Final = ".lock"
MDNS_INTERFACES: Final = ("127.0.0.1",)

log = logging.getLogger(__name__)


# --- running -------------------------------------------------------------------------------


def _service_info(device: VirtualDevice) -> ServiceInfo:
    return ServiceInfo(
        SERVICE_TYPE,
        f"{device.device_id}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(HOST)],
        port=device.port,
        properties=build_txt(device.advertisement()),
        server=f"{device.device_id}.local.",
    )


class _DirLock:
    """An exclusive lock on the state directory (POSIX only; a no-op elsewhere)."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / LOCK_FILE
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        if sys.platform == "win32":  # pragma: no cover
            return
        import fcntl

        handle = open(self._path, "ab")  # noqa: SIM115 - held for the home's lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise UserError(
                f"another virtual home is already running in {self._path.parent}"
            ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class VirtualHome:
    """Runs every device of a seeded home in this event loop."""

    def __init__(self, directory: Path, manifest: Manifest) -> None:
        self.directory = directory
        self.manifest = manifest
        self._zc: AsyncZeroconf | None = None
        self._devices: dict[str, VirtualDevice] = {}
        self._infos: dict[str, ServiceInfo] = {}
        self._cycles: dict[str, asyncio.Task[None]] = {}
        self._announcements: set[asyncio.Future[Any]] = set()
        self._control = ControlServer(directory, self._on_control)
        self._lock = _DirLock(directory)
        self._catalog = CatalogHost(directory, directory / TRUST_ROOTS)
        self.home_file: HomeFile | None = None
        self._ble: ble_home_mod.BleHome | None = None  # BLE radio and peripherals (issue 7)
        self.echonet: EchonetRun | None = None  # ECHONET Lite equipment (issue 14)

    @property
    def devices(self) -> dict[str, VirtualDevice]:
        return dict(self._devices)

    async def start(self) -> HomeFile:
        self._lock.acquire()
        try:
            return await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> HomeFile:
        ids = [self.manifest.gateway.device_id, *(d.device_id for d in self.manifest.devices)]
        gateway_id = self.manifest.gateway.device_id

        def load(device_id: str) -> VirtualDevice:
            d = device_dir(self.directory, device_id)
            return VirtualGateway(d) if device_id == gateway_id else VirtualDevice(d)

        loaded = await asyncio.to_thread(lambda: [load(i) for i in ids])
        self._devices = {d.device_id: d for d in loaded}
        for device in loaded:
            device.on_state_changed = self._reannounce
            device.on_moved = self._moved
            # A firmware update reboots through a power cycle (mDNS goodbye, re-announce).
            device.firmware.reboot_hook = functools.partial(self.power_cycle, device.device_id)
            if isinstance(device, VirtualGateway):
                device.attach_home(self._address_of, self.directory / TRUST_ROOTS)
        self._ble = await asyncio.to_thread(ble_home_mod.BleHome.load, self.directory)
        offline = self._ble_offline()  # BLE-only devices join the LAN when onboarded
        online = [d for d in loaded if d.device_id not in offline]
        await asyncio.gather(*(d.power_on(reload=False) for d in online))
        await self._control.start()
        await self._catalog.start()
        self._zc = AsyncZeroconf(interfaces=list(MDNS_INTERFACES), ip_version=IPVersion.V4Only)
        await asyncio.gather(*(self._register(d) for d in online))
        if self._ble is not None:
            await self._ble.start(self._devices, self._join_lan)
        self.echonet = await start_echonet(self.directory)
        return self._write_home_file()

    def _ble_offline(self) -> set[str]:
        return self._ble.offline_ids() if self._ble is not None else set()

    async def _join_lan(self, device_id: str) -> None:
        """A BLE-only device was onboarded: start its TLS server and announce it (issue 7)."""
        device = self._devices[device_id]
        await device.power_on()
        await self._register(device)
        self._write_home_file()

    def _write_home_file(self) -> HomeFile:
        gw = self._devices[self.manifest.gateway.device_id]
        home = HomeFile(
            directory=self.directory,
            gateway=GatewayEntry(gw.device_id, HOST, gw.port),
            devices=tuple(
                DeviceEntry(
                    device_id=m.device_id,
                    kind=m.kind,
                    manufacturer=m.manufacturer,
                    model=m.advertised_model,
                    host=HOST,
                    port=self._devices[m.device_id].port,
                    label=f"{labels_mod.LABELS_DIR}/{m.device_id}.json",
                )
                for m in self.manifest.devices
                if m.device_id not in self._ble_offline()
            ),
            labels_dir=labels_mod.LABELS_DIR,
            trust_roots=TRUST_ROOTS,
            mdns_interfaces=MDNS_INTERFACES,
            control_host=HOST,
            control_port=self._control.port,
            catalog_url=self._catalog.url,
            scenario=self.manifest.scenario,
            ble=self._ble.home_entry() if self._ble is not None and self._ble.radio else None,
            echonet=self.echonet.home_entry() if self.echonet is not None else None,
        )
        write_home_file(home)
        self.home_file = home
        return home

    async def _register(self, device: VirtualDevice, *, again: bool = False) -> None:
        assert self._zc is not None
        info = _service_info(device)
        # On a re-registration after a power cycle the name is ours; our own goodbye records
        # may still be cached, so skip the conflict probe.
        await self._zc.async_register_service(info, cooperating_responders=again)
        self._infos[device.device_id] = info

    def _address_of(self, device_id: str) -> tuple[str, int] | None:
        """Where a device of this home serves (what the gateway knows from mDNS)."""
        device = self._devices.get(device_id)
        if device is None or not device.powered:
            return None
        return HOST, device.port

    async def _reannounce(self, device: VirtualDevice) -> None:
        """The device's TXT record changed (``st=commissioned``): announce it again."""
        if self._zc is None or device.device_id not in self._infos or not device.powered:
            return
        info = _service_info(device)
        try:
            task = asyncio.ensure_future(await self._zc.async_update_service(info))
        except Exception:
            log.exception("%s: mDNS update failed", device.device_id)
            return
        self._infos[device.device_id] = info
        self._announcements.add(task)
        task.add_done_callback(self._announcements.discard)

    async def announce(self, device: VirtualDevice) -> None:
        """Announce ``device`` again (its TXT record or identity changed)."""
        await self._reannounce(device)

    async def add_device(self, device: VirtualDevice, *, template_id: str) -> None:
        """A device joins the running home (drift): serve it, announce it, list it."""
        template = next(m for m in self.manifest.devices if m.device_id == template_id)
        await device.power_on()
        self._devices[device.device_id] = device
        device.on_state_changed = self._reannounce
        device.on_moved = self._moved
        await self._register(device)
        entry = dataclasses.replace(template, device_id=device.device_id)
        self.manifest = dataclasses.replace(self.manifest,
                                            devices=(*self.manifest.devices, entry))
        self._write_home_file()

    async def take_out(self, device_id: str) -> None:
        """The device leaves the home for good: power off, mDNS goodbye, unlisted."""
        device = self._devices.pop(device_id)
        task = self._cycles.pop(device_id, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._unregister(device_id)
        await device.power_off()
        self.manifest = dataclasses.replace(self.manifest, devices=tuple(
            m for m in self.manifest.devices if m.device_id != device_id))
        self._write_home_file()

    async def put_in(self, device: VirtualDevice, entry: ManifestDevice) -> None:
        """A new unit joins the home: serve it, announce it, list it."""
        await device.power_on()
        self._devices[device.device_id] = device
        device.on_state_changed = self._reannounce
        device.on_moved = self._moved
        device.firmware.reboot_hook = functools.partial(self.power_cycle, device.device_id)
        await self._register(device)
        self.manifest = dataclasses.replace(self.manifest,
                                            devices=(*self.manifest.devices, entry))
        self._write_home_file()

    async def _moved(self, device: VirtualDevice) -> None:
        """The device's listener came back on another port: update mDNS and home.json."""
        if self._zc is not None and device.device_id in self._infos:
            await self._unregister(device.device_id)
            with contextlib.suppress(Exception):
                await self._register(device, again=True)
        self._write_home_file()

    async def _unregister(self, device_id: str) -> None:
        info = self._infos.pop(device_id, None)
        if info is not None and self._zc is not None:
            with contextlib.suppress(Exception):
                await self._zc.async_unregister_service(info)

    async def stop(self) -> None:
        """Clean shutdown: stop control, power everything off, unregister mDNS in parallel."""
        if self._ble is not None:
            await self._ble.stop()
        if self.echonet is not None:
            await self.echonet.stop()
        await self._control.close()
        await self._catalog.stop()
        for task in self._cycles.values():
            task.cancel()
        if self._cycles:
            await asyncio.gather(*self._cycles.values(), return_exceptions=True)
        self._cycles.clear()
        await asyncio.gather(*(d.power_off() for d in self._devices.values()))
        for announcement in list(self._announcements):
            announcement.cancel()
        if self._zc is not None:
            zc, self._zc = self._zc, None
            infos = list(self._infos.values())
            self._infos.clear()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(10):
                    tasks = await asyncio.gather(*(zc.async_unregister_service(i) for i in infos))
                    await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(10):
                    await zc.async_close()
        self._lock.release()

    # --- control ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "scenario": self.manifest.scenario,
            "devices": [
                {**d.status(), "power_cycle_pending": d.device_id in self._cycles}
                for d in self._devices.values()
            ],
        }

    async def power_cycle(self, device_id: str, downtime_s: float) -> dict[str, Any]:
        device = self._devices.get(device_id)
        if device is None:
            raise CommandError("unknown-device", f"no device {device_id!r} in this home")
        if not device.powered or device_id in self._cycles:
            raise CommandError("powered-off", f"{device_id} is already without power")
        await device.power_off()
        task = asyncio.create_task(self._power_back(device, downtime_s))
        self._cycles[device_id] = task
        task.add_done_callback(lambda _t: self._cycles.pop(device_id, None))
        return {"device_id": device_id, "powered": False, "back_in_s": downtime_s}

    async def _fault(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{"command": "fault", "device_id", "name", "count"?, "variant"?}``."""
        device_id, name = request.get("device_id"), request.get("name")
        count, variant = request.get("count"), request.get("variant")
        if not isinstance(device_id, str) or not isinstance(name, str):
            raise CommandError("bad-request", "fault needs a device_id and a name")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise CommandError("bad-request", "count must be an integer")
        if variant is not None and (not isinstance(variant, str) or len(variant) > 64):
            raise CommandError("bad-request", "variant must be a short string")
        device = self._devices.get(device_id)
        if device is None:
            raise CommandError("unknown-device", f"no device {device_id[:64]!r} in this home")
        try:
            return await device.set_fault(name, count=count, variant=variant)
        except ValueError as exc:
            raise CommandError("bad-fault", str(exc)) from None

    async def _power_back(self, device: VirtualDevice, downtime_s: float) -> None:
        old_port = device.port
        loop = asyncio.get_running_loop()
        start = loop.time()
        await self._unregister(device.device_id)
        await asyncio.sleep(max(0.0, downtime_s - (loop.time() - start)))
        try:
            port = await device.power_on(old_port)
            await self._register(device, again=True)
        except Exception:
            log.exception("%s: failed to power back on", device.device_id)
            return
        if port != old_port:
            self._write_home_file()

    async def _on_control(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("command")
        if command == "status":
            return self.status()
        if command == "power-cycle":
            device_id = request.get("device_id")
            downtime = request.get("downtime_s", 5.0)
            if not isinstance(device_id, str):
                raise CommandError("bad-request", "power-cycle needs a device_id")
            if (
                isinstance(downtime, bool)
                or not isinstance(downtime, int | float)
                or not math.isfinite(downtime)
                or not 0 <= downtime <= 3600
            ):
                raise CommandError("bad-request", "downtime_s must be 0..3600")
            return await self.power_cycle(device_id, float(downtime))
        if command == "fault":
            return await self._fault(request)
        if command == "drift":  # after-handover drift for training and tests (drift.py)
            return await apply_drift(self, request)
        if command == "firmware-fault":  # fail-boot / no-return hooks (firmware_slots.py)
            return await firmware_control(self._devices, request)
        if command in swap_mod.COMMANDS:  # the installer removes or replaces a unit (swap.py)
            return await swap_mod.handle_control(self, request)
        if command in RESALE_COMMANDS:  # occupy / reset button / wipe faults (personal_data.py)
            return await resale_control(self._devices, request)
        raise CommandError("unknown-command", f"unknown command {str(command)[:32]!r}")


async def run_virtual_home(
    directory: Path,
    *,
    scenario: str | None = None,
    devices: int | None = None,
    stop: asyncio.Event,
    on_ready: Callable[[HomeFile], None] | None = None,
    echonet: bool = False,
) -> None:
    """Seed or load ``directory``, run the home until ``stop`` is set, then shut down.
    ``echonet`` gives a new or existing home the standard ECHONET Lite equipment."""
    manifest = await asyncio.to_thread(prepare_home, directory, scenario, devices)
    if echonet:
        await asyncio.to_thread(seed_echonet, directory)
    home = VirtualHome(directory, manifest)
    home_file = await home.start()
    try:
        if on_ready is not None:
            on_ready(home_file)
        await stop.wait()
    finally:
        await home.stop()
