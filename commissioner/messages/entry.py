"""One catalog entry: what happened and what to do next, in English and Japanese."""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    en: str
    ja: str
    fix_en: str = ""
    fix_ja: str = ""
