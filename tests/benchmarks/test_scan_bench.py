"""Time from scan start until every device of a virtual home is listed (median of 5 runs).

Baseline in the same process: a bare zeroconf browser that only collects service names (the mDNS
floor). The scan must also fetch and parse every TXT record, so the ratio shows our overhead.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest
from conftest import report
from vh_fixtures import running_virtual_home
from zeroconf import DNSQuestionType, IPVersion
from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

from commissioner.discovery.scan import scan
from commissioner.protocol.spec import SERVICE_TYPE

RUNS = 5


async def _floor(expected: set[str], limit: float) -> float:
    zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    seen: set[str] = set()
    done = asyncio.Event()

    def handler(zeroconf: object, service_type: str, name: str, state_change: object) -> None:
        seen.add(name.split(".")[0])
        if expected <= seen:
            done.set()

    t0 = time.perf_counter()
    browser = AsyncServiceBrowser(
        zc.zeroconf, [SERVICE_TYPE], handlers=[handler], question_type=DNSQuestionType.QM
    )
    await asyncio.wait_for(done.wait(), limit)
    elapsed = time.perf_counter() - t0
    await browser.async_cancel()
    await zc.async_close()
    return elapsed


async def _scan_time(expected: set[str], limit: float) -> float:
    t0 = time.perf_counter()
    result = await scan(["127.0.0.1"], limit, expect=len(expected), settle=0.0)
    elapsed = time.perf_counter() - t0
    assert expected <= {d.device_id for d in result.devices}
    return elapsed


@pytest.mark.parametrize("devices", [20, 100])
def test_scan_until_all_listed(tmp_path: Path, devices: int) -> None:
    scenario = "large-100" if devices == 100 else "home-20"
    with running_virtual_home(tmp_path / "home", scenario=scenario, devices=devices) as home:
        expected = {d.device_id for d in home.devices} | {home.gateway.device_id}
        time.sleep(2.0)  # let start-up announcements finish, as on a site that is already up
        floors, scans = [], []
        for _ in range(RUNS):
            # Responders answer the same multicast question at most once a second (RFC 6762
            # 6.2), so each measurement starts after a quiet pause, as a fresh scan on site would.
            time.sleep(1.5)
            floors.append(asyncio.run(_floor(expected, 20)))
            time.sleep(1.5)
            scans.append(asyncio.run(_scan_time(expected, 20)))
    floor, median = statistics.median(floors), statistics.median(scans)
    report(
        f"scan-{devices}",
        {
            "devices": devices + 1,
            "scan_median_s": round(median, 3),
            "scan_runs_s": [round(x, 3) for x in scans],
            "floor_median_s": round(floor, 3),
            "ratio_scan_over_floor": round(median / floor, 2),
            "goal_s": 1.0,
        },
    )
    assert median <= 1.0, f"{devices}-device scan took {median:.2f} s (goal 1.0 s)"
