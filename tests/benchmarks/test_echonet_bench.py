"""Discover and identify 50 ECHONET Lite objects (10 simulated nodes x 5 objects): the
discovery transport (multicast, then objects read concurrently) against reading the same
objects one at a time. Median of 5 runs each. Run inside a private network namespace:

    unshare -rn bash -c 'ip link set lo up; .venv/bin/python -m pytest -s -p no:cacheprovider \
        tests/benchmarks/test_echonet_bench.py'
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from conftest import report
from echonet_helpers import require_private_loopback

from commissioner.backends.echonet.identity import read_node, read_object
from commissioner.backends.echonet.pool import shared_endpoint
from commissioner.discovery.echonet import EchonetTransport
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol.echonet import Eoj
from commissioner.virtualhome.echonet_nodes import EchonetHome, NodeSpec, ObjectSpec

pytestmark = pytest.mark.benchmark
CLASSES = (0x0130, 0x026B, 0x027D, 0x0279, 0x0288)


def _nodes() -> list[NodeSpec]:
    return [NodeSpec(f"127.0.0.{60 + n}", "7F0001", f"{0xF00 + n:026x}", tuple(
        ObjectSpec(Eoj(c >> 8, c & 0xFF, 1), f"P{n:02d}{i}", f"S{n:02d}{i:08d}")
        for i, c in enumerate(CLASSES))) for n in range(10)]


async def _concurrent(wait: float) -> tuple[float, int]:
    transport = EchonetTransport(["127.0.0.1"], wait=wait, timeout=1.0)
    manager = DiscoveryManager()
    started = time.perf_counter()
    async with shared_endpoint("127.0.0.1") as endpoint:
        transport._manager = manager  # one search round, no background loop
        await transport.search(endpoint)
    return time.perf_counter() - started, len(manager.devices)


async def _one_at_a_time(wait: float) -> tuple[float, int]:
    started = time.perf_counter()
    found = 0
    async with shared_endpoint("127.0.0.1") as endpoint:
        from commissioner.backends.echonet.identity import NODE_EPCS
        from commissioner.protocol.echonet import NODE_PROFILE_EOJ
        replies = await endpoint.multicast_get(NODE_PROFILE_EOJ, NODE_EPCS, wait=wait)
        for host, _ in replies:
            node = await read_node(endpoint, host, timeout=1.0)
            for eoj in node.instances:
                await read_object(endpoint, node, eoj, timeout=1.0)
                found += 1
    return time.perf_counter() - started, found


def test_discover_and_identify_50_objects() -> None:
    require_private_loopback()

    async def run() -> dict[str, object]:
        async with EchonetHome(_nodes()):
            wait = 0.2
            conc = [await _concurrent(wait) for _ in range(5)]
            seq = [await _one_at_a_time(wait) for _ in range(5)]
        assert all(n == 50 for _, n in conc + seq)
        c = statistics.median(t for t, _ in conc)
        s = statistics.median(t for t, _ in seq)
        return {"objects": 50, "multicast_wait_s": wait, "concurrent_median_s": round(c, 4),
                "one_at_a_time_median_s": round(s, 4),
                "identify_only_concurrent_s": round(c - wait, 4),
                "identify_only_sequential_s": round(s - wait, 4)}

    report("echonet-discover-identify-50", asyncio.run(run()))
