"""Offline use of the cached catalog: re-verification without network and the grace policy."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from catalog_helpers import Site, closed_port_url, running_site

from commissioner.trust.catalog import (
    CatalogConfig,
    CatalogError,
    get_catalog,
    load_offline,
    status,
    sync,
)
from commissioner.virtualhome.catalog_publisher import CatalogRepository

DAY = dt.timedelta(days=1)


def _synced_site(tmp_path: Path, **publish_kwargs: object) -> tuple[Site, dt.datetime]:
    with running_site(tmp_path, publish_first=False) as site:
        site.publish(**publish_kwargs)
        refreshed = sync(site.config()).refreshed_at
    return site, refreshed  # the server is gone now: everything below is offline


def test_offline_within_grace_is_accepted_even_with_expired_timestamp(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path, timestamp_expires_days=1)
    later = refreshed + 10 * DAY  # timestamp expired 9 days ago, refresh 10 days ago
    catalog = load_offline(site.config(url=closed_port_url()), now=later)
    assert catalog.version == 1 and len(catalog.models) == 12
    assert catalog.refreshed_at == refreshed
    # get_catalog with an unreachable platform gives the same verified catalog.
    assert get_catalog(site.config(url=closed_port_url()), now=later).models == catalog.models
    assert get_catalog(site.config(), now=later, online=False).version == 1
    assert dt.datetime.fromisoformat(site.state()["highest_time_seen"]) == later


def test_offline_past_grace_is_blocked_with_the_hint(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(), now=refreshed + 15 * DAY)
    assert err.value.reason_code == "grace-expired"
    assert "last refreshed 15 days ago (limit 14)" in err.value.message
    assert err.value.hint == (
        "Connect to the internet and run `commissioner catalog sync`, or preload the catalog "
        "in the office")
    assert err.value.exit_code == 5


def test_grace_days_is_configurable(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    assert load_offline(site.config(grace_days=3), now=refreshed + 2 * DAY).version == 1
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(grace_days=3), now=refreshed + 4 * DAY)
    assert "limit 3" in err.value.message


def test_clock_wound_back_does_not_extend_grace(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    config = site.config()
    # Day 13: still fine, and the laptop remembers it has seen day 13.
    assert load_offline(config, now=refreshed + 13 * DAY).version == 1
    # Day 15: blocked.
    with pytest.raises(CatalogError):
        load_offline(config, now=refreshed + 15 * DAY)
    # The installer winds the clock back to day 2: still blocked (highest time seen = day 15).
    with pytest.raises(CatalogError) as err:
        load_offline(config, now=refreshed + 2 * DAY)
    assert err.value.reason_code == "grace-expired"
    assert "15 days ago" in err.value.message
    st = status(config, now=refreshed + 2 * DAY)
    assert st.has_catalog and not st.usable_offline
    assert st.highest_time_seen == refreshed + 15 * DAY


def test_clock_before_the_refresh_counts_from_the_refresh(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    # A clock set to last year cannot make the cached metadata "younger" than the refresh.
    catalog = load_offline(site.config(), now=refreshed - 365 * DAY)
    assert catalog.version == 1
    assert dt.datetime.fromisoformat(site.state()["highest_time_seen"]) >= refreshed


def test_no_cache_is_no_catalog(tmp_path: Path) -> None:
    config = CatalogConfig(url=None, cache_dir=tmp_path / "empty", trusted_root=b"{}")
    with pytest.raises(CatalogError) as err:
        load_offline(config)
    assert err.value.reason_code == "no-catalog"
    assert "catalog sync" in (err.value.hint or "")
    assert not status(config).has_catalog


def test_cached_target_changed_on_disk_is_detected_offline(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    gen = site.cache_dir / "generations" / site.state()["generation"]
    target = gen / "targets" / "certified-models.json"
    target.write_bytes(target.read_bytes().replace(b'"revoked": true', b'"revoked":false'))
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(), now=refreshed + DAY)
    assert err.value.reason_code == "cache-corrupt"


def test_cached_metadata_changed_on_disk_is_detected_offline(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    gen = site.cache_dir / "generations" / site.state()["generation"]
    targets = gen / "metadata" / "targets.json"
    doc = json.loads(targets.read_bytes())
    doc["signed"]["expires"] = "2099-01-01T00:00:00Z"
    targets.write_text(json.dumps(doc))
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(), now=refreshed + DAY)
    # Noticed against the keyring record before its signature is even checked.
    assert err.value.reason_code == "cache-edited"


def test_cache_made_under_another_trust_root_is_refused(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    other = CatalogRepository(tmp_path / "other" / "repo", tmp_path / "other" / "keys")
    other_root = other.init_root().to_bytes()
    config = CatalogConfig(url=None, cache_dir=site.cache_dir, trusted_root=other_root)
    with pytest.raises(CatalogError) as err:
        load_offline(config, now=refreshed + DAY)
    assert err.value.reason_code == "cache-corrupt"


def test_edited_refresh_time_is_detected(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path, timestamp_expires_days=1)
    state = site.state()
    forged = refreshed + 20 * DAY
    state["refreshed_at"] = forged.isoformat()
    state["highest_time_seen"] = forged.isoformat()
    (site.cache_dir / "state.json").write_text(json.dumps(state))
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(), now=forged)
    assert err.value.reason_code == "cache-edited"  # the keyring recorded the refresh time


def test_expired_targets_metadata_is_not_used_offline(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path, expires_days=3, timestamp_expires_days=3)
    with pytest.raises(CatalogError) as err:
        load_offline(site.config(grace_days=14), now=refreshed + 5 * DAY)
    assert err.value.reason_code == "expired"


def test_status_reports_version_and_grace(tmp_path: Path) -> None:
    site, refreshed = _synced_site(tmp_path)
    st = status(site.config(), now=refreshed + 4 * DAY)
    assert st.has_catalog and st.version == 1 and st.refreshed_at == refreshed
    assert st.grace_remaining == 10 * DAY
    assert st.usable_offline
    assert st.to_json()["grace_remaining_seconds"] == 10 * 86400
