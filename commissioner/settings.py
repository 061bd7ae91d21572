"""Operator-editable settings (``settings.toml`` in the config folder), with safe defaults.

The mDNS interfaces are always explicit: the default is loopback only, so a laptop never
multicasts on a network it was not told to use. An installer sets the site LAN's interface
address here (or with ``--mdns-interface``) before working on a real home.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commissioner.errors import UserError

DEFAULT_MDNS_INTERFACES = ("127.0.0.1",)
DEFAULT_TIME_ZONE = "Asia/Tokyo"


@dataclass(frozen=True, slots=True)
class Settings:
    mdns_interfaces: tuple[str, ...] = DEFAULT_MDNS_INTERFACES
    catalog_url: str | None = None
    catalog_grace_days: int = 14
    provisioning_concurrency: int = 8
    extra: dict[str, object] = field(default_factory=dict)
    # ECHONET Lite (UDP 3610, IPv4 multicast): None = the IPv4 addresses of mdns_interfaces.
    echonet_interfaces: tuple[str, ...] | None = None
    # The site's time zone (IANA name): times shown to people are in it.
    time_zone: str = DEFAULT_TIME_ZONE


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_interfaces(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise UserError(code="settings.no-mdns-interface")
    out: list[str] = []
    for value in values:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise UserError(code="settings.interface-not-ip", params={"value": value}) from None
        if address.is_unspecified or address.is_multicast:
            raise UserError(code="settings.interface-not-single", params={"value": value})
        out.append(str(address))
    return tuple(out)


def settings_path(config_dir: Path) -> Path:
    return Path(os.environ.get("COMMISSIONER_SETTINGS", config_dir / "settings.toml"))


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives the defaults, a broken one a clear error."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(code="settings.unreadable", params={"path": path, "detail": exc}) from None
    interfaces = raw.get("mdns_interfaces", list(DEFAULT_MDNS_INTERFACES))
    if not isinstance(interfaces, list) or not all(isinstance(i, str) for i in interfaces):
        raise UserError(
            code="settings.bad-value",
            params={"path": path, "key": "mdns_interfaces", "expected": "[IP, ...]"})
    catalog_url = raw.get("catalog_url")
    if catalog_url is not None and not isinstance(catalog_url, str):
        raise UserError(
            code="settings.bad-value",
            params={"path": path, "key": "catalog_url", "expected": "URL"})
    grace = raw.get("catalog_grace_days", 14)
    if not isinstance(grace, int) or not 0 <= grace <= 90:
        raise UserError(
            code="settings.bad-value",
            params={"path": path, "key": "catalog_grace_days", "expected": "0-90"})
    concurrency = raw.get("provisioning_concurrency", 8)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
        raise UserError(
            code="settings.bad-value",
            params={"path": path, "key": "provisioning_concurrency", "expected": "1-64"})
    echonet = raw.get("echonet_interfaces")
    if echonet is not None and (not isinstance(echonet, list) or not all(
            isinstance(i, str) for i in echonet)):
        raise UserError(
            code="settings.bad-value",
            params={"path": path, "key": "echonet_interfaces", "expected": "[IPv4, ...]"})
    zone = raw.get("time_zone", DEFAULT_TIME_ZONE)
    if not isinstance(zone, str) or not _known_zone(zone):
        raise UserError(code="settings.bad-value",
                        params={"path": path, "key": "time_zone", "expected": "Asia/Tokyo"})
    known = {"mdns_interfaces", "catalog_url", "catalog_grace_days", "provisioning_concurrency",
             "echonet_interfaces", "time_zone"}
    return Settings(
        mdns_interfaces=validate_interfaces(interfaces),
        catalog_url=catalog_url,
        catalog_grace_days=grace,
        provisioning_concurrency=concurrency,
        extra={k: v for k, v in raw.items() if k not in known},
        time_zone=zone,
        echonet_interfaces=None if echonet is None else (
            () if not echonet else validate_interfaces(echonet)),
    )
