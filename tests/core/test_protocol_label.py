"""Device label format: round trip, strictness, and a fuzz test of the decoder."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commissioner.protocol.checked_text import crc16_ccitt
from commissioner.protocol.errors import MalformedLabelError
from commissioner.protocol.label import Label, decode_label, encode_label

LABEL = Label(
    device_id="ac-living-01",
    manufacturer="Sakura Denki (Japan)",
    model="SD-AC2200/W",
    serial="SDA22-000123",
    setup_code="20231104",
    kind="air-conditioner",
)


def test_crc_is_ccitt_false() -> None:
    assert crc16_ccitt(b"123456789") == 0x29B1  # the catalogue check value


def test_round_trip_and_exact_text() -> None:
    text = encode_label(LABEL)
    assert text.startswith(
        "SHC1;id=ac-living-01;mf=Sakura%20Denki%20%28Japan%29;mn=SD-AC2200%2FW;"
        "sn=SDA22-000123;sc=20231104;k=air-conditioner;c="
    )
    assert decode_label(text) == LABEL


def test_scanner_whitespace_is_tolerated() -> None:
    assert decode_label("  " + encode_label(LABEL) + "\r\n") == LABEL
    assert decode_label("\t" + encode_label(LABEL) + "\n") == LABEL
    lower_crc = encode_label(LABEL)[:-4] + encode_label(LABEL)[-4:].lower()
    assert decode_label(lower_crc) == LABEL


def test_setup_code_stays_out_of_repr() -> None:
    assert "20231104" not in repr(LABEL)


def _with_body(body: str) -> str:
    return f"{body};c={crc16_ccitt(body.encode()):04X}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not-a-label"),
        ("MT:Y.K9042C00KA0648G00", "not-a-label"),
        (encode_label(LABEL)[:-1] + ("0" if encode_label(LABEL)[-1] != "0" else "1"), "bad-check"),
        (_with_body("SHC1;id=ac-living-01;mf=A;mn=B;sn=SDA22-000123;sc=1234567;k=lighting"),
         "bad-setup-code"),
        (_with_body("SHC1;id=ac-living-01;mf=A;mn=B;sn=sda22-000123;sc=12345678;k=lighting"),
         "bad-serial"),
        (_with_body("SHC1;id=ac-living-01;mf=A;mn=B;sn=SDA22-000123;sc=12345678;k=toaster"),
         "bad-kind"),
        (_with_body("SHC1;mf=A;id=ac-living-01;mn=B;sn=SDA22-000123;sc=12345678;k=lighting"),
         "bad-structure"),
        (_with_body("SHC1;id=ac-living-01;mf=A%3Cb%3E;mn=B;sn=SDA22-000123;sc=12345678;k=lighting"),
         "bad-manufacturer"),
        (_with_body("SHC1;id=ac-living-01;mf=%FF;mn=B;sn=SDA22-000123;sc=12345678;k=lighting"),
         "bad-manufacturer"),
        (_with_body("SHC1;id=ac-living-01;mf=A;mn=B;sn=SDA22-000123;sc=12345678;k=lighting;x=1"),
         "bad-structure"),
        ("SHC1;" + "x" * 600, "too-long"),
    ],
)
def test_bad_labels_are_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(MalformedLabelError) as info:
        decode_label(text)
    assert info.value.reason == reason


def test_encode_refuses_invalid_fields() -> None:
    with pytest.raises(MalformedLabelError):
        encode_label(Label("ac", "A", "B", "SDA22-000123", "1234", "lighting"))


_label_alphabet = st.sampled_from(list("SHC1;=%&c0123456789ABCDEFabcdef-_. \r\n\t\x00é;=id"))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=700), st.text(_label_alphabet, max_size=200),
                 st.sampled_from(["", " ", "\r\n", "\n", "\t "]).map(
                     lambda ws: encode_label(LABEL) + ws)))
@example(encode_label(LABEL) + "\r\n")
def test_decode_never_raises_anything_else(text: str) -> None:
    try:
        label = decode_label(text)
    except MalformedLabelError:
        assert text.strip(" \t\r\n") != encode_label(LABEL)  # a valid label is never refused
        return
    if text.strip(" \t\r\n") == encode_label(LABEL):
        assert label == LABEL
    assert isinstance(label, Label)
    assert decode_label(encode_label(label)) == label  # whatever got through is a valid label


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.characters())
def test_mutated_labels_are_rejected_or_valid(pos: int, ch: str) -> None:
    good = encode_label(LABEL)
    i = pos % len(good)
    text = good[:i] + ch + good[i + 1 :]
    try:
        label = decode_label(text)
    except MalformedLabelError:
        return
    assert label == LABEL  # every accepted mutation is an equivalent spelling of LABEL
