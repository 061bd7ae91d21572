"""The product's reader of a training home's ``home.json`` (format: ``docs/training-home.md``).

The virtual home (the simulator) writes the file; this module is the only place the product
reads it, and it reads it as untrusted input: at most :data:`MAX_BYTES`, JSON nested at most
:data:`MAX_DEPTH` deep, exact keys and types, paths inside the home folder, and every address
on loopback - training mode never reaches a real network.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from commissioner.errors import UserError

HOME_FILE: Final = "home.json"
HOME_FORMAT: Final = 1
MAX_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 32
HINT: Final = "start the virtual home again (commissioner virtual-home --state-dir DIR)"


class TrainingHomeError(UserError):
    """``home.json`` is missing, too large, malformed or points off loopback."""


@dataclass(frozen=True, slots=True)
class HomeDevice:
    device_id: str
    role: str  # "gateway" | "device"
    kind: str
    manufacturer: str  # "" for the gateway (home.json does not list it)
    model: str
    host: str
    port: int
    label: str  # relative to the home folder


@dataclass(frozen=True, slots=True)
class HomeBleDevice:
    device_id: str
    address: str
    mode: str  # "only" | "both"
    on_network: bool


@dataclass(frozen=True, slots=True)
class HomeBle:
    transport: str  # Bumble HCI transport of the home's emulated controller (loopback TCP)
    network: str  # relative path of the virtual LAN's network file
    devices: tuple[HomeBleDevice, ...]


@dataclass(frozen=True, slots=True)
class HomeEchonetEquipment:
    device_id: str
    kind: str
    host: str  # the node's loopback address (UDP 3610)
    manufacturer_code: str
    product_code: str


@dataclass(frozen=True, slots=True)
class HomeEchonet:
    """The home's ECHONET Lite equipment: where to search, or why it is not running."""

    running: bool
    reason: str | None  # why not, when not running
    interfaces: tuple[str, ...]  # loopback addresses to search on (multicast 224.0.23.0)
    equipment: tuple[HomeEchonetEquipment, ...]


@dataclass(frozen=True, slots=True)
class TrainingHome:
    directory: Path
    gateway: HomeDevice
    devices: tuple[HomeDevice, ...]  # in-home devices, gateway excluded
    labels_dir: str
    trust_roots: str
    mdns_interfaces: tuple[str, ...]
    control_host: str
    control_port: int
    catalog_url: str | None
    scenario: str
    ble: HomeBle | None = None
    echonet: HomeEchonet | None = None

    @property
    def everything(self) -> tuple[HomeDevice, ...]:
        """The gateway first, then the devices."""
        return (self.gateway, *self.devices)

    @property
    def device_ids(self) -> frozenset[str]:
        ids = {d.device_id for d in self.everything}
        if self.ble is not None:
            ids.update(b.device_id for b in self.ble.devices)
        if self.echonet is not None:
            ids.update(e.device_id for e in self.echonet.equipment)
        return frozenset(ids)

    def label_path(self, device_id: str) -> Path | None:
        for d in self.everything:
            if d.device_id == device_id and d.label:
                return self.directory / d.label
        if device_id in self.device_ids:
            return self.directory / self.labels_dir / f"{device_id}.json"
        return None

    def endpoints(self) -> dict[str, tuple[str, int]]:
        return {d.device_id: (d.host, d.port) for d in self.everything}


