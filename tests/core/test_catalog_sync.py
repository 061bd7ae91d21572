"""Online sync of the signed catalog against a real TUF repository served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from catalog_helpers import add_model, closed_port_url, running_site
from securesystemslib.signer import CryptoSigner

from commissioner.trust.catalog import CatalogError, get_catalog, load_offline, sync


def _cached_versions(site) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    state = site.state()
    return state["version"], state["refreshed_at"]


def test_happy_sync_returns_the_virtual_home_catalog(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        catalog = sync(site.config())
    assert catalog.version == 1
    assert len(catalog.models) == 12
    lock = catalog.find_model("FHS-LK-700")
    assert lock is not None and lock.level == 3 and lock.manufacturer == "Fujimi Home Systems"
    revoked = catalog.find_model("KDE-CM-30")
    assert revoked is not None and revoked.revoked
    assert revoked.revoked_reason == "Vulnerable firmware cannot be updated"
    assert not revoked.is_valid_on(dt.date(2026, 6, 1))
    expired = catalog.find_model("SKR-AC-1900")
    assert expired is not None and not expired.is_valid_on(dt.date.today())
    assert {r.manufacturer for r in catalog.roots} == {
        "Sakura Denki", "Fujimi Home Systems", "Kaede Electric", "Tsubame Energy"}
    assert catalog.roots_for("Kaede Electric")[0].certificate().subject.rfc4514_string()
    policy = catalog.policy_for("SKR-AC-2210")
    assert policy is not None and "gateway pairing" in policy.owner_must_not_change
    assert "temperature" in policy.owner_may_change
    state = site.state()
    assert state["version"] == 1 and state["url"] == site.url
    assert dt.datetime.fromisoformat(state["refreshed_at"]) == catalog.refreshed_at
    # The same catalog is readable offline afterwards.
    assert load_offline(site.config()).models == catalog.models


def test_second_sync_picks_up_a_new_version_and_reuses_unchanged_targets(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        assert site.publish(add_model("SKR-XX-1")) == 2
        catalog = sync(site.config())
    assert catalog.version == 2
    assert catalog.find_model("SKR-XX-1") is not None
    generations = list((site.cache_dir / "generations").iterdir())
    assert [g.name for g in generations] == [site.state()["generation"]]  # old one removed


def test_tampered_target_is_refused_and_last_good_catalog_kept(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        before = _cached_versions(site)
        site.publish(add_model("SKR-XX-2"))
        site.repo.tamper_target("certified-models.json")
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "tampered"
    assert err.value.is_security and err.value.exit_code == 3
    assert _cached_versions(site) == before
    kept = load_offline(site.config())
    assert kept.version == 1 and kept.find_model("SKR-XX-2") is None
    # A failed sync leaves no half-written generation behind.
    assert len(list((site.cache_dir / "generations").iterdir())) == 1


def test_metadata_signed_by_an_unknown_key_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        intruder = CryptoSigner.generate_ecdsa()
        site.repo.publish_files(
            {"certified-models.json": b"{}", "manufacturer-roots.json": b"{}",
             "model-policy.json": b"{}"},
            signers={"targets": intruder},
        )
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "bad-signature"
    assert load_offline(site.config()).version == 1


def test_timestamp_signed_by_an_unknown_key_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.repo.resign("timestamp", signer=CryptoSigner.generate_ecdsa())
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "bad-signature"
    assert not (site.cache_dir / "state.json").exists()


def test_rollback_to_an_older_version_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        site.publish(add_model("SKR-XX-3"))
        assert sync(site.config()).version == 2
        site.repo.serve_old_version("timestamp", 1)
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "rollback"
    assert load_offline(site.config()).version == 2


def test_expired_timestamp_freeze_is_refused_online(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        site.repo.resign("timestamp", expires=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        assert err.value.reason_code == "expired"
        # get_catalog must not fall back to the cache on a security failure.
        with pytest.raises(CatalogError) as err2:
            get_catalog(site.config())
    assert err2.value.reason_code == "expired"


def test_freeze_cannot_be_hidden_by_winding_the_clock_back(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        site.publish(timestamp_expires_days=5)
        load_now = later  # the laptop once saw this time
        sync(site.config(), now=load_now)
        # Clock wound back 3 days: timestamp (valid for 5 days from now) would look fresh, but
        # the highest time seen (+3 d) is used, and a repo frozen at +2 d must be refused.
        site.repo.resign("timestamp", expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    # Still refused; named as the local clock (see test_catalog_network for the way out).
    assert err.value.reason_code == "clock-behind"


def test_truncated_target_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        path = site.repo.target_path("model-policy.json")
        path.write_bytes(path.read_bytes()[:100])
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "tampered"


def test_oversized_target_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        path = site.repo.target_path("model-policy.json")
        path.write_bytes(path.read_bytes() + b" " * 5_000_000)
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "oversized"


def test_oversized_timestamp_metadata_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        ts = site.repo_dir / "metadata" / "timestamp.json"
        ts.write_bytes(ts.read_bytes() + b" " * 100_000)
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code == "oversized"


def test_truncated_metadata_is_refused(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        site.publish(add_model("SKR-XX-4"))
        snap = site.repo_dir / "metadata" / "2.snapshot.json"
        snap.write_bytes(snap.read_bytes()[: len(snap.read_bytes()) // 2])
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    assert err.value.reason_code in {"tampered", "invalid-metadata"}
    assert load_offline(site.config()).version == 1


def test_signed_but_malformed_catalog_data_is_refused_not_crashing(tmp_path: Path) -> None:
    bad = json.dumps({"format": 1, "models": [{"manufacturer": 7}]}).encode()
    huge = json.dumps({"format": 1, "roots": [
        {"manufacturer": "x" * 100_000, "certificate_pem": "y"}]}).encode()
    with running_site(tmp_path) as site:
        sync(site.config())
        good_policy = site.repo.target_path("model-policy.json").read_bytes()
        for certified, roots in ((bad, b'{"format":1,"roots":[]}'),
                                 (b'{"format":1,"models":[]}', huge),
                                 (b"\xff\xfe not json", b"[]")):
            site.repo.publish_files({"certified-models.json": certified,
                                     "manufacturer-roots.json": roots,
                                     "model-policy.json": good_policy})
            with pytest.raises(CatalogError) as err:
                sync(site.config())
            assert err.value.reason_code == "invalid-catalog", err.value
    assert load_offline(site.config()).version == 1


def test_unreachable_platform_falls_back_to_the_verified_cache(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
    offline_config = site.config(url=closed_port_url())
    with pytest.raises(CatalogError) as err:
        sync(offline_config)
    assert err.value.reason_code == "unreachable" and err.value.is_network
    catalog = get_catalog(offline_config)
    assert catalog.version == 1 and len(catalog.models) == 12


def test_unreachable_without_cache_reports_no_catalog(tmp_path: Path) -> None:
    with running_site(tmp_path, publish_first=True) as site:
        config = site.config(url=closed_port_url())
    with pytest.raises(CatalogError) as err:
        get_catalog(config)
    assert err.value.reason_code == "no-catalog"
    assert "catalog sync" in (err.value.hint or "")


def test_sync_without_url_is_a_clear_error(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        config = site.config(url="")
    with pytest.raises(CatalogError) as err:
        sync(config)
    assert err.value.reason_code == "no-url"
    assert os.listdir(tmp_path / "platform" / "repo" / "metadata")
