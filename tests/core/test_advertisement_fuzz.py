"""Hostile TXT records: parse_txt is total, build_txt round-trips, the manager never crashes."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from commissioner.discovery.events import MalformedAdvertisement, Sighting
from commissioner.discovery.manager import DiscoveryManager
from commissioner.discovery.scan import ScanResult, scan
from commissioner.protocol.advertisement import (
    Advertisement,
    MalformedAdvertisementError,
    build_txt,
    parse_txt,
)
from commissioner.protocol.spec import CommissioningState, DeviceKind, Role, TxtKey

KEYS = [k.value for k in TxtKey]

name_st = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 ._/+()-]{0,63}\Z")
device_id_st = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
part_st = st.integers(0, 999999).map(str)
firmware_st = st.tuples(part_st, part_st, part_st).map(".".join)


@st.composite
def valid_advertisements(draw: st.DrawFn) -> Advertisement:
    gateway = draw(st.booleans())
    kinds = [k.value for k in DeviceKind if k is not DeviceKind.GATEWAY]
    return Advertisement(
        device_id=draw(device_id_st),
        role=Role.GATEWAY if gateway else Role.DEVICE,
        kind=DeviceKind.GATEWAY.value if gateway else draw(st.sampled_from(kinds)),
        manufacturer=draw(name_st),
        model=draw(name_st),
        firmware=draw(firmware_st),
        state=draw(st.sampled_from(list(CommissioningState))),
        protocol_version="1",
    )


junk_value = st.one_of(
    st.none(),
    st.binary(max_size=300),
    st.text(max_size=80),
    st.binary(min_size=250, max_size=600),  # oversized
    st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"caf\xe9", "\u202eevil", "a\x00b", "<b>x</b>"]),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3),
)
junk_key = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(str.upper),
    st.sampled_from(KEYS).map(str.encode),
    st.binary(max_size=12),
    st.text(max_size=12),
    st.integers(),
    st.none(),
)


@st.composite
def hostile_records(draw: st.DrawFn) -> dict[Any, Any]:
    """A valid record with mutations: the kind of thing a broken or hostile device sends."""
    record: dict[Any, Any] = dict(build_txt(draw(valid_advertisements())))
    if draw(st.booleans()):
        record = {k.encode(): v.encode() for k, v in record.items()}  # as zeroconf gives it
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["replace", "delete", "add", "dup-case", "bulk"]))
        keys = list(record)
        if action == "replace" and keys:
            record[draw(st.sampled_from(keys))] = draw(junk_value)
        elif action == "delete" and keys:
            del record[draw(st.sampled_from(keys))]
        elif action == "add":
            record[draw(junk_key)] = draw(junk_value)
        elif action == "dup-case" and keys:
            key = draw(st.sampled_from(keys))
            if isinstance(key, bytes | str):
                record[key.upper()] = draw(st.one_of(junk_value, st.just(record[key])))
        elif action == "bulk":
            for i in range(draw(st.integers(1, 12))):
                record[f"x{i}".encode()] = b"v" * draw(st.integers(0, 255))
    return record


any_record = st.one_of(
    hostile_records(),
    st.dictionaries(junk_key, junk_value, max_size=12),
    valid_advertisements().map(build_txt),
)


class ParserTransport:
    """A real transport whose network is a list of TXT records; reports what parse_txt says."""

    name = "fuzz"

    def __init__(self) -> None:
        self.manager: DiscoveryManager | None = None

    async def async_start(self, manager: DiscoveryManager) -> None:
        self.manager = manager

    async def async_stop(self) -> None:
        self.manager = None

    def receive(self, source: str, properties: dict[Any, Any]) -> None:
        assert self.manager is not None
        try:
            adv = parse_txt(properties)
        except MalformedAdvertisementError as err:
            self.manager.report_malformed(MalformedAdvertisement(self.name, source, str(err)))
            return
        self.manager.report_sighting(
            source,
            Sighting(
                transport=self.name,
                device_id=adv.device_id,
                role=adv.role,
                kind=adv.kind,
                manufacturer=adv.manufacturer,
                model=adv.model,
                firmware=adv.firmware,
                state=adv.state,
                protocol_version=adv.protocol_version,
                address="127.0.0.1",
                port=8443,
            ),
        )


@pytest.fixture(scope="module")
def fuzz_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for all examples (a new loop per example is slow), closed afterwards."""
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def _feed(loop: asyncio.AbstractEventLoop, record: dict[Any, Any]) -> DiscoveryManager:
    async def main() -> DiscoveryManager:
        transport = ParserTransport()
        manager = DiscoveryManager([transport])
        events: list[object] = []
        manager.async_subscribe(events.append)
        await manager.async_start()
        transport.receive("svc._x", record)
        await manager.async_stop()
        assert len(events) == 1
        return manager

    return loop.run_until_complete(main())


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_record)
def test_hostile_txt_never_crashes_parser_or_manager(
    fuzz_loop: asyncio.AbstractEventLoop, record: dict[Any, Any]
) -> None:
    try:
        parse_txt(record)
    except MalformedAdvertisementError as err:
        assert str(err)
    manager = _feed(fuzz_loop, record)
    assert len(manager.devices) + len(manager.malformed) == 1
    for entry in manager.malformed.values():
        assert entry.reason and entry.source == "svc._x"


