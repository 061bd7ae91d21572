"""Virtual home data: scenarios (strict), seeding a state directory, the home file, labels.

No network here: these tests build a home directory in-process and inspect what was written.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from commissioner.errors import UserError
from commissioner.protocol.attestation import (
    load_pem_bundle,
    parse_attestation_certificate,
    verify_chain,
)
from commissioner.protocol.errors import AttestationError, UntrustedDeviceError
from commissioner.protocol.label import decode_label
from commissioner.protocol.setup_code import ProofRateLimiter
from commissioner.protocol.spec import SERIAL_RE, SETUP_CODE_RE
from commissioner.virtualhome import scenario as sc
from commissioner.virtualhome.homefile import HomeFileError, read_home_file
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.seed import prepare_home, read_manifest, seed_home
from commissioner.virtualhome.state import load_device

NOW = dt.datetime.now(dt.UTC)


def _der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)


def test_bundled_scenarios_load() -> None:
    names = sc.available_scenarios()
    assert {"standard", "home-20", "large-100", "mixed-faults"} <= set(names)
    assert sc.load_scenario("standard").count == 12
    assert sc.load_scenario("home-20").count == 20
    assert sc.load_scenario("large-100").count == 100
    mixed = sc.load_scenario("mixed-faults")
    assert set().union(*(t.faults for t in mixed.devices)) == sc.FAULTS
    for name in names:
        s = sc.load_scenario(name)
        assert len({m.name for m in s.manufacturers.values()}) >= 4
        assert {t.kind for t in s.devices} == sc.DEVICE_KINDS


def test_pick_cycles_through_templates_in_order() -> None:
    s = sc.load_scenario("standard")
    picked = s.pick(30)
    assert len(picked) == 30
    assert picked[12] == s.devices[0] and picked[29] == s.devices[5]
    assert s.pick(3) == list(s.devices[:3])
    with pytest.raises(sc.ScenarioError):
        s.pick(0)


def _raw(name: str = "standard") -> dict[str, Any]:
    return json.loads((sc.scenarios_dir() / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda r: r.update(extra=1), "unknown key(s) extra"),
        (lambda r: r.update(format=2), "unsupported format"),
        (lambda r: r["devices"][0].update(kind="toaster"), "devices[0].kind"),
        (lambda r: r["devices"][1].update(manufacturer="nobody"), "devices[1].manufacturer"),
        (lambda r: r["devices"][0].update(firmware="1.2"), "devices[0].firmware"),
        (lambda r: r["devices"][0].update(faults=["bogus"]), "unknown fault 'bogus'"),
        (lambda r: r["devices"][0].update(faults=["model-mismatch"]), "advertised_model"),
        (lambda r: r["devices"][0].update(faults=["default-password"]), "default-password"),
        (lambda r: r["devices"][0].update(personal_data={"x": 3}), "personal_data"),
        (lambda r: r["devices"][0].update(model="bad<model>"), "devices[0].model"),
        (lambda r: r.update(devices=[]), "devices: must be a non-empty list"),
        (lambda r: r["manufacturers"][0].pop("name"), "missing key(s) name"),
        (lambda r: r.update(count=0), "count"),
    ],
)
def test_scenario_parsing_is_strict(mutate: Any, needle: str) -> None:
    raw = copy.deepcopy(_raw())
    mutate(raw)
    with pytest.raises(sc.ScenarioError) as info:
        sc.parse_scenario(raw, source="t.json")
    assert needle in str(info.value)


def test_unknown_scenario_and_resources_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(sc.ScenarioError) as info:
        sc.load_scenario("no-such-home")
    assert info.value.hint is not None and "standard" in info.value.hint
    (tmp_path / "scenarios").mkdir()
    raw = _raw()
    raw["name"] = "tiny"
    raw["devices"] = raw["devices"][:2]
    (tmp_path / "scenarios" / "tiny.json").write_text(json.dumps(raw))
    monkeypatch.setenv("COMMISSIONER_RESOURCES", str(tmp_path))
    assert sc.available_scenarios() == ["tiny"]
    assert sc.load_scenario("tiny").count == 2


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_seed_standard_writes_labels_keys_and_trust_roots(tmp_path: Path) -> None:
    home_dir = tmp_path / "home"
    manifest = prepare_home(home_dir, "standard", 5)
    assert len(manifest.devices) == 5
    roots = load_pem_bundle((home_dir / "trust" / "manufacturer-roots.pem").read_bytes())
    index = json.loads((home_dir / "labels" / "index.json").read_text())
    assert len(index["labels"]) == 6  # gateway + 5
    ids = [manifest.gateway.device_id, *(d.device_id for d in manifest.devices)]
    assert len(set(ids)) == 6
    codes = set()
    for device_id in ids:
        files = load_device(home_dir / "devices" / device_id)
        label = read_label_file(home_dir / "labels" / f"{device_id}.json")
        raw_label = json.loads((home_dir / "labels" / f"{device_id}.json").read_text())
        assert decode_label(raw_label["qr_payload"]) == label
        assert (home_dir / "labels" / f"{device_id}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert label.serial == files.state.serial and SERIAL_RE.fullmatch(label.serial)
        assert SETUP_CODE_RE.fullmatch(label.setup_code)
        codes.add(label.setup_code)
        chain = x509.load_pem_x509_certificates(files.chain_pem)
        assert len(chain) == 2
        ident = parse_attestation_certificate(_der(chain[0]))
        assert (ident.device_id, ident.model, ident.manufacturer) == (
            device_id,
            label.model,
            label.manufacturer,
        )
        verify_chain(_der(chain[0]), [_der(chain[1])], roots, now=NOW)
        for name in ("key.pem", "state.json", "chain.pem"):
            assert _mode(home_dir / "devices" / device_id / name) == 0o600
        assert _mode(home_dir / "labels" / f"{device_id}.json") == 0o600
    assert len(codes) == 6
    # Restart rules: the same directory is reused; a different request is refused clearly.
    assert prepare_home(home_dir, None, None) == manifest
    assert prepare_home(home_dir, "standard", 5) == manifest
    with pytest.raises(UserError, match="5 devices, not 7"):
        prepare_home(home_dir, None, 7)
    with pytest.raises(UserError, match="scenario 'standard', not 'home-20'"):
        prepare_home(home_dir, "home-20", None)


def test_seed_mixed_faults_writes_the_faulty_devices(tmp_path: Path) -> None:
    scenario = sc.load_scenario("mixed-faults")
    manifest = seed_home(tmp_path, scenario)
    assert read_manifest(tmp_path) == manifest
    roots = load_pem_bundle((tmp_path / "trust" / "manufacturer-roots.pem").read_bytes())
    root_fps = {_der(r) for r in roots}
    by_fault = {f: d for d in manifest.devices for f in d.faults}
    assert set(by_fault) == sc.FAULTS
    genuine = [d for d in manifest.devices if not d.faults]
    assert len(genuine) >= 4

    def chain_of(device_id: str) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(
            load_device(tmp_path / "devices" / device_id).chain_pem
        )

    for d in genuine:
        leaf, inter = chain_of(d.device_id)
        verify_chain(_der(leaf), [_der(inter)], roots, now=NOW)

    # Self-signed counterfeit: one certificate, its own issuer, genuine-looking subject.
    (leaf,) = chain_of(by_fault[sc.COUNTERFEIT_SELF_SIGNED].device_id)
    assert leaf.issuer == leaf.subject
    leaf.verify_directly_issued_by(leaf)
    parse_attestation_certificate(_der(leaf))  # profile-valid leaf...
    with pytest.raises(AttestationError):  # ...but no intermediate, no trusted root
        verify_chain(_der(leaf), [], roots, now=NOW)

    # Unknown-CA counterfeit: signed by a rogue CA imitating the manufacturer's names.
    leaf, inter = chain_of(by_fault[sc.COUNTERFEIT_UNKNOWN_CA].device_id)
    with pytest.raises(UntrustedDeviceError):
        verify_chain(_der(leaf), [_der(inter)], roots, now=NOW)
    rogue_root = x509.load_pem_x509_certificate(
        next((tmp_path / "pki").glob("rogue-*/root.pem")).read_bytes()
    )
    assert _der(rogue_root) not in root_fps
    assert any(r.subject == rogue_root.subject for r in roots)  # it imitates the genuine name

    mismatch = by_fault[sc.MODEL_MISMATCH]
    assert mismatch.advertised_model != mismatch.model
    leaf, _ = chain_of(mismatch.device_id)
    assert parse_attestation_certificate(_der(leaf)).model == mismatch.model

    uncertified = by_fault[sc.UNCERTIFIED_MODEL]
    assert not uncertified.certified
    certified_models = {d.model for d in manifest.devices if d.certified}
    assert uncertified.model not in certified_models

    outdated = load_device(tmp_path / "devices" / by_fault[sc.OUTDATED_FIRMWARE].device_id)
    assert outdated.state.firmware == "1.0.3"
    weak = load_device(tmp_path / "devices" / by_fault[sc.DEFAULT_PASSWORD].device_id).state
    assert weak.state.value == "commissioned" and weak.default_credential_enabled
    personal = load_device(tmp_path / "devices" / by_fault[sc.PERSONAL_DATA].device_id).state
    assert sum(personal.personal_data.values()) > 0


def test_rate_limiter_state_round_trips_through_the_state_dir(tmp_path: Path) -> None:
    from commissioner.virtualhome.state import save_rate_limiter

    seed_home(tmp_path, sc.load_scenario("standard"), 1)
    device_dir = next(p for p in (tmp_path / "devices").iterdir())
    limiter = ProofRateLimiter()
    for _ in range(5):
        limiter.record_failure(1000.0)
    save_rate_limiter(device_dir, dict(limiter.state()))
    restored = load_device(device_dir).rate_limiter
    assert restored is not None
    assert ProofRateLimiter.from_state(restored).check(1001.0) == pytest.approx(29.0)


def test_home_file_reader_is_strict(tmp_path: Path) -> None:
    with pytest.raises(HomeFileError, match="not found"):
        read_home_file(tmp_path)
    good = {
        "format": 1,
        "gateway": {"device_id": "gw-1", "host": "127.0.0.1", "port": 4000},
        "devices": [
            {
                "device_id": "ac-1",
                "kind": "air-conditioner",
                "manufacturer": "Sakura Denki",
                "model": "SD-AC2400",
                "host": "127.0.0.1",
                "port": 4001,
                "label": "labels/ac-1.json",
            }
        ],
        "labels_dir": "labels",
        "trust_roots": "trust/manufacturer-roots.pem",
        "mdns": {"interfaces": ["127.0.0.1"]},
        "control": {"host": "127.0.0.1", "port": 4002},
        "catalog_url": None,
        "scenario": "standard",
    }
    (tmp_path / "home.json").write_text(json.dumps(good))
    home = read_home_file(tmp_path)
    assert home.devices[0].port == 4001 and home.trust_roots_path == (
        tmp_path / "trust" / "manufacturer-roots.pem"
    )
    assert home.label_path("ac-1") == tmp_path / "labels" / "ac-1.json"
    for mutate, needle in [
        (lambda r: r["devices"][0].update(port=70000), "devices[0].port"),
        (lambda r: r["devices"][0].update(label="/etc/passwd"), "devices[0].label"),
        (lambda r: r.pop("scenario"), "missing key(s) scenario"),
        (lambda r: r.update(format=9), "unsupported format"),
        (lambda r: r["gateway"].update(device_id="ac-1"), "duplicate device id"),
    ]:
        raw = copy.deepcopy(good)
        mutate(raw)
        (tmp_path / "home.json").write_text(json.dumps(raw))
        with pytest.raises(HomeFileError) as info:
            read_home_file(tmp_path)
        assert needle in str(info.value)
    (tmp_path / "home.json").write_text("{not json")
    with pytest.raises(HomeFileError, match="not valid JSON"):
        read_home_file(tmp_path)
