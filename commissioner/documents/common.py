"""Pieces shared by the sheet and the report: dates, the support contact, the style sheet."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commissioner.documents.strings import Texts

__all__ = ["JST", "SupportContact", "format_date", "format_datetime", "load_support_contact"]

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

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> SupportContact:
        def get(key: str) -> str | None:
            value = raw.get(key)
            return value.strip() or None if isinstance(value, str) else None

        return cls(get("name"), get("phone"), get("email"), get("hours"), get("web"))


def load_support_contact(settings_file: Path | None = None) -> SupportContact:
    """The support contact from settings.toml (empty when there is none or it is unreadable:
    the sheet then tells the owner to contact the installing company)."""
    from commissioner import paths
    from commissioner.errors import UserError
    from commissioner.settings import load_settings, settings_path

    path = settings_file or settings_path(paths.config_dir())
    try:
        settings = load_settings(Path(os.fspath(path)))
    except UserError:
        return SupportContact()
    raw = settings.extra.get("support")
    return SupportContact.from_mapping(raw) if isinstance(raw, Mapping) else SupportContact()


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
