"""Making any text safe to print: visible, escaped, bounded.

Every dynamic string that reaches a printed document (site, device, model and operator names,
reasons, catalog texts) goes through :func:`html_text`. It

* shows invisible and dangerous characters as a visible ``[U+XXXX]`` code instead of letting
  them act: C0/C1 control characters, bidirectional overrides and isolates (U+202A–202E,
  U+2066–2069), directional marks (U+200E/F, U+061C), zero-width characters, other Unicode
  format characters, private-use and unassigned code points. A right-to-left override can then
  never reverse a model number on paper;
* turns tabs and line breaks into single spaces (a name is one line of text);
* cuts very long strings to a limit and says how long the original was;
* escapes the result for HTML (``html.escape``), so ``<b>x</b>`` prints as exactly that.

The renderer (Qt's QTextDocument) wraps long unbroken text anywhere, so a capped string still
never runs off the page.
"""

from __future__ import annotations

import html
import unicodedata
from typing import Final

__all__ = [
    "DEFAULT_LIMIT",
    "LONG_LIMIT",
    "SHORT_LIMIT",
    "html_text",
    "visible_text",
]

SHORT_LIMIT: Final = 64  # ids, model numbers, versions
DEFAULT_LIMIT: Final = 120  # names
LONG_LIMIT: Final = 400  # reasons, addresses, catalog sentences

_SPACES: Final = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029")
# Categories whose characters are shown as a code: control, format (bidi controls, zero-width
# characters, soft hyphen...), surrogate, private use, unassigned.
_CODED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Invisible characters outside those categories.
_CODED_EXTRA: Final = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # braille blank
    "\u034f"  # combining grapheme joiner
)


def _code(ch: str) -> str:
    return f"[U+{ord(ch):04X}]"


def visible_text(value: object, limit: int = DEFAULT_LIMIT, *, more: str = "… (+{n})") -> str:
    """``value`` as one line of plain text in which every character is visible.

    ``limit`` counts characters of the original text; a longer text is cut there and
    ``more`` (with ``{n}`` = the original length) is appended. Not escaped: see
    :func:`html_text`.
    """
    text = "" if value is None else str(value)
    total = len(text)
    cut = text[:limit] if total > limit else text
    out: list[str] = []
    last_space = False
    for ch in cut:
        if ch in _SPACES:
            if not last_space:
                out.append(" ")
            last_space = True
            continue
        last_space = ch == " "
        if ch in _CODED_EXTRA or unicodedata.category(ch) in _CODED_CATEGORIES:
            out.append(_code(ch))
        else:
            out.append(ch)
    result = "".join(out).strip(" ")
    if total > limit:
        result += more.format(n=total)
    return result


def html_text(value: object, limit: int = DEFAULT_LIMIT, *, more: str = "… (+{n})") -> str:
    """:func:`visible_text`, escaped for HTML (``<``, ``>``, ``&``, quotes)."""
    return html.escape(visible_text(value, limit, more=more), quote=True)
