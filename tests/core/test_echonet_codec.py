"""ECHONET Lite frames: round trips, and every malformed frame refused with its reason."""

from __future__ import annotations

import random

import pytest

from commissioner.protocol.echonet import (
    GET,
    GET_RES,
    MAX_FRAME_BYTES,
    SETGET,
    Eoj,
    Frame,
    MalformedFrameError,
    Property,
    decode_frame,
    decode_instance_list,
    decode_property_map,
    encode_frame,
    encode_instance_list,
    encode_property_map,
    get_request,
)

AIRCON = Eoj(0x01, 0x30, 0x01)


def _reply() -> bytes:
    return encode_frame(Frame(7, AIRCON, Eoj(0x05, 0xFF, 0x01), GET_RES, (
        Property(0x8A, b"\x7f\x00\x01"), Property(0x8C, b"FE-RAS22    "))))


def test_round_trip_and_setget_lists() -> None:
    frame = decode_frame(_reply())
    assert (frame.tid, frame.seoj, frame.esv) == (7, AIRCON, GET_RES)
    assert frame.value(0x8A) == b"\x7f\x00\x01"
    both = Frame(1, Eoj(5, 0xFF, 1), AIRCON, SETGET, (Property(0x80, b"\x30"),),
                 (Property(0x8A),))
    assert decode_frame(encode_frame(both)) == both
    assert decode_frame(get_request(9, AIRCON, [0x8A])).properties == (Property(0x8A),)


@pytest.mark.parametrize(("data", "reason"), [
    (_reply()[:-3], "truncated"),
    (_reply()[:8], "truncated"),
    (b"\x10", "too-short"),
    (b"\x11\x81" + _reply()[2:], "wrong-ehd"),
    (b"\x10\x82" + _reply()[2:], "wrong-ehd"),
    (_reply()[:11] + b"\xff" + _reply()[12:], "absurd-count"),
    (_reply() + b"\x00" * (MAX_FRAME_BYTES + 1), "oversize"),
    (_reply() + b"\x00", "trailing-bytes"),
    (_reply()[:10] + b"\x99" + _reply()[11:], "unknown-esv"),
])
def test_malformed_frames_have_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedFrameError) as caught:
        decode_frame(data)
    assert caught.value.reason == reason
    assert caught.value.message


def test_random_and_mutated_frames_never_crash() -> None:
    rng = random.Random(1410)
    seed = _reply()
    outcomes: set[str] = set()
    for n in range(20_000):
        if n % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        else:
            buf = bytearray(seed)
            for _ in range(rng.randrange(1, 4)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
            data = bytes(buf[: rng.randrange(len(buf) + 1)])
        try:
            decode_frame(data)
            outcomes.add("ok")
        except MalformedFrameError as err:
            outcomes.add(err.reason)
    assert {"ok", "truncated", "wrong-ehd", "absurd-count"} <= outcomes


def test_property_maps_both_forms() -> None:
    few = {0x80, 0x8A, 0x9F}
    assert decode_property_map(encode_property_map(few)) == few
    many = set(range(0x80, 0xA4))
    encoded = encode_property_map(many)
    assert len(encoded) == 17 and decode_property_map(encoded) == many
    for bad in (b"", b"\x03\x80", b"\x10" + b"\x00" * 16, b"\x02\x80\x80"):
        with pytest.raises(MalformedFrameError):
            decode_property_map(bad)


def test_instance_list_bounds() -> None:
    eojs = (AIRCON, Eoj(0x02, 0x88, 0x01))
    assert decode_instance_list(encode_instance_list(eojs)) == eojs
    with pytest.raises(MalformedFrameError) as caught:
        decode_instance_list(b"\xfa" + b"\x01" * 30)
    assert caught.value.reason == "absurd-count"
    with pytest.raises(MalformedFrameError):
        decode_instance_list(b"\x02\x01\x30\x01")
    assert GET == 0x62
