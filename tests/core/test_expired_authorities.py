"""Expired and not-yet-valid authorities: every certificate of the attestation chain (leaf,
intermediate, root) outside its validity window, a root of another organisation above a
correctly named intermediate, and an expired TUF root of the catalog, online and offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from catalog_helpers import Site, closed_port_url, running_site
from cryptography.hazmat.primitives.asymmetric import ec
from protocol_helpers import FIELDS, Manufacturer, make_manufacturer

from commissioner.protocol.attestation import (
    cert_der,
    generate_key,
    make_device_certificate,
    make_intermediate,
    make_root,
    verify_chain,
)
from commissioner.protocol.errors import UntrustedDeviceError
from commissioner.trust.catalog import CatalogError, get_catalog, load_offline, sync

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
PAST = (NOW - 30 * DAY, NOW - DAY)  # a window that has ended
FUTURE = (NOW + DAY, NOW + 3650 * DAY)  # a window that has not begun


def _chain(
    *,
    root_window: tuple[dt.datetime, dt.datetime] | None = None,
    inter_window: tuple[dt.datetime, dt.datetime] | None = None,
    leaf_window: tuple[dt.datetime, dt.datetime] | None = None,
    root_org: str = FIELDS.manufacturer,
) -> tuple[bytes, bytes, Manufacturer]:
    """(leaf DER, intermediate DER, manufacturer with that root) with the given windows."""
    root_key = generate_key()
    rb, ra = root_window or (None, None)
    root = make_root(root_org, root_key, not_before=rb, not_after=ra)
    inter_key = generate_key()
    ib, ia = inter_window or (None, None)
    inter = make_intermediate(FIELDS.manufacturer, inter_key, root, root_key,
                              not_before=ib, not_after=ia)
    lb, la = leaf_window or (None, None)
    leaf = make_device_certificate(FIELDS, ec.generate_private_key(ec.SECP256R1()).public_key(),
                                   inter, inter_key, not_before=lb, not_after=la)
    return cert_der(leaf), cert_der(inter), Manufacturer(root_org, root_key, root, inter_key, inter)


def test_the_helper_chain_is_good_when_every_window_is_open() -> None:
    leaf, inter, mfr = _chain()
    assert verify_chain(leaf, [inter], [mfr.root], now=NOW).manufacturer == FIELDS.manufacturer


@pytest.mark.parametrize(("which", "window", "reason", "what"), [
    ("inter_window", PAST, "certificate-expired", "intermediate"),
    ("root_window", PAST, "certificate-expired", "root"),
    ("leaf_window", FUTURE, "certificate-not-yet-valid", "device"),
    ("inter_window", FUTURE, "certificate-not-yet-valid", "intermediate"),
    ("root_window", FUTURE, "certificate-not-yet-valid", "root"),
])
def test_a_certificate_outside_its_window_breaks_the_chain(
    which: str, window: tuple[dt.datetime, dt.datetime], reason: str, what: str
) -> None:
    leaf, inter, mfr = _chain(**{which: window})  # type: ignore[arg-type]
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(leaf, [inter], [mfr.root], now=NOW)
    assert info.value.reason == reason
    assert f"the {what} certificate" in info.value.message
    if window is FUTURE:  # the same chain is good once every window has begun
        assert verify_chain(leaf, [inter], [mfr.root], now=window[0] + DAY).manufacturer


def test_validity_bounds_are_inclusive_and_one_second_outside_is_refused() -> None:
    end = NOW - DAY
    wide = (NOW - 60 * DAY, NOW + 3650 * DAY)
    leaf, inter, mfr = _chain(inter_window=(NOW - 30 * DAY, end), leaf_window=wide,
                              root_window=wide)
    assert verify_chain(leaf, [inter], [mfr.root], now=end).manufacturer
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(leaf, [inter], [mfr.root], now=end + dt.timedelta(seconds=1))
    assert info.value.reason == "certificate-expired"
    start = NOW + DAY
    leaf, inter, mfr = _chain(root_window=(start, NOW + 10 * DAY))
    assert verify_chain(leaf, [inter], [mfr.root], now=start).manufacturer
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(leaf, [inter], [mfr.root], now=start - dt.timedelta(seconds=1))
    assert info.value.reason == "certificate-not-yet-valid"


def test_a_root_of_another_organisation_is_refused() -> None:
    """Leaf and intermediate say "Sakura Denki"; the (trusted) root above them is another
    manufacturer's."""
    leaf, inter, other = _chain(root_org="Kitsune Works")
    with pytest.raises(UntrustedDeviceError) as info:
        verify_chain(leaf, [inter], [make_manufacturer().root, other.root], now=NOW)
    assert info.value.reason == "manufacturer-mismatch"
    assert "root of 'Kitsune Works'" in info.value.message


# --------------------------------------------------------------------------- TUF root


def _publish_short_root(site: Site) -> dt.datetime:
    """Publish with a root that expires in 2 days (targets and timestamp last longer)."""
    site.publish(root_expires_days=2, expires_days=60, timestamp_expires_days=30)
    return site.repo.root().signed.expires


def test_an_expired_tuf_root_is_refused_online(tmp_path: Path) -> None:
    with running_site(tmp_path, publish_first=False) as site:
        root_expires = _publish_short_root(site)
        assert sync(site.config()).version == 1  # fine while the root is valid
        with pytest.raises(CatalogError) as err:
            sync(site.config(), now=root_expires + DAY)
        assert err.value.reason_code == "expired"
        # A security failure never falls back to the cache.
        with pytest.raises(CatalogError) as err2:
            get_catalog(site.config(), now=root_expires + DAY)
        assert err2.value.reason_code == "expired"


def test_an_expired_tuf_root_is_refused_offline(tmp_path: Path) -> None:
    with running_site(tmp_path, publish_first=False) as site:
        root_expires = _publish_short_root(site)
        refreshed = sync(site.config()).refreshed_at
    offline = site.config(url=closed_port_url(), grace_days=14)
    assert load_offline(offline, now=refreshed + DAY).version == 1  # root still valid
    later = root_expires + DAY  # well within the grace period, timestamp still valid
    assert later - refreshed < dt.timedelta(days=14)
    with pytest.raises(CatalogError) as err:
        load_offline(offline, now=later)
    assert err.value.reason_code == "expired"
    assert "root" in err.value.message
    with pytest.raises(CatalogError):
        get_catalog(offline, now=later)
