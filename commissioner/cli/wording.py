"""The command line's language: chosen once per run (``--lang``, ``COMMISSIONER_LANG`` or the
locale) and used for every coded message and summary line it prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commissioner.errors import UserError
from commissioner.messages import (
    CATALOG,
    Language,
    Text,
    language_from_env,
    render,
    render_fix,
    verdict_reason,
)
from commissioner.trust.gate import DeviceVerdict

__all__ = [
    "blocker_lines",
    "error_lines",
    "fix_line",
    "language",
    "local_time",
    "say",
    "set_language",
    "term",
]

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


def term(group: str, value: str) -> str:
    """A word of a closed set (a device kind, a verdict, a state) in the run's language; a
    value the catalog does not know is shown as it is."""
    code = f"{group}.{value}"
    return say(code) if code in CATALOG else value


def fix_line(code: str, **params: object) -> str | None:
    """What to do next for ``code`` in the run's language, if the catalog says anything."""
    return render_fix(code, params, language())


def verdict_lines(verdict: DeviceVerdict) -> list[str]:
    """Why the gate decided as it did, and what to do next, in the run's language. English
    keeps the gate's own detailed sentence; other languages use the catalog's wording."""
    if language() == "en":
        return [verdict.reason]
    text = verdict_reason(verdict.verdict.value, device_id=verdict.device_id,
                          manufacturer=verdict.manufacturer, model=verdict.model,
                          reason_code=verdict.reason_code)
    code, params = text.code, dict(text.params)
    lines = [say(code, **params)]
    fix = fix_line(code, **params)
    if fix:
        lines.append(say("cli.next", text=fix))
    return lines


def blocker_lines(code: str, message: str, params: Mapping[str, object]) -> list[str]:
    """One reason a job cannot be handed over, with what to do, in the run's language.
    English keeps the core's own detailed sentence."""
    if language() == "en" or f"blocker.{code}" not in CATALOG:
        return [message]
    shown = dict(params)
    verdict = shown.get("verdict")
    if isinstance(verdict, str) and f"verdict.{verdict}" in CATALOG:
        shown["verdict"] = Text(f"verdict.{verdict}")
    lines = [say(f"blocker.{code}", **shown)]
    fix = fix_line(f"blocker.{code}", **shown)
    if fix:
        lines.append(say("cli.next", text=fix))
    return lines
