"""Drift: what happens to a home after handover, played by the training home (issue 12).

``virtual-home ctl DIR drift KIND [DEVICE_ID]`` sends ``{"command": "drift", "kind",
"device_id"}`` to the running home; each kind changes the home the way it would change in
life, and nothing else:

* ``rogue-device`` - a new genuine device joins the network (announced over mDNS, listed in
  home.json) and the gateway's allow-list;
* ``downgrade`` - the device boots an older firmware version (its other slot, or an older
  version number);
* ``acl-entry`` - an extra ACL entry (the ``device`` role: another device may manage it);
* ``default-login`` - the factory default login works again;
* ``swap`` - the device is swapped for another unit of the same model: a new attestation key
  and serial, from the same manufacturer, in factory state, at the same place;
* ``offline`` - the device loses power (for an hour);
* ``revoke-model`` - the platform publishes a new catalog in which the device's model is
  revoked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol.attestation import DeviceCertFields, generate_key, key_pem
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState
from commissioner.virtualhome.catalog_host import manufacturer_roots
from commissioner.virtualhome.catalog_publisher import (
    VIRTUAL_HOME_CATALOG_DATA,
    publish_virtual_home_catalog,
)
from commissioner.virtualhome.control import CommandError
from commissioner.virtualhome.device import VirtualDevice
from commissioner.virtualhome.firmware_catalog import prepare_firmware
from commissioner.virtualhome.fsutil import write_atomic
from commissioner.virtualhome.labels import write_label
from commissioner.virtualhome.pki import CertificateAuthority, chain_pem, issue_chain, load_key
from commissioner.virtualhome.provisioning_state import OPERATIONAL_KEY_FILE, Provisioning
from commissioner.virtualhome.seed import TRUST_ROOTS
from commissioner.virtualhome.state import (
    CHAIN_FILE,
    RATE_LIMITER_FILE,
    device_dir,
    save_credentials,
    save_state,
)

if TYPE_CHECKING:
    from commissioner.virtualhome.home import VirtualHome

DRIFT_KINDS: Final = ("rogue-device", "downgrade", "acl-entry", "default-login", "swap",
                      "offline", "revoke-model")
OFFLINE_S: Final = 3600.0


def _device(home: VirtualHome, device_id: object) -> VirtualDevice:
    if not isinstance(device_id, str):
        raise CommandError("bad-request", "this drift needs a device id")
    device = home.devices.get(device_id)
    if device is None:
        raise CommandError("unknown-device", f"no device {device_id[:64]!r} in this home")
    return device


def _issuer_of(home_dir: Path, device: VirtualDevice) -> CertificateAuthority:
    """The manufacturer CA that issued ``device``'s attestation chain (from pki/)."""
    chain = x509.load_pem_x509_certificates((device.directory / CHAIN_FILE).read_bytes())
    issuer = chain[1] if len(chain) > 1 else None
    for d in sorted((home_dir / "pki").iterdir()):
        if not (d / "intermediate.pem").is_file() or not (d / "intermediate-key.pem").is_file():
            continue
        inter = x509.load_pem_x509_certificate((d / "intermediate.pem").read_bytes())
        if issuer is not None and inter == issuer:
            root = x509.load_pem_x509_certificate((d / "root.pem").read_bytes())
            return CertificateAuthority(d.name, device.state.manufacturer, False, root,
                                        load_key((d / "root-key.pem").read_bytes()), inter,
                                        load_key((d / "intermediate-key.pem").read_bytes()))
    raise CommandError("no-issuer", f"{device.device_id}: its manufacturer CA is not here")


def _new_unit(home_dir: Path, template: VirtualDevice, device_id: str, *,
              boxed: bool = False) -> None:
    """Write a factory-fresh unit of ``template``'s model as ``device_id`` (``boxed``: its box
    label too, replacing the label of the unit it takes the place of)."""
    s = template.state
    serial = s.serial.rsplit("-", 1)[0] + "-" + secrets.token_hex(4).upper()
    state = dataclasses.replace(
        s, device_id=device_id, serial=serial, setup_code=f"{secrets.randbelow(10**8):08d}",
        state=CommissioningState.FACTORY, default_credential_enabled=True,
        network_configured=False, admin_credential_set=False, operational_certificate=False,
        acl_entries=0, settings={}, personal_data={}, provisioning=Provisioning(),
        injected_faults={}, faults=[], commissioning_opened=0)
    key: ec.EllipticCurvePrivateKey = generate_key()
    chain = issue_chain(_issuer_of(home_dir, template),
                        DeviceCertFields(device_id, s.manufacturer, s.model, serial, s.kind), key)
    d = device_dir(home_dir, device_id)
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in (OPERATIONAL_KEY_FILE, RATE_LIMITER_FILE):
        (d / stale).unlink(missing_ok=True)
    save_credentials(d, key_pem(key), chain_pem(chain))
    save_state(d, state)
    if boxed:
        write_label(home_dir, Label(device_id=device_id, manufacturer=s.manufacturer,
                                    model=s.model, serial=serial,
                                    setup_code=state.setup_code, kind=s.kind))


