"""Expected problems a face tells apart (all are :class:`~commissioner.errors.UserError`).

A face that only prints an error needs nothing from here; a face that shows a specific headline
(the GUI) checks these subclasses instead of parsing messages.
"""

from __future__ import annotations

from commissioner.errors import UserError

__all__ = ["KeyringRefusedError", "NoDevicesError", "ReasonRequiredError"]


class KeyringRefusedError(UserError):
    """The OS keyring cannot keep the job's secrets (plaintext, "fail"/"null", locked):
    nothing was changed on any device."""


class NoDevicesError(UserError):
    """There is nothing to work on: no device qualifies for this operation."""


class ReasonRequiredError(UserError):
    """The action is recorded with the installer's reason, and none was given."""
