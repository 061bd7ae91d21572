"""UI language: loading and switching Qt translators.

Source strings are English; Japanese is the default language and ships as
``resources/translations/commissioner_ja.qm`` (compiled from ``commissioner_ja.ts`` with
``pyside6-lrelease``). Installing or removing a translator makes Qt send
``QEvent.LanguageChange`` to every widget, which retranslates itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from commissioner.errors import UserError
from commissioner.messages import Language
from commissioner.resources import resources_dir

SUPPORTED_LANGUAGES: Final = ("ja", "en")
DEFAULT_LANGUAGE: Final = "ja"
LANGUAGE_ENV: Final = "COMMISSIONER_LANG"

TRANSLATIONS_DIR: Final = resources_dir() / "translations"
CATALOG: Final = "commissioner"

# Native names of the languages, shown as-is in the Language menu (never translated).
LANGUAGE_NAMES: Final[dict[str, str]] = {"ja": "日本語", "en": "English"}

_PROPERTY = "commissioner_language"


class _State:
    translators: list[QTranslator]
    language: str

    def __init__(self) -> None:
        self.translators = []
        self.language = "en"


_states: dict[int, _State] = {}


def _state(app: QCoreApplication) -> _State:
    return _states.setdefault(id(app), _State())


def resolve_language(requested: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: ``requested`` (from --lang), else $COMMISSIONER_LANG, else ja."""
    env = os.environ if environ is None else environ
    for candidate in (requested, env.get(LANGUAGE_ENV)):
        if candidate:
            code = candidate.strip().lower().replace("_", "-").split("-")[0]
            if code in SUPPORTED_LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def translation_file(language: str) -> Path:
    return TRANSLATIONS_DIR / f"{CATALOG}_{language}.qm"


def install_language(app: QCoreApplication, language: str) -> None:
    """Switch ``app`` to ``language`` ("ja" or "en"), replacing any previous translators.

    Raises ``ValueError`` for an unsupported language and ``FileNotFoundError`` if the
    compiled catalog is missing.
    """
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    state = _state(app)
    new: list[QTranslator] = []
    if language != "en":
        path = translation_file(language)
        translator = QTranslator(app)
        if not translator.load(str(path)):
            raise FileNotFoundError(f"cannot load translation catalog {path}")
        new.append(translator)
        # Qt's own strings (standard dialog buttons and the like), when available.
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        qt_translator = QTranslator(app)
        if qt_translator.load(f"qtbase_{language}", qt_dir):
            new.append(qt_translator)
    for old in state.translators:
        QCoreApplication.removeTranslator(old)
        old.deleteLater()
    for translator in new:
        QCoreApplication.installTranslator(translator)
    state.translators = new
    state.language = language
    locale_language = QLocale.Language.Japanese if language == "ja" else QLocale.Language.English
    QLocale.setDefault(QLocale(locale_language))
    app.setProperty(_PROPERTY, language)


def current_language(app: QCoreApplication) -> str:
    """The language last installed with :func:`install_language` ("en" if none)."""
    return _state(app).language


def user_error_text(err: UserError) -> str:
    """A refusal of the core in the UI's language: what happened, then what to do next."""
    app = QCoreApplication.instance()
    language: Language = "ja" if app is not None and current_language(app) == "ja" else "en"
    message, hint = err.localized(language)
    return f"{message}\n{hint}" if hint else message
