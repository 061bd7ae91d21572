"""Strict parsing of the catalog content files: every defect is a CatalogDataError."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from catalog_helpers import VIRTUAL_HOME_DATA, make_ca_pem
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commissioner.protocol.catalog_format import (
    CatalogDataError,
    CertifiedModel,
    ManufacturerRoot,
    ModelPolicy,
    parse_certified_models,
    parse_content,
    parse_manufacturer_roots,
    parse_model_policy,
)

GOOD_MODEL: dict[str, Any] = {
    "manufacturer": "Sakura Denki", "product_name": "Room air conditioner",
    "model_number": "SKR-AC-2210", "scheme": "CCDS", "level": 3,
    "valid_from": "2025-04-01", "valid_until": "2029-03-31",
    "revoked": False, "revoked_reason": None,
}


def _models(*entries: Any) -> bytes:
    return json.dumps({"format": 1, "models": list(entries)}).encode()


def test_good_model_parses() -> None:
    (model,) = parse_certified_models(_models(GOOD_MODEL))
    assert model.level == 3 and model.scheme == "CCDS"
    assert model.valid_until == dt.date(2029, 3, 31)
    assert model.meets_level(3, dt.date(2026, 1, 1))
    assert not model.meets_level(3, dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"level": "3"}, "level: expected an integer"),
        ({"level": True}, "level: expected an integer"),
        ({"level": 4}, "must be 2 or 3"),
        ({"scheme": "ISO"}, "scheme: must be one of"),
        ({"manufacturer": 12}, "manufacturer: expected a string"),
        ({"manufacturer": ""}, "must not be empty"),
        ({"product_name": "x" * 10_000}, "limit is 200"),
        ({"model_number": "A\x00B"}, "control characters"),
        ({"valid_from": "2025/04/01"}, "expected a date"),
        ({"valid_until": "2025-02-30"}, "not a real date"),
        ({"valid_until": "2020-01-01"}, "valid_until is before valid_from"),
        ({"revoked": "no"}, "expected true or false"),
        ({"revoked": True}, "revoked_reason: expected a string"),
        ({"revoked_reason": "why"}, "must be null when revoked is false"),
        ({"extra": 1}, "unknown field"),
    ],
)
def test_bad_model_fields_are_named(change: dict[str, Any], needle: str) -> None:
    with pytest.raises(CatalogDataError) as err:
        parse_certified_models(_models({**GOOD_MODEL, **change}))
    assert needle in str(err.value)
    assert "certified-models.json" in str(err.value)


def test_missing_field_and_duplicates() -> None:
    entry = dict(GOOD_MODEL)
    del entry["valid_until"]
    with pytest.raises(CatalogDataError, match="missing field"):
        parse_certified_models(_models(entry))
    with pytest.raises(CatalogDataError, match="listed twice"):
        parse_certified_models(_models(GOOD_MODEL, GOOD_MODEL))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe",
        b"[1, 2",
        b"[]",
        b'{"format": 2, "models": []}',
        b'{"format": 1, "models": {}}',
        b'{"format": 1, "models": [NaN]}',
        b'{"format": 1}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": 1, "models": []}' + b" " * (3 * 1024 * 1024),
    ],
)
def test_malformed_files_raise_catalog_data_error(data: bytes) -> None:
    with pytest.raises(CatalogDataError):
        parse_certified_models(data)


def test_roots_must_be_ca_certificates() -> None:
    good = json.dumps({"format": 1, "roots": [
        {"manufacturer": "Kaede Electric", "certificate_pem": make_ca_pem("Kaede")}]}).encode()
    (root,) = parse_manufacturer_roots(good)
    assert root.certificate().subject.rfc4514_string() == "CN=Kaede Root CA"
    for pem, needle in ((make_ca_pem("Leaf", ca=False), "not a CA"),
                        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                         "not a readable PEM"),
                        ("hello", "exactly one PEM"),
                        (make_ca_pem("A") + make_ca_pem("B"), "exactly one PEM"),
                        ("x" * 20_000, "limit is 16384")):
        doc = {"format": 1, "roots": [{"manufacturer": "M", "certificate_pem": pem}]}
        with pytest.raises(CatalogDataError) as err:
            parse_manufacturer_roots(json.dumps(doc).encode())
        assert needle in str(err.value)


def test_policy_checks() -> None:
    base = {"model_number": "SKR-AC-2210", "owner_must_not_change": ["network settings"],
            "owner_may_change": ["temperature"], "firmware_line": "SKR-AC-2210"}
    (policy,) = parse_model_policy(json.dumps({"format": 1, "policies": [base]}).encode())
    assert policy.owner_may_change == ("temperature",)
    for change, needle in (({"owner_may_change": "temperature"}, "expected an array"),
                           ({"owner_may_change": [1]}, "expected a string"),
                           ({"owner_may_change": ["network settings"]}, "both forbidden"),
                           ({"owner_may_change": ["x"] * 101}, "limit is 100")):
        doc = {"format": 1, "policies": [{**base, **change}]}
        with pytest.raises(CatalogDataError) as err:
            parse_model_policy(json.dumps(doc).encode())
        assert needle in str(err.value)


def test_policy_for_unknown_model_is_refused() -> None:
    files = {
        "certified-models.json": _models(GOOD_MODEL),
        "manufacturer-roots.json": b'{"format": 1, "roots": []}',
        "model-policy.json": json.dumps({"format": 1, "policies": [
            {"model_number": "NOPE-1", "owner_must_not_change": [], "owner_may_change": [],
             "firmware_line": "x"}]}).encode(),
    }
    with pytest.raises(CatalogDataError, match="not a listed model"):
        parse_content(files)
    del files["model-policy.json"]
    with pytest.raises(CatalogDataError, match="missing"):
        parse_content(files)


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from([*sorted(GOOD_MODEL), "format", "models", "x"]),
                      children, max_size=6),
    max_leaves=30,
) | st.just([GOOD_MODEL]))
@example([GOOD_MODEL])
def test_arbitrary_json_never_crashes(doc: Any) -> None:
    valid = {"format": 1, "models": [GOOD_MODEL]}
    parsers = (
        (parse_certified_models, CertifiedModel),
        (parse_manufacturer_roots, ManufacturerRoot),
        (parse_model_policy, ModelPolicy),
    )
    for parser, entry_type in parsers:
        for candidate in (doc, {"format": 1, "models": [doc]}, {"format": 1, "models": doc}):
            try:
                parsed = parser(json.dumps(candidate).encode())
            except CatalogDataError:
                # a valid certified-models file is never refused
                assert not (parser is parse_certified_models and candidate == valid)
                continue
            assert isinstance(parsed, tuple)
            assert all(isinstance(entry, entry_type) for entry in parsed)


def test_virtual_home_data_file_has_the_agreed_models() -> None:
    doc = json.loads(VIRTUAL_HOME_DATA.read_text(encoding="utf-8"))
    models = {m["model_number"]: m for m in doc["certified_models"]}
    expected_levels = {
        "SKR-AC-2210": 3, "SKR-WH-1100": 2, "SKR-LT-0300": 2, "FHS-LK-700": 3, "FHS-SH-220": 2,
        "FHS-GW-1": 3, "KDE-CM-45": 3, "KDE-BT-900": 3, "TBE-HM-10": 3, "TBE-BT-500": 2,
    }
    for number, level in expected_levels.items():
        assert models[number]["level"] == level and not models[number]["revoked"]
    assert models["KDE-CM-30"]["revoked"]
    assert models["KDE-CM-30"]["revoked_reason"] == "Vulnerable firmware cannot be updated"
    assert models["SKR-AC-1900"]["valid_until"].startswith("2025")
    assert {p["model_number"] for p in doc["model_policy"]} == set(models)
    assert "manufacturer_roots" not in doc
