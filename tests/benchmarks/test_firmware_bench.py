"""Firmware update benchmarks (run on demand):

    /tmp/venv/bin/python -m pytest tests/benchmarks/test_firmware_bench.py -s -p no:cacheprovider

(a) a 256 MiB image to one virtual device (its own process) over loopback TLS: transfer
    throughput and peak RSS growth of the app process. Goal >= 50 MB/s, < 64 MiB.
(b) a 50-device home (+ gateway), 8 MiB images, outdated -> latest including reboots (1 s):
    default concurrency vs one device at a time (transfer, reboot, confirm, then the next), and
    vs concurrency 1 (one transfer at a time, reboots overlapping), in one run (three
    identical homes). Goal >= 6x faster than one at a time.
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
    update_device,
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


def _run_home(home: HomeFile, tmp: Path, tag: str, concurrency: int | None) -> tuple[float, int]:
    """Update the whole home with ``update_home(concurrency=...)``, or with ``None`` one device
    after the other (``update_device`` per device: transfer, reboot and confirm before the
    next one starts - what an installer does by hand)."""
    catalog, trust, access, endpoints, provider = _setup(home, tmp, tag)

    async def bench() -> tuple[float, int]:
        items = await plan_home(endpoints, catalog.firmware, trust)  # type: ignore[arg-type, attr-defined]
        for item in items:  # download + verify outside the measured window
            model = catalog.firmware.for_model(item.model)  # type: ignore[attr-defined]
            await provider.get(model, model.latest_release)  # type: ignore[attr-defined]
        options = UpdateOptions(reboot_timeout=60)
        start = time.perf_counter()
        if concurrency is None:
            results = [await update_device(item, provider, trust, access,  # type: ignore[arg-type]
                                           options=options) for item in items]
        else:
            results = await update_home(items, provider, trust, access,  # type: ignore[arg-type]
                                        concurrency=concurrency, options=options)
        wall = time.perf_counter() - start
        bad = [r for r in results if r.outcome is not Outcome.UPDATED]
        assert not bad, bad[:3]
        return wall, len(results)

    return asyncio.run(bench())


def test_b_50_devices_concurrent_vs_sequential(tmp_path: Path) -> None:
    env = {"COMMISSIONER_VH_FIRMWARE_BYTES": str(8 * MIB),
           "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "1.0"}
    walls: dict[str, float] = {}
    n = 0
    for tag, mode in (("default", DEFAULT_CONCURRENCY), ("c1", 1), ("one-at-a-time", None)):
        with running_virtual_home(tmp_path / f"home-{tag}", scenario="standard", devices=50,
                                  env=env, ready_timeout=180) as home:
            walls[tag], n = _run_home(home, tmp_path, tag, mode)
    figures = {
        "devices": n,
        "image_mib": 8,
        "reboot_s": 1.0,
        "concurrency": DEFAULT_CONCURRENCY,
        "wall_concurrent_s": round(walls["default"], 2),
        "wall_concurrency_1_s": round(walls["c1"], 2),
        "wall_one_device_at_a_time_s": round(walls["one-at-a-time"], 2),
        "speedup_vs_one_at_a_time": round(walls["one-at-a-time"] / walls["default"], 2),
        "speedup_vs_concurrency_1": round(walls["c1"] / walls["default"], 2),
    }
    report("firmware-50-devices", figures)
    assert figures["speedup_vs_one_at_a_time"] >= 6, figures
