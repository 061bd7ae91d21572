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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from gate_helpers import sync_catalog, targets
from vh_fixtures import running_virtual_home

from commissioner.trust.gate import DEFAULT_CONCURRENCY, GateTarget, certify_device


def test_certify_large_100(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="large-100", ready_timeout=90) as home:
        catalog = sync_catalog(home, tmp_path / "cache")
        devices = targets(home)
        assert len(devices) == 101  # 100 devices + the gateway

        async def bench() -> tuple[float, list[float], list[str]]:
            from commissioner.trust.gate import trust_store_for

            trust = trust_store_for(catalog)
            sem = asyncio.Semaphore(DEFAULT_CONCURRENCY)
            per: list[float] = []
            verdicts: list[str] = []

            async def one(t: GateTarget) -> None:
                async with sem:
                    start = time.perf_counter()
                    v = await certify_device(t, catalog, 3, trust=trust)
                    per.append(time.perf_counter() - start)
                    verdicts.append(v.verdict.value)

            start = time.perf_counter()
            await asyncio.gather(*(one(t) for t in devices))
            return time.perf_counter() - start, per, verdicts

        total, per, verdicts = asyncio.run(bench())
    figures = {
        "devices": len(devices),
        "concurrency": DEFAULT_CONCURRENCY,
        "total_s": round(total, 3),
        "per_device_median_ms": round(statistics.median(per) * 1000, 1),
        "per_device_p95_ms": round(sorted(per)[int(len(per) * 0.95) - 1] * 1000, 1),
        "certified": verdicts.count("certified"),
    }
    report("certify-large-100", figures)
    assert "unreachable" not in verdicts
    assert total < 2.0, figures
