"""Options every subcommand shares, and the context they resolve to."""

from __future__ import annotations

import argparse
from pathlib import Path


def common_parser() -> argparse.ArgumentParser:
    """Parent parser: add with ``parents=[common]`` to every subcommand parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--virtual-home",
        metavar="DIR",
        type=Path,
        help="work against the virtual home in DIR (training mode); uses loopback only",
    )
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where the job store and caches live (default: per-user data folder)",
    )
    common.add_argument(
        "--mdns-interface",
        metavar="ADDR",
        action="append",
        help="IP address of an interface to use for mDNS (repeatable; default from settings)",
    )
    return common
