"""A look-alike advertisement reuses a genuine device's id (real virtual home, a real impostor
serving TLS with a forged chain on 127.0.0.1, real zeroconf, real TUF catalog and job store).

Whichever advertisement discovery heard first, certify asks both endpoints to prove the id,
judges the genuine device (never "counterfeit") and reports the impostor as a spoofing attempt
with its address."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import keyring_fixtures
import pytest
from impostor_helpers import impostor_of
from vh_fixtures import running_virtual_home

from commissioner.app.certify import SPOOFING_STEP, certify
from commissioner.app.context import make_context
from commissioner.cli import main
from commissioner.discovery.events import DeviceRecord
from commissioner.discovery.scan import scan
from commissioner.jobs.store import JobStore
from commissioner.trust.gate import Verdict
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.impostor import IMPOSTOR_SUFFIX

pytestmark = pytest.mark.timeout(120)

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


def _new_job(data: Path, home: HomeFile, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["job", "new", "--job-number", "SPOOF-1", "--site-name", "Test house",
                 "--site-address", "1-1 Chiyoda", "--level", "2", "--personal-data", "no",
                 "--life-or-property", "no", "--reason", "agreed", "--operator", "Sato",
                 "--json", "--data-dir", str(data), "--virtual-home", str(home.directory)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return str(json.loads(out)["id"])


def test_the_genuine_device_is_judged_and_the_impostor_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    secret_service: keyring_fixtures.SecretServiceSession,
) -> None:
    data = tmp_path / "data"
    with running_virtual_home(tmp_path / "home", scenario="home-20", devices=3) as home:
        victim = home.devices[0]
        job = _new_job(data, home, capsys)
        with impostor_of(home, victim.device_id) as impostor:
            ids = {d.device_id for d in home.devices} | {home.gateway.device_id}
            result = asyncio.run(scan(["127.0.0.1"], 10.0, expect_ids=ids))
            claims = result.contested.get(victim.device_id, ())
            assert {s for s, _ in claims} == {
                f"{victim.device_id}.{'_shcommission._tcp.local.'}",
                impostor.instance}, result.contested
            # Make the race go the impostor's way: the record discovery hands over is the
            # impostor's (as when its advertisement was heard first).
            fake = next(s for src, s in claims if src == impostor.instance)
            heard = [DeviceRecord(r.device_id, {"mdns": fake}) if r.device_id == victim.device_id
                     else r for r in result.devices]
            ctx = make_context(data_dir=data, virtual_home=home.directory)
            outcome = asyncio.run(certify(ctx, job, heard=heard, contested=result.contested))
            verdict = next(v for v in outcome.verdicts if v.device_id == victim.device_id)
            assert verdict.verdict is Verdict.CERTIFIED, verdict.reason
            assert verdict.attested and verdict.cert_fingerprint is not None
            [attempt] = outcome.spoofing
            assert (attempt.device_id, attempt.source) == (victim.device_id, impostor.instance)
            assert (attempt.address, attempt.port) == ("127.0.0.1", impostor.port)
            assert attempt.port != victim.port
            assert attempt.reason_code == "untrusted-chain"  # its forged chain was refused
            with JobStore.open(next(data.rglob("*.sqlite3")), create=False) as store:
                steps = store.steps(job)
                device = next(d for d in store.devices(job) if d.device_id == victim.device_id)
            spoof = [s for s in steps if s.action == SPOOFING_STEP]
            assert [s.detail["port"] for s in spoof] == [impostor.port]
            assert device.port == victim.port  # the job keeps the genuine endpoint
            malformed = [s.detail for s in steps if s.action == "discovery.malformed"]
            assert any(m["source"] == impostor.instance and "spoofing attempt" in m["reason"]
                       and f"127.0.0.1:{impostor.port}" in m["reason"] for m in malformed)

            # The CLI runs its own scan (whatever the race does) and says so too.
            capsys.readouterr()
            code = main(["certify", "--job", job, "--scan-timeout", "8", "--data-dir", str(data),
                         "--virtual-home", str(home.directory)])
            out, err = capsys.readouterr()
            line = next(x for x in out.splitlines() if victim.device_id in x and "OK" in x)
            assert "certified" in line, out
            assert "SPOOFING ATTEMPT" in out and f"127.0.0.1:{impostor.port}" in out, out
            assert IMPOSTOR_SUFFIX in out
            assert code in (0, 6), err


def test_the_manager_lists_every_claim_of_a_contested_id() -> None:
    from commissioner.discovery.events import Sighting
    from commissioner.discovery.manager import DiscoveryManager
    from commissioner.protocol.spec import CommissioningState, Role

    def seen(port: int, at: float) -> Sighting:
        return Sighting("mdns", "skr-ac-000001", Role.DEVICE, "air-conditioner", "Sakura Denki",
                        "SD-AC2400", "1.2.0", CommissioningState.FACTORY, "1.0", "127.0.0.1",
                        port, seen_at=at)

    manager = DiscoveryManager()
    manager.report_sighting("fake.local.", seen(1111, 1.0))  # the impostor answers first
    manager.report_sighting("real.local.", seen(2222, 2.0))
    manager.report_sighting("other.local.", dataclasses.replace(
        seen(3333, 3.0), device_id="skr-ac-000002"))
    contested = manager.contested("mdns")
    assert list(contested) == ["skr-ac-000001"]
    assert [(src, s.port) for src, s in contested["skr-ac-000001"]] == [
        ("fake.local.", 1111), ("real.local.", 2222)]
    manager.report_lost("mdns", "fake.local.")
    assert manager.contested("mdns") == {}
    assert manager.devices["skr-ac-000001"].sightings["mdns"].port == 2222
