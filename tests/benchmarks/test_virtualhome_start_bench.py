"""Start the 100-device virtual home (large-100): time until it is ready. Goal: under 15 s.

    .venv/bin/python -m pytest tests/benchmarks/test_virtualhome_start_bench.py -s
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from conftest import report

sys.path.append(str(Path(__file__).resolve().parents[1]))
from vh_fixtures import running_virtual_home


def test_large_home_starts_quickly(tmp_path: Path) -> None:
    start = time.monotonic()
    with running_virtual_home(tmp_path / "home", scenario="large-100", ready_timeout=90) as home:
        elapsed = time.monotonic() - start
        assert len(home.devices) == 100
    report("virtual-home-start-large-100", {"seconds": round(elapsed, 3)})
    assert elapsed < 15, elapsed
