"""The certified-model gate against a running mixed-faults virtual home: real TLS to real
virtual devices, the home's real TUF catalog synced over HTTP on 127.0.0.1. Each attack is its
own test; one certify run per service level is shared (module fixture) to keep the suite fast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from gate_helpers import by_fault, by_model, sync_catalog, targets
from vh_fixtures import running_virtual_home

from commissioner.protocol.attestation import AttestedIdentity
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.gate import (
    DeviceVerdict,
    GateTarget,
    LabelFacts,
    Verdict,
    certify_device,
    certify_home,
    check_label,
    judge_model,
)
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.scenario import (
    COUNTERFEIT_SELF_SIGNED,
    COUNTERFEIT_UNKNOWN_CA,
    MODEL_MISMATCH,
    UNCERTIFIED_MODEL,
)


@dataclass
class Run:
    home: HomeFile
    catalog: Catalog
    level3: dict[str, DeviceVerdict]
    level2: dict[str, DeviceVerdict]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("gate")
    with running_virtual_home(tmp / "home", scenario="mixed-faults") as home:
        catalog = sync_catalog(home, tmp / "cache")
        devices = targets(home)

        async def both() -> tuple[list[DeviceVerdict], list[DeviceVerdict]]:
            return (
                await certify_home(devices, catalog, 3, concurrency=4),
                await certify_home(devices, catalog, 2, concurrency=4),
            )

        three, two = asyncio.run(both())
        yield Run(home, catalog, {v.device_id: v for v in three}, {v.device_id: v for v in two})


def _assert_blocked(v: DeviceVerdict, verdict: Verdict) -> None:
    assert v.verdict is verdict, v
    assert v.blocked is True
    assert v.reason and v.reason.endswith(".")


def test_every_device_and_the_gateway_get_exactly_one_verdict(run: Run) -> None:
    expected = {d.device_id for d in run.home.devices} | {run.home.gateway.device_id}
    assert set(run.level3) == expected
    for v in run.level3.values():
        assert v.catalog_version == run.catalog.version
        assert v.blocked == (v.verdict is not Verdict.CERTIFIED)


def test_certified_device_passes_with_attested_identity(run: Run) -> None:
    v = run.level3[by_model(run.home, "SD-AC2400")]
    assert v.verdict is Verdict.CERTIFIED and not v.blocked
    assert v.attested and v.model == "SD-AC2400" and v.manufacturer == "Sakura Denki"
    label = read_label_file(run.home.label_path(v.device_id))
    assert v.serial == label.serial
    assert v.chain is not None and len(v.chain) == 3 and "Sakura Denki" in v.chain[2]
    assert v.cert_fingerprint is not None and len(v.cert_fingerprint) == 64


def test_gateway_is_judged_too(run: Run) -> None:
    v = run.level3[run.home.gateway.device_id]
    assert v.role == "gateway" and v.verdict is Verdict.CERTIFIED and v.attested


def test_counterfeit_self_signed_is_blocked(run: Run) -> None:
    v = run.level3[by_fault(run.home, COUNTERFEIT_SELF_SIGNED)]
    _assert_blocked(v, Verdict.COUNTERFEIT)
    assert v.serial is None and not v.attested
    assert "cannot prove" in v.reason


def test_counterfeit_signed_by_a_ca_not_in_the_catalog_is_blocked(run: Run) -> None:
    v = run.level3[by_fault(run.home, COUNTERFEIT_UNKNOWN_CA)]
    # It claims a manufacturer the catalog knows but its chain leads to a rogue root.
    _assert_blocked(v, Verdict.COUNTERFEIT)
    assert v.reason_code == "untrusted-chain"


def test_advertised_model_differs_from_certificate(run: Run) -> None:
    v = run.level3[by_fault(run.home, MODEL_MISMATCH)]
    _assert_blocked(v, Verdict.IDENTITY_MISMATCH)
    assert "FE-RAS22" in v.reason and v.reason_code == "model-mismatch"


def test_uncertified_model_is_not_certified(run: Run) -> None:
    v = run.level3[by_fault(run.home, UNCERTIFIED_MODEL)]
    _assert_blocked(v, Verdict.NOT_CERTIFIED)
    assert v.attested  # genuine device, just not a certified model


def test_revoked_model_is_blocked_with_the_catalog_reason(run: Run) -> None:
    v = run.level3[by_model(run.home, "KH-CAM3")]
    _assert_blocked(v, Verdict.REVOKED)
    assert "revoked" in v.reason and "advisory" in v.reason


def test_expired_certification_is_blocked(run: Run) -> None:
    v = run.level3[by_model(run.home, "SD-AC1900")]
    _assert_blocked(v, Verdict.CERTIFICATION_EXPIRED)
    assert "2025-09-30" in v.reason


def test_two_star_model_in_a_three_star_home_is_too_low(run: Run) -> None:
    device_id = by_model(run.home, "TE-BT50")
    _assert_blocked(run.level3[device_id], Verdict.LEVEL_TOO_LOW)
    assert "★★★" in run.level3[device_id].reason


def test_two_star_model_passes_in_a_two_star_home(run: Run) -> None:
    v = run.level2[by_model(run.home, "TE-BT50")]
    assert v.verdict is Verdict.CERTIFIED and not v.blocked


def test_label_serial_mismatch_is_identity_mismatch(run: Run) -> None:
    device_id = by_model(run.home, "SD-LT60")
    label = read_label_file(run.home.label_path(device_id))
    wrong = LabelFacts(label.device_id, label.manufacturer, label.model, "SKR-LIGHT-OTHER000",
                       label.kind)
    target = next(t for t in targets(run.home) if t.device_id == device_id)
    v = asyncio.run(certify_device(target, run.catalog, 3, label=wrong))
    _assert_blocked(v, Verdict.IDENTITY_MISMATCH)
    assert "SKR-LIGHT-OTHER000" in v.reason and label.serial in v.reason
    assert v.reason_code == "label-mismatch"
    right = LabelFacts(label.device_id, label.manufacturer, label.model, label.serial, label.kind)
    ok = asyncio.run(certify_device(target, run.catalog, 3, label=right))
    assert ok.verdict is Verdict.CERTIFIED


def test_unknown_manufacturer_without_catalog_root(run: Run) -> None:
    fake = next(t for t in targets(run.home) if t.device_id == by_fault(run.home,
                                                                        COUNTERFEIT_UNKNOWN_CA))
    claimed = GateTarget(fake.device_id, fake.host, fake.port, fake.role, fake.kind,
                         "Nobody Electronics", fake.advertised_model)
    v = asyncio.run(certify_device(claimed, run.catalog, 3))
    _assert_blocked(v, Verdict.UNKNOWN_MANUFACTURER)


def test_unreachable_device_is_blocked_not_passed(run: Run) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = GateTarget("skr-ac-gone00", "127.0.0.1", port, "device", "air-conditioner",
                        "Sakura Denki", "SD-AC2400")
    v = asyncio.run(certify_device(target, run.catalog, 3, timeout=2.0))
    _assert_blocked(v, Verdict.UNREACHABLE)
    no_endpoint = GateTarget("skr-ac-ble000", None, None, "device", "air-conditioner",
                             "Sakura Denki", "SD-AC2400")
    _assert_blocked(asyncio.run(certify_device(no_endpoint, run.catalog, 3)),
                    Verdict.UNREACHABLE)


# --- judge_model (pure) ------------------------------------------------------------------


def _identity(model: str, manufacturer: str = "Sakura Denki") -> AttestedIdentity:
    now = dt.datetime.now(dt.UTC)
    return AttestedIdentity("skr-ac-1", manufacturer, model, "SKR-AC-0001", "air-conditioner",
                            "0" * 64, now, now, "ec-p256")


def test_judge_model_outcomes(run: Run) -> None:
    cat, today = run.catalog, dt.date(2026, 6, 1)
    assert judge_model(_identity("SD-AC2400"), cat, 3, today)[0] is Verdict.CERTIFIED
    assert judge_model(_identity("NOPE-1"), cat, 2, today)[0] is Verdict.NOT_CERTIFIED
    wrong_mf = judge_model(_identity("SD-AC2400", "Tsubame Energy"), cat, 2, today)
    assert wrong_mf[0] is Verdict.NOT_CERTIFIED and "Sakura Denki" in wrong_mf[1]
    assert judge_model(_identity("SD-AC2400"), cat, 3, dt.date(2030, 1, 1))[0] is (
        Verdict.CERTIFICATION_EXPIRED
    )
    assert judge_model(_identity("SD-AC2400"), cat, 3, dt.date(2000, 1, 1))[0] is (
        Verdict.NOT_CERTIFIED
    )




@pytest.mark.parametrize("field", ["serial", "device id", "manufacturer", "model", "kind"])
def test_label_differing_in_any_one_field_is_identity_mismatch(run: Run, field: str) -> None:
    device_id = by_model(run.home, "SD-LT60")
    label = read_label_file(run.home.label_path(device_id))
    right = LabelFacts(label.device_id, label.manufacturer, label.model, label.serial, label.kind)
    other_value = {"serial": "SKR-LIGHT-OTHER000", "device id": "skr-other-99",
                   "manufacturer": "Fujimi Electric", "model": "SD-LT99",
                   "kind": "water-heater" if label.kind != "water-heater" else "lighting"}[field]
    attr = {"device id": "device_id"}.get(field, field)
    wrong = replace(right, **{attr: other_value})
    target = next(t for t in targets(run.home) if t.device_id == device_id)
    v = asyncio.run(certify_device(target, run.catalog, 3, label=wrong))
    _assert_blocked(v, Verdict.IDENTITY_MISMATCH)
    assert v.reason_code == "label-mismatch"
    assert f"The label says {field} {other_value} but" in v.reason
    assert check_label(_identity_of(right), wrong) == v.reason
    assert check_label(_identity_of(right), right) is None


def _identity_of(label: LabelFacts) -> AttestedIdentity:
    now = dt.datetime.now(dt.UTC)
    return AttestedIdentity(label.device_id, label.manufacturer, label.model, label.serial,
                            label.kind, "0" * 64, now, now, "ec-p256")
