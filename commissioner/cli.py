"""The ``commissioner`` command line: one entry point, subcommands registered per feature.

Each feature module exposes ``register(subparsers, common)`` that adds its subcommands with
``set_defaults(handler=...)``; a handler takes the parsed namespace and returns an exit code.
Errors a person can act on are raised as :class:`commissioner.errors.UserError` and printed to
stderr without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from commissioner import __version__
from commissioner.cli_commands import Registrar
from commissioner.cli_common import common_parser
from commissioner.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commissioner",
        description="Commission a smart home safely (CCDS smart home guideline 2023).",
    )
    parser.add_argument("--version", action="version", version=f"commissioner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_parser()
    for register in _registrars():
        register(sub, common)
    return parser


def _registrars() -> list[Registrar]:
    from commissioner import cli_commands

    return list(cli_commands.REGISTRARS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = handler(args)
    except UserError as err:
        print(f"commissioner: error: {err}", file=sys.stderr)
        if err.hint:
            print(f"commissioner: hint: {err.hint}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("commissioner: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
