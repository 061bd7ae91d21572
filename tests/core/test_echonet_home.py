"""ECHONET Lite equipment of the virtual home, found and judged for real: simulated nodes on
loopback addresses (UDP 3610 each) in the test's private network namespace, multicast on lo."""

from __future__ import annotations

import asyncio
import datetime as dt

from echonet_helpers import home_catalog, require_private_loopback

from commissioner.backends import DeviceAddress
from commissioner.backends.echonet import EchonetBackend
from commissioner.discovery.echonet import EchonetTransport
from commissioner.discovery.events import DeviceRecord, Sighting
from commissioner.discovery.manager import DiscoveryManager
from commissioner.protocol.echonet import Eoj
from commissioner.protocol.spec import CommissioningState, Role
from commissioner.trust.gate import DeviceVerdict, GateTarget, LabelFacts, certify_home
from commissioner.virtualhome.echonet_nodes import (
    EchonetHome,
    NodeSpec,
    ObjectSpec,
    standard_nodes,
)

NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
EXPECTED = {
    "air-conditioner": ("7F0001", "FE-RAS22", "RAS22-000123"),
    "water-heater": ("7F0001", "FE-WH37", "WH37-0000456"),
    "storage-battery": ("7F0002", "TE-BT50", "BT50-0000789"),
    "pv-inverter": ("7F0002", "TE-PV55", "PV55-0000790"),
    "smart-meter": ("7F00EE", "SM-X1", "SMX1-0000001"),
}


async def _discover(nodes: list[NodeSpec]) -> tuple[list[DeviceRecord], DiscoveryManager]:
    async with EchonetHome(nodes):
        transport = EchonetTransport(["127.0.0.1"], wait=0.3, timeout=0.5)
        manager = DiscoveryManager([transport])
        await manager.async_start()
        try:
            for _ in range(40):
                await asyncio.sleep(0.1)
                if transport.rounds and len(manager.devices) >= sum(
                        len(n.objects) for n in nodes if n.hostile is None):
                    break
            return list(manager.devices.values()), manager
        finally:
            await manager.async_stop()


def test_every_object_is_found_and_identified_with_its_codes() -> None:
    require_private_loopback()
    records, manager = asyncio.run(_discover(standard_nodes()))
    seen = {r.latest.kind: (r.latest.manufacturer, r.latest.model) for r in records}
    assert seen == {k: v[:2] for k, v in EXPECTED.items()}
    assert not manager.malformed
    assert all(r.transports == ("echonet",) for r in records)

    async def identify_all() -> list[tuple[str, str, str, str, bool]]:
        backend = EchonetBackend()
        async with EchonetHome(standard_nodes()):
            out = []
            for r in records:
                t = GateTarget.from_record(r)
                ident = await backend.identify(DeviceAddress(t.device_id, t.host or "", 3610,
                                                             t.family), timeout=1.0)
                out.append((ident.kind, ident.manufacturer, ident.model, ident.serial,
                            ident.attested))
            return out

    identified = asyncio.run(identify_all())
    assert {k: (m, p, s) for k, m, p, s, _ in identified} == EXPECTED
    assert not any(a for *_, a in identified)


def _by_kind(verdicts: list[DeviceVerdict]) -> dict[str, DeviceVerdict]:
    return {v.kind: v for v in verdicts}


def test_verdicts_and_the_per_level_policy() -> None:
    require_private_loopback()
    catalog = home_catalog()
    records, _ = asyncio.run(_discover(standard_nodes()))

    async def judge(level: int, labels: dict[str, LabelFacts] | None = None
                    ) -> dict[str, DeviceVerdict]:
        async with EchonetHome(standard_nodes()):
            return _by_kind(await certify_home(records, catalog, level, now=NOW, timeout=1.0,
                                               labels=labels))

    two = asyncio.run(judge(2))
    aircon = two["air-conditioner"]
    assert (aircon.verdict, aircon.blocked, aircon.reason_code) == (
        "model-matched-not-attested", False, "allowed-behind-controller")
    assert "identity not attested" in aircon.reason and "HEMS controller" in aircon.reason
    assert (aircon.manufacturer, aircon.model, aircon.level) == ("Fujimi Electric", "FE-RAS22", 3)
    assert not aircon.attested
    assert (two["storage-battery"].verdict, two["storage-battery"].blocked) == (
        "model-matched-not-attested", False)
    assert (two["pv-inverter"].verdict, two["pv-inverter"].blocked) == ("not-certified", True)
    assert (two["smart-meter"].verdict, two["smart-meter"].blocked) == (
        "unknown-manufacturer", True)

    three = asyncio.run(judge(3))
    assert (three["air-conditioner"].verdict, three["air-conditioner"].blocked,
            three["air-conditioner"].reason_code) == (
        "model-matched-not-attested", True, "label-required")
    assert three["storage-battery"].verdict == "level-too-low"

    aircon_id = next(r.device_id for r in records if r.latest.kind == "air-conditioner")
    good = LabelFacts(aircon_id, "Fujimi Electric", "FE-RAS22", "RAS22-000123",
                      "air-conditioner")
    matched = asyncio.run(judge(3, {aircon_id: good}))["air-conditioner"]
    assert (matched.blocked, matched.reason_code) == (False, "label-matched")
    wrong = LabelFacts(aircon_id, "Fujimi Electric", "FE-RAS22", "RAS22-999999",
                       "air-conditioner")
    mismatched = asyncio.run(judge(3, {aircon_id: wrong}))["air-conditioner"]
    assert (mismatched.verdict, mismatched.blocked) == ("identity-mismatch", True)


def test_hostile_nodes_are_named_with_reasons_and_the_rest_is_found() -> None:
    require_private_loopback()
    nodes = standard_nodes()[:1]
    for i, mode in enumerate(("truncated", "wrong-ehd", "absurd-count", "oversize")):
        nodes.append(NodeSpec(f"127.0.0.{40 + i}", "7F0009", f"{0xE0 + i:026x}",
                              (ObjectSpec(Eoj(0x01, 0x30, 0x01), "X", "Y"),), hostile=mode))
    records, manager = asyncio.run(_discover(nodes))
    assert [r.latest.model for r in records] == ["FE-RAS22"]
    reasons = {source: entry.reason for (_, source), entry in manager.malformed.items()}
    assert set(reasons) == {"127.0.0.40", "127.0.0.41", "127.0.0.42", "127.0.0.43"}
    assert reasons["127.0.0.40"].startswith("truncated")
    assert reasons["127.0.0.41"].startswith("wrong-ehd")
    assert reasons["127.0.0.42"].startswith("absurd-count")
    assert reasons["127.0.0.43"].startswith("oversize")


def test_an_unreachable_object_is_blocked_as_unreachable() -> None:
    require_private_loopback()
    catalog = home_catalog()
    ghost = Sighting(transport="echonet", device_id=f"el-{'7f0001' + 'ab' * 13}-013001",
                     role=Role.DEVICE, kind="air-conditioner", manufacturer="7F0001",
                     model="FE-RAS22", firmware="J", state=CommissioningState.FACTORY,
                     protocol_version="", address="127.0.0.99", port=None)
    verdict = asyncio.run(certify_home([ghost], catalog, 2, now=NOW, timeout=0.2))[0]
    assert (verdict.verdict, verdict.blocked) == ("unreachable", True)
