"""Pieces shared by the sheet and the report: dates, the support contact, the style sheet."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.documents.strings import Texts

__all__ = [
    "JST",
    "SUPPORT_REQUIRED_KEYS",
    "OwnerApp",
    "SupportContact",
    "format_date",
    "format_datetime",
    "load_owner_app",
    "load_support_contact",
]

SUPPORT_REQUIRED_KEYS: Final = ("support.name", "support.phone", "support.hours")
"""The settings.toml keys the owner's sheet needs (``[support]`` table): handover refuses
without them."""

JST: Final = dt.timezone(dt.timedelta(hours=9), "JST")
"""Homes are in Japan: printed dates and times are Japan Standard Time."""


def _parse(value: str | dt.datetime) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(JST)


def format_date(value: str | dt.datetime, language: str) -> str:
    d = _parse(value)
    if language == "ja":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.strftime("%Y-%m-%d")


def format_datetime(value: str | dt.datetime, language: str) -> str:
    d = _parse(value)
    if language == "ja":
        return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}（日本時間）"
    return d.strftime("%Y-%m-%d %H:%M JST")


@dataclass(frozen=True, slots=True)
class SupportContact:
    """Who the owner calls. Read from the ``[support]`` table of settings.toml
    (``name``, ``phone``, ``email``, ``hours``, ``web``); every field optional."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: str | None = None
    web: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.hours, self.web))

    @property
    def missing(self) -> tuple[str, ...]:
        """The required settings keys (``support.name`` ...) that have no value."""
        values = {"support.name": self.name, "support.phone": self.phone,
                  "support.hours": self.hours}
        return tuple(k for k in SUPPORT_REQUIRED_KEYS if not values[k])

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> SupportContact:
        def get(key: str) -> str | None:
            value = raw.get(key)
            return value.strip() or None if isinstance(value, str) else None

        return cls(get("name"), get("phone"), get("email"), get("hours"), get("web"))


@dataclass(frozen=True, slots=True)
class OwnerApp:
    """The owner app named on the sheet: ``[owner_app]`` of settings.toml (``name``, ``how``:
    how to get it, e.g. the store to search; ``web``: optional address)."""

    name: str | None = None
    how: str | None = None
    web: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> OwnerApp:
        def get(key: str) -> str | None:
            value = raw.get(key)
            return value.strip() or None if isinstance(value, str) else None

        return cls(get("name"), get("how"), get("web"))


def _settings_table(name: str, settings_file: Path | None) -> Mapping[str, object]:
    from commissioner import paths
    from commissioner.errors import UserError
    from commissioner.settings import load_settings, settings_path

    path = settings_file or settings_path(paths.config_dir())
    try:
        settings = load_settings(Path(os.fspath(path)))
    except UserError:
        return {}
    raw = settings.extra.get(name)
    return raw if isinstance(raw, Mapping) else {}


def load_support_contact(settings_file: Path | None = None) -> SupportContact:
    """The support contact from settings.toml (empty when there is none or it is unreadable:
    the sheet then says none was set, and handover refuses)."""
    return SupportContact.from_mapping(_settings_table("support", settings_file))


def load_owner_app(settings_file: Path | None = None) -> OwnerApp:
    """The owner app from the ``[owner_app]`` table of settings.toml."""
    return OwnerApp.from_mapping(_settings_table("owner_app", settings_file))


STYLE: Final = """
body { font-size: 9pt; color: #111111; }
h1 { font-size: 16pt; font-weight: bold; margin-top: 0px; margin-bottom: 2px; color: #14305a; }
h2 { font-size: 11pt; font-weight: bold; margin-top: 7px; margin-bottom: 2px; color: #14305a; }
h3 { font-size: 9.5pt; font-weight: bold; margin-top: 6px; margin-bottom: 2px; }
p { margin-top: 1px; margin-bottom: 3px; }
ul { margin-top: 0px; margin-bottom: 2px; }
li { margin-top: 0px; margin-bottom: 0px; }
th { background-color: #e3eaf4; font-weight: bold; text-align: left; }
td.label { background-color: #f2f5f9; font-weight: bold; }
.sub { color: #444444; font-size: 8.5pt; }
.small { font-size: 8pt; }
.warn { background-color: #fff1c9; }
.pass { color: #1b6e20; font-weight: bold; }
.fail { color: #b00020; font-weight: bold; }
.na { color: #555555; }
.code { font-family: 'DejaVu Sans Mono', 'Consolas', 'Courier New', monospace; font-size: 9pt; }
.typed { font-family: 'DejaVu Sans Mono', 'Consolas', 'Courier New', monospace; font-size: 13pt;
  font-weight: bold; }
.draft { color: #b00020; font-size: 14pt; font-weight: bold; }
.hash { font-family: 'DejaVu Sans Mono', 'Consolas', 'Courier New', monospace; font-size: 7.5pt; }
"""


def page_start(t: Texts) -> str:
    return f'<html lang="{t.language}"><head><style>{STYLE}</style></head><body>'


PAGE_END: Final = "</body></html>"


def grid_open(*, small: bool = False) -> str:
    """A full-width table with thin borders (Qt draws ``border`` on every cell)."""
    style = "border-collapse: collapse; border-color: #8a99ad;"
    if small:
        style += " font-size: 8pt;"
    return (
        '<table width="100%" border="1" cellspacing="0" cellpadding="2" '
        f'style="{style}">'
    )


def header_row(cells: list[tuple[str, int]]) -> str:
    """A header row of (escaped text, width in percent) cells, repeated on every page."""
    return ("<thead><tr>" + "".join(f'<th width="{w}%">{text}</th>' for text, w in cells)
            + "</tr></thead>")
