"""Firmware update benchmarks (run on demand):

    /tmp/venv/bin/python -m pytest tests/benchmarks/test_firmware_bench.py -s -p no:cacheprovider

(a) a 256 MiB image to one virtual device (its own process) over loopback TLS: transfer
    throughput and peak RSS growth of the app process. Goal >= 50 MB/s, < 64 MiB.
(b) a 50-device home (+ gateway), 8 MiB images, outdated -> latest including reboots (1 s):
    default concurrency vs 1, in one run (two identical homes). Goal >= 6x faster.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

from conftest import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from vh_fixtures import running_virtual_home

from commissioner.firmware.cache import FirmwareCache, ImageProvider, preload
from commissioner.firmware.plan import DeviceEndpoint, plan_home
from commissioner.firmware.push import (
    DEFAULT_CONCURRENCY,
    Outcome,
    Phase,
    SetupCodeAccess,
    UpdateOptions,
    UpdateProgress,
    update_home,
)
from commissioner.trust.catalog import CatalogConfig, sync
from commissioner.trust.gate import trust_store_for
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file

MIB = 1024 * 1024


def _rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _setup(home: HomeFile, tmp: Path, tag: str) -> tuple[object, ...]:
    config = CatalogConfig(url=home.catalog_url, cache_dir=tmp / f"catalog-{tag}",
                           trusted_root=(home.directory / "catalog" / "root.json").read_bytes())
    catalog = sync(config)
    assert catalog.firmware is not None
    trust = trust_store_for(catalog)
    cache = FirmwareCache(tmp / "firmware-cache")
    preload(cache, config, catalog.firmware)
    ids = [home.gateway.device_id, *(d.device_id for d in home.devices)]
    labels = {i: read_label_file(home.label_path(i)) for i in ids}
    endpoints = [DeviceEndpoint(home.gateway.device_id, home.gateway.host, home.gateway.port)]
    endpoints += [DeviceEndpoint(d.device_id, d.host, d.port) for d in home.devices]
    provider = ImageProvider(cache, catalog.firmware, config)
    return catalog, trust, SetupCodeAccess(labels), endpoints, provider


def test_a_256mib_image_one_device(tmp_path: Path) -> None:
    env = {"COMMISSIONER_VH_FIRMWARE_BYTES": str(256 * MIB),
           "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.5"}
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=1, env=env,
                              ready_timeout=120) as home:
        catalog, trust, access, endpoints, provider = _setup(home, tmp_path, "a")
        device = endpoints[1]

        async def bench() -> dict[str, float]:
            items = await plan_home([device], catalog.firmware, trust)  # type: ignore[arg-type, attr-defined]
            # verify once (hash + signature) before measuring the push itself
            model = catalog.firmware.for_model(items[0].model)  # type: ignore[attr-defined]
            await provider.get(model, model.latest_release)  # type: ignore[attr-defined]
            base = _rss()
            peak = [base]
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], _rss())
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            marks: dict[str, float] = {}

            def progress(p: UpdateProgress) -> None:
                if p.phase is Phase.TRANSFER and "t0" not in marks:
                    marks["t0"] = time.perf_counter()
                if p.phase is Phase.VERIFY and "t1" not in marks:
                    marks["t1"] = time.perf_counter()

            start = time.perf_counter()
            results = await update_home(items, provider, trust, access,  # type: ignore[arg-type]
                                        options=UpdateOptions(reboot_timeout=60),
                                        on_progress=progress)
            total = time.perf_counter() - start
            stop.set()
            sampler.join()
            assert results[0].outcome is Outcome.UPDATED, results[0].reason
            transfer = marks["t1"] - marks["t0"]
            return {
                "image_mib": 256,
                "transfer_s": round(transfer, 3),
                "throughput_mb_s": round(256 * MIB / transfer / 1e6, 1),
                "total_with_verify_reboot_confirm_s": round(total, 3),
                "rss_growth_mib": round((peak[0] - base) / MIB, 1),
            }

        figures = asyncio.run(bench())
    report("firmware-256mib-one-device", figures)
    assert figures["throughput_mb_s"] >= 50, figures
    assert figures["rss_growth_mib"] < 64, figures


def _run_home(home: HomeFile, tmp: Path, tag: str, concurrency: int) -> tuple[float, int]:
    catalog, trust, access, endpoints, provider = _setup(home, tmp, tag)

    async def bench() -> tuple[float, int]:
        items = await plan_home(endpoints, catalog.firmware, trust)  # type: ignore[arg-type, attr-defined]
        for item in items:  # download + verify outside the measured window
            model = catalog.firmware.for_model(item.model)  # type: ignore[attr-defined]
            await provider.get(model, model.latest_release)  # type: ignore[attr-defined]
        start = time.perf_counter()
        results = await update_home(items, provider, trust, access,  # type: ignore[arg-type]
                                    concurrency=concurrency,
                                    options=UpdateOptions(reboot_timeout=60))
        wall = time.perf_counter() - start
        bad = [r for r in results if r.outcome is not Outcome.UPDATED]
        assert not bad, bad[:3]
        return wall, len(results)

    return asyncio.run(bench())


def test_b_50_devices_concurrent_vs_sequential(tmp_path: Path) -> None:
    env = {"COMMISSIONER_VH_FIRMWARE_BYTES": str(8 * MIB),
           "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "1.0"}
    with running_virtual_home(tmp_path / "home-a", scenario="standard", devices=50, env=env,
                              ready_timeout=180) as home:
        parallel, n = _run_home(home, tmp_path, "a", DEFAULT_CONCURRENCY)
    with running_virtual_home(tmp_path / "home-b", scenario="standard", devices=50, env=env,
                              ready_timeout=180) as home:
        sequential, _ = _run_home(home, tmp_path, "b", 1)
    figures = {
        "devices": n,
        "image_mib": 8,
        "reboot_s": 1.0,
        "concurrency": DEFAULT_CONCURRENCY,
        "wall_concurrent_s": round(parallel, 2),
        "wall_sequential_s": round(sequential, 2),
        "speedup": round(sequential / parallel, 2),
    }
    report("firmware-50-devices", figures)
    assert figures["speedup"] >= 6, figures
