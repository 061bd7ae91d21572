"""Persistent state of one virtual device, kept in ``DIR/devices/<device_id>/``.

Files (all mode 0600, written atomically):

* ``state.json``        identity, setup code, commissioning state, config, firmware slots,
                         default-credential flag, personal-data counts, scenario faults
* ``key.pem``           the device's P-256 attestation private key (PKCS#8 PEM)
* ``chain.pem``         attestation certificate chain, leaf first (then the intermediate)
* ``rate-limiter.json`` the wrong-code counter (survives power cycles; one per device, shared
                         by its BLE and TLS paths: :mod:`.wrong_code_counter`)
* ``operational-key.pem`` the operational P-256 key made for the CSR (provisioning)
* ``issuing-ca-key.pem`` the gateway's owner-issuing CA key (gateway only, once installed)

``state.json`` also holds the provisioning state (``provisioning``: admin verifier, CSR,
operational certificate, ACL, gateway allow-list and invitations) and the fault hooks set
through the control channel (``injected_faults``); see :mod:`.provisioning_state`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    FIRMWARE_VERSION_RE,
    SETUP_CODE_RE,
    CommissioningState,
    Role,
)
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_atomic, write_json_atomic
from commissioner.virtualhome.provisioning_state import Provisioning, parse_injected_faults

STATE_FORMAT: Final = 1
STATE_FILE: Final = "state.json"
KEY_FILE: Final = "key.pem"
CHAIN_FILE: Final = "chain.pem"
RATE_LIMITER_FILE: Final = "rate-limiter.json"


class StateError(ValueError):
    """A device state directory is missing or damaged."""


@dataclass(slots=True)
class DeviceState:
    device_id: str
    role: Role
    kind: str
    manufacturer: str
    model: str  # the model in the attestation certificate
    advertised_model: str  # what the device reports (differs only for model-mismatch)
    serial: str
    setup_code: str
    firmware_slots: dict[str, str | None]
    active_slot: str
    state: CommissioningState
    default_credential_enabled: bool
    network_configured: bool = False
    admin_credential_set: bool = False
    operational_certificate: bool = False
    acl_entries: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    personal_data: dict[str, int] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    certified: bool = True
    commissioning_opened: int = 0  # times POST /v1/commissioning/open succeeded
    provisioning: Provisioning = field(default_factory=Provisioning)
    injected_faults: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def firmware(self) -> str:
        version = self.firmware_slots.get(self.active_slot)
        if version is None:  # pragma: no cover - guarded by validation
            raise StateError(f"{self.device_id}: active slot {self.active_slot} is empty")
        return version

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "device_id": self.device_id,
            "role": self.role.value,
            "kind": self.kind,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "advertised_model": self.advertised_model,
            "serial": self.serial,
            "setup_code": self.setup_code,
            "firmware_slots": dict(self.firmware_slots),
            "active_slot": self.active_slot,
            "state": self.state.value,
            "default_credential_enabled": self.default_credential_enabled,
            "network_configured": self.network_configured,
            "admin_credential_set": self.admin_credential_set,
            "operational_certificate": self.operational_certificate,
            "acl_entries": self.acl_entries,
            "settings": dict(self.settings),
            "personal_data": dict(self.personal_data),
            "faults": list(self.faults),
            "certified": self.certified,
            "commissioning_opened": self.commissioning_opened,
            "provisioning": self.provisioning.to_json(),
            "injected_faults": {k: dict(v) for k, v in self.injected_faults.items()},
        }

    @classmethod
    def from_json(cls, raw: object, source: str) -> DeviceState:
        def fail(msg: str) -> StateError:
            return StateError(f"device state {source}: {msg}")

        if not isinstance(raw, dict):
            raise fail("not a JSON object")
        if raw.get("format") != STATE_FORMAT:
            raise fail(f"unsupported format {raw.get('format')!r}")

        def s(key: str) -> str:
            v = raw.get(key)
            if not isinstance(v, str) or not v:
                raise fail(f"{key} must be a non-empty string")
            return v

        def b(key: str) -> bool:
            v = raw.get(key)
            if not isinstance(v, bool):
                raise fail(f"{key} must be a boolean")
            return v

        device_id = s("device_id")
        if not DEVICE_ID_RE.fullmatch(device_id):
            raise fail("device_id is not valid")
        setup_code = s("setup_code")
        if not SETUP_CODE_RE.fullmatch(setup_code):
            raise fail("setup_code must be 8 digits")
        slots = raw.get("firmware_slots")
        if not isinstance(slots, dict) or not all(
            isinstance(k, str)
            and (v is None or (isinstance(v, str) and FIRMWARE_VERSION_RE.fullmatch(v)))
            for k, v in slots.items()
        ):
            raise fail("firmware_slots must map slot names to versions or null")
        active = s("active_slot")
        if slots.get(active) is None:
            raise fail(f"active slot {active!r} is empty")
        acl = raw.get("acl_entries")
        if isinstance(acl, bool) or not isinstance(acl, int) or acl < 0:
            raise fail("acl_entries must be a non-negative integer")
        settings = raw.get("settings")
        if not isinstance(settings, dict):
            raise fail("settings must be an object")
        personal = raw.get("personal_data")
        if not isinstance(personal, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in personal.items()
        ):
            raise fail("personal_data must map names to counts")
        faults = raw.get("faults")
        if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
            raise fail("faults must be a list of strings")
        opened = raw.get("commissioning_opened", 0)
        if isinstance(opened, bool) or not isinstance(opened, int) or opened < 0:
            raise fail("commissioning_opened must be a non-negative integer")
        try:
            role = Role(s("role"))
            state = CommissioningState(s("state"))
            provisioning = Provisioning.from_json(raw.get("provisioning"))
            injected = parse_injected_faults(raw.get("injected_faults"))
        except ValueError as exc:
            raise fail(str(exc)) from None
        return cls(
            device_id=device_id,
            role=role,
            kind=s("kind"),
            manufacturer=s("manufacturer"),
            model=s("model"),
            advertised_model=s("advertised_model"),
            serial=s("serial"),
            setup_code=setup_code,
            firmware_slots=dict(slots),
            active_slot=active,
            state=state,
            default_credential_enabled=b("default_credential_enabled"),
            network_configured=b("network_configured"),
            admin_credential_set=b("admin_credential_set"),
            operational_certificate=b("operational_certificate"),
            acl_entries=acl,
            settings=dict(settings),
            personal_data=dict(personal),
            faults=list(faults),
            certified=b("certified"),
            commissioning_opened=opened,
            provisioning=provisioning,
            injected_faults=injected,
        )


@dataclass(frozen=True, slots=True)
class DeviceFiles:
    """Everything a device needs at power-on, read from its state directory."""

    state: DeviceState
    key_pem: bytes
    chain_pem: bytes
    rate_limiter: dict[str, Any] | None


def device_dir(home_dir: Path, device_id: str) -> Path:
    return home_dir / "devices" / device_id


def save_state(directory: Path, state: DeviceState) -> None:
    write_json_atomic(directory / STATE_FILE, state.to_json(), mode=SECRET_MODE)


def save_credentials(directory: Path, key_pem: bytes, chain_pem: bytes) -> None:
    write_atomic(directory / KEY_FILE, key_pem, mode=SECRET_MODE)
    write_atomic(directory / CHAIN_FILE, chain_pem, mode=SECRET_MODE)


_LIMITER_LOCK = threading.Lock()  # one writer of rate-limiter.json at a time in this process


def _generation(data: object) -> int:
    value = data.get("generation") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def save_rate_limiter(directory: Path, limiter_state: dict[str, Any]) -> None:
    """Write the wrong-code counter. A state carrying a ``generation`` older than the file's
    is stale (a snapshot taken before the other path counted) and is not written."""
    with _LIMITER_LOCK:
        if "generation" in limiter_state:
            try:
                current = load_rate_limiter(directory)
            except ValueError:
                current = None
            if current is not None and _generation(limiter_state) < _generation(current):
                return
        write_json_atomic(directory / RATE_LIMITER_FILE, limiter_state, mode=SECRET_MODE)


def load_rate_limiter(directory: Path) -> dict[str, Any] | None:
    """The persisted wrong-code counter (None if never written); ValueError if damaged."""
    path = directory / RATE_LIMITER_FILE
    if not path.exists():
        return None
    raw = read_json(path, "rate limiter state")
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not a JSON object")
    return raw


def load_device(directory: Path) -> DeviceFiles:
    """Read a device's state directory; raises :class:`StateError` naming what is wrong."""
    try:
        raw = read_json(directory / STATE_FILE, "device state")
    except ValueError as exc:
        raise StateError(str(exc)) from None
    state = DeviceState.from_json(raw, str(directory / STATE_FILE))
    if state.device_id != directory.name:
        raise StateError(f"{directory}: state is for device {state.device_id!r}")
    try:
        key_pem = (directory / KEY_FILE).read_bytes()
        chain_pem = (directory / CHAIN_FILE).read_bytes()
    except OSError as exc:
        raise StateError(f"{directory}: cannot read key or certificate chain: {exc}") from None
    try:
        limiter = load_rate_limiter(directory)
    except ValueError as exc:
        raise StateError(str(exc)) from None
    return DeviceFiles(state, key_pem, chain_pem, limiter)