@settings(max_examples=500, deadline=None)
@given(valid_advertisements(), st.booleans())
def test_built_records_parse_back_equal(
    fuzz_loop: asyncio.AbstractEventLoop, adv: Advertisement, as_bytes: bool
) -> None:
    txt: dict[Any, Any] = dict(build_txt(adv))
    if as_bytes:
        txt = {k.encode(): v.encode() for k, v in txt.items()}
    assert parse_txt(txt) == adv
    manager = _feed(fuzz_loop, txt)
    assert list(manager.devices) == [adv.device_id]
    assert manager.devices[adv.device_id].sightings["fuzz"].firmware == adv.firmware


def test_duplicate_key_in_other_case_is_rejected() -> None:
    txt: dict[Any, Any] = dict(build_txt(_EXAMPLE))
    txt["ID"] = "evil-1"  # a second 'id' must not silently override the first
    with pytest.raises(MalformedAdvertisementError):
        parse_txt(txt)


_EXAMPLE = Advertisement(
    device_id="dev-1",
    role=Role.DEVICE,
    kind="lighting",
    manufacturer="Hikari",
    model="L-1",
    firmware="1.0.0",
    state=CommissioningState.FACTORY,
    protocol_version="1",
)


_WIRE_JUNK: list[bytes | None] = [
    b"\xff\xfe", b"\xc3\x28", b"caf\xe9", "\u202eevil".encode(), b"a\x00b", b"<b>x</b>", b"",
    None, b"v" * 200, b"9",
]


def _wire_hostile_record(rng: random.Random, device_id: str) -> dict[bytes, bytes | None]:
    """A record zeroconf can put on the wire (bytes keys, values up to 200 bytes), mutated."""
    txt = build_txt(dataclasses.replace(_EXAMPLE, device_id=device_id))
    record: dict[bytes, bytes | None] = {k.encode(): v.encode() for k, v in txt.items()}
    for _ in range(rng.randint(0, 3)):
        action = rng.choice(["replace", "delete", "add", "dup-case"])
        keys = sorted(record)
        if action == "replace" and keys:
            record[rng.choice(keys)] = rng.choice(_WIRE_JUNK)
        elif action == "delete" and keys:
            del record[rng.choice(keys)]
        elif action == "add":
            record[f"x{rng.randint(0, 99)}".encode()] = b"v" * rng.randint(0, 200)
        elif action == "dup-case" and keys:
            key = rng.choice(keys)
            record[key.upper()] = rng.choice([*_WIRE_JUNK, record[key]])
    return record


def test_hostile_records_over_real_zeroconf_are_each_a_device_or_malformed() -> None:
    """30 hostile TXT records (fixed seed) published with real zeroconf on 127.0.0.1 under a
    random service type: the scan survives and accounts for every one of them."""
    rng = random.Random(20240611)
    stype = f"_t{secrets.token_hex(5)}._tcp.local."
    count = 30
    infos = [
        AsyncServiceInfo(
            stype, f"hostile-{i:02d}.{stype}", port=9000 + i,
            properties=_wire_hostile_record(rng, f"hostile-{i:02d}"),
            server=f"hostile-{i:02d}.local.", parsed_addresses=["127.0.0.1"],
        )
        for i in range(count)
    ]

    async def main() -> ScanResult:
        publisher = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        try:
            announcements = await asyncio.gather(
                *(publisher.async_register_service(i) for i in infos))
            await asyncio.gather(*announcements)
            return await scan(["127.0.0.1"], timeout=6.0, service_type=stype)
        finally:
            await publisher.async_close()

    result = asyncio.run(main())
    assert len(result.devices) + len(result.malformed) == count
    assert {d.device_id for d in result.devices} <= {f"hostile-{i:02d}" for i in range(count)}
    assert all(m.source.endswith(stype) and m.reason for m in result.malformed)
    assert result.devices and result.malformed  # the seed gives both kinds
