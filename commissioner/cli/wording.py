"""The command line's language: chosen once per run (``--lang``, ``COMMISSIONER_LANG`` or the
locale) and used for every coded message and summary line it prints."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commissioner.errors import UserError
from commissioner.messages import Language, language_from_env, render

__all__ = ["error_lines", "language", "local_time", "say", "set_language"]

_chosen: list[Language] = []


def set_language(chosen: str | None) -> None:
    """Fix the language for this run (None: follow the environment)."""
    _chosen.clear()
    if chosen in ("en", "ja"):
        _chosen.append("ja" if chosen == "ja" else "en")


def language() -> Language:
    return _chosen[0] if _chosen else language_from_env()


def say(code: str, **params: object) -> str:
    """One coded line in the run's language."""
    return render(code, params, language())


def error_lines(err: UserError) -> list[str]:
    """``commissioner: error: ...`` and ``commissioner: hint: ...`` in the run's language."""
    message, fix = err.localized(language())
    lines = [f"commissioner: {say('cli.error-prefix')}: {message}"]
    if fix:
        lines.append(f"commissioner: {say('cli.hint-prefix')}: {fix}")
    return lines


def local_time(moment: dt.datetime, zone: str) -> str:
    """``moment`` in the site's time zone, as ``YYYY-MM-DD HH:MM`` with the zone's name."""
    try:
        tz: dt.tzinfo = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone}"
