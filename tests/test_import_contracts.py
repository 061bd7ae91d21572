"""Every import-linter contract in pyproject.toml fails when the code breaks it.

Each case copies the tree, plants one import that the contract forbids and runs lint-imports
on the copy: the contract must come back BROKEN, naming the planted module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

QT = "The core never imports Qt or the UI"
WIRE = "Features reach devices only through a backend"
SIMULATOR = "The simulator never imports product policy"
GUI_CYCLES = "No import cycle between the GUI modules"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def _broken_by(tmp_path: Path, module: str, leak: str) -> str:
    """Copy the tree, add ``leak`` to ``module`` (a path under the tree; created if new) and
    return lint-imports' report, which must fail."""
    for package in ("commissioner", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    before = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(before + "\n" + leak, encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    return result.stdout


@pytest.mark.parametrize(
    "leak",
    ["import PySide6.QtCore\n", "from PySide6 import QtWidgets\n", "import ui.bridge\n"],
)
def test_qt_contract_fails_when_the_core_imports_qt(tmp_path: Path, leak: str) -> None:
    out = _broken_by(tmp_path, "commissioner/protocol/_leak.py", leak)
    assert f"{QT} BROKEN" in out and "commissioner.protocol._leak" in out


@pytest.mark.parametrize(
    ("package", "leak"),
    [
        ("trust", "from commissioner.protocol.client import identify\n"),
        ("provisioning", "import commissioner.protocol.http11\n"),
        ("firmware", "from commissioner.protocol.tls import client_context\n"),
        ("app", "from commissioner.protocol.client import identify\n"),
        ("cli", "from commissioner.protocol import client\n"),
    ],
)
def test_wire_contract_fails_when_a_feature_speaks_the_wire(
    tmp_path: Path, package: str, leak: str
) -> None:
    """Features reach devices only through a backend: a direct import of the wire client,
    HTTP framing or TLS from the gate, provisioning or firmware breaks the contract."""
    out = _broken_by(tmp_path, f"commissioner/{package}/_leak.py", leak)
    assert f"{WIRE} BROKEN" in out and f"commissioner.{package}._leak" in out


@pytest.mark.parametrize(
    ("module", "leak"),
    [
        # The regression this contract exists for: the gateway borrowing the app's issuer.
        ("gateway.py", "from commissioner.provisioning.home_ca import issue_owner_certificate\n"),
        ("homefile.py", "def _late() -> None:\n    import commissioner.trust.gate\n"),
        ("device.py", "from commissioner import paths\n"),
        ("cli.py", "from commissioner.cli.common import common_parser\n"),
        ("home.py", "import ui.bridge\n"),
        ("state.py", "from commissioner.app import site\n"),
    ],
)
def test_simulator_contract_fails_when_the_simulator_imports_product_policy(
    tmp_path: Path, module: str, leak: str
) -> None:
    out = _broken_by(tmp_path, f"commissioner/virtualhome/{module}", leak)
    assert f"{SIMULATOR} BROKEN" in out
    assert f"commissioner.virtualhome.{module.removesuffix('.py')}" in out


@pytest.mark.parametrize(
    ("module", "leak"),
    [
        # The cycle this contract exists for: a controller typed against the main window.
        (
            "commission_controller.py",
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
            "    from ui.main_window import MainWindow\n",
        ),
        ("operation_runner.py", "import ui.main_window\n"),
        ("device_table.py", "from ui.gate_controller import GateController\n"),
    ],
)
def test_gui_cycle_contract_fails_when_a_gui_module_imports_back_up(
    tmp_path: Path, module: str, leak: str
) -> None:
    """The window composes the controllers and they know it only through narrow protocols:
    any ui module importing back into one that imports it closes a cycle."""
    out = _broken_by(tmp_path, f"ui/{module}", leak)
    assert f"{GUI_CYCLES} BROKEN" in out
    assert module.removesuffix(".py") in out.split(f"{GUI_CYCLES} BROKEN", 1)[1]


PRODUCT = "The product never imports the simulator"
LAYERS = "Layers: faces, application, features, devices, storage, protocol, base"
CORE_CYCLES = "No import cycle between the modules of a core package"


@pytest.mark.parametrize(
    "module",
    ["commissioner/app/_leak.py", "commissioner/trust/_leak.py", "ui/_leak.py",
     "commissioner/protocol/_leak.py"],
)
def test_product_contract_fails_when_the_product_imports_the_simulator(
    tmp_path: Path, module: str
) -> None:
    out = _broken_by(tmp_path, module, "from commissioner.virtualhome import homefile\n")
    assert f"{PRODUCT} BROKEN" in out
    assert module.removesuffix(".py").replace("/", ".") in out


@pytest.mark.parametrize(
    ("module", "leak"),
    [
        # storage reaching up into a feature (the store once imported the gate's verdict type)
        ("commissioner/jobs/_leak.py", "from commissioner.trust import gate\n"),
        # the wire protocol reaching up into the application layer
        ("commissioner/protocol/_leak.py", "import commissioner.app.context\n"),
        # one face calling into the other (the GUI once built CLI namespaces)
        ("ui/_leak.py", "from commissioner.cli import common\n"),
        # a feature calling the application layer above it
        ("commissioner/firmware/_leak.py", "from commissioner.app import firmware\n"),
    ],
)
def test_layers_contract_fails_when_an_import_runs_back_up(
    tmp_path: Path, module: str, leak: str
) -> None:
    out = _broken_by(tmp_path, module, leak)
    assert f"{LAYERS} BROKEN" in out
    assert module.removesuffix(".py").replace("/", ".") in out


def test_cycle_contract_fails_when_two_modules_of_a_package_import_each_other(
    tmp_path: Path,
) -> None:
    # app.certify imports app.context; planting the way back closes a loop.
    out = _broken_by(tmp_path, "commissioner/app/context.py",
                     "def _late() -> None:\n    from commissioner.app import certify\n")
    assert f"{CORE_CYCLES} BROKEN" in out
    assert "commissioner.app" in out


def test_every_core_package_and_module_has_a_layer() -> None:
    """A new package outside the layers contract would escape every rule: each package and
    top-level module of the core is on a layer (the simulator stands apart on purpose)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == LAYERS)
    named = {name.strip() for line in layers["layers"] for name in line.split("|")}
    core = {
        f"commissioner.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "commissioner").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name != "__init__.py")
    }
    assert core - named == {"commissioner.virtualhome"}, sorted(core - named)
