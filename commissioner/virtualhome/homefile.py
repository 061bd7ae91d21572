"""``DIR/home.json``: how the app finds a running virtual home.

Format 1::

    {"format": 1,
     "gateway": {"device_id", "host", "port"},
     "devices": [{"device_id", "kind", "manufacturer", "model", "host", "port",
                  "label": "labels/<id>.json"}],
     "labels_dir": "labels", "trust_roots": "trust/manufacturer-roots.pem",
     "mdns": {"interfaces": ["127.0.0.1"]}, "control": {"host", "port"},
     "catalog_url": null, "scenario": "<name>",
     "ble": {"transport": "tcp-client:127.0.0.1:PORT", "network": "lan/network.json",
             "devices": [{"device_id", "address", "mode", "on_network"}]}}   # optional

``ble`` is present only when the home has BLE devices (see ble_home.py); a BLE-only device
that is not on the LAN yet is listed there and not in ``devices``.

Paths are relative to the directory holding home.json. ``model`` is the model the device
advertises. The file is rewritten (atomically) every time the home starts, since ports change.

docs/training-home.md documents every key and the limits a reader enforces (at most 1 MiB,
nesting depth at most 32, every host loopback); :func:`write_home_file` refuses to write a
file that breaks them.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from commissioner.errors import UserError
from commissioner.virtualhome.fsutil import read_json, write_json_atomic

HOME_FILE: Final = "home.json"
HOME_FORMAT: Final = 1
MAX_HOME_FILE_BYTES: Final = 1 << 20  # readers refuse larger files (docs/training-home.md)
MAX_JSON_DEPTH: Final = 32


class HomeFileError(UserError):
    """home.json is missing or malformed."""


@dataclass(frozen=True, slots=True)
class GatewayEntry:
    device_id: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    device_id: str
    kind: str
    manufacturer: str
    model: str
    host: str
    port: int
    label: str  # relative to the home directory


@dataclass(frozen=True, slots=True)
class BleDeviceEntry:
    device_id: str
    address: str
    mode: str  # "only" | "both"
    on_network: bool


@dataclass(frozen=True, slots=True)
class BleEntry:
    transport: str  # Bumble HCI transport of the home's emulated controller (loopback TCP)
    network: str  # relative path of the virtual LAN's network file
    devices: tuple[BleDeviceEntry, ...]


@dataclass(frozen=True, slots=True)
class HomeFile:
    directory: Path  # the directory holding home.json (not stored in the file)
    gateway: GatewayEntry
    devices: tuple[DeviceEntry, ...]
    labels_dir: str
    trust_roots: str
    mdns_interfaces: tuple[str, ...]
    control_host: str
    control_port: int
    catalog_url: str | None
    scenario: str
    format: int = HOME_FORMAT
    ble: BleEntry | None = None
    echonet: dict[str, Any] | None = None  # ECHONET Lite equipment (echonet_home.py)

    @property
    def trust_roots_path(self) -> Path:
        return self.directory / self.trust_roots

    @property
    def labels_path(self) -> Path:
        return self.directory / self.labels_dir

    def label_path(self, device_id: str) -> Path:
        for d in self.devices:
            if d.device_id == device_id:
                return self.directory / d.label
        if device_id == self.gateway.device_id or (
            self.ble is not None and any(b.device_id == device_id for b in self.ble.devices)
        ):
            return self.labels_path / f"{device_id}.json"
        raise KeyError(device_id)

    def device(self, device_id: str) -> DeviceEntry:
        for d in self.devices:
            if d.device_id == device_id:
                return d
        raise KeyError(device_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "gateway": {
                "device_id": self.gateway.device_id,
                "host": self.gateway.host,
                "port": self.gateway.port,
            },
            "devices": [
                {
                    "device_id": d.device_id,
                    "kind": d.kind,
                    "manufacturer": d.manufacturer,
                    "model": d.model,
                    "host": d.host,
                    "port": d.port,
                    "label": d.label,
                }
                for d in self.devices
            ],
            "labels_dir": self.labels_dir,
            "trust_roots": self.trust_roots,
            "mdns": {"interfaces": list(self.mdns_interfaces)},
            "control": {"host": self.control_host, "port": self.control_port},
            "catalog_url": self.catalog_url,
            "scenario": self.scenario,
            **({"ble": _ble_json(self.ble)} if self.ble is not None else {}),
            **({"echonet": self.echonet} if self.echonet is not None else {}),
        }


def _ble_json(ble: BleEntry) -> dict[str, Any]:
    return {
        "transport": ble.transport,
        "network": ble.network,
        "devices": [
            {"device_id": d.device_id, "address": d.address, "mode": d.mode,
             "on_network": d.on_network}
            for d in ble.devices
        ],
    }


def write_home_file(home: HomeFile) -> Path:
    path = home.directory / HOME_FILE
    doc = home.to_json()
    check_reader_limits(doc)
    write_json_atomic(path, doc)
    return path


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def check_reader_limits(doc: dict[str, Any]) -> None:
    """Raise ValueError if ``doc`` breaks a limit readers enforce (docs/training-home.md):
    serialized size, nesting depth, and loopback hosts for the gateway, devices, control
    channel and catalog URL. A failure here is a bug in the simulator."""
    size = len((json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    if size > MAX_HOME_FILE_BYTES:
        raise ValueError(f"home.json would be {size} bytes (limit {MAX_HOME_FILE_BYTES})")
    if _depth(doc) > MAX_JSON_DEPTH:
        raise ValueError(f"home.json would nest deeper than {MAX_JSON_DEPTH} levels")
    hosts = [("gateway.host", doc["gateway"]["host"]), ("control.host", doc["control"]["host"])]
    hosts += [(f"devices[{i}].host", d["host"]) for i, d in enumerate(doc["devices"])]
    if doc["catalog_url"] is not None:
        hosts.append(("catalog_url", urllib.parse.urlsplit(doc["catalog_url"]).hostname))
    echonet = doc.get("echonet")
    if echonet is not None:
        hosts += [(f"echonet.interfaces[{i}]", h) for i, h in enumerate(echonet["interfaces"])]
        hosts += [(f"echonet.equipment[{i}].host", e["host"])
                  for i, e in enumerate(echonet["equipment"])]
    for where, host in hosts:
        if not _is_loopback(host):
            raise ValueError(f"home.json {where} {host!r} is not a loopback address")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, msg: str) -> HomeFileError:
        return HomeFileError(
            f"{self.path}: {where}: {msg}",
            hint="start the virtual home again (commissioner virtual-home --state-dir DIR)",
        )

    def obj(self, v: object, where: str, keys: set[str]) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(where, "must be a JSON object")
        missing = sorted(keys - v.keys())
        if missing:
            raise self.fail(where, f"missing key(s) {', '.join(missing)}")
        unknown = sorted(v.keys() - keys)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}")
        return v

    def str_(self, v: object, where: str) -> str:
        if not isinstance(v, str) or not v:
            raise self.fail(where, "must be a non-empty string")
        return v

    def port(self, v: object, where: str) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 65535:
            raise self.fail(where, "must be a port number 1..65535")
        return v

    def relpath(self, v: object, where: str) -> str:
        text = self.str_(v, where)
        p = Path(text)
        if p.is_absolute() or ".." in p.parts:
            raise self.fail(where, "must be a path inside the home directory")
        return text


_DEVICE_KEYS = {"device_id", "kind", "manufacturer", "model", "host", "port", "label"}
_TOP_KEYS = {
    "format",
    "gateway",
    "devices",
    "labels_dir",
    "trust_roots",
    "mdns",
    "control",
    "catalog_url",
    "scenario",
}


def read_home_file(directory: Path) -> HomeFile:
    """Read ``directory/home.json`` strictly; raises :class:`HomeFileError` naming the field."""
    path = Path(directory) / HOME_FILE
    r = _Reader(path)
    try:
        raw = read_json(path, "virtual home file")
    except ValueError as exc:
        raise HomeFileError(
            str(exc),
            hint="is the virtual home running? (commissioner virtual-home --state-dir DIR)",
        ) from None
    ble_raw = raw.get("ble") if isinstance(raw, dict) else None
    echonet_raw = raw.get("echonet") if isinstance(raw, dict) else None
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k not in ("ble", "echonet")}
    if echonet_raw is not None and not isinstance(echonet_raw, dict):
        raise r.fail("echonet", "must be a JSON object")
    top = r.obj(raw, "top level", _TOP_KEYS)
    if top["format"] != HOME_FORMAT:
        raise r.fail("format", f"unsupported format {top['format']!r} (expected {HOME_FORMAT})")
    gw = r.obj(top["gateway"], "gateway", {"device_id", "host", "port"})
    gateway = GatewayEntry(
        r.str_(gw["device_id"], "gateway.device_id"),
        r.str_(gw["host"], "gateway.host"),
        r.port(gw["port"], "gateway.port"),
    )
    if not isinstance(top["devices"], list):
        raise r.fail("devices", "must be a list")
    devices: list[DeviceEntry] = []
    seen: set[str] = {gateway.device_id}
    for i, d in enumerate(top["devices"]):
        w = f"devices[{i}]"
        o = r.obj(d, w, _DEVICE_KEYS)
        entry = DeviceEntry(
            device_id=r.str_(o["device_id"], f"{w}.device_id"),
            kind=r.str_(o["kind"], f"{w}.kind"),
            manufacturer=r.str_(o["manufacturer"], f"{w}.manufacturer"),
            model=r.str_(o["model"], f"{w}.model"),
            host=r.str_(o["host"], f"{w}.host"),
            port=r.port(o["port"], f"{w}.port"),
            label=r.relpath(o["label"], f"{w}.label"),
        )
        if entry.device_id in seen:
            raise r.fail(f"{w}.device_id", f"duplicate device id {entry.device_id!r}")
        seen.add(entry.device_id)
        devices.append(entry)
    mdns = r.obj(top["mdns"], "mdns", {"interfaces"})
    ifaces = mdns["interfaces"]
    if not isinstance(ifaces, list) or not ifaces or not all(isinstance(x, str) for x in ifaces):
        raise r.fail("mdns.interfaces", "must be a non-empty list of addresses")
    control = r.obj(top["control"], "control", {"host", "port"})
    catalog_url = top["catalog_url"]
    if catalog_url is not None and not isinstance(catalog_url, str):
        raise r.fail("catalog_url", "must be a string or null")
    return HomeFile(
        directory=Path(directory),
        gateway=gateway,
        devices=tuple(devices),
        labels_dir=r.relpath(top["labels_dir"], "labels_dir"),
        trust_roots=r.relpath(top["trust_roots"], "trust_roots"),
        mdns_interfaces=tuple(ifaces),
        control_host=r.str_(control["host"], "control.host"),
        control_port=r.port(control["port"], "control.port"),
        catalog_url=catalog_url,
        scenario=r.str_(top["scenario"], "scenario"),
        ble=None if ble_raw is None else _read_ble(r, ble_raw),
        echonet=echonet_raw,
    )


def _read_ble(r: _Reader, raw: object) -> BleEntry:
    o = r.obj(raw, "ble", {"transport", "network", "devices"})
    if not isinstance(o["devices"], list):
        raise r.fail("ble.devices", "must be a list")
    devices = []
    for i, d in enumerate(o["devices"]):
        w = f"ble.devices[{i}]"
        e = r.obj(d, w, {"device_id", "address", "mode", "on_network"})
        if not isinstance(e["on_network"], bool):
            raise r.fail(f"{w}.on_network", "must be true or false")
        devices.append(BleDeviceEntry(
            r.str_(e["device_id"], f"{w}.device_id"), r.str_(e["address"], f"{w}.address"),
            r.str_(e["mode"], f"{w}.mode"), e["on_network"],
        ))
    return BleEntry(
        r.str_(o["transport"], "ble.transport"), r.relpath(o["network"], "ble.network"),
        tuple(devices),
    )
