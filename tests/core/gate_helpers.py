"""Helpers for the gate tests: a running mixed-faults virtual home and its real TUF catalog."""

from __future__ import annotations

import json
from pathlib import Path

from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.catalog import CatalogConfig, sync
from commissioner.trust.gate import GateTarget
from commissioner.virtualhome.homefile import HomeFile


def catalog_config(home: HomeFile, cache: Path) -> CatalogConfig:
    assert home.catalog_url is not None and home.catalog_url.startswith("http://127.0.0.1:")
    root = (home.directory / "catalog" / "root.json").read_bytes()
    return CatalogConfig(url=home.catalog_url, cache_dir=cache, trusted_root=root)


def sync_catalog(home: HomeFile, cache: Path) -> Catalog:
    return sync(catalog_config(home, cache))


def manifest(home: HomeFile) -> dict[str, dict[str, object]]:
    raw = json.loads((home.directory / "virtual-home.json").read_text())
    out = {d["device_id"]: d for d in raw["devices"]}
    out[raw["gateway"]["device_id"]] = raw["gateway"]
    return out


def targets(home: HomeFile) -> list[GateTarget]:
    m = manifest(home)
    gw = home.gateway
    out = [
        GateTarget(d.device_id, d.host, d.port, "device", d.kind, d.manufacturer, d.model)
        for d in home.devices
    ]
    g = m[gw.device_id]
    out.append(GateTarget(gw.device_id, gw.host, gw.port, "gateway", "gateway",
                          str(g["manufacturer"]), str(g["advertised_model"])))
    return out


def by_model(home: HomeFile, model: str, *, fault: str | None = None) -> str:
    """The id of the first device whose certificate model is ``model`` (and has ``fault``)."""
    for device_id, d in manifest(home).items():
        faults = d["faults"]
        assert isinstance(faults, list)
        if d["model"] == model and (fault in faults if fault else not faults):
            return device_id
    raise KeyError(model)


def by_fault(home: HomeFile, fault: str) -> str:
    for device_id, d in manifest(home).items():
        faults = d["faults"]
        assert isinstance(faults, list)
        if fault in faults:
            return device_id
    raise KeyError(fault)
