"""Verification of a 100-device home: identify (attested), certification and firmware against
the catalog, default login, the job's admin credential, read-back and the gateway's allow-list,
all through the device-protocol seam; median of 5 at the default concurrency against the same
checks one device at a time. Goal: under 2 s.

Besides the wall-clock figures it reports the CPU seconds each run cost this process (the
commissioner side) and the virtual home's process (the 101 simulated devices): on a machine
shared with other work the wall clock mostly measures the queue for the cores, the CPU
seconds what verification itself costs.

    unshare -rn bash -c 'ip link set lo up; bash scripts/in-test-session.sh \
        .venv/bin/python -m pytest -s -p no:cacheprovider tests/benchmarks/test_verify_bench.py'
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import keyring_fixtures
from conftest import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import provisioning_helpers as ph
from gate_helpers import sync_catalog
from vh_fixtures import running_virtual_home

from commissioner.app.verify import DEFAULT_CONCURRENCY, HeldCredentials
from commissioner.app.verify_checks import device_findings
from commissioner.app.verify_probe import probe_all
from commissioner.app.verify_record import load_record
from commissioner.backends.base import ClientCredentials, DeviceAddress
from commissioner.backends.shc.backend import ShcBackend
from commissioner.jobs.store import JobStore
from commissioner.provisioning.run import COMMISSIONER_CERT, COMMISSIONER_KEY, open_vault

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

DEVICES = 100


def test_verify_100_devices(tmp_path: Path,
                            secret_service: keyring_fixtures.SecretServiceSession) -> None:
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=DEVICES,
                              ready_timeout=120) as home:
        data = tmp_path / "data"
        job = ph.certified_job(home, data, "BV-1")
        env = ph.cli_env(secret_service.bus_address)
        r = ph.run_cli(["commission", "--job", job, "--data-dir", str(data), "--virtual-home",
                        str(home.directory), "--read-box-labels"], env, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        catalog = sync_catalog(home, data / "catalog-cache")
        with JobStore.open(ph.store_path(data), create=False) as store:
            record = load_record(store, store.get_job(job))
            vault = open_vault(store, backend=secret_service.backend)
            creds = HeldCredentials(
                {d.device_id: vault.get(job, f"admin/{d.device_id}") for d in record.devices},
                ClientCredentials(vault.get(job, COMMISSIONER_CERT),
                                  vault.get(job, COMMISSIONER_KEY)))
        addr = ph.addresses(home)
        targets = {d.device_id: (DeviceAddress(d.device_id, *addr[d.device_id]), True,
                                 d.attestation_fingerprint, d.role == "gateway")
                   for d in record.devices}
        backend = ShcBackend(ph.trust(home))
        simulator = _pid_serving(home.directory)
        cpu: dict[int, list[tuple[float, float]]] = {}

        def run(concurrency: int) -> float:
            own, sim = time.process_time(), _cpu_seconds(simulator)
            start = time.perf_counter()
            probes = asyncio.run(probe_all(backend, targets, credentials=creds, timeout=10,
                                           concurrency=concurrency))
            findings = device_findings(record, probes, catalog, dt.date.today())
            elapsed = time.perf_counter() - start
            cpu.setdefault(concurrency, []).append(
                (time.process_time() - own, _cpu_seconds(simulator) - sim))
            assert all(p.session_ok for p in probes.values()), "a device refused the job"
            assert not any(p.default_login_works for p in probes.values())
            assert all(p.readback is not None for p in probes.values())
            assert not [f for f in findings if f.code.startswith(("acl", "default", "admin"))]
            return elapsed

        parallel = [run(DEFAULT_CONCURRENCY) for _ in range(5)]
        sequential = [run(1) for _ in range(5)]
    med_p, med_s = statistics.median(parallel), statistics.median(sequential)
    figures = {"devices": DEVICES + 1, "concurrency": DEFAULT_CONCURRENCY,
               "parallel_median_s": round(med_p, 3), "sequential_median_s": round(med_s, 3),
               "parallel_runs_s": [round(x, 3) for x in parallel],
               "sequential_runs_s": [round(x, 3) for x in sequential],
               "speedup": round(med_s / med_p, 2), "goal": "< 2 s",
               "cpu_s_median": {
                   ("parallel" if c == DEFAULT_CONCURRENCY else "sequential"): {
                       "commissioner": round(statistics.median(x for x, _ in runs), 3),
                       "virtual_home": round(statistics.median(y for _, y in runs), 3)}
                   for c, runs in cpu.items()},
               "load_average": os.getloadavg()[0]}
    print(f"\nverify {DEVICES} devices + gateway: concurrency {DEFAULT_CONCURRENCY} median "
          f"{med_p:.2f} s, one at a time median {med_s:.2f} s; CPU per run "
          f"{figures['cpu_s_median']}")
    report("verify-100", figures)


def _pid_serving(state_dir: Path) -> int:
    """The virtual home's process (the one serving ``state_dir``)."""
    found = subprocess.run(["pgrep", "-f", f"virtual-home --state-dir {state_dir}"],
                           capture_output=True, text=True, check=False).stdout.split()
    assert len(found) == 1, found
    return int(found[0])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
