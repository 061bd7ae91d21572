"""Options every subcommand shares, and the context they resolve to."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commissioner.app.context import AppContext, make_context


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
        "--read-box-labels",
        action="store_true",
        help="training only: read every box label from the virtual home's folder instead of "
        "scanning each (recorded as training-auto)",
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


def context_from_args(args: argparse.Namespace) -> AppContext:
    """The application context the shared options select (see :func:`make_context`)."""
    return make_context(
        data_dir=getattr(args, "data_dir", None),
        virtual_home=getattr(args, "virtual_home", None),
        mdns_interfaces=getattr(args, "mdns_interface", None),
        read_box_labels=bool(getattr(args, "read_box_labels", False)),
    )


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
