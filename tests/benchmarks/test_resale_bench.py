"""The whole resale of a 30-device home (+ its gateway), through the application layer's use
cases: wipe and verify every device (with the previous home's credentials), certify, commission
for the new owner, update from the outdated firmware to the latest with 1 s reboots. The same
steps one device at a time (wipe one device, then the next; provisioning at concurrency 1;
update one device, reboot and confirm, then the next) on an identical second home.

Each home is first commissioned for owner A, sealed as handed over with its firmware left
outdated (so the resale has an update to do) and lived in (``occupy``: personal data on every
device). Device answers take COMMISSIONER_VH_PROCESSING_MS = 10 ms each; images are 1 MiB.

    unshare -rn bash -c 'ip link set lo up; bash scripts/in-test-session.sh \
        .venv/bin/python -m pytest -s -p no:cacheprovider tests/benchmarks/test_resale_bench.py'
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import keyring_fixtures
import pytest
from conftest import report
from vh_fixtures import running_virtual_home

from commissioner.app.certify import certify
from commissioner.app.commission import commission
from commissioner.app.context import AppContext, make_context
from commissioner.app.firmware import update_firmware
from commissioner.app.jobs import create_job
from commissioner.app.resale import create_resale_job
from commissioner.app.wipe import wipe_job
from commissioner.virtualhome.control import control
from commissioner.virtualhome.homefile import HomeFile

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

DEVICES = 30
ENV = {"COMMISSIONER_VH_FIRMWARE_REBOOT_S": "1.0",
       "COMMISSIONER_VH_FIRMWARE_BYTES": str(1024 * 1024),
       "COMMISSIONER_VH_PROCESSING_MS": "10"}


def _owner_a(ctx: AppContext, home: HomeFile, tag: str) -> str:
    """Commissioned for owner A, sealed, lived in; firmware still outdated."""
    job = create_job(ctx, job_number=f"A-{tag}", site_name="さくら邸", site_address="東京都",
                     service_level=2, operator="佐藤").id
    asyncio.run(certify(ctx, job, scan_timeout=10))
    summary = asyncio.run(commission(ctx, job))
    assert summary.ok, [(o.device_id, o.reason) for o in summary.outcomes
                        if o.status != "provisioned"]
    with ctx.store() as store:
        store.close_job(job, operator="佐藤")
    asyncio.run(control(home.directory, "occupy"))
    return job


async def _timed(name: str, times: dict[str, float], work: Awaitable[object]) -> object:
    start = time.perf_counter()
    result = await work
    times[name] = round(time.perf_counter() - start, 2)
    print(f"  {name}: {times[name]} s", flush=True)
    return result


def _resale(ctx: AppContext, home: HomeFile, old: str, tag: str, *, one_at_a_time: bool
            ) -> dict[str, float]:
    new = create_resale_job(ctx, job_number=f"B-{tag}", operator="田中", from_job=old)[0].id
    ids = sorted([home.gateway.device_id, *(d.device_id for d in home.devices)])
    times: dict[str, float] = {}

    async def each(step: Callable[[str], Awaitable[object]]) -> list[object]:
        return [await step(i) for i in ids]

    async def run() -> None:
        if one_at_a_time:
            wiped = await _timed("wipe_verify", times, each(
                lambda i: wipe_job(ctx, new, device_ids=[i], concurrency=1)))
            left = [(d.device_id, d.problems) for w in wiped
                    for d in w.unverified]  # type: ignore[attr-defined]
            assert not left, left
        else:
            outcome = await _timed("wipe_verify", times, wipe_job(ctx, new))
            assert not outcome.unverified, [  # type: ignore[attr-defined]
                (d.device_id, d.problems) for d in outcome.unverified]  # type: ignore[attr-defined]
        await _timed("certify", times, certify(ctx, new, scan_timeout=10,
                                               concurrency=1 if one_at_a_time else 8))
        summary = await _timed("commission", times, commission(
            ctx, new, concurrency=1 if one_at_a_time else None))
        assert summary.ok  # type: ignore[attr-defined]
        if one_at_a_time:
            runs = await _timed("update", times, each(
                lambda i: update_firmware(ctx, new, device_ids=[i], concurrency=1,
                                          reboot_timeout=60)))
            # each run blocks on the devices not updated yet; the last one on none
            assert runs[-1].ok  # type: ignore[attr-defined]
        else:
            fw = await _timed("update", times, update_firmware(ctx, new, reboot_timeout=60))
            assert fw.ok  # type: ignore[attr-defined]

    start = time.perf_counter()
    asyncio.run(run())
    times["total"] = round(time.perf_counter() - start, 2)
    return times


@pytest.mark.timeout(3600)
def test_resale_30_devices(tmp_path: Path,
                           secret_service: keyring_fixtures.SecretServiceSession) -> None:
    del secret_service
    results: dict[str, dict[str, float]] = {}
    for tag, sequential in (("whole", False), ("one", True)):
        with running_virtual_home(tmp_path / f"home-{tag}", scenario="standard",
                                  devices=DEVICES, env=ENV, ready_timeout=180) as home:
            ctx = make_context(data_dir=tmp_path / f"data-{tag}", virtual_home=home.directory)
            started = time.perf_counter()
            old = _owner_a(ctx, home, tag)
            print(f"\n{tag}: home for owner A ready in {time.perf_counter() - started:.1f} s",
                  flush=True)
            results[tag] = _resale(ctx, home, old, tag, one_at_a_time=sequential)
    whole, one = results["whole"], results["one"]
    figures = {"devices": DEVICES + 1, "reboot_s": 1.0, "processing_ms": 10,
               "image_mib": 1, "whole_home_s": whole, "one_at_a_time_s": one,
               "speedup": round(one["total"] / whole["total"], 2)}
    print(f"\nresale {DEVICES} devices + gateway: whole home {whole['total']:.1f} s {whole}, "
          f"one device at a time {one['total']:.1f} s {one}")
    report("resale-30", figures)
