"""Certify every device of the 100-device virtual home (large-100): total time and per-device
median, with bounded parallel connections. Goal: under 2 s for 100 devices.

    /tmp/venv/bin/python -m pytest tests/benchmarks/test_certify_bench.py -s -p no:cacheprovider
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from conftest import report

sys.path.append(str(Path(__file__).resolve().parents[1] / "core"))
from gate_helpers import sync_catalog, targets
from vh_fixtures import running_virtual_home

from commissioner.trust.gate import (
    DEFAULT_CONCURRENCY,
    certify_device,
    certify_home,
    trust_store_for,
)


def test_certify_large_100(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="large-100", ready_timeout=90) as home:
        catalog = sync_catalog(home, tmp_path / "cache")
        devices = targets(home)
        assert len(devices) == 101  # 100 devices + the gateway

        async def sequential() -> tuple[float, list[float]]:
            trust = trust_store_for(catalog)
            per: list[float] = []
            t0 = time.perf_counter()
            for target in devices:
                one = time.perf_counter()
                await certify_device(target, catalog, 3, trust=trust)
                per.append(time.perf_counter() - one)
            return time.perf_counter() - t0, per

        async def parallel() -> tuple[float, list[str]]:
            t0 = time.perf_counter()
            verdicts = await certify_home(devices, catalog, 3, concurrency=DEFAULT_CONCURRENCY)
            return time.perf_counter() - t0, [v.verdict.value for v in verdicts]

        baseline, per = asyncio.run(sequential())  # the same code, one device at a time
        total, verdicts = asyncio.run(parallel())
    figures = {
        "devices": len(devices),
        "concurrency": DEFAULT_CONCURRENCY,
        "total_s": round(total, 3),
        "sequential_s": round(baseline, 3),
        "speedup_vs_sequential": round(baseline / total, 2),
        "per_device_median_ms": round(statistics.median(per) * 1000, 1),
        "per_device_p95_ms": round(sorted(per)[int(len(per) * 0.95) - 1] * 1000, 1),
        "certified": verdicts.count("certified"),
    }
    report("certify-large-100", figures)
    assert "unreachable" not in verdicts
    assert total < 2.0, figures
