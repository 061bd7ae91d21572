"""The GUI's words for the resale: wipe progress codes, the reasons a device stays unverified,
and how a device was wiped (context "Resale"; the core's English text as a fallback)."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication

__all__ = ["METHOD_TEXTS", "blocker_detail", "method_text", "problem_text", "problems_text"]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for pyside6-lupdate; translated where it is shown."""
    del context
    return text


_CTX: Final = "Resale"

METHOD_TEXTS: Final[dict[str, str]] = {
    "authenticated-wipe": QT_TRANSLATE_NOOP("Resale", "wiped with the previous home's "
                                            "credentials"),
    "factory-reset-by-technician": QT_TRANSLATE_NOOP("Resale", "factory reset by technician"),
    "already-factory": QT_TRANSLATE_NOOP("Resale", "already in factory state"),
}

PROBLEM_TEXTS: Final[dict[str, str]] = {
    "not-found": QT_TRANSLATE_NOOP("Resale", "not found on the network"),
    "identity-changed": QT_TRANSLATE_NOOP("Resale", "another unit answers at its address"),
    "personal-data-left": QT_TRANSLATE_NOOP("Resale", "personal data is still stored (%1)"),
    "state-not-factory": QT_TRANSLATE_NOOP("Resale", "it does not report factory state (%1)"),
    "configuration-left": QT_TRANSLATE_NOOP(
        "Resale", "settings, credentials, access control or gateway bindings are left"),
    "reset-timeout": QT_TRANSLATE_NOOP(
        "Resale", "it did not come back in factory state after the reset"),
    "advertised-not-factory": QT_TRANSLATE_NOOP(
        "Resale", "it does not advertise factory state (%1)"),
    "admin-credential-accepted": QT_TRANSLATE_NOOP(
        "Resale", "it still accepts the previous home's admin credential"),
    "commissioner-certificate-accepted": QT_TRANSLATE_NOOP(
        "Resale", "it still accepts the previous home's commissioner certificate"),
    "owner-certificate-accepted": QT_TRANSLATE_NOOP(
        "Resale", "it still accepts the previous owner's certificate"),
    "owner-invitation-accepted": QT_TRANSLATE_NOOP(
        "Resale", "it still accepts the previous owner's invitation"),
    "timeout": QT_TRANSLATE_NOOP("Resale", "it did not answer in time"),
    "unreachable": QT_TRANSLATE_NOOP("Resale", "it could not be reached"),
    "connection-refused": QT_TRANSLATE_NOOP("Resale", "it refused the connection"),
    "connection-closed": QT_TRANSLATE_NOOP("Resale", "it closed the connection"),
    "never wiped and verified": QT_TRANSLATE_NOOP("Resale", "never wiped and verified"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def method_text(method: str | None) -> str:
    text = METHOD_TEXTS.get(method or "")
    return _tr(text) if text is not None else (method or "")


def problem_text(problem: str) -> str:
    """One problem of the core ("code: English explanation") in the GUI's language."""
    code, _, rest = problem.partition(": ")
    template = PROBLEM_TEXTS.get(code)
    if template is None:
        return problem
    detail = rest
    if code in ("state-not-factory", "advertised-not-factory"):
        detail = rest.rsplit(" ", 1)[-1]
    return _tr(template).replace("%1", detail)


def problems_text(problems: str | list[str]) -> str:
    items = problems if isinstance(problems, list) else [p for p in problems.split(", ")
                                                          if p]
    return "; ".join(problem_text(p) for p in items)


def blocker_detail(code: str, reason: str) -> str | None:
    """The translatable part of a handover blocker about personal data or the wipe: the
    inventory read ("recordings 240, faces 6") or the wipe's problems; None for other codes."""
    if code == "personal-data-present":
        start, end = reason.find("("), reason.find(")")
        return reason[start + 1:end] if 0 <= start < end else reason
    if code == "wipe-unverified":
        rest = reason.removeprefix("wipe unverified: ")
        return "; ".join(problem_text(p) for p in rest.split("; ") if p)
    return None
