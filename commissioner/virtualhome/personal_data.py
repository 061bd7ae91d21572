"""Personal data, occupation and the wipe of a virtual device (docs/device-protocol.md
section 20).

* Every device kind holds its own kinds of personal data (:data:`DATA_KINDS`): a camera keeps
  recordings and face templates, a lock its users and access history, a HEMS controller the
  energy history... ``GET /v1/personal-data`` reports a count for every kind the device holds
  (zero included), never the data.
* ``occupy`` plays the owner living in the home after handover: data of every kind appears
  and settings change (the factory settings are kept aside first, in ``resale.json``).
* ``POST /v1/commissioning/wipe`` (management access) and the reset button (``ctl DIR reset
  DEVICE_ID``) erase personal data, settings, collected data, the operational certificate and
  key, the ACL, the admin credential and, on the gateway, the issuing CA, allow-list and owner
  invitations. The device keeps only its attestation identity (key, chain, setup code) and its
  firmware, and comes back in factory state (TLS without a home CA, ``st=factory`` announced).
* Test fault ``retain-recording`` (``ctl DIR wipe-fault DEVICE_ID retain-recording``): the wipe
  "forgets" one item of the device's first data kind, as a faulty device would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import TYPE_CHECKING, Any, Final

from commissioner.protocol.http11 import Request
from commissioner.protocol.spec import CommissioningState, ProvisioningEndpoint, Role
from commissioner.virtualhome.control import CommandError
from commissioner.virtualhome.device_http import Access, Route, _Reply, _Session
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_json_atomic
from commissioner.virtualhome.provisioning_state import (
    ISSUING_CA_KEY_FILE,
    OPERATIONAL_KEY_FILE,
    Provisioning,
)

if TYPE_CHECKING:
    from commissioner.virtualhome.device import VirtualDevice

WIPE_PATH: Final = ProvisioningEndpoint.WIPE.value
RESALE_FILE: Final = "resale.json"
FAULT_RETAIN: Final = "retain-recording"
WIPE_FAULTS: Final = frozenset({FAULT_RETAIN})
COMMANDS: Final = frozenset({"occupy", "reset", "wipe-fault"})

# Per device kind: (personal-data kind, items added by one ``occupy``).
DATA_KINDS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "camera": (("recordings", 240), ("face-templates", 6)),
    "electric-lock": (("lock-users", 4), ("access-history", 120)),
    "air-conditioner": (("schedules", 3), ("usage-history", 90)),
    "water-heater": (("schedules", 2), ("usage-history", 90)),
    "shutter": (("schedules", 2),),
    "lighting": (("scenes", 5), ("schedules", 2)),
    "hems-controller": (("energy-history", 365), ("household-profile", 1)),
    "storage-battery": (("energy-history", 365),),
    "gateway": (("owner-accounts", 2), ("automations", 7)),
}
ERASED: Final = (
    "personal-data", "settings", "collected-data", "operational-certificate", "acl",
    "admin-credential", "network",
)
GATEWAY_ERASED: Final = ("issuing-ca", "allow-list", "owner-invitations")


def data_kinds(kind: str) -> tuple[str, ...]:
    return tuple(k for k, _ in DATA_KINDS.get(kind, ()))


def inventory(device: VirtualDevice) -> dict[str, int]:
    """What ``GET /v1/personal-data`` reports: every kind the device holds, zero included."""
    counts = dict.fromkeys(data_kinds(device.state.kind), 0)
    counts.update(device.state.personal_data)
    return counts


def config_extra(device: VirtualDevice) -> dict[str, Any]:
    """Additive ``/v1/config`` members: whether settings are factory, and on the gateway the
    sizes of what binds it to a home (counts only)."""
    s = device.state
    out: dict[str, Any] = {"settings_factory": s.settings == _factory_settings(device)}
    if s.role is Role.GATEWAY:
        prov = s.provisioning
        out["gateway"] = {
            "issuing_ca": prov.issuing_ca_pem is not None,
            "allow_list_entries": len(prov.allow_list),
            "owner_bindings": len(prov.invitations),
        }
    return out


# --------------------------------------------------------------------------- sidecar


def _sidecar(device: VirtualDevice) -> dict[str, Any]:
    path = device.directory / RESALE_FILE
    if not path.exists():
        return {}
    try:
        raw = read_json(path, "resale state")
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


def _save_sidecar(device: VirtualDevice, data: dict[str, Any]) -> None:
    write_json_atomic(device.directory / RESALE_FILE, data, mode=SECRET_MODE)


def _factory_settings(device: VirtualDevice) -> dict[str, Any]:
    stored = _sidecar(device).get("factory_settings")
    return dict(stored) if isinstance(stored, dict) else dict(device.state.settings)


def wipe_faults(device: VirtualDevice) -> list[str]:
    faults = _sidecar(device).get("faults")
    return [f for f in faults if f in WIPE_FAULTS] if isinstance(faults, list) else []


# --------------------------------------------------------------------------- occupy / wipe


async def occupy(device: VirtualDevice) -> dict[str, Any]:
    """The owner lives here: personal data of every kind appears, settings change."""
    side = _sidecar(device)
    if "factory_settings" not in side:
        side["factory_settings"] = dict(device.state.settings)
        await asyncio.to_thread(_save_sidecar, device, side)
    seed = int.from_bytes(hashlib.sha256(device.device_id.encode()).digest()[:2], "big")
    for name, n in DATA_KINDS.get(device.state.kind, ()):
        device.state.personal_data[name] = device.state.personal_data.get(name, 0) + n
    device.state.settings["owner_nickname"] = f"resident-{seed % 1000:03d}"
    device.state.settings["owner_changed"] = device.state.settings.get("owner_changed", 0) + 1
    await device.persist_state()
    return {"device_id": device.device_id, "personal_data": inventory(device)}


async def wipe(device: VirtualDevice) -> list[str]:
    """Erase everything of the home and its occupants; keep identity and firmware."""
    s = device.state
    retain = FAULT_RETAIN in wipe_faults(device)
    kinds = data_kinds(s.kind)
    s.personal_data = dict.fromkeys(kinds, 0)
    if retain and kinds:
        s.personal_data[kinds[0]] = 1
    s.settings = _factory_settings(device)
    s.provisioning = Provisioning()
    s.admin_credential_set = False
    s.operational_certificate = False
    s.acl_entries = 0
    s.network_configured = False
    s.default_credential_enabled = True
    was_commissioned = s.state is CommissioningState.COMMISSIONED
    s.state = CommissioningState.FACTORY
    for name in (OPERATIONAL_KEY_FILE, ISSUING_CA_KEY_FILE):
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread((device.directory / name).unlink)
    await device.persist_state()
    await device.after_wipe(announce=was_commissioned)
    erased = list(ERASED)
    if s.role is Role.GATEWAY:
        erased += list(GATEWAY_ERASED)
    return erased


def routes(device: VirtualDevice) -> dict[str, Route]:
    async def handler(session: _Session, request: Request) -> _Reply:
        if request.body:
            request.json()
        erased = await wipe(device)
        return _Reply(200, {"wiped": True, "erased": erased, "state": device.state.state.value,
                            "personal_data": inventory(device)})

    return {WIPE_PATH: Route("POST", Access.MANAGEMENT, handler)}


# --------------------------------------------------------------------------- control


async def handle_control(
    devices: dict[str, VirtualDevice], request: dict[str, Any]
) -> dict[str, Any]:
    """``occupy`` [device_id], ``reset`` device_id (the reset button), ``wipe-fault`` device_id
    name (``retain-recording`` or ``clear``)."""
    command, device_id = request.get("command"), request.get("device_id")
    if device_id is not None and (not isinstance(device_id, str) or device_id not in devices):
        raise CommandError("unknown-device", f"no device {str(device_id)[:64]!r} in this home")
    if command == "occupy":
        chosen = [devices[device_id]] if device_id else list(devices.values())
        results = [await occupy(d) for d in chosen]
        return {"occupied": results}
    if not isinstance(device_id, str):
        raise CommandError("bad-request", f"{command} needs a device_id")
    device = devices[device_id]
    if command == "reset":
        if not device.powered:
            raise CommandError("powered-off", f"{device_id} has no power")
        erased = await wipe(device)
        return {"device_id": device_id, "reset": True, "erased": erased,
                "state": device.state.state.value}
    name = request.get("name")
    side = _sidecar(device)
    if name == "clear":
        side["faults"] = []
    elif name in WIPE_FAULTS:
        side["faults"] = sorted({*wipe_faults(device), str(name)})
    else:
        raise CommandError("bad-fault", f"unknown wipe fault {str(name)[:40]!r}")
    await asyncio.to_thread(_save_sidecar, device, side)
    return {"device_id": device_id, "wipe_faults": wipe_faults(device)}

