"""A TXT record that repeats a key is rejected (issue 17): python-zeroconf merges repeated
keys into one value, so the check reads the raw record bytes. Real zeroconf on loopback."""

from __future__ import annotations

import asyncio

import pytest
from test_discovery_mdns import (
    LOOPBACK,
    Recorder,
    adv,
    close_all,
    loopback_zeroconf,
    random_service_type,
    register_all,
)
from zeroconf.asyncio import AsyncServiceInfo

from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.mdns import MdnsTransport, duplicate_txt_key
from commissioner.protocol.advertisement import build_txt

pytestmark = pytest.mark.timeout(60)


def _raw(pairs: list[tuple[str, str]]) -> bytes:
    out = b""
    for key, value in pairs:
        entry = f"{key}={value}".encode()
        out += bytes([len(entry)]) + entry
    return out


def test_duplicate_keys_are_found_in_the_raw_record() -> None:
    assert duplicate_txt_key(_raw([("a", "1"), ("b", "2")])) is None
    assert duplicate_txt_key(_raw([("id", "x"), ("fw", "1"), ("ID", "y")])) == "id"
    assert duplicate_txt_key(b"\x04flag\x04flag") == "flag"
    assert duplicate_txt_key(b"") is None


def test_an_advertisement_repeating_a_txt_key_is_rejected_with_a_reason() -> None:
    async def main() -> None:
        stype = random_service_type()
        publisher = loopback_zeroconf()
        browser_zc = loopback_zeroconf()
        manager = DiscoveryManager(
            [MdnsTransport(LOOPBACK, service_type=stype, zeroconf=browser_zc)]
        )
        rec = Recorder()
        manager.async_subscribe(rec)
        good = build_txt(adv("good-1"))
        pairs = [(str(k), str(v)) for k, v in good.items()]
        # The same device id twice: a genuine one first, an impostor's after it.
        twice = _raw([*pairs, ("id", "other-1")])
        infos = [
            AsyncServiceInfo(stype, f"good.{stype}", port=8443, properties=good,
                             server="good.local.", parsed_addresses=["127.0.0.1"]),
            AsyncServiceInfo(stype, f"twice.{stype}", port=8443, properties=twice,
                             server="twice.local.", parsed_addresses=["127.0.0.1"]),
        ]
        try:
            await manager.async_start()
            await register_all(publisher, infos)
            await rec.wait_for(lambda: "good-1" in manager.devices and bool(manager.malformed))
            (entry,) = manager.malformed.values()
            assert entry.source == f"twice.{stype}"
            assert "TXT key 'id' appears more than once" in entry.reason
            assert "other-1" not in manager.devices
        finally:
            await manager.async_stop()
            await close_all(publisher.async_close(), browser_zc.async_close())

    asyncio.run(main())
