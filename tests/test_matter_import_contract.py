"""The Matter SDK stays in its worker process: the contract breaks when any other module
loads the SDK or imports the worker module (see test_import_contracts for the method)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_contracts import _broken_by

MATTER_SDK = "Only the Matter worker process loads the Matter SDK"


@pytest.mark.parametrize(("module", "leak"), [
    ("commissioner/backends/matter/backend.py", "import chip.ChipDeviceCtrl\n"),
    ("commissioner/app/_leak.py", "from commissioner.backends.matter import worker\n"),
])
def test_matter_sdk_contract_fails_outside_the_worker(tmp_path: Path, module: str,
                                                      leak: str) -> None:
    out = _broken_by(tmp_path, module, leak)
    assert f"{MATTER_SDK} BROKEN" in out


def test_every_module_but_the_worker_is_under_the_contract() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["name"] == MATTER_SDK)
    sources = set(contract["source_modules"])
    matter = {f"commissioner.backends.matter.{p.stem}"
              for p in (root / "commissioner" / "backends" / "matter").glob("*.py")
              if p.stem not in ("__init__", "worker")}
    top = {f"commissioner.{p.name}" for p in (root / "commissioner").iterdir()
           if p.is_dir() and (p / "__init__.py").exists() and p.name != "backends"}
    backends = {f"commissioner.backends.{p.stem if p.is_file() else p.name}"
                for p in (root / "commissioner" / "backends").iterdir()
                if (p.suffix == ".py" and p.stem != "__init__")
                or (p.is_dir() and (p / "__init__.py").exists() and p.name != "matter")}
    assert (matter | top | backends | {"ui"}) - sources == set()
