"""JC-STAR label QR codes: a URL to the product's registration page on IPA's site.

The URL and the registration number it carries are recorded as evidence for the device the
label is paired with. Nothing is fetched on site, and a label is never proof of certification
on its own. The registration-number syntax and the exact URL layout are not published in a
form verified here, so the reader is deliberately narrow: an ``https`` URL on ``ipa.go.jp`` (or
a subdomain) whose query parameter ``no``/``id``/``reg`` or last path segment holds a short
number of letters, digits and hyphens.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_URL_CHARS", "JcStarLabel", "looks_like_jcstar", "parse_jcstar_qr"]

MAX_URL_CHARS: Final = 512
_HOST_SUFFIX: Final = "ipa.go.jp"
_NUMBER_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,39}")
_QUERY_KEYS: Final = ("no", "id", "reg", "registration")


class JcStarLabelError(ValueError):
    """A QR payload that points at IPA's site but is not a readable JC-STAR label."""


@dataclass(frozen=True, slots=True)
class JcStarLabel:
    url: str
    registration_number: str


def looks_like_jcstar(text: str) -> bool:
    host = urllib.parse.urlsplit(text.strip()).hostname or ""
    return host == _HOST_SUFFIX or host.endswith("." + _HOST_SUFFIX)


def parse_jcstar_qr(text: str) -> JcStarLabel:
    url = text.strip()
    if len(url) > MAX_URL_CHARS:
        raise JcStarLabelError(f"the label URL is longer than {MAX_URL_CHARS} characters")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in url):
        raise JcStarLabelError("the label URL contains spaces, controls or non-ASCII text")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not looks_like_jcstar(url) or parts.username or parts.port:
        raise JcStarLabelError("a JC-STAR label points to an https page on ipa.go.jp")
    query = urllib.parse.parse_qs(parts.query)
    candidates = [v for k in _QUERY_KEYS for v in query.get(k, [])]
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        candidates.append(segments[-1].rsplit(".", 1)[0])
    for candidate in candidates:
        if _NUMBER_RE.fullmatch(candidate):
            return JcStarLabel(url, candidate)
    raise JcStarLabelError("the label URL carries no registration number")