def _depth(value: object, limit: int) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            if level > limit:
                return level
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _bracket_depth(text: str, limit: int) -> bool:
    """True when brackets nest deeper than ``limit`` (checked before parsing, so a hostile
    file cannot exhaust the parser's recursion)."""
    level, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            if level > limit:
                return True
        elif ch in "]}":
            level -= 1
    return False


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, msg: str) -> TrainingHomeError:
        return TrainingHomeError(f"{self.path}: {where}: {msg}", hint=HINT)

    def obj(self, v: object, where: str, keys: set[str], optional: frozenset[str] = frozenset()
            ) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(where, "must be a JSON object")
        missing = sorted(keys - v.keys())
        if missing:
            raise self.fail(where, f"missing key(s) {', '.join(missing)}")
        unknown = sorted(v.keys() - keys - optional)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}")
        return v

    def text(self, v: object, where: str) -> str:
        if not isinstance(v, str) or not v or len(v) > 512:
            raise self.fail(where, "must be a non-empty string of at most 512 characters")
        return v

    def port(self, v: object, where: str) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 65535:
            raise self.fail(where, "must be a port number 1..65535")
        return v

    def loopback(self, v: object, where: str) -> str:
        host = self.text(v, where)
        if host == "localhost":
            return host
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise self.fail(where, f"{host!r} is not an IP address") from None
        if not address.is_loopback:
            raise self.fail(where, f"{host} is not a loopback address (training mode uses "
                            "loopback only)")
        return host

    def relpath(self, v: object, where: str) -> str:
        text = self.text(v, where)
        p = Path(text)
        if p.is_absolute() or ".." in p.parts:
            raise self.fail(where, "must be a path inside the home folder")
        return text


_DEVICE_KEYS = {"device_id", "kind", "manufacturer", "model", "host", "port", "label"}
_TOP_KEYS = {"format", "gateway", "devices", "labels_dir", "trust_roots", "mdns", "control",
             "catalog_url", "scenario"}


