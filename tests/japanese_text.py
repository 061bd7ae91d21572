"""A checker for Japanese output: which words in a text are English that should have been
translated. Allowed as they are: model numbers, ids, versions, hex, addresses, file paths,
command lines (commissioner and its subcommands and options), placeholders in capitals,
acronyms, and the data the devices and the operator gave (``allowed``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"-{0,2}[A-Za-z][A-Za-z0-9_.:/+'\[\]-]*")

COMMAND_WORDS = frozenset({
    "commissioner", "certify", "scan", "job", "show", "list", "new", "device", "remove",
    "replace", "label", "add", "commission", "catalog", "sync", "wipe", "verify", "handover",
    "owner", "reissue", "remediate", "import", "export", "update", "set-level", "virtual-home",
    "receive-key", "decode", "audit", "documents", "sheet", "report", "firmware", "onboard",
    "identify", "kind", "resale", "yes", "no", "with", "ssid", "passphrase", "login", "logout",
    "whoami", "operator", "passwd",
})

ACRONYMS = frozenset({
    "ID", "DEVICE_ID", "NEW_ID", "TEXT", "FILE", "DIR", "ADDR", "ADDRESS", "PORT", "MODEL",
    "SERIAL", "OLD", "N", "CA", "QR", "PDF", "JSON", "HTTP", "TLS", "HEMS", "USB", "IP", "IPv4",
    "URL", "BLE", "LE", "PEM", "SHC1", "MT", "UTC", "JST", "JC-STAR", "ECHONET", "Lite",
    "Bluetooth", "Matter", "mDNS", "PNG", "JPEG", "ACL", "TUF", "OS", "PAYLOAD", "FINDING",
    "DEVICE", "ACTION", "NAME", "PATH", "S", "OK", "PC", "GUI", "CCDS",
})

# Qt/platform names of things (never translated in Japanese UIs either).
PROPER_NAMES = frozenset({
    "Windows", "macOS", "Linux", "GNOME", "Keyring", "KWallet", "PYTHON_KEYRING_BACKEND",
    "keyrings.alt",
    "Secret", "Service", "gnome-keyring",
})


def _allowed(token: str, extra: frozenset[str]) -> bool:
    if token.startswith("--") or "[" in token:  # options, package extras
        return True
    bare = token.strip(".:'/-_[]")
    if not bare:
        return True
    if bare in extra or bare in COMMAND_WORDS or bare in ACRONYMS or bare in PROPER_NAMES:
        return True
    if any(c.isdigit() for c in bare):  # model numbers, ids, versions, addresses
        return True
    if re.fullmatch(r"[0-9a-fA-F]{6,}…?", bare):  # hashes
        return True
    if bare.startswith("-") or token.startswith("--"):  # options
        return True
    if re.fullmatch(r"[A-Z][A-Za-z]+Error", bare):  # a technical exception name
        return True
    if "/" in bare or "." in bare or ":" in bare:  # paths, file names, addresses, URLs
        return True
    # machine codes, ids and serial numbers
    return re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)+|[A-Z0-9]+(?:-[A-Z0-9]+)+", bare) is not None


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` that are English and not allowed as they are."""
    extra = frozenset(w for phrase in allowed for w in WORD.findall(phrase))
    text = re.sub(r"\[[A-Za-z0-9_.#-]+\]", " ", text)  # [codes] and [tables] as they are
    return [t for t in WORD.findall(text) if not _allowed(t, extra)]
