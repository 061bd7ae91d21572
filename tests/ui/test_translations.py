"""The shipped Japanese catalog covers every UI string and its compiled .qm is not stale."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "commissioner_ja.ts"
QM = ROOT / "resources" / "translations" / "commissioner_ja.qm"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; CI must check the translations")
        pytest.skip(f"{name} is not installed")
    return found


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out[(name, message.findtext("source") or "")] = message
    return out


def test_every_ui_string_is_in_the_catalog_and_translated(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh_ja.ts"
    shutil.copy(TS, fresh)
    sources = sorted(str(p) for p in (ROOT / "ui").glob("*.py"))
    result = subprocess.run(
        [_tool("pyside6-lupdate"), "-locations", "none", *sources, "-ts", str(fresh)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    committed = _messages(TS)
    extracted = _messages(fresh)
    missing = sorted(k for k, m in extracted.items() if k not in committed)
    assert not missing, f"strings missing from {TS.name} (run pyside6-lupdate): {missing}"
    obsolete = sorted(
        k
        for k, m in extracted.items()
        if m.find("translation").get("type") in {"vanished", "obsolete"}  # type: ignore[union-attr]
    )
    assert not obsolete, f"strings no longer in the code: {obsolete}"
    assert len(committed) >= 50
    for (context, source), message in committed.items():
        translation = message.find("translation")
        assert translation is not None
        assert translation.get("type") is None, f"unfinished: {context}/{source}"
        text = "".join(translation.itertext()).strip()
        assert text, f"empty translation: {context}/{source}"
        placeholders = sorted(re.findall(r"%\d", source))
        assert sorted(re.findall(r"%\d", text)) == placeholders, f"{source!r} -> {text!r}"


def test_compiled_catalog_matches_the_source(tmp_path: Path) -> None:
    out = tmp_path / "commissioner_ja.qm"
    result = subprocess.run(
        [_tool("pyside6-lrelease"), str(TS), "-qm", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert QM.read_bytes() == out.read_bytes(), (
        f"{QM.name} is stale: run pyside6-lrelease {TS} -qm {QM}"
    )


def test_japanese_catalog_has_the_expected_terms() -> None:
    translations = {
        source: "".join(m.find("translation").itertext())  # type: ignore[union-attr]
        for (_ctx, source), m in _messages(TS).items()
    }
    assert translations["Air conditioner"] == "エアコン"
    assert translations["Water heater"] == "給湯器"
    assert translations["Electric lock"] == "電気錠"
    assert translations["Home gateway"] == "ホームゲートウェイ"
    assert translations["Factory state"] == "工場出荷状態"
    assert translations["Commissioned"] == "設定済み"
    assert translations["Start scan"] == "スキャン開始"
    assert translations["Stop scan"] == "スキャン停止"
