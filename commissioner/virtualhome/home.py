"""The virtual home: seed a state directory from a scenario, then run the gateway and devices.

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
import functools
import logging
import math
import secrets
import socket
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from commissioner.errors import UserError
from commissioner.protocol.advertisement import build_txt
from commissioner.protocol.attestation import DeviceCertFields, cert_pem, generate_key, key_pem
from commissioner.protocol.label import Label
from commissioner.protocol.spec import SERVICE_TYPE, CommissioningState, Role
from commissioner.virtualhome import ble_home as ble_home_mod
from commissioner.virtualhome import labels as labels_mod
from commissioner.virtualhome.catalog_host import CatalogHost
from commissioner.virtualhome.control import CommandError, ControlServer
from commissioner.virtualhome.device import HOST, VirtualDevice
from commissioner.virtualhome.firmware_slots import handle_control as firmware_control
from commissioner.virtualhome.fsutil import read_json, write_atomic, write_json_atomic
from commissioner.virtualhome.gateway import GATEWAY_KIND, VirtualGateway, gateway_state
from commissioner.virtualhome.homefile import DeviceEntry, GatewayEntry, HomeFile, write_home_file
from commissioner.virtualhome.pki import (
    CertificateAuthority,
    chain_pem,
    create_ca,
    issue_chain,
    save_ca,
    self_signed_chain,
)
from commissioner.virtualhome.scenario import (
    COUNTERFEIT_SELF_SIGNED,
    COUNTERFEIT_UNKNOWN_CA,
    DeviceTemplate,
    Scenario,
    load_scenario,
)
from commissioner.virtualhome.state import DeviceState, device_dir, save_credentials, save_state

MANIFEST_FILE: Final = "virtual-home.json"
TRUST_ROOTS: Final = "trust/manufacturer-roots.pem"
LOCK_FILE: Final = ".lock"
MDNS_INTERFACES: Final = ("127.0.0.1",)
DEFAULT_SCENARIO: Final = "standard"

KIND_ABBR: Final = {
    "air-conditioner": "ac",
    "water-heater": "wh",
    "electric-lock": "lock",
    "shutter": "shutter",
    "hems-controller": "hems",
    "camera": "cam",
    "lighting": "light",
    "storage-battery": "battery",
    "gateway": "gw",
}
_SERIAL_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_WEAK_CODES: Final = frozenset({"12345678", "87654321", "01234567", "76543210"})

log = logging.getLogger(__name__)


# --- manifest -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestDevice:
    device_id: str
    role: str
    kind: str
    manufacturer: str
    model: str  # model in the certificate
    advertised_model: str
    faults: tuple[str, ...]
    certified: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "role": self.role,
            "kind": self.kind,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "advertised_model": self.advertised_model,
            "faults": list(self.faults),
            "certified": self.certified,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    scenario: str
    training: bool
    gateway: ManifestDevice
    devices: tuple[ManifestDevice, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "scenario": self.scenario,
            "training": self.training,
            "gateway": self.gateway.to_json(),
            "devices": [d.to_json() for d in self.devices],
        }


def _manifest_device(raw: object, where: str) -> ManifestDevice:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not an object")
    try:
        faults = raw["faults"]
        if not isinstance(faults, list):
            raise ValueError(f"{where}.faults is not a list")
        values = {k: raw[k] for k in ("device_id", "role", "kind", "manufacturer", "model")}
        adv = raw["advertised_model"]
        certified = raw["certified"]
    except KeyError as exc:
        raise ValueError(f"{where} lacks {exc.args[0]!r}") from None
    if not all(isinstance(v, str) for v in (*values.values(), adv, *faults)) or not isinstance(
        certified, bool
    ):
        raise ValueError(f"{where} has a value of the wrong type")
    return ManifestDevice(
        values["device_id"],
        values["role"],
        values["kind"],
        values["manufacturer"],
        values["model"],
        adv,
        tuple(faults),
        certified,
    )


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_FILE
    try:
        raw = read_json(path, "virtual home manifest")
        if not isinstance(raw, dict) or raw.get("format") != 1:
            raise ValueError(f"{path}: unsupported format")
        scenario, training, devices = raw.get("scenario"), raw.get("training"), raw.get("devices")
        if not isinstance(scenario, str) or not isinstance(training, bool):
            raise ValueError(f"{path}: scenario/training missing")
        if not isinstance(devices, list):
            raise ValueError(f"{path}: devices is not a list")
        return Manifest(
            scenario,
            training,
            _manifest_device(raw.get("gateway"), f"{path}: gateway"),
            tuple(_manifest_device(d, f"{path}: devices[{i}]") for i, d in enumerate(devices)),
        )
    except ValueError as exc:
        raise UserError(
            f"the virtual home in {directory} is damaged: {exc}",
            hint="delete the directory to build a fresh home",
        ) from None


# --- seeding -------------------------------------------------------------------------------


def _setup_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if len(set(code)) > 1 and code not in _WEAK_CODES:
            return code


def _serial(prefix: str, kind: str) -> str:
    tail = "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(8))
    return f"{prefix}-{KIND_ABBR[kind].upper()}-{tail}"


@dataclass(frozen=True, slots=True)
class _Plan:
    state: DeviceState
    ca: CertificateAuthority | None  # None: self-signed counterfeit


def _write_device(home_dir: Path, plan: _Plan) -> None:
    s = plan.state
    key = generate_key()
    fields = DeviceCertFields(s.device_id, s.manufacturer, s.model, s.serial, s.kind)
    chain = issue_chain(plan.ca, fields, key) if plan.ca else self_signed_chain(fields, key)
    d = device_dir(home_dir, s.device_id)
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_credentials(d, key_pem(key), chain_pem(chain))
    save_state(d, s)
    labels_mod.write_label(
        home_dir,
        Label(s.device_id, s.manufacturer, s.model, s.serial, s.setup_code, s.kind),
    )


def _manifest_entry(s: DeviceState) -> ManifestDevice:
    return ManifestDevice(
        s.device_id,
        s.role.value,
        s.kind,
        s.manufacturer,
        s.model,
        s.advertised_model,
        tuple(s.faults),
        s.certified,
    )


def seed_home(directory: Path, scenario: Scenario, count: int | None = None) -> Manifest:
    """Create a new home in ``directory`` from ``scenario`` (``count`` devices)."""
    templates = scenario.pick(count)
    directory.mkdir(parents=True, exist_ok=True)
    used_ids: set[str] = set()

    def new_id(prefix: str, kind: str) -> str:
        while True:
            candidate = f"{prefix}-{KIND_ABBR[kind]}-{secrets.token_hex(3)}"
            if candidate not in used_ids:
                used_ids.add(candidate)
                return candidate

    # Certificate authorities: one genuine CA per manufacturer in use, one rogue CA per
    # manufacturer that a counterfeit-unknown-ca device imitates.
    genuine: dict[str, CertificateAuthority] = {}
    rogue: dict[str, CertificateAuthority] = {}

    def ca_for(key: str, *, is_rogue: bool) -> CertificateAuthority:
        table = rogue if is_rogue else genuine
        if key not in table:
            name = scenario.manufacturer(key).name
            table[key] = create_ca(f"rogue-{key}" if is_rogue else key, name, rogue=is_rogue)
        return table[key]

    gw_mfr = scenario.manufacturer(scenario.gateway.manufacturer)
    gw = gateway_state(
        scenario.gateway,
        gw_mfr,
        device_id=new_id(gw_mfr.id_prefix, GATEWAY_KIND),
        serial=_serial(gw_mfr.serial_prefix, GATEWAY_KIND),
        setup_code=_setup_code(),
    )
    plans = [_Plan(gw, ca_for(scenario.gateway.manufacturer, is_rogue=False))]
    for t in templates:
        state = _device_state(t, scenario, new_id)
        if COUNTERFEIT_SELF_SIGNED in t.faults:
            ca = None
        else:
            ca = ca_for(t.manufacturer, is_rogue=COUNTERFEIT_UNKNOWN_CA in t.faults)
        plans.append(_Plan(state, ca))

    for ca in (*genuine.values(), *rogue.values()):
        save_ca(directory, ca)
    roots = b"".join(cert_pem(genuine[k].root_cert) for k in sorted(genuine))
    write_atomic(directory / TRUST_ROOTS, roots)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda p: _write_device(directory, p), plans))
    labels_mod.write_index(
        directory,
        [labels_mod.LabelEntry(p.state.device_id, p.state.kind, p.state.role.value) for p in plans],
    )
    manifest = Manifest(
        scenario=scenario.name,
        training=scenario.training,
        gateway=_manifest_entry(gw),
        devices=tuple(_manifest_entry(p.state) for p in plans[1:]),
    )
    ble_home_mod.seed_ble(  # BLE devices and the virtual LAN (issue 7)
        directory,
        [(p.state.device_id, t.ble, t.faults) for p, t in zip(plans[1:], templates, strict=True)],
    )
    # The manifest is written last: its presence marks a completely seeded home.
    write_json_atomic(directory / MANIFEST_FILE, manifest.to_json())
    return manifest


def _device_state(
    t: DeviceTemplate, scenario: Scenario, new_id: Callable[[str, str], str]
) -> DeviceState:
    mfr = scenario.manufacturer(t.manufacturer)
    commissioned = t.state is CommissioningState.COMMISSIONED
    return DeviceState(
        device_id=new_id(mfr.id_prefix, t.kind),
        role=Role.DEVICE,
        kind=t.kind,
        manufacturer=mfr.name,
        model=t.model,
        advertised_model=t.advertised_model or t.model,
        serial=_serial(mfr.serial_prefix, t.kind),
        setup_code=_setup_code(),
        firmware_slots={"a": t.firmware, "b": None},
        active_slot="a",
        state=t.state,
        default_credential_enabled=t.default_credential_enabled,
        network_configured=commissioned,
        admin_credential_set=commissioned,
        operational_certificate=commissioned,
        acl_entries=2 if commissioned else 0,
        settings=dict(t.settings),
        personal_data=dict(t.personal_data),
        faults=sorted(t.faults),
        certified=t.certified,
    )


def prepare_home(directory: Path, scenario_name: str | None, devices: int | None) -> Manifest:
    """Seed ``directory`` or check that its existing home matches the request."""
    if (directory / MANIFEST_FILE).exists():
        manifest = read_manifest(directory)
        if scenario_name is not None and scenario_name != manifest.scenario:
            raise UserError(
                f"{directory} holds a virtual home of scenario {manifest.scenario!r}, "
                f"not {scenario_name!r}",
                hint="omit --scenario to restart it, or use another --state-dir",
            )
        if devices is not None and devices != len(manifest.devices):
            raise UserError(
                f"{directory} holds a virtual home with {len(manifest.devices)} devices, "
                f"not {devices}",
                hint="omit --devices to restart it, or use another --state-dir",
            )
        return manifest
    if (directory / "devices").exists():
        raise UserError(
            f"{directory} holds an incompletely created virtual home",
            hint="delete the directory and start again",
        )
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} is not a directory")
    return seed_home(directory, load_scenario(scenario_name or DEFAULT_SCENARIO), devices)


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
        if command == "firmware-fault":  # fail-boot / no-return hooks (firmware_slots.py)
            return await firmware_control(self._devices, request)
        raise CommandError("unknown-command", f"unknown command {str(command)[:32]!r}")


async def run_virtual_home(
    directory: Path,
    *,
    scenario: str | None = None,
    devices: int | None = None,
    stop: asyncio.Event,
    on_ready: Callable[[HomeFile], None] | None = None,
) -> None:
    """Seed or load ``directory``, run the home until ``stop`` is set, then shut down."""
    manifest = await asyncio.to_thread(prepare_home, directory, scenario, devices)
    home = VirtualHome(directory, manifest)
    home_file = await home.start()
    try:
        if on_ready is not None:
            on_ready(home_file)
        await stop.wait()
    finally:
        await home.stop()
