"""The message catalog is complete: every code speaks both languages with the same
parameters, and no error a person sees is raised without a code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from japanese_text import english_words

from commissioner.errors import UserError
from commissioner.messages import CATALOG, Text, language_from_env, parameter_names, render

ROOT = Path(__file__).resolve().parents[2] / "commissioner"


def test_every_code_has_both_languages_with_the_same_parameters() -> None:
    problems = []
    for code, message in sorted(CATALOG.items()):
        if not (message.en.strip() and message.ja.strip()):
            problems.append(f"{code}: a language is missing")
        if parameter_names(message.en) != parameter_names(message.ja):
            problems.append(f"{code}: the message's parameters differ")
        if bool(message.fix_en) != bool(message.fix_ja):
            problems.append(f"{code}: the next step is missing in one language")
        if parameter_names(message.fix_en) != parameter_names(message.fix_ja):
            problems.append(f"{code}: the next step's parameters differ")
    assert not problems, "\n".join(problems)


def test_every_japanese_template_has_no_english_words() -> None:
    leftovers = {
        code: words for code, message in CATALOG.items()
        for template in (message.ja, message.fix_ja)
        if (words := english_words(re.sub(r"\{[a-z_]+\}", " ", template)))
    }
    assert not leftovers, leftovers


def _user_error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names = {"UserError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                             for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


# The simulator's own errors speak to whoever runs a training home from a shell; they are
# not the product's messages (see the report of issue 15 for what remains).
SIMULATOR = ROOT / "virtualhome"


def test_no_user_error_is_raised_without_a_code() -> None:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in ROOT.rglob("*.py")}
    classes = _user_error_classes(trees)
    uncoded: list[str] = []
    for path, tree in trees.items():
        if SIMULATOR in path.parents:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in classes and not any(k.arg == "code" for k in node.exc.keywords):
                    uncoded.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert not uncoded, "raised without a message code:\n" + "\n".join(uncoded)


def test_every_code_raised_is_in_the_catalog() -> None:
    missing: list[str] = []
    for path in ROOT.rglob("*.py"):
        if SIMULATOR in path.parents:
            continue
        for raised in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(raised, ast.Raise) and isinstance(raised.exc, ast.Call)):
                continue
            for node in raised.exc.keywords:
                if node.arg == "code" and isinstance(node.value, ast.Constant) and \
                        node.value.value not in CATALOG:
                    missing.append(f"{path.name}: {node.value.value}")
    assert not missing, missing


def test_a_coded_error_renders_in_both_languages_with_values_as_they_are() -> None:
    err = UserError(code="job.not-found", params={"job": "J-2024-007"})
    assert str(err) == "There is no job with id or job number 'J-2024-007' in this job store."
    message, fix = err.localized("ja")
    assert "J-2024-007" in message and "ジョブ" in message
    assert fix is not None and "commissioner job list" in fix
    assert err.hint is not None and "commissioner job list" in err.hint


def test_the_old_positional_message_still_works() -> None:
    err = UserError("plain words", hint="do this")
    assert (str(err), err.hint, err.code) == ("plain words", "do this", None)
    assert err.localized("ja") == ("plain words", "do this")


def test_a_nested_coded_text_follows_the_language() -> None:
    inner = Text("catalog.none-downloaded")
    text = render("catalog.online-and-offline", {"online": "timeout", "offline": inner}, "ja")
    assert "ダウンロード" in text


@pytest.mark.parametrize(("env", "expected"), [
    ({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({}, "en"), ({"LANG": "C"}, "en"),
    ({"COMMISSIONER_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
    ({"COMMISSIONER_LANG": "ja", "LANG": "C"}, "ja"),
])
def test_the_language_follows_the_locale(env: dict[str, str], expected: str) -> None:
    assert language_from_env(env) == expected


def test_the_checker_finds_untranslated_words() -> None:
    assert english_words("ジョブ J-1 が見つかりません") == []
    assert english_words("ジョブ J-1: nothing was found") == ["nothing", "was", "found"]
    assert english_words("commissioner certify --job 3f2a 192.0.2.1:5540 SHC-AC-200") == []
