"""The virtual home as a running process: real TLS servers and real zeroconf on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from zeroconf import IPVersion, ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vh_fixtures import REPO_ROOT, running_virtual_home

from commissioner.discovery.scan import scan
from commissioner.protocol.advertisement import parse_txt
from commissioner.protocol.client import TrustStore, identify, open_session
from commissioner.protocol.errors import (
    DeviceUnreachableError,
    IdentityMismatchError,
    RateLimitedError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
)
from commissioner.protocol.label import Label
from commissioner.protocol.setup_code import make_proof
from commissioner.protocol.spec import SERVICE_TYPE
from commissioner.virtualhome import scenario as sc
from commissioner.virtualhome.control import ControlError, control
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.seed import read_manifest

pytestmark = pytest.mark.timeout(120)


def trust(home: HomeFile) -> TrustStore:
    return TrustStore.from_pem(home.trust_roots_path.read_bytes())


def label(home: HomeFile, device_id: str) -> Label:
    return read_label_file(home.label_path(device_id))


async def browse(
    device_ids: set[str], wait_s: float = 10.0
) -> dict[str, tuple[dict[bytes, Any], int]]:
    """This home's services as a zeroconf browser on loopback sees them: id -> (TXT, port).

    Other virtual homes may be running on this machine's loopback at the same time, so only
    the instances named after ``device_ids`` are considered.
    """
    wanted = {f"{d}.{SERVICE_TYPE}": d for d in device_ids}
    found: dict[str, tuple[dict[bytes, Any], int]] = {}
    names: set[str] = set()
    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    enough = asyncio.Event()

    def on_change(zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        if state_change is ServiceStateChange.Added and name in wanted:
            names.add(name)
            if len(names) == len(wanted):
                enough.set()

    browser = AsyncServiceBrowser(azc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(enough.wait(), wait_s)

        async def resolve(name: str) -> None:
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if await info.async_request(azc.zeroconf, 3000):
                found[wanted[name]] = (dict(info.properties), info.port or 0)

        await asyncio.gather(*(resolve(n) for n in sorted(names)))
    finally:
        await browser.async_cancel()
        await azc.async_close()
    return found


async def raw_tls(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return await asyncio.open_connection(host, port, ssl=ctx)


def test_standard_home_end_to_end(tmp_path: Path) -> None:
    state_dir = tmp_path / "home"
    with running_virtual_home(state_dir) as home:
        assert home.scenario == "standard" and len(home.devices) == 12
        assert home.mdns_interfaces == ("127.0.0.1",)
        assert home.control_host == "127.0.0.1"
        assert all(d.host == "127.0.0.1" for d in home.devices)
        assert len({d.manufacturer for d in home.devices}) >= 4
        assert (state_dir / "labels" / "index.json").is_file()
        assert oct((state_dir / "control.json").stat().st_mode & 0o777) == "0o600"
        fingerprints = asyncio.run(_check_running_standard_home(home))

    # Restart with the same directory: same identities, keys and persisted rate limiter.
    with running_virtual_home(state_dir, scenario=None) as home2:
        assert [d.device_id for d in home2.devices] == [d.device_id for d in home.devices]
        asyncio.run(_check_restarted_home(home2, fingerprints))


async def _check_running_standard_home(home: HomeFile) -> dict[str, str]:
    store = trust(home)
    everyone = [(home.gateway.device_id, home.gateway.port)] + [
        (d.device_id, d.port) for d in home.devices
    ]
    # Every device answers over verified TLS with a chain to the trusted manufacturer roots.
    results = await asyncio.gather(*(identify("127.0.0.1", p, store) for _, p in everyone))
    fingerprints = {}
    for (device_id, _), result in zip(everyone, results, strict=True):
        assert result.identity.device_id == device_id
        assert result.info["certificate_chain"] and len(result.info["certificate_chain"]) == 2
        assert result.state["state"] == "factory"
        assert result.firmware["slots"]["b"] is None
        fingerprints[device_id] = result.identity.fingerprint_sha256
    assert results[0].info["role"] == "gateway" and results[0].info["kind"] == "gateway"

    # All of them are visible to a real zeroconf browser on loopback, with valid TXT records.
    ports = dict(everyone)
    seen = await browse(set(ports))
    adverts = {parse_txt(txt).device_id: (parse_txt(txt), port) for txt, port in seen.values()}
    assert set(adverts) == set(ports) == set(seen)
    for device_id, (_adv, port) in adverts.items():
        assert port == ports[device_id]
    assert adverts[home.gateway.device_id][0].role.value == "gateway"

    device = home.devices[0]
    right = label(home, device.device_id)
    # Session: the right setup code authenticates and unlocks /v1/commissioning/.
    async with await open_session("127.0.0.1", device.port, store) as session:
        resp = await session.request("POST", "/v1/commissioning/open", {})
        assert resp.status == 401 and resp.json()["error"] == "not-authenticated"
        await session.authenticate(right)
        assert await session.post_json("/v1/commissioning/open", {}) == {"ok": True}
        assert (await session.request("GET", "/v1/nowhere")).status == 404
        assert (await session.request("POST", "/v1/identity", {})).status == 405
        assert (await session.request("POST", "/v1/session/proof", {"proof": "AA=="})).json()[
            "error"
        ] == "no-challenge"

    # A proof recorded on one connection is worthless on another (nonce bound to connection).
    async with await open_session("127.0.0.1", device.port, store) as s1:
        client_nonce = os.urandom(32)
        ch = await s1.post_json(
            "/v1/session/challenge", {"client_nonce": base64.b64encode(client_nonce).decode()}
        )
        proof = make_proof(
            right.setup_code,
            right.serial,
            base64.b64decode(ch["device_nonce"]),
            client_nonce,
            s1.cert_der,
        )
        async with await open_session("127.0.0.1", device.port, store) as s2:
            replay = {"proof": base64.b64encode(proof).decode()}
            assert (await s2.request("POST", "/v1/session/proof", replay)).status == 409
            await s2.post_json(
                "/v1/session/challenge", {"client_nonce": base64.b64encode(client_nonce).decode()}
            )
            assert (await s2.request("POST", "/v1/session/proof", replay)).status == 401
        ok = await s1.request("POST", "/v1/session/proof", replay)
        assert ok.status == 200  # the original connection may still use it, once
        assert (await s1.request("POST", "/v1/session/proof", replay)).status == 409

    # Wrong setup code: 401 five times, then 429 with a retry-after.
    victim = home.devices[1]
    good = label(home, victim.device_id)
    wrong_code = f"{(int(good.setup_code) + 1) % 10**8:08d}"
    wrong = Label(good.device_id, good.manufacturer, good.model, good.serial, wrong_code, good.kind)
    async with await open_session("127.0.0.1", victim.port, store) as session:
        for _ in range(5):
            with pytest.raises(SetupCodeRejectedError):
                await session.authenticate(wrong)
        with pytest.raises(RateLimitedError) as limited:
            await session.authenticate(good)  # even the right code waits out the lockout
        assert 1 <= limited.value.retry_after_s <= 30

    # A malformed request closes that connection; the device keeps serving others.
    reader, writer = await raw_tls("127.0.0.1", device.port)
    writer.write(b"GET /v1/identity HTTP/1.1\r\nno colon here\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.read(), 5)
    assert head.startswith(b"HTTP/1.1 400") and b'"error":"bad-request"' in head
    writer.close()
    assert (await identify("127.0.0.1", device.port, store)).identity.device_id == device.device_id

    # Power cycle: unreachable during the downtime, then back with the same identity.
    target = home.devices[2]
    cut = time.monotonic()  # the device's downtime timer starts before the reply
    reply = await control(home.directory, "power-cycle", target.device_id, downtime=1.5)
    assert reply["powered"] is False
    with pytest.raises(DeviceUnreachableError):
        await open_session("127.0.0.1", target.port, store, timeout=1)
    status = await control(home.directory, "status")
    row = next(d for d in status["devices"] if d["device_id"] == target.device_id)
    assert row["powered"] is False
    while True:
        try:
            back = await identify("127.0.0.1", target.port, store, timeout=1)
            break
        except DeviceUnreachableError:
            assert time.monotonic() - cut < 10
            await asyncio.sleep(0.1)
    assert time.monotonic() - cut >= 1.45
    assert back.identity.fingerprint_sha256 == fingerprints[target.device_id]
    assert back.state["uptime_s"] < 5
    with pytest.raises(ControlError) as unknown:
        await control(home.directory, "power-cycle", "no-such-device")
    assert unknown.value.code == "unknown-device"
    return fingerprints


async def _check_restarted_home(home: HomeFile, fingerprints: dict[str, str]) -> None:
    store = trust(home)
    results = await asyncio.gather(*(identify("127.0.0.1", d.port, store) for d in home.devices))
    assert {r.identity.device_id: r.identity.fingerprint_sha256 for r in results} == {
        k: v for k, v in fingerprints.items() if k != home.gateway.device_id
    }
    victim = home.devices[1]
    status = await control(home.directory, "status")
    row = next(d for d in status["devices"] if d["device_id"] == victim.device_id)
    assert row["rate_limiter"]["failures"] == 5
    async with await open_session("127.0.0.1", victim.port, store) as session:
        with pytest.raises(RateLimitedError):  # the lockout survived the restart
            await session.authenticate(label(home, victim.device_id))


def test_mixed_faults_home_serves_its_faults(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="mixed-faults") as home:
        manifest = read_manifest(home.directory)
        asyncio.run(_check_mixed(home, {d.device_id: set(d.faults) for d in manifest.devices}))


async def _check_mixed(home: HomeFile, faults: dict[str, set[str]]) -> None:
    store = trust(home)

    async def outcome(port: int, model: str) -> Any:
        try:
            return await identify("127.0.0.1", port, store, advertised_model=model)
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            return exc

    outcomes = await asyncio.gather(*(outcome(d.port, d.model) for d in home.devices))
    by_id = dict(zip((d.device_id for d in home.devices), outcomes, strict=True))
    for device_id, result in by_id.items():
        f = faults[device_id]
        if sc.COUNTERFEIT_SELF_SIGNED in f or sc.COUNTERFEIT_UNKNOWN_CA in f:
            assert isinstance(result, UntrustedDeviceError), (device_id, result)
        elif sc.MODEL_MISMATCH in f:
            assert isinstance(result, IdentityMismatchError), (device_id, result)
        else:
            assert not isinstance(result, Exception), (device_id, result)
        if sc.OUTDATED_FIRMWARE in f:
            assert result.firmware["version"] == "1.0.3"
        if sc.DEFAULT_PASSWORD in f:
            assert result.state["state"] == "commissioned"
            assert result.state["default_credential_enabled"] is True
    # A counterfeit still speaks TLS with its bad chain: the chain is there, just untrusted.
    fake = next(d for d in home.devices if sc.COUNTERFEIT_UNKNOWN_CA in faults[d.device_id])
    reader, writer = await raw_tls("127.0.0.1", fake.port)
    writer.write(b"GET /v1/identity HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    await writer.drain()
    body = (await asyncio.wait_for(reader.read(), 5)).split(b"\r\n\r\n", 1)[1]
    writer.close()
    identity = json.loads(body)
    assert identity["device_id"] == fake.device_id and len(identity["certificate_chain"]) == 2
    personal = next(d for d in home.devices if sc.PERSONAL_DATA in faults[d.device_id])
    async with await open_session("127.0.0.1", personal.port, store) as session:
        counts = (await session.get_json("/v1/personal-data"))["counts"]
    assert sum(counts.values()) > 0


def test_large_home_starts_quickly(tmp_path: Path) -> None:
    # The start-up time is measured in tests/benchmarks/test_virtualhome_start_bench.py; here
    # only that a 100-device home comes up (generous deadline for a loaded machine) and works.
    with running_virtual_home(tmp_path / "home", scenario="large-100",
                              ready_timeout=180) as home:
        assert len(home.devices) == 100

        async def check() -> None:
            store = trust(home)
            results = await asyncio.gather(
                *(identify("127.0.0.1", d.port, store, timeout=10) for d in home.devices)
            )
            assert len({r.identity.fingerprint_sha256 for r in results}) == 100
            ids = {home.gateway.device_id, *(d.device_id for d in home.devices)}
            # The product's scan for the devices it knows keeps asking for the missing ones
            # until its deadline (a loaded machine may drop some of 101 answers at first).
            found = await scan(["127.0.0.1"], 10.0, expect_ids=ids)
            assert ids <= {r.device_id for r in found.devices}

        asyncio.run(check())


def test_ctl_command_line(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "commissioner.cli", "virtual-home", "ctl", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    not_running = subprocess.run([*cli, "status"], capture_output=True, text=True, env=env)
    assert not_running.returncode == 1 and "control file not found" in not_running.stderr
    with running_virtual_home(tmp_path, devices=3) as home:
        out = subprocess.run([*cli, "status"], capture_output=True, text=True, env=env, check=True)
        status = json.loads(out.stdout)
        assert len(status["devices"]) == 4 and all(d["powered"] for d in status["devices"])
        token = json.loads((tmp_path / "control.json").read_text())["token"]
        assert token not in out.stdout
        target = home.devices[0].device_id
        out = subprocess.run(
            [*cli, "power-cycle", target, "--downtime", "0.5"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert json.loads(out.stdout)["device_id"] == target
        # A wrong --devices for an existing home is a clear error, not a silent re-seed.
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "commissioner.cli",
            "virtual-home",
            "--state-dir",
            str(tmp_path),
            "--devices",
            "5",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert bad.returncode == 1 and "3 devices, not 5" in bad.stderr
