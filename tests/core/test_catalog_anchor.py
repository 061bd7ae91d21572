"""The catalog cache's TUF state is anchored in the OS keyring (real gnome-keyring in the test
session): losing or editing it is reported, never a silent restart from the trust root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import keyring
import pytest
from catalog_helpers import Site, add_model, running_site

from commissioner.trust.catalog import CatalogError, get_catalog, load_offline, status, sync
from commissioner.trust.catalog_anchor import anchor_name


def _assert_lost_or_edited(err: CatalogError, code: str) -> None:
    assert err.reason_code == code, err.message
    assert "catalog cache lost or edited" in err.message
    assert "--reset-trust" in (err.hint or "")
    assert err.exit_code == 3


def _two_versions(site: Site) -> Path:
    """Sync v1, keep a copy of that cache, then sync v2. Returns the v1 copy."""
    sync(site.config())
    old_copy = site.tmp / "old-cache"
    shutil.copytree(site.cache_dir, old_copy)
    site.publish(add_model("SKR-ANC-1"))
    assert sync(site.config()).version == 2
    return old_copy


def test_sync_records_the_anchor_in_the_keyring(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
    text = keyring.get_password("commissioner", anchor_name(site.cache_dir))
    assert text is not None
    record = json.loads(text)
    assert record["generation"] == site.state()["generation"]
    assert record["versions"]["targets"] == 1 and record["versions"]["root"] == 1


def test_deleted_state_is_reported_not_restarted_from_the_root(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        (site.cache_dir / "state.json").unlink()
        for call in (lambda: sync(site.config()), lambda: load_offline(site.config()),
                     lambda: get_catalog(site.config())):
            with pytest.raises(CatalogError) as err:
                call()
            _assert_lost_or_edited(err.value, "cache-lost")
        st = status(site.config())
        assert st.problem is not None and not st.has_catalog and not st.usable_offline
        _assert_lost_or_edited(st.problem, "cache-lost")
        assert st.to_json()["problem"]["reason"] == "cache-lost"
        assert not (site.cache_dir / "state.json").exists()  # nothing silently recreated


def test_deleted_cache_folder_is_reported(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        shutil.rmtree(site.cache_dir)
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    _assert_lost_or_edited(err.value, "cache-lost")


def test_cache_rolled_back_to_an_older_copy_is_reported(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        old_copy = _two_versions(site)
        shutil.rmtree(site.cache_dir)
        shutil.copytree(old_copy, site.cache_dir)  # every file validly signed, but version 1
        with pytest.raises(CatalogError) as err:
            load_offline(site.config())
        _assert_lost_or_edited(err.value, "cache-edited")
        with pytest.raises(CatalogError) as err:
            sync(site.config())
    _assert_lost_or_edited(err.value, "cache-edited")


def test_edited_state_is_reported(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
    state = site.state()
    state["highest_time_seen"] = "2000-01-01T00:00:00+00:00"  # to wind the clock back
    (site.cache_dir / "state.json").write_text(json.dumps(state))
    with pytest.raises(CatalogError) as err:
        load_offline(site.config())
    _assert_lost_or_edited(err.value, "cache-edited")


def test_edited_trusted_metadata_is_reported_before_any_download(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        gen = site.cache_dir / "generations" / site.state()["generation"]
        (gen / "metadata" / "timestamp.json").write_text("{}")
        before = len(site.faults.requests)
        with pytest.raises(CatalogError) as err:
            sync(site.config())
        _assert_lost_or_edited(err.value, "cache-edited")
        assert len(site.faults.requests) == before


def test_reset_trust_is_explicit_and_recorded(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        sync(site.config())
        (site.cache_dir / "state.json").unlink()
        catalog = sync(site.config(), reset_trust=True)
        assert catalog.version == 1
        assert site.state()["trust_reset_at"] is not None
        record = json.loads(keyring.get_password(
            "commissioner", anchor_name(site.cache_dir)) or "{}")
        assert record["trust_resets"] and record["generation"] == site.state()["generation"]
        # From here on, normal use works and the anchor protects again.
        assert sync(site.config()).version == 1
        assert load_offline(site.config()).version == 1


def test_reset_trust_keeps_the_anchored_version_floor(tmp_path: Path) -> None:
    """Re-trusting starts TUF from the embedded root, but a platform serving metadata older
    than the highest versions this computer has seen is still a rollback."""
    with running_site(tmp_path) as site:
        old_copy = _two_versions(site)
        shutil.rmtree(site.cache_dir)
        site.repo.serve_old_version("timestamp", 1)
        with pytest.raises(CatalogError) as err:
            sync(site.config(), reset_trust=True)
    assert err.value.reason_code == "rollback"
    assert old_copy.is_dir()


def test_a_cache_anchored_elsewhere_does_not_interfere(tmp_path: Path) -> None:
    with running_site(tmp_path / "a") as site_a, running_site(tmp_path / "b") as site_b:
        sync(site_a.config())
        sync(site_b.config())
        (site_a.cache_dir / "state.json").unlink()
        assert load_offline(site_b.config()).version == 1
        with pytest.raises(CatalogError):
            load_offline(site_a.config())


def test_anchor_caught_up_after_a_crash_between_state_and_keyring(tmp_path: Path) -> None:
    """state.json is written first, then the keyring: a newer, verifiable state than the
    anchor (a crash in between) is accepted and the anchor catches up."""
    with running_site(tmp_path) as site:
        sync(site.config())
        name = anchor_name(site.cache_dir)
        stale = keyring.get_password("commissioner", name)
        site.publish(add_model("SKR-ANC-2"))
        sync(site.config())
        assert stale is not None
        keyring.set_password("commissioner", name, stale)  # as if the keyring write was lost
    assert load_offline(site.config()).version == 2
    caught_up = json.loads(keyring.get_password("commissioner", name) or "{}")
    assert caught_up["versions"]["targets"] == 2
