"""Every sentence the core says to a person, by stable code, in English and Japanese.

A message is looked up by its code (``"job.not-found"``) and filled with named parameters.
Each code has a template for what happened and one for what to do next, in both languages
(``commissioner.messages.catalog_*`` hold the tables; one table per area, merged here). A
parameter value is inserted as it is: ids, model numbers, addresses and paths are never
translated. A value may itself be a :class:`Text` (a coded message), rendered in the same
language. Faces choose the language; the core raises and records codes.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from commissioner.messages.catalog_app import APP_MESSAGES
from commissioner.messages.catalog_cli import CLI_MESSAGES
from commissioner.messages.catalog_core import CORE_MESSAGES
from commissioner.messages.catalog_documents import DOCUMENT_MESSAGES
from commissioner.messages.catalog_features import FEATURE_MESSAGES
from commissioner.messages.catalog_operators import OPERATOR_MESSAGES
from commissioner.messages.catalog_remedy import REMEDY_MESSAGES
from commissioner.messages.entry import Message

__all__ = [
    "CATALOG",
    "LANGUAGES",
    "Language",
    "Message",
    "Text",
    "language_from_env",
    "parameter_names",
    "render",
    "render_fix",
    "verdict_reason",
]

Language = Literal["en", "ja"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "ja")


def _merge(*tables: Mapping[str, Message]) -> dict[str, Message]:
    merged: dict[str, Message] = {}
    for table in tables:
        for code, message in table.items():
            if code in merged:
                raise ValueError(f"message code defined twice: {code}")
            merged[code] = message
    return merged


CATALOG: Final[Mapping[str, Message]] = _merge(
    APP_MESSAGES, CLI_MESSAGES, CORE_MESSAGES, DOCUMENT_MESSAGES, FEATURE_MESSAGES,
    OPERATOR_MESSAGES, REMEDY_MESSAGES)


@dataclass(frozen=True)
class Text:
    """A coded message that a face renders in its own language."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: Language = "en") -> str:
        return render(self.code, self.params, language)

    def fix(self, language: Language = "en") -> str | None:
        return render_fix(self.code, self.params, language)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, params: Mapping[str, object] | None, language: Language) -> str:
    values = _Params()
    for name, value in (params or {}).items():
        values[name] = value.render(language) if isinstance(value, Text) else str(value)
    return string.Formatter().vformat(template, (), values)


def render(code: str, params: Mapping[str, object] | None = None,
           language: Language = "en") -> str:
    """What happened, in ``language``; an unknown code is shown as itself."""
    message = CATALOG.get(code)
    if message is None:
        return code
    return _fill(message.ja if language == "ja" else message.en, params, language)


def render_fix(code: str, params: Mapping[str, object] | None = None,
               language: Language = "en") -> str | None:
    """What to do next, in ``language`` (None when the message needs no action)."""
    message = CATALOG.get(code)
    if message is None:
        return None
    template = message.fix_ja if language == "ja" else message.fix_en
    return _fill(template, params, language) if template else None


def parameter_names(template: str) -> frozenset[str]:
    """The named fields a template uses."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(template) if name
    )


def language_from_env(environ: Mapping[str, str] | None = None) -> Language:
    """``COMMISSIONER_LANG`` if set, else the POSIX locale (LC_ALL, LC_MESSAGES, LANG):
    Japanese for ``ja``/``ja_JP.*``, English otherwise."""
    env = os.environ if environ is None else environ
    for name in ("COMMISSIONER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def verdict_reason(verdict: str, *, device_id: str, manufacturer: str, model: str,
                   reason_code: str = "") -> Text:
    """Why the certified-model gate decided ``verdict`` for a device, with the next step
    (``verdict-reason.<verdict>``); a reason code other than the verdict is noted as is."""
    note = f" [{reason_code}]" if reason_code and reason_code != verdict else ""
    return Text(f"verdict-reason.{verdict}", {
        "device_id": device_id, "manufacturer": manufacturer, "model": model,
        "code_note": note})
