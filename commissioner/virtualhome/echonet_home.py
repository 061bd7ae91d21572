"""The virtual home's ECHONET Lite equipment: which nodes a home has (``echonet.json`` in its
state directory, seeded with :func:`standard_nodes` when the home is started with
``--echonet``), starting them with the rest of the home, and the ``echonet`` entry of
``home.json`` that tells the product where to look (docs/training-home.md).

ECHONET Lite needs UDP 3610 on one loopback address per node and multicast (224.0.23.0) on
loopback. Where the machine does not allow that (the port is taken by another home or program,
loopback cannot join the group), the home still starts; ``home.json`` says the equipment is
unavailable and why, and the home prints the same reason.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from commissioner.protocol.echonet import CLASS_NAMES
from commissioner.virtualhome.echonet_nodes import (
    EchonetHome,
    NodeSpec,
    nodes_from_json,
    standard_nodes,
)
from commissioner.virtualhome.fsutil import read_json, write_json_atomic

__all__ = ["ECHONET_FILE", "EchonetEquipment", "EchonetRun", "describe_echonet", "device_id_of",
           "seed_echonet", "start_echonet"]

ECHONET_FILE: Final = "echonet.json"
INTERFACE: Final = "127.0.0.1"  # where the nodes' multicast group is joined (the controller's)
HINT: Final = ("run the virtual home inside its own network namespace (unshare -rn, then "
               "`ip link set lo up`), where UDP 3610 and multicast on loopback are free")


@dataclass(frozen=True, slots=True)
class EchonetEquipment:
    device_id: str
    kind: str
    host: str
    manufacturer_code: str
    product_code: str
    serial: str


def device_id_of(spec: NodeSpec, index: int) -> str:
    """The id the app gives an object: ``el-<node identification>-<object code>``."""
    return f"el-{spec.node_id}-{str(spec.objects[index].eoj).lower()}"


def equipment_of(specs: list[NodeSpec]) -> tuple[EchonetEquipment, ...]:
    return tuple(
        EchonetEquipment(device_id_of(spec, i), CLASS_NAMES.get(
            obj.eoj.class_code, f"class-{obj.eoj.class_code:04x}"), spec.host,
            (obj.manufacturer_code or spec.manufacturer_code).upper(), obj.product_code,
            obj.serial)
        for spec in specs for i, obj in enumerate(spec.objects))


def _spec_json(spec: NodeSpec) -> dict[str, Any]:
    return {"host": spec.host, "manufacturer_code": spec.manufacturer_code,
            "unique": spec.unique, "hostile": spec.hostile,
            "objects": [{"eoj": str(o.eoj), "product_code": o.product_code, "serial": o.serial,
                         "manufacturer_code": o.manufacturer_code} for o in spec.objects]}


def seed_echonet(directory: Path) -> None:
    """Give the home the standard ECHONET Lite equipment (kept across restarts)."""
    path = directory / ECHONET_FILE
    if not path.exists():
        write_json_atomic(path, {"format": 1, "interface": INTERFACE,
                                 "nodes": [_spec_json(s) for s in standard_nodes()]})


@dataclass
class EchonetRun:
    """The home's ECHONET Lite equipment, running or unavailable (with the reason)."""

    specs: list[NodeSpec]
    interface: str
    home: EchonetHome | None = None
    reason: str | None = None

    @property
    def equipment(self) -> tuple[EchonetEquipment, ...]:
        return equipment_of(self.specs)

    def home_entry(self) -> dict[str, Any]:
        """The ``echonet`` object of home.json."""
        return {
            "status": "running" if self.home is not None else "unavailable",
            "reason": self.reason,
            "interfaces": [self.interface],
            "equipment": [{"device_id": e.device_id, "kind": e.kind, "host": e.host,
                           "manufacturer_code": e.manufacturer_code,
                           "product_code": e.product_code} for e in self.equipment],
        }

    async def stop(self) -> None:
        if self.home is not None:
            home, self.home = self.home, None
            await home.stop()


def _why(err: OSError, specs: list[NodeSpec], interface: str) -> str:
    if err.errno == errno.EADDRINUSE:
        return (f"UDP 3610 is already in use on one of {', '.join(s.host for s in specs)} "
                "(another virtual home or ECHONET Lite program on this computer); " + HINT)
    if err.errno in (errno.EADDRNOTAVAIL, errno.ENODEV, errno.ENETUNREACH, errno.EINVAL):
        return (f"this computer cannot join the ECHONET Lite multicast group 224.0.23.0 on "
                f"{interface} ({err.strerror or err}); " + HINT)
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"not allowed to open UDP 3610 ({err.strerror or err}); " + HINT
    return f"cannot start the ECHONET Lite nodes ({err.strerror or err}); " + HINT


async def start_echonet(directory: Path) -> EchonetRun | None:
    """Start the home's ECHONET Lite nodes; None when the home has none."""
    path = directory / ECHONET_FILE
    if not path.exists():
        return None
    raw = read_json(path, "ECHONET Lite equipment file")
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list):
        raise ValueError(f"{path}: needs a list of nodes")
    specs = nodes_from_json(raw["nodes"])
    interface = str(raw.get("interface") or INTERFACE)
    run = EchonetRun(specs, interface)
    home = EchonetHome(specs, interface=interface)
    try:
        await home.start()
    except OSError as err:
        run.reason = _why(err, specs, interface)
        return run
    run.home = home
    return run


def describe_echonet(entry: dict[str, Any]) -> str:
    """One line for the home's start-up output, from the ``echonet`` entry of home.json."""
    equipment = entry.get("equipment") or []
    if entry.get("status") == "running":
        hosts = sorted({str(e["host"]) for e in equipment})
        return (f"ECHONET Lite: {len(equipment)} objects on {len(hosts)} nodes "
                f"({', '.join(hosts)}, UDP 3610)")
    return f"ECHONET Lite equipment unavailable: {entry.get('reason')}"
