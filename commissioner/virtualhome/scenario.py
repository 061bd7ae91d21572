"""Scenarios: JSON data files that describe the homes the virtual home can build.

A scenario lives in ``resources/scenarios/<name>.json`` (the resources folder is
``$COMMISSIONER_RESOURCES`` when set, else the repository's ``resources/``). Format 1::

    {
      "format": 1,
      "name": "standard",                   # must equal the file name
      "description": "...",
      "training": true,                     # optional, default true
      "count": 12,                          # optional default device count (default: len(devices))
      "manufacturers": [
        {"key": "sakura", "name": "Sakura Denki", "id_prefix": "skr", "serial_prefix": "SKR"}
      ],
      "gateway": {"manufacturer": "minato", "model": "MN-GW100", "firmware": "2.1.0"},
      "devices": [                          # device templates, used in order, cycling
        {"kind": "air-conditioner", "manufacturer": "sakura", "model": "SD-AC2400",
         "firmware": "1.2.0",               # optional, default 1.2.0
         "state": "factory",                # optional: factory | commissioned
         "default_credential_enabled": true,  # optional, default: state == factory
         "personal_data": {"recordings": 3},  # optional counts
         "settings": {...},                 # optional, default per kind
         "advertised_model": "SD-AC9000",   # only with the model-mismatch fault
         "faults": ["model-mismatch"],      # optional, see FAULTS
         "ble": "only"}                     # optional: "only" (BLE until onboarded) | "both"
      ]
    }

Device generator: ``--devices N`` builds N devices from the templates in order, cycling
(device ``i`` uses ``devices[i % len(devices)]``); every device gets its own id, serial,
setup code and key. Without ``--devices`` the scenario's ``count`` is used. Loading is strict:
unknown keys, wrong types and inconsistent fault data are errors naming the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from commissioner.errors import UserError
from commissioner.protocol.spec import (
    FIRMWARE_VERSION_RE,
    NAME_RE,
    CommissioningState,
    DeviceKind,
)
from commissioner.resources import resources_dir
from commissioner.virtualhome.fsutil import read_json

SCENARIO_FORMAT: Final = 1
DEFAULT_FIRMWARE: Final = "1.2.0"

COUNTERFEIT_SELF_SIGNED: Final = "counterfeit-self-signed"
COUNTERFEIT_UNKNOWN_CA: Final = "counterfeit-unknown-ca"
UNCERTIFIED_MODEL: Final = "uncertified-model"
MODEL_MISMATCH: Final = "model-mismatch"
OUTDATED_FIRMWARE: Final = "outdated-firmware"
DEFAULT_PASSWORD: Final = "default-password"  # noqa: S105 - a fault name
PERSONAL_DATA: Final = "personal-data"
# BLE (issue 7): see virtualhome/ble_device.py
BLE_VANISH: Final = "ble-vanish"
BLE_GATT_ERROR: Final = "ble-gatt-error"
BLE_FAULTS: Final = frozenset({BLE_VANISH, BLE_GATT_ERROR})
BLE_MODES: Final = frozenset({"only", "both"})  # "ble": BLE-only until onboarded, or BLE + LAN
FAULTS: Final = frozenset(
    {
        COUNTERFEIT_SELF_SIGNED,
        COUNTERFEIT_UNKNOWN_CA,
        UNCERTIFIED_MODEL,
        MODEL_MISMATCH,
        OUTDATED_FIRMWARE,
        DEFAULT_PASSWORD,
        PERSONAL_DATA,
    }
)
DEVICE_KINDS: Final = frozenset(k.value for k in DeviceKind if k is not DeviceKind.GATEWAY)
MAX_DEVICES: Final = 500

DEFAULT_SETTINGS: Final[Mapping[str, Mapping[str, Any]]] = {
    "air-conditioner": {"mode": "auto", "target_temp_c": 26, "remote_control": True},
    "water-heater": {"target_temp_c": 42, "eco_mode": True},
    "electric-lock": {"auto_lock_s": 30, "remote_unlock": False},
    "shutter": {"schedule": "none", "obstacle_detection": True},
    "hems-controller": {"cloud_upload": False, "report_interval_min": 30},
    "camera": {"recording": "motion", "cloud_upload": False},
    "lighting": {"scenes": 4, "remote_control": True},
    "storage-battery": {"mode": "self-consumption", "reserve_percent": 30},
    "gateway": {"remote_access": False, "upnp": False},
}


class ScenarioError(UserError):
    """A scenario file is missing or malformed; the message names the field."""


def scenarios_dir() -> Path:
    return resources_dir() / "scenarios"


@dataclass(frozen=True, slots=True)
class Manufacturer:
    key: str
    name: str
    id_prefix: str
    serial_prefix: str


@dataclass(frozen=True, slots=True)
class GatewayTemplate:
    manufacturer: str
    model: str
    firmware: str


@dataclass(frozen=True, slots=True)
class DeviceTemplate:
    kind: str
    manufacturer: str
    model: str
    firmware: str = DEFAULT_FIRMWARE
    state: CommissioningState = CommissioningState.FACTORY
    default_credential_enabled: bool = True
    personal_data: Mapping[str, int] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    advertised_model: str | None = None
    faults: frozenset[str] = frozenset()
    ble: str | None = None  # None (LAN only), "only" or "both"

    @property
    def certified(self) -> bool:
        """False for the uncertified-model fault (the catalog will not list the model)."""
        return UNCERTIFIED_MODEL not in self.faults


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    training: bool
    count: int
    manufacturers: Mapping[str, Manufacturer]
    gateway: GatewayTemplate
    devices: tuple[DeviceTemplate, ...]

    def pick(self, n: int | None = None) -> list[DeviceTemplate]:
        """The templates of ``n`` devices (default ``count``): templates in order, cycling."""
        total = self.count if n is None else n
        if total < 1 or total > MAX_DEVICES:
            raise ScenarioError(f"number of devices must be 1..{MAX_DEVICES}, not {total}")
        return [self.devices[i % len(self.devices)] for i in range(total)]

    def manufacturer(self, key: str) -> Manufacturer:
        return self.manufacturers[key]


def available_scenarios() -> list[str]:
    directory = scenarios_dir()
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.json"))


def load_scenario(name: str) -> Scenario:
    """Load ``resources/scenarios/<name>.json`` strictly."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ScenarioError(f"invalid scenario name {name!r}")
    path = scenarios_dir() / f"{name}.json"
    if not path.is_file():
        known = ", ".join(available_scenarios()) or "none"
        raise ScenarioError(
            f"unknown scenario {name!r} (no file {path})", hint=f"available scenarios: {known}"
        )
    return load_scenario_file(path, expected_name=name)


