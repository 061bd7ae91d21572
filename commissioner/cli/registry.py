"""The list of feature modules that contribute subcommands to the CLI."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from commissioner.cli import catalog as catalog_cli
from commissioner.cli import certify as gate_cli
from commissioner.cli import commission as provisioning_cli
from commissioner.cli import documents as documents_cli
from commissioner.cli import firmware as firmware_cli
from commissioner.cli import identify as protocol_cli
from commissioner.cli import jobs as jobs_cli
from commissioner.cli import onboard as ble_cli
from commissioner.cli import operators as operators_cli
from commissioner.cli import remediate as remediate_cli
from commissioner.cli import scan as discovery_cli
from commissioner.cli import verify as verify_cli
from commissioner.cli import wipe as wipe_cli

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
    verify_cli.register,
    remediate_cli.register,
    wipe_cli.register,
    operators_cli.register,
]