def read_training_home(directory: Path) -> TrainingHome:
    """Read ``directory/home.json`` strictly; raises :class:`TrainingHomeError` naming the field."""
    path = Path(directory) / HOME_FILE
    r = _Reader(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise TrainingHomeError(code="training.no-home", params={"path": directory}) from None
    except OSError as exc:
        raise TrainingHomeError(
            code="training.home-unreadable",
            params={"path": path, "reason": exc.strerror or exc}) from None
    if len(data) > MAX_BYTES:
        raise r.fail("file", f"larger than {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise r.fail("file", "is not UTF-8 text") from None
    if _bracket_depth(text, MAX_DEPTH):
        raise r.fail("file", f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise r.fail("file", f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if _depth(raw, MAX_DEPTH) > MAX_DEPTH:  # belt and braces
        raise r.fail("file", f"JSON nested deeper than {MAX_DEPTH} levels")
    top = r.obj(raw, "top level", _TOP_KEYS, frozenset({"ble", "echonet"}))
    if top["format"] != HOME_FORMAT:
        raise r.fail("format", f"unsupported format {top['format']!r} (expected {HOME_FORMAT})")
    gw = r.obj(top["gateway"], "gateway", {"device_id", "host", "port"})
    gateway_id = r.text(gw["device_id"], "gateway.device_id")
    gateway = HomeDevice(gateway_id, "gateway", "gateway", "", "",
                         r.loopback(gw["host"], "gateway.host"),
                         r.port(gw["port"], "gateway.port"), "")
    if not isinstance(top["devices"], list) or len(top["devices"]) > 1000:
        raise r.fail("devices", "must be a list of at most 1000 devices")
    devices: list[HomeDevice] = []
    seen = {gateway_id}
    for i, d in enumerate(top["devices"]):
        w = f"devices[{i}]"
        o = r.obj(d, w, _DEVICE_KEYS)
        entry = HomeDevice(
            device_id=r.text(o["device_id"], f"{w}.device_id"), role="device",
            kind=r.text(o["kind"], f"{w}.kind"),
            manufacturer=r.text(o["manufacturer"], f"{w}.manufacturer"),
            model=r.text(o["model"], f"{w}.model"),
            host=r.loopback(o["host"], f"{w}.host"), port=r.port(o["port"], f"{w}.port"),
            label=r.relpath(o["label"], f"{w}.label"),
        )
        if entry.device_id in seen:
            raise r.fail(f"{w}.device_id", f"duplicate device id {entry.device_id!r}")
        seen.add(entry.device_id)
        devices.append(entry)
    mdns = r.obj(top["mdns"], "mdns", {"interfaces"})
    ifaces = mdns["interfaces"]
    if not isinstance(ifaces, list) or not ifaces or len(ifaces) > 8:
        raise r.fail("mdns.interfaces", "must be a list of 1 to 8 loopback addresses")
    interfaces = tuple(r.loopback(x, f"mdns.interfaces[{n}]") for n, x in enumerate(ifaces))
    control = r.obj(top["control"], "control", {"host", "port"})
    catalog_url = top["catalog_url"]
    if catalog_url is not None:
        catalog_url = r.text(catalog_url, "catalog_url")
        parts = urlsplit(catalog_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise r.fail("catalog_url", "must be an http(s) URL")
        r.loopback(parts.hostname, "catalog_url host")
    return TrainingHome(
        directory=Path(directory), gateway=gateway, devices=tuple(devices),
        labels_dir=r.relpath(top["labels_dir"], "labels_dir"),
        trust_roots=r.relpath(top["trust_roots"], "trust_roots"),
        mdns_interfaces=interfaces,
        control_host=r.loopback(control["host"], "control.host"),
        control_port=r.port(control["port"], "control.port"),
        catalog_url=catalog_url, scenario=r.text(top["scenario"], "scenario"),
        ble=None if top.get("ble") is None else _read_ble(r, top["ble"]),
        echonet=None if top.get("echonet") is None else _read_echonet(r, top["echonet"]),
    )


def _read_echonet(r: _Reader, raw: object) -> HomeEchonet:
    o = r.obj(raw, "echonet", {"status", "reason", "interfaces", "equipment"})
    if o["status"] not in ("running", "unavailable"):
        raise r.fail("echonet.status", "must be 'running' or 'unavailable'")
    reason = None if o["reason"] is None else r.text(o["reason"], "echonet.reason")
    ifaces = o["interfaces"]
    if not isinstance(ifaces, list) or not ifaces or len(ifaces) > 8:
        raise r.fail("echonet.interfaces", "must be a list of 1 to 8 loopback addresses")
    interfaces = tuple(r.loopback(x, f"echonet.interfaces[{n}]") for n, x in enumerate(ifaces))
    for n, x in enumerate(interfaces):
        if x == "localhost" or ipaddress.ip_address(x).version != 4:
            raise r.fail(f"echonet.interfaces[{n}]", "must be an IPv4 loopback address")
    if not isinstance(o["equipment"], list) or len(o["equipment"]) > 1000:
        raise r.fail("echonet.equipment", "must be a list of at most 1000 objects")
    equipment = []
    for i, e in enumerate(o["equipment"]):
        w = f"echonet.equipment[{i}]"
        d = r.obj(e, w, {"device_id", "kind", "host", "manufacturer_code", "product_code"})
        equipment.append(HomeEchonetEquipment(
            r.text(d["device_id"], f"{w}.device_id"), r.text(d["kind"], f"{w}.kind"),
            r.loopback(d["host"], f"{w}.host"),
            r.text(d["manufacturer_code"], f"{w}.manufacturer_code"),
            r.text(d["product_code"], f"{w}.product_code")))
    return HomeEchonet(o["status"] == "running", reason, interfaces, tuple(equipment))


def _read_ble(r: _Reader, raw: object) -> HomeBle:
    o = r.obj(raw, "ble", {"transport", "network", "devices"})
    if not isinstance(o["devices"], list) or len(o["devices"]) > 1000:
        raise r.fail("ble.devices", "must be a list of at most 1000 devices")
    transport = r.text(o["transport"], "ble.transport")
    kind, _, rest = transport.partition(":")
    if kind == "tcp-client":
        r.loopback(rest.rpartition(":")[0], "ble.transport host")
    devices = []
    for i, d in enumerate(o["devices"]):
        w = f"ble.devices[{i}]"
        e: Mapping[str, Any] = r.obj(d, w, {"device_id", "address", "mode", "on_network"})
        if not isinstance(e["on_network"], bool):
            raise r.fail(f"{w}.on_network", "must be true or false")
        devices.append(HomeBleDevice(r.text(e["device_id"], f"{w}.device_id"),
                                     r.text(e["address"], f"{w}.address"),
                                     r.text(e["mode"], f"{w}.mode"), e["on_network"]))
    return HomeBle(transport, r.relpath(o["network"], "ble.network"), tuple(devices))
