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


SIMULATOR_CONTRACT = "The simulator never imports product policy"


@pytest.mark.parametrize(
    ("module", "leak"),
    [
        # The regression this contract exists for: the gateway borrowing the app's issuer.
        ("gateway.py", "from commissioner.provisioning.home_ca import issue_owner_certificate\n"),
        ("homefile.py", "def _late() -> None:\n    import commissioner.trust.gate\n"),
        ("device.py", "from commissioner import paths\n"),
        ("cli.py", "from commissioner.cli_common import common_parser\n"),
        ("home.py", "import ui.bridge\n"),
        ("state.py", "from commissioner.app import site\n"),  # the app layer, once it exists
    ],
)
def test_simulator_contract_fails_when_the_simulator_imports_product_policy(
    tmp_path: Path, module: str, leak: str
) -> None:
    shutil.copytree(
        ROOT / "commissioner",
        tmp_path / "commissioner",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    app = tmp_path / "commissioner" / "app"
    if not app.exists():  # stand in for the application layer until it lands
        app.mkdir()
        (app / "__init__.py").write_text("")
        (app / "site.py").write_text("")
    target = tmp_path / "commissioner" / "virtualhome" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + leak, encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{SIMULATOR_CONTRACT} BROKEN" in result.stdout
    assert f"commissioner.virtualhome.{module.removesuffix('.py')}" in result.stdout


def test_ruff_is_clean() -> None:
    result = _run([str(BIN / "ruff"), "check", "commissioner", "ui", "tests"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_core() -> None:
    result = _run([str(BIN / "mypy"), "--no-incremental", "commissioner"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
