"""Benchmark (on demand): a Matter home of matter.js devices of different types, plus one
whose model the catalog does not certify, commissioned one at a time through the Matter
backend (the SDK commissions one device at a time per controller: connectedhomeip#13945).

    unshare -rn bash -c 'ip link set lo up; bash scripts/in-test-session.sh \\
        .venv/bin/python -m pytest tests/benchmarks/test_matter_home_bench.py \\
        -s -p no:cacheprovider'

Figures: worker start, per-device commission (PASE, attestation, NOC, read back), ACL write,
window close and read-back; every genuine device on its own NOC and with exactly the expected
ACL; the uncertified one refused before it gets a NOC.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import time
from pathlib import Path

import pytest
from conftest import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from matter_home import (
    DeviceSpec,
    counterfeit_certification,
    device_host,
    matter_home,
    unavailable_reason,
)
from test_matter_commissioning import Labels, device_id_of, matter_catalog

from commissioner.backends.base import DeviceAddress
from commissioner.backends.errors import UntrustedDeviceError
from commissioner.backends.matter.backend import FabricConfig, MatterBackend
from commissioner.backends.matter.certification import catalog_admission
from commissioner.discovery.matter import MatterTransport
from commissioner.discovery.scan import scan
from commissioner.protocol.spec import CommissioningState
from commissioner.trust.matter_labels import matter_label

pytestmark = pytest.mark.benchmark

GENUINE = [DeviceSpec("light", 0xA01, product_id=0x8000),
           DeviceSpec("plug", 0xA02, product_id=0x8001),
           DeviceSpec("contact", 0xA03, product_id=0x8002),
           DeviceSpec("temperature", 0xA04, product_id=0x8003),
           DeviceSpec("covering", 0xA05, product_id=0x8004)]
UNCERTIFIED = DeviceSpec("dimmer", 0xA06, product_id=0x80FF)
# A certified model's ids, but its DAC chains to a PAA no trust store holds.
COUNTERFEIT = DeviceSpec("light", 0xA07, product_id=0x8000,
                         certification=counterfeit_certification(0xFFF1, 0x8000))


def test_matter_home_one_at_a_time(tmp_path: Path) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    certified = {s.product_id: f"Test {s.kind}" for s in GENUINE}
    with matter_catalog(tmp_path, certified) as (catalog, paa_folder), \
            matter_home(tmp_path / "home", [*GENUINE, UNCERTIFIED, COUNTERFEIT]) as home:
        backend = MatterBackend(paa_folder, tmp_path / "job", FabricConfig(0xBE7C4),
                                admit=catalog_admission(catalog, required_level=2))
        by_spec = {d.spec.discriminator: d for d in home.devices}

        async def run() -> dict[str, object]:
            started = time.monotonic()
            await backend.worker()
            worker_s = time.monotonic() - started
            per_device, nocs = [], set()
            for spec in GENUINE:
                dev = by_spec[spec.discriminator]
                address = DeviceAddress(device_id_of(spec), device_host(home, dev), 5540,
                                        "matter")
                t = time.monotonic()
                session = await backend.open_session(
                    address, Labels({address.device_id: matter_label(dev.qr)}), timeout=20)
                await session.set_acl()
                await session.complete()
                await session.read_back()
                per_device.append(time.monotonic() - t)
                rb = await session.read_matter()
                assert session.check(rb) == []
                nocs.add(hashlib.sha256(rb.nocs[0]).hexdigest())
            refused = {}
            for spec, reason in ((UNCERTIFIED, "not-certified"), (COUNTERFEIT, "not-attested")):
                dev = by_spec[spec.discriminator]
                address = DeviceAddress(device_id_of(spec), device_host(home, dev), 5540,
                                        "matter")
                t = time.monotonic()
                with pytest.raises(UntrustedDeviceError) as caught:
                    await backend.open_session(
                        address, Labels({address.device_id: matter_label(dev.qr)}),
                        timeout=20)
                assert caught.value.reason == reason
                refused[reason] = round(time.monotonic() - t, 2)
            # Proof from the devices: both blocked ones still advertise as commissionable
            # (no operational certificate, no fabric).
            found = await scan(home.interfaces, 10, expect=2,
                               extra_transports=[MatterTransport(home.interfaces)])
            states = {r.device_id: r.sightings["matter"].state for r in found.devices
                      if "matter" in r.sightings}
            for spec in (UNCERTIFIED, COUNTERFEIT):
                assert states.get(device_id_of(spec)) is CommissioningState.FACTORY, states
            await backend.aclose()
            assert len(nocs) == len(GENUINE)
            return {"devices": len(GENUINE), "worker_start_s": round(worker_s, 2),
                    "per_device_s": [round(x, 2) for x in per_device],
                    "median_device_s": round(statistics.median(per_device), 2),
                    "total_s": round(sum(per_device), 2),
                    "refused_s": refused}

        report("matter-home-sequential", asyncio.run(run()))
