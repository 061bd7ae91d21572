"""Errors that reach a person: each carries a message code, its parameters and what to do.

``UserError(code="job.not-found", params={"job_id": ...})`` takes its English message and fix
from :mod:`commissioner.messages`; a face renders the same code in its own language with
:meth:`UserError.localized`. The old positional message (with ``hint=``) still works for
callers not yet converted; such an error has no code and is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from commissioner.messages import Language, render, render_fix


class UserError(Exception):
    """An error the operator can act on; the CLI prints it without a traceback."""

    def __init__(self, message: str | None = None, *, hint: str | None = None,
                 exit_code: int = 1, code: str | None = None,
                 params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        if code is not None:
            message = render(code, self.params, "en") if message is None else message
            hint = render_fix(code, self.params, "en") if hint is None else hint
        super().__init__(message or "")
        self.hint = hint
        self.exit_code = exit_code

    def localized(self, language: Language) -> tuple[str, str | None]:
        """The message and the next step in ``language`` (as given, without a code)."""
        if self.code is None:
            return str(self), self.hint
        return render(self.code, self.params, language), render_fix(
            self.code, self.params, language
        )
