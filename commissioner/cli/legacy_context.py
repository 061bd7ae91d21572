"""Resolve the shared command-line options into what a command needs.

Precedence for the mDNS interfaces: ``--mdns-interface`` > the virtual home's own
(``--virtual-home``, always loopback) > ``settings.toml`` > loopback.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from commissioner import paths
from commissioner.errors import UserError
from commissioner.settings import Settings, load_settings, settings_path, validate_interfaces
from commissioner.virtualhome.homefile import HomeFile, read_home_file


@dataclass
class AppContext:
    data_dir: Path
    settings: Settings
    home: HomeFile | None
    mdns_interfaces: tuple[str, ...]

    @property
    def store_path(self) -> Path:
        return paths.default_store_path(self.data_dir)

    @cached_property
    def manufacturer_roots_pem(self) -> bytes:
        """PEM bundle of the manufacturer roots to trust for attestation."""
        if self.home is None:
            raise UserError(
                "no manufacturer trust roots are available",
                hint="run `commissioner catalog sync`, or use --virtual-home DIR",
            )
        path = self.home.trust_roots_path
        try:
            return path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read the virtual home's trust roots {path}: {exc}") from None


def resolve(args: argparse.Namespace) -> AppContext:
    data_dir: Path = getattr(args, "data_dir", None) or paths.data_dir()
    settings = load_settings(settings_path(paths.config_dir()))
    home_dir: Path | None = getattr(args, "virtual_home", None)
    home = read_home_file(home_dir) if home_dir is not None else None
    explicit: list[str] | None = getattr(args, "mdns_interface", None)
    if explicit:
        interfaces = validate_interfaces(explicit)
    elif home is not None:
        interfaces = validate_interfaces(home.mdns_interfaces)
    else:
        interfaces = settings.mdns_interfaces
    return AppContext(data_dir=data_dir, settings=settings, home=home, mdns_interfaces=interfaces)