async def apply_drift(home: VirtualHome, request: dict[str, Any]) -> dict[str, Any]:
    kind, device_id = request.get("kind"), request.get("device_id")
    if kind not in DRIFT_KINDS:
        raise CommandError("bad-drift", f"unknown drift {str(kind)[:32]!r}; one of "
                           + ", ".join(DRIFT_KINDS))
    if kind == "rogue-device":
        return await _rogue(home, device_id)
    device = _device(home, device_id)
    if kind == "offline":
        return await home.power_cycle(device.device_id, OFFLINE_S)
    if kind == "revoke-model":
        return await _revoke(home, device)
    if kind == "swap":
        port = device.port
        await device.power_off()
        await asyncio.to_thread(functools.partial(_new_unit, home.directory, device,
                                                  device.device_id, boxed=True))
        await device.power_on(port)
        await home.announce(device)
        return {"device_id": device.device_id, "serial": device.state.serial}
    s = device.state
    if kind == "default-login":
        s.default_credential_enabled = True
    elif kind == "acl-entry":
        s.provisioning.acl_entries.append({"role": "device"})
    elif kind == "downgrade":
        other = "b" if s.active_slot == "a" else "a"
        older = s.firmware_slots.get(other)
        if older is None or older == s.firmware:
            parts = s.firmware.split(".")
            parts[-1] = str(max(0, int(parts[-1]) - 1)) if parts[-1] != "0" else "0"
            if parts[-1] == "0" and s.firmware.endswith(".0"):
                parts = ["0", "9", "0"]
            older = ".".join(parts)
            s.firmware_slots[other] = older
        s.active_slot = other
    await device.persist_state()
    return {"device_id": device.device_id, "kind": kind}


async def _rogue(home: VirtualHome, requested: object) -> dict[str, Any]:
    templates = [d for d in home.devices.values() if d.state.role.value == "device"]
    if not templates:
        raise CommandError("no-template", "the home has no device to copy a model from")
    template = templates[0]
    device_id = requested if isinstance(requested, str) else \
        f"{template.device_id.rsplit('-', 1)[0]}-{secrets.token_hex(3)}"
    if device_id in home.devices:
        raise CommandError("bad-request", f"{device_id} is already in this home")
    await asyncio.to_thread(_new_unit, home.directory, template, device_id)
    device = VirtualDevice(device_dir(home.directory, device_id))
    await home.add_device(device, template_id=template.device_id)
    gateway = home.devices[home.manifest.gateway.device_id]
    gateway.state.provisioning.allow_list.append(
        {"device_id": device_id, "fingerprint": secrets.token_hex(32)})
    await gateway.persist_state()
    return {"device_id": device_id, "model": device.state.model}


async def _revoke(home: VirtualHome, device: VirtualDevice) -> dict[str, Any]:
    model = device.state.model
    data = json.loads(VIRTUAL_HOME_CATALOG_DATA.read_text(encoding="utf-8"))
    found = False
    for m in data.get("certified_models", []):
        if m.get("model_number") == model:
            m["revoked"], m["revoked_reason"] = True, "vulnerability reported after sale"
            found = True
    if not found:
        raise CommandError("unknown-model", f"model {model} is not in the catalog")
    drift_file = home.directory / "catalog" / "drift-catalog.json"
    write_atomic(drift_file, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    def publish() -> None:
        roots = manufacturer_roots(home.directory / TRUST_ROOTS)
        firmware = prepare_firmware(home.directory)
        publish_virtual_home_catalog(home.directory, roots, data_file=drift_file,
                                     firmware=firmware.index, firmware_images=firmware.images)

    await asyncio.to_thread(publish)
    return {"model": model, "revoked": True}
