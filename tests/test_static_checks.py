"""Static checks that are part of the test run: the import contracts hold, ruff and mypy.

Each contract is broken on purpose in tests/test_import_contracts.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_ruff_is_clean() -> None:
    result = _run([str(BIN / "ruff"), "check", "commissioner", "ui", "tests"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_core() -> None:
    result = _run([str(BIN / "mypy"), "--no-incremental", "commissioner"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
