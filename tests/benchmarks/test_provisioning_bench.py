"""Provision a 50-device virtual home (plus its gateway): wall time of the whole run with the
default concurrency and with concurrency 1, each on a fresh factory home, in one benchmark
run. Goal: the parallel run at least 6x faster than the sequential one and under 20 s.

    /tmp/venv/bin/python -m pytest -s -p no:cacheprovider \
        tests/benchmarks/test_provisioning_bench.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import keyring_fixtures
import pytest
from conftest import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import provisioning_helpers as ph
from vh_fixtures import running_virtual_home

from commissioner.app.site import read_label_folder
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import (
    DEFAULT_CONCURRENCY,
    RunOptions,
    RunSummary,
    commission_home,
    open_vault,
)
from commissioner.provisioning.setup_codes import remember_labels
from commissioner.virtualhome.timing import PROCESSING_ENV

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

DEVICES = 50


def _provision(base: Path, concurrency: int, ss: keyring_fixtures.SecretServiceSession,
               processing_ms: int = 0) -> tuple[float, RunSummary]:
    env = {PROCESSING_ENV: str(processing_ms)}
    with running_virtual_home(base / "home", scenario="home-20", devices=DEVICES,
                              ready_timeout=90, env=env) as home:
        data = base / "data"
        job = ph.certified_job(home, data, f"B-{concurrency}")
        with JobStore.open(ph.store_path(data), create=False) as store:
            vault = open_vault(store, backend=ss.backend)
            remember_labels(store, vault, job, read_label_folder(home.labels_path))
            options = RunOptions(concurrency=concurrency, addresses=ph.addresses(home))
            start = time.perf_counter()
            summary = asyncio.run(commission_home(store, vault, job, ph.trust(home), options))
            elapsed = time.perf_counter() - start
    assert summary.ok and summary.count("provisioned") == DEVICES + 1, summary.to_json()
    return elapsed, summary


@pytest.mark.parametrize("processing_ms", [0, 50])
def test_provision_50_devices_parallel_vs_sequential(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession, processing_ms: int
) -> None:
    """0 ms: devices answer instantly, so app and 51 devices compete for the 2 cores (CPU bound).
    50 ms: each management request costs the device 50 ms of its own processing (key
    generation, flash commits), as on embedded hardware; the run is then bound by waiting."""
    parallel, _ = _provision(tmp_path / "parallel", DEFAULT_CONCURRENCY, secret_service,
                             processing_ms)
    sequential, _ = _provision(tmp_path / "sequential", 1, secret_service, processing_ms)
    ratio = sequential / parallel
    figures = {
        "devices": DEVICES + 1,
        "device_processing_ms": processing_ms,
        "concurrency": DEFAULT_CONCURRENCY,
        "parallel_s": round(parallel, 3),
        "sequential_s": round(sequential, 3),
        "speedup": round(ratio, 2),
        "goal": ">= 6x and < 20 s",
    }
    print(f"\nprovisioning {DEVICES} devices + gateway ({processing_ms} ms device processing): "
          f"concurrency {DEFAULT_CONCURRENCY} {parallel:.2f} s, concurrency 1 "
          f"{sequential:.2f} s, ratio {ratio:.2f}x")
    report(f"provisioning-50-{processing_ms}ms", figures)
    assert parallel < 20.0, figures
