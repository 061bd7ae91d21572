"""Catalog sync over a bad network: cut and reset connections, HTTP errors and slow-drip
servers are "unreachable" (the verified cache is used within grace); a local clock behind the
highest time seen is named as such, distinct from a server-side freeze."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from catalog_helpers import Site, add_model, running_site

from commissioner.trust.catalog import CatalogError, get_catalog, load_offline, status, sync

CUT_FILES = ("timestamp.json", "snapshot.json", "targets.json", "certified-models.json")


def _synced_then_v2(site: Site) -> None:
    assert sync(site.config()).version == 1
    assert site.publish(add_model("SKR-NET-1")) == 2


@pytest.mark.parametrize("reset", [True, False], ids=["rst", "fin"])
@pytest.mark.parametrize("cut", CUT_FILES)
def test_connection_cut_mid_body_is_unreachable_and_falls_back(
    tmp_path: Path, cut: str, reset: bool
) -> None:
    with running_site(tmp_path) as site:
        _synced_then_v2(site)
        site.faults.cut, site.faults.reset = cut, reset
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        assert any(r.endswith(cut) for r in site.faults.requests)
        assert err.value.reason_code == "unreachable", err.value.message
        assert err.value.is_network and not err.value.is_security
        assert err.value.exit_code == 4
        assert "compromised" not in (err.value.hint or "")
        # get_catalog falls back to the verified cache (version 1) within grace.
        catalog = get_catalog(site.config())
        assert catalog.version == 1
        assert catalog.find_model("SKR-NET-1") is None
        # Once the link is good again, the new version arrives.
        site.faults.cut = None
        assert sync(site.config()).version == 2


@pytest.mark.parametrize("code", [404, 500])
def test_http_errors_still_fall_back(tmp_path: Path, code: int) -> None:
    with running_site(tmp_path) as site:
        _synced_then_v2(site)
        site.faults.status = {"timestamp.json": code}
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        assert err.value.reason_code == "unreachable"
        assert f"HTTP {code}" in err.value.message
        assert get_catalog(site.config()).version == 1


def test_cut_without_a_cache_reports_no_catalog_not_an_attack(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.faults.cut = "timestamp.json"
        with pytest.raises(CatalogError) as err:
            get_catalog(site.config())
    assert err.value.reason_code == "no-catalog"
    assert "cannot be reached" in err.value.message


def test_slow_drip_server_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        _synced_then_v2(site)
        site.faults.drip = "snapshot.json"
        started = time.monotonic()
        with pytest.raises(CatalogError) as err:
            sync(site.config(deadline_seconds=2.0))
        elapsed = time.monotonic() - started
        assert 1.5 < elapsed < 6, elapsed
        assert err.value.reason_code == "unreachable"
        assert "too slow" in err.value.message and "2 s" in err.value.message
        started = time.monotonic()
        catalog = get_catalog(site.config(deadline_seconds=2.0))
        assert time.monotonic() - started < 6
        assert catalog.version == 1  # the verified cache, within grace


def test_deadline_covers_the_whole_sync_not_each_file(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        _synced_then_v2(site)
        site.faults.drip = "certified-models.json"  # a target, after three metadata files
        site.faults.drip_interval = 0.2
        started = time.monotonic()
        with pytest.raises(CatalogError) as err:
            sync(site.config(deadline_seconds=1.5))
        assert time.monotonic() - started < 5
    assert err.value.reason_code == "unreachable"


def test_deadline_is_configurable_and_defaults_to_a_minute(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        assert site.config().deadline_seconds == 60.0
        assert sync(site.config(deadline_seconds=30.0)).version == 1


def test_local_clock_behind_the_highest_time_seen_is_named(tmp_path: Path) -> None:
    with running_site(tmp_path, publish_first=False) as site:
        site.publish(timestamp_expires_days=5)
        ahead = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        sync(site.config(), now=ahead)  # the laptop's clock was 3 days ahead once
        # The platform's timestamp is fine for two more days (no freeze), but the laptop has
        # seen a time past that.
        site.repo.resign("timestamp", expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        assert err.value.reason_code == "clock-behind"
        assert not err.value.is_security and err.value.exit_code != 3
        assert "this computer's clock" in err.value.message.lower()
        assert "freeze" not in err.value.message
        hint = err.value.hint or ""
        assert "set this computer's clock to the correct time" in hint.lower()
        assert "then sync again" in hint.lower()
        assert "--clock-corrected" in hint
        # Not a network failure: no silent fallback hides the clock problem.
        with pytest.raises(CatalogError) as err2:
            get_catalog(site.config())
        assert err2.value.reason_code == "clock-behind"
        # The way out: after setting the clock, sync with the acknowledgement.
        catalog = sync(site.config(), clock_corrected=True)
        assert catalog.version == 1
        st = status(site.config())
        assert st.highest_time_seen is not None
        assert st.highest_time_seen < ahead - dt.timedelta(days=2)
        assert site.state()["clock_corrected_at"] is not None
        # And normal syncs work again.
        assert sync(site.config()).version == 1
    assert load_offline(site.config()).version == 1


def test_server_side_freeze_is_still_a_freeze(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        site.repo.resign("timestamp", expires=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        assert err.value.reason_code == "expired" and err.value.is_security
        assert "freeze" in err.value.message and "clock" not in err.value.message
        # The clock acknowledgement does not make a frozen platform acceptable.
        with pytest.raises(CatalogError) as err2:
            sync(site.config(), clock_corrected=True)
    assert err2.value.reason_code == "expired"
