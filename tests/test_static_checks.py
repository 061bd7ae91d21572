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


def test_import_contract_fails_when_a_gui_module_imports_back_into_the_window(
    tmp_path: Path,
) -> None:
    """An operation controller that imports the main window (even only for typing) closes a
    cycle between the GUI modules: the window imports the controllers."""
    shutil.copytree(
        ROOT / "commissioner",
        tmp_path / "commissioner",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    controller = tmp_path / "ui" / "commission_controller.py"
    controller.write_text(
        controller.read_text()
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from ui.main_window import MainWindow\n"
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "No import cycle between the GUI modules BROKEN" in result.stdout
    assert "main_window" in result.stdout.split("BROKEN", 1)[1]


def test_ruff_is_clean() -> None:
    result = _run([str(BIN / "ruff"), "check", "commissioner", "ui", "tests"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_core() -> None:
    result = _run([str(BIN / "mypy"), "--no-incremental", "commissioner"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
