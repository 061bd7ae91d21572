"""Benchmarks run on demand: `.venv/bin/python -m pytest tests/benchmarks -s -p no:cacheprovider`.

They are excluded from the default run (see addopts in pyproject.toml). Each prints its figures
and appends them as JSON to artifacts/benchmarks.jsonl.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def report(name: str, figures: dict[str, object]) -> None:
    line = {"benchmark": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **figures}
    print(f"\nBENCH {json.dumps(line)}")
    out = REPO / "artifacts" / "benchmarks.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fp:
        fp.write(json.dumps(line) + "\n")
