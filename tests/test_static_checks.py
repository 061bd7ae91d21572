"""Static checks that are part of the test run: the core/UI import boundary, ruff and mypy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return _run(
        [str(BIN / "lint-imports"), "--config", str(cwd / "pyproject.toml"), "--no-cache"], cwd, env
    )


def test_import_contract_holds_for_the_tree() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


@pytest.mark.parametrize(
    "leak",
    ["import PySide6.QtCore\n", "from PySide6 import QtWidgets\n", "import ui.bridge\n"],
)
def test_import_contract_fails_when_the_core_imports_qt(tmp_path: Path, leak: str) -> None:
    shutil.copytree(
        ROOT / "commissioner",
        tmp_path / "commissioner",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "commissioner" / "protocol" / "_leak.py").write_text(leak)
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "commissioner.protocol._leak" in result.stdout


@pytest.mark.parametrize(
    ("package", "leak"),
    [
        ("trust", "from commissioner.protocol.client import identify\n"),
        ("provisioning", "import commissioner.protocol.http11\n"),
        ("firmware", "from commissioner.protocol.tls import client_context\n"),
    ],
)
def test_import_contract_fails_when_a_feature_speaks_the_wire(
    tmp_path: Path, package: str, leak: str
) -> None:
    """Features reach devices only through a backend: a direct import of the wire client,
    HTTP framing or TLS from the gate, provisioning or firmware breaks the contract."""
    shutil.copytree(
        ROOT / "commissioner",
        tmp_path / "commissioner",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "commissioner" / package / "_leak.py").write_text(leak)
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Features reach devices only through a backend BROKEN" in result.stdout
    assert f"commissioner.{package}._leak" in result.stdout


def test_ruff_is_clean() -> None:
    result = _run([str(BIN / "ruff"), "check", "commissioner", "ui", "tests"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_core() -> None:
    result = _run([str(BIN / "mypy"), "--no-incremental", "commissioner"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
