"""The ``commissioner`` command line: one entry point, subcommands registered per feature.

Each feature module exposes ``register(subparsers, common)`` that adds its subcommands with
``set_defaults(handler=...)``; a handler takes the parsed namespace and returns an exit code.
Errors a person can act on are raised as :class:`commissioner.errors.UserError` and printed to
stderr without a traceback.

Optional command plugins - code the core must not import, such as the Qt-drawn PDF commands
of the GUI extra - are declared as entry points in the group ``commissioner.cli_plugins``
(pyproject ``[project.entry-points."commissioner.cli_plugins"]``); each names a registrar with
the same signature, loaded at run time with :mod:`importlib.metadata`. A plugin that cannot be
loaded is reported as a warning and left out; the other commands still work.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence
from typing import Final

from commissioner.cli.common import common_parser
from commissioner.cli.exit_codes import INTERRUPTED, USAGE, help_epilog
from commissioner.cli.registry import Registrar
from commissioner.cli.wording import error_lines, say, set_language
from commissioner.errors import UserError
from commissioner.messages import LANGUAGES
from commissioner.version import app_version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commissioner",
        description="Commission a smart home safely (CCDS smart home guideline 2023).",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"commissioner {app_version()}")
    parser.add_argument(
        "--lang", dest="cli_language", choices=LANGUAGES, default=None,
        help="language of messages (default: COMMISSIONER_LANG, else the locale: ja_JP is "
        "Japanese, anything else English)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_parser()
    for register in _registrars():
        register(sub, common)
    return parser


PLUGIN_GROUP: Final = "commissioner.cli_plugins"


def _registrars() -> list[Registrar]:
    from commissioner.cli import registry

    return list(registry.REGISTRARS) + plugin_registrars()


def plugin_registrars() -> list[Registrar]:
    """Registrars of the installed command plugins (entry points of PLUGIN_GROUP, by name)."""
    found: list[Registrar] = []
    for ep in sorted(importlib.metadata.entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            register = ep.load()
        except Exception as err:  # noqa: BLE001 - a broken plugin must not break the CLI
            print(f"commissioner: warning: command plugin {ep.name!r} ({ep.value}) could not "
                  f"be loaded: {type(err).__name__}: {err}", file=sys.stderr)
            continue
        if callable(register):
            found.append(register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(getattr(args, "cli_language", None))
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return USAGE
    try:
        code: int = handler(args)
    except UserError as err:
        for line in error_lines(err):
            print(line, file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"commissioner: {say('cli.interrupted')}", file=sys.stderr)
        return INTERRUPTED
    return code


if __name__ == "__main__":
    raise SystemExit(main())
