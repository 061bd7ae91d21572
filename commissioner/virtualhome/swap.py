"""An installer's hands in the training home: take a device out, or put a new unit in its place.

``virtual-home ctl DIR remove DEVICE_ID`` - the device leaves the network: its power is cut for
good, its mDNS record is withdrawn and it is no longer listed in ``home.json`` or the manifest.

``virtual-home ctl DIR swap DEVICE_ID [--model MODEL]`` - a new, genuine unit takes the old one's
place: the old device leaves (as above) and a factory-fresh unit of the same model (or of
``MODEL``, another model of the home) joins with its own device id, serial, setup code and
attestation key issued by the genuine manufacturer CA, announced over mDNS, with its box label
written beside the others. Faults of the old unit (counterfeit, personal data, another home's
credentials, ...) do not come with the new one. Both are persisted in the manifest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509

from commissioner.protocol.attestation import DeviceCertFields, generate_key, key_pem
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState
from commissioner.virtualhome import labels as labels_mod
from commissioner.virtualhome.control import CommandError
from commissioner.virtualhome.device import VirtualDevice
from commissioner.virtualhome.firmware_catalog import DEVICE_SIGNER_FILE
from commissioner.virtualhome.fsutil import write_atomic, write_json_atomic
from commissioner.virtualhome.pki import CertificateAuthority, chain_pem, issue_chain, load_key
from commissioner.virtualhome.provisioning_state import Provisioning
from commissioner.virtualhome.seed import MANIFEST_FILE, TRUST_ROOTS, ManifestDevice
from commissioner.virtualhome.state import DeviceState, device_dir, save_credentials, save_state

if TYPE_CHECKING:
    from commissioner.virtualhome.home import VirtualHome

COMMANDS = ("swap", "remove")


def _genuine_ca(home_dir: Path, manufacturer: str) -> CertificateAuthority:
    """The manufacturer's own CA (its root is among the home's trust roots)."""
    trusted = x509.load_pem_x509_certificates((home_dir / TRUST_ROOTS).read_bytes())
    for d in sorted((home_dir / "pki").iterdir()):
        if d.name.startswith("rogue-") or not (d / "intermediate-key.pem").is_file():
            continue
        root = x509.load_pem_x509_certificate((d / "root.pem").read_bytes())
        if root not in trusted or manufacturer not in root.subject.rfc4514_string():
            continue
        inter = x509.load_pem_x509_certificate((d / "intermediate.pem").read_bytes())
        return CertificateAuthority(d.name, manufacturer, False, root,
                                    load_key((d / "root-key.pem").read_bytes()), inter,
                                    load_key((d / "intermediate-key.pem").read_bytes()))
    raise CommandError("no-issuer", f"no genuine CA of {manufacturer[:64]!r} in this home")


def _new_id(home: VirtualHome, old_id: str) -> str:
    stem = old_id.rsplit("-", 1)[0]
    while True:
        candidate = f"{stem}-{secrets.token_hex(3)}"
        if candidate not in home.devices:
            return candidate


def _write_unit(home_dir: Path, template: DeviceState, device_id: str) -> DeviceState:
    """A factory-fresh genuine unit of ``template``'s model as ``device_id``, with its label."""
    serial = template.serial.rsplit("-", 1)[0] + "-" + secrets.token_hex(4).upper()
    state = dataclasses.replace(
        template, device_id=device_id, serial=serial, advertised_model=template.model,
        setup_code=f"{secrets.randbelow(10**8):08d}", state=CommissioningState.FACTORY,
        default_credential_enabled=True, network_configured=False, admin_credential_set=False,
        operational_certificate=False, acl_entries=0, settings={}, personal_data={},
        provisioning=Provisioning(), injected_faults={}, faults=[], certified=True,
        commissioning_opened=0, firmware_slots=dict(template.firmware_slots))
    key = generate_key()
    ca = _genuine_ca(home_dir, template.manufacturer)
    chain = issue_chain(ca, DeviceCertFields(device_id, state.manufacturer, state.model, serial,
                                             state.kind), key)
    d = device_dir(home_dir, device_id)
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_credentials(d, key_pem(key), chain_pem(chain))
    signer = device_dir(home_dir, template.device_id) / DEVICE_SIGNER_FILE
    if signer.is_file():  # the manufacturer's firmware key, put in at manufacture
        write_atomic(d / DEVICE_SIGNER_FILE, signer.read_bytes())
    save_state(d, state)
    labels_mod.write_label(home_dir, Label(device_id, state.manufacturer, state.model, serial,
                                           state.setup_code, state.kind))
    return state


def _device(home: VirtualHome, device_id: object) -> VirtualDevice:
    if not isinstance(device_id, str):
        raise CommandError("bad-request", "this command needs a device id")
    device = home.devices.get(device_id)
    if device is None:
        raise CommandError("unknown-device", f"no device {device_id[:64]!r} in this home")
    if device_id == home.manifest.gateway.device_id:
        raise CommandError("bad-request", "the home gateway cannot be taken out here")
    return device


def _template(home: VirtualHome, old: VirtualDevice, model: object) -> DeviceState:
    if model is None:
        return old.state
    if not isinstance(model, str) or not model or len(model) > 64:
        raise CommandError("bad-request", "model must be a short model number")
    for d in home.devices.values():
        if d.state.model == model and d.state.role.value == "device":
            return d.state
    raise CommandError("unknown-model", f"no device of model {model!r} in this home to copy")


def _save_manifest(home: VirtualHome) -> None:
    write_json_atomic(home.directory / MANIFEST_FILE, home.manifest.to_json())


async def handle_control(home: VirtualHome, request: dict[str, Any]) -> dict[str, Any]:
    command = request.get("command")
    old = _device(home, request.get("device_id"))
    if command == "remove":
        await home.take_out(old.device_id)
        await asyncio.to_thread(_save_manifest, home)
        return {"device_id": old.device_id, "removed": True}
    template = _template(home, old, request.get("model"))
    new_id = _new_id(home, old.device_id)
    state = await asyncio.to_thread(_write_unit, home.directory, template, new_id)
    await home.take_out(old.device_id)
    entry = ManifestDevice(new_id, state.role.value, state.kind, state.manufacturer, state.model,
                           state.model, (), True)
    await home.put_in(VirtualDevice(device_dir(home.directory, new_id)), entry)
    await asyncio.to_thread(_save_manifest, home)
    return {"device_id": new_id, "replaces": old.device_id, "model": state.model,
            "serial": state.serial}
