"""Errors that reach a person: each carries a message and, where possible, what to do."""

from __future__ import annotations


class UserError(Exception):
    """An error the operator can act on; the CLI prints it without a traceback."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code
