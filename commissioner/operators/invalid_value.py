"""A value typed for an account (user name, roles, password) that the account rules refuse."""

from __future__ import annotations

from commissioner.errors import UserError


class InvalidValueError(UserError, ValueError):
    """Refused by the account rules; a ValueError for parsers, a coded message for a person."""
