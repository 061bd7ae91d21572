"""Seeding a virtual home: the manifest (ground truth) and a fresh state directory.

A new ``DIR`` is filled from a scenario: the manufacturer (and rogue) CAs, the trust roots,
every device's state, attestation chain and label, and last the manifest
``virtual-home.json``, whose presence marks the home as complete. :func:`prepare_home`
applies the restart rule of :mod:`.home` (an existing home must match the request).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from commissioner.errors import UserError
from commissioner.protocol.attestation import DeviceCertFields, cert_pem, generate_key, key_pem
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState, Role
from commissioner.virtualhome import ble_home as ble_home_mod
from commissioner.virtualhome import labels as labels_mod
from commissioner.virtualhome.fsutil import read_json, write_atomic, write_json_atomic
from commissioner.virtualhome.gateway import GATEWAY_KIND, gateway_state
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
