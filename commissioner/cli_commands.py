"""The list of feature modules that contribute subcommands to the CLI."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from commissioner.ble import cli as ble_cli
from commissioner.discovery import cli as discovery_cli
from commissioner.documents import cli as documents_cli
from commissioner.firmware import cli as firmware_cli
from commissioner.jobs import cli as jobs_cli
from commissioner.protocol import cli as protocol_cli
from commissioner.provisioning import cli as provisioning_cli
from commissioner.trust import cli as catalog_cli
from commissioner.trust import gate_cli

Registrar = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]  # type: ignore[type-arg]

REGISTRARS: list[Registrar] = [
    discovery_cli.register,
    protocol_cli.register,
    jobs_cli.register,
    catalog_cli.register,
    gate_cli.register,
    provisioning_cli.register,
    documents_cli.register,
    firmware_cli.register,
    ble_cli.register,
]