def load_scenario_file(path: Path, *, expected_name: str | None = None) -> Scenario:
    try:
        raw = read_json(path, "scenario file")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    return parse_scenario(raw, source=str(path), expected_name=expected_name)


# --- strict parsing ----------------------------------------------------------------------


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"scenario {self.source}: {where}: {message}")


def _obj(
    ctx: _Ctx, value: object, where: str, required: set[str], optional: set[str]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ctx.fail(where, "must be a JSON object")
    missing = sorted(required - value.keys())
    if missing:
        raise ctx.fail(where, f"missing key(s) {', '.join(missing)}")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise ctx.fail(where, f"unknown key(s) {', '.join(unknown)}")
    return value


def _str(ctx: _Ctx, value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ctx.fail(where, "must be a non-empty string")
    return value


def _name(ctx: _Ctx, value: object, where: str) -> str:
    text = _str(ctx, value, where)
    if not NAME_RE.fullmatch(text):
        raise ctx.fail(where, f"{text!r} is not a valid name (letters, digits, ' ._/+()-')")
    return text


def _bool(ctx: _Ctx, value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(where, "must be true or false")
    return value


def _int(ctx: _Ctx, value: object, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ctx.fail(where, f"must be an integer {lo}..{hi}")
    return value


def _firmware(ctx: _Ctx, value: object, where: str) -> str:
    text = _str(ctx, value, where)
    if not FIRMWARE_VERSION_RE.fullmatch(text):
        raise ctx.fail(where, f"{text!r} is not a firmware version like 1.2.0")
    return text


_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _manufacturer(ctx: _Ctx, value: object, where: str) -> Manufacturer:
    obj = _obj(ctx, value, where, {"key", "name", "id_prefix", "serial_prefix"}, set())
    key = _str(ctx, obj["key"], f"{where}.key")
    prefix = _str(ctx, obj["id_prefix"], f"{where}.id_prefix")
    if not (2 <= len(prefix) <= 8 and set(prefix) <= _PREFIX_CHARS):
        raise ctx.fail(f"{where}.id_prefix", "must be 2-8 lowercase letters or digits")
    serial_prefix = _str(ctx, obj["serial_prefix"], f"{where}.serial_prefix")
    if not (2 <= len(serial_prefix) <= 8 and serial_prefix.isalnum() and serial_prefix.isupper()):
        raise ctx.fail(f"{where}.serial_prefix", "must be 2-8 uppercase letters or digits")
    return Manufacturer(key, _name(ctx, obj["name"], f"{where}.name"), prefix, serial_prefix)


_DEVICE_REQUIRED = {"kind", "manufacturer", "model"}
_DEVICE_OPTIONAL = {
    "firmware",
    "state",
    "default_credential_enabled",
    "personal_data",
    "settings",
    "advertised_model",
    "faults",
    "ble",
}


def _device(
    ctx: _Ctx, value: object, where: str, manufacturers: Mapping[str, Manufacturer]
) -> DeviceTemplate:
    obj = _obj(ctx, value, where, _DEVICE_REQUIRED, _DEVICE_OPTIONAL)
    kind = _str(ctx, obj["kind"], f"{where}.kind")
    if kind not in DEVICE_KINDS:
        raise ctx.fail(f"{where}.kind", f"unknown device kind {kind!r}")
    mfr = _str(ctx, obj["manufacturer"], f"{where}.manufacturer")
    if mfr not in manufacturers:
        raise ctx.fail(f"{where}.manufacturer", f"no manufacturer with key {mfr!r}")
    model = _name(ctx, obj["model"], f"{where}.model")
    firmware = _firmware(ctx, obj.get("firmware", DEFAULT_FIRMWARE), f"{where}.firmware")
    state_text = _str(ctx, obj.get("state", "factory"), f"{where}.state")
    try:
        state = CommissioningState(state_text)
    except ValueError:
        raise ctx.fail(f"{where}.state", "must be 'factory' or 'commissioned'") from None
    default_cred = _bool(
        ctx,
        obj.get("default_credential_enabled", state is CommissioningState.FACTORY),
        f"{where}.default_credential_enabled",
    )
    pd_raw = obj.get("personal_data", {})
    if not isinstance(pd_raw, dict):
        raise ctx.fail(f"{where}.personal_data", "must be an object of counts")
    personal = {
        _str(ctx, k, f"{where}.personal_data"): _int(
            ctx, v, f"{where}.personal_data.{k}", 0, 10_000_000
        )
        for k, v in pd_raw.items()
    }
    settings_raw = obj.get("settings", DEFAULT_SETTINGS[kind])
    if not isinstance(settings_raw, dict):
        raise ctx.fail(f"{where}.settings", "must be an object")
    advertised = obj.get("advertised_model")
    if advertised is not None:
        advertised = _name(ctx, advertised, f"{where}.advertised_model")
    faults_raw = obj.get("faults", [])
    if not isinstance(faults_raw, list):
        raise ctx.fail(f"{where}.faults", "must be a list")
    faults: set[str] = set()
    for i, f in enumerate(faults_raw):
        text = _str(ctx, f, f"{where}.faults[{i}]")
        if text not in FAULTS and text not in BLE_FAULTS:
            raise ctx.fail(f"{where}.faults[{i}]", f"unknown fault {text!r}")
        if text in faults:
            raise ctx.fail(f"{where}.faults[{i}]", f"fault {text!r} listed twice")
        faults.add(text)
    # Consistency between faults and data.
    if {COUNTERFEIT_SELF_SIGNED, COUNTERFEIT_UNKNOWN_CA} <= faults:
        raise ctx.fail(f"{where}.faults", "a device is counterfeit in one way only")
    if (MODEL_MISMATCH in faults) != (advertised is not None and advertised != model):
        raise ctx.fail(
            f"{where}.advertised_model",
            "model-mismatch needs an advertised_model different from model, and only then",
        )
    if DEFAULT_PASSWORD in faults and not (
        state is CommissioningState.COMMISSIONED and default_cred
    ):
        raise ctx.fail(
            f"{where}.faults",
            "default-password needs state 'commissioned' and default_credential_enabled true",
        )
    if state is CommissioningState.COMMISSIONED and default_cred and DEFAULT_PASSWORD not in faults:
        raise ctx.fail(
            f"{where}.faults", "commissioned with default credential: add default-password"
        )
    if (PERSONAL_DATA in faults) != any(personal.values()):
        raise ctx.fail(
            f"{where}.personal_data", "personal-data fault needs non-zero counts, and only then"
        )
    if OUTDATED_FIRMWARE in faults and "firmware" not in obj:
        raise ctx.fail(f"{where}.firmware", "outdated-firmware needs an explicit firmware version")
    ble = obj.get("ble")
    if ble is not None and ble not in BLE_MODES:
        raise ctx.fail(f"{where}.ble", "must be 'only' or 'both'")
    if faults & BLE_FAULTS and ble is None:
        raise ctx.fail(f"{where}.faults", "BLE faults need a BLE device (\"ble\")")
    return DeviceTemplate(
        kind=kind,
        manufacturer=mfr,
        model=model,
        firmware=firmware,
        state=state,
        default_credential_enabled=default_cred,
        personal_data=personal,
        settings=dict(settings_raw),
        advertised_model=advertised,
        faults=frozenset(faults),
        ble=ble,
    )


def parse_scenario(
    raw: object, *, source: str = "<scenario>", expected_name: str | None = None
) -> Scenario:
    ctx = _Ctx(source)
    obj = _obj(
        ctx,
        raw,
        "top level",
        {"format", "name", "manufacturers", "gateway", "devices"},
        {"description", "training", "count"},
    )
    if obj["format"] != SCENARIO_FORMAT:
        raise ctx.fail(
            "format", f"unsupported format {obj['format']!r} (expected {SCENARIO_FORMAT})"
        )
    name = _str(ctx, obj["name"], "name")
    if expected_name is not None and name != expected_name:
        raise ctx.fail("name", f"{name!r} does not match the file name {expected_name!r}")
    description = obj.get("description", "")
    if not isinstance(description, str):
        raise ctx.fail("description", "must be a string")
    training = _bool(ctx, obj.get("training", True), "training")
    mfr_list = obj["manufacturers"]
    if not isinstance(mfr_list, list) or not mfr_list:
        raise ctx.fail("manufacturers", "must be a non-empty list")
    manufacturers: dict[str, Manufacturer] = {}
    prefixes: set[str] = set()
    for i, m in enumerate(mfr_list):
        mfr = _manufacturer(ctx, m, f"manufacturers[{i}]")
        if mfr.key in manufacturers:
            raise ctx.fail(f"manufacturers[{i}].key", f"duplicate key {mfr.key!r}")
        if mfr.id_prefix in prefixes:
            raise ctx.fail(f"manufacturers[{i}].id_prefix", f"duplicate prefix {mfr.id_prefix!r}")
        manufacturers[mfr.key] = mfr
        prefixes.add(mfr.id_prefix)
    gw = _obj(ctx, obj["gateway"], "gateway", {"manufacturer", "model"}, {"firmware"})
    gw_mfr = _str(ctx, gw["manufacturer"], "gateway.manufacturer")
    if gw_mfr not in manufacturers:
        raise ctx.fail("gateway.manufacturer", f"no manufacturer with key {gw_mfr!r}")
    gateway = GatewayTemplate(
        gw_mfr,
        _name(ctx, gw["model"], "gateway.model"),
        _firmware(ctx, gw.get("firmware", DEFAULT_FIRMWARE), "gateway.firmware"),
    )
    dev_list = obj["devices"]
    if not isinstance(dev_list, list) or not dev_list:
        raise ctx.fail("devices", "must be a non-empty list")
    devices = tuple(_device(ctx, d, f"devices[{i}]", manufacturers) for i, d in enumerate(dev_list))
    count = _int(ctx, obj.get("count", len(devices)), "count", 1, MAX_DEVICES)
    return Scenario(name, description, training, count, manufacturers, gateway, devices)
