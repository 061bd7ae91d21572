"""The list of feature modules that contribute subcommands to the CLI."""

from __future__ import annotations

from collections.abc import Callable
import argparse

Registrar = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]  # type: ignore[type-arg]

REGISTRARS: list[Registrar] = []
