"""Owner invitations: QR payload round trip, strict decoding, and a fuzz test."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commissioner.protocol.checked_text import crc16_ccitt
from commissioner.provisioning.invitation import (
    Invitation,
    MalformedInvitationError,
    decode_invitation_qr,
    encode_invitation_qr,
    new_invitation,
    token_sha256,
)

NOW = dt.datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
QR_RE = re.compile(
    r"^SHO1;h=J7K2M9Q4X;g=gateway-1;i=[0-9a-f]{16};t=[A-Za-z0-9_-]{43};e=[0-9]+;c=[0-9A-F]{4}$"
)


def _inv() -> Invitation:
    return new_invitation("J7K2M9Q4X", "gateway-1", now=NOW)


def test_new_invitation_defaults() -> None:
    inv = _inv()
    assert len(inv.token) == 32 and len(inv.invitation_id) == 16
    assert inv.expires_at == (NOW + dt.timedelta(days=14)).replace(microsecond=0)
    assert inv.epoch == 1 and not inv.is_expired(NOW)
    assert inv.is_expired(inv.expires_at)
    other = _inv()
    assert other.token != inv.token and other.invitation_id != inv.invitation_id
    assert new_invitation("J7K2M9Q4X", "gateway-1", epoch=4,
                          ttl=dt.timedelta(hours=1)).epoch == 4
    for bad in ({"epoch": 0}, {"ttl": dt.timedelta(0)}):
        with pytest.raises(ValueError):
            new_invitation("J7K2M9Q4X", "gateway-1", **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gateway id"):
        new_invitation("J7K2M9Q4X", "Gateway 1")
    with pytest.raises(ValueError, match="home id"):
        new_invitation("J7K2;M9Q4X", "gateway-1")


def test_token_is_hidden_from_repr_and_hashed_for_the_gateway() -> None:
    inv = _inv()
    text = repr(inv)
    for form in (inv.token.hex(), repr(inv.token), base64.urlsafe_b64encode(inv.token).decode()):
        assert form.rstrip("=") not in text
    assert "token" not in text
    assert token_sha256(inv) == hashlib.sha256(inv.token).hexdigest()


def test_qr_round_trip_and_exact_format() -> None:
    inv = _inv()
    text = encode_invitation_qr(inv)
    assert QR_RE.fullmatch(text), text
    body, _, crc = text.rpartition(";c=")
    assert int(crc, 16) == crc16_ccitt(body.encode("ascii"))
    assert f";t={base64.urlsafe_b64encode(inv.token).decode().rstrip('=')};" in text
    assert f";e={int(inv.expires_at.timestamp())};" in text
    assert f";i={inv.invitation_id};" in text
    decoded = decode_invitation_qr(text)
    assert decoded == dataclasses.replace(inv, epoch=None)  # the epoch is not in the QR
    # What a USB scanner types: trailing CR/LF; and a lower-case check code.
    assert decode_invitation_qr(f"  {text}\r\n") == decoded
    assert decode_invitation_qr(body + ";c=" + crc.lower()) == decoded


def _reencode(body: str) -> str:
    return f"{body};c={crc16_ccitt(body.encode('ascii')):04X}"


def test_strict_decoding_with_reasons() -> None:
    text = encode_invitation_qr(_inv())
    body = text.rpartition(";c=")[0]
    fields = dict(p.split("=", 1) for p in body.split(";")[1:])
    token = fields["t"]
    # A non-canonical token: same 32 bytes except the unused low bits of the last character.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(token[-1])
    noncanon = token[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
        last | 1]
    cases = {
        "": "not-an-invitation",
        "SHC1;id=x": "not-an-invitation",
        text.replace("SHO1", "SHO2", 1): "not-an-invitation",
        text[:-1] + ("0" if text[-1] != "0" else "1"): "bad-check",
        text.rpartition(";c=")[0]: "bad-structure",
        _reencode(body + ";x=1"): "bad-structure",
        _reencode(body.replace(";h=", ";H=")): "bad-structure",
        _reencode(body.replace(f"t={token}", f"t={token}=")): "bad-token",
        _reencode(body.replace(f"t={token}", f"t={token[:-1]}")): "bad-token",
        _reencode(body.replace(f"t={token}", f"t={noncanon}")): "bad-token",
        _reencode(body.replace(f"e={fields['e']}", "e=01")): "bad-expiry",
        _reencode(body.replace(f"e={fields['e']}", "e=-5")): "bad-expiry",
        _reencode(body.replace(f"e={fields['e']}", "e=999999999999")): "bad-expiry",
        _reencode(body.replace("g=gateway-1", "g=Gateway")): "bad-gateway-id",
        _reencode(body.replace("h=J7K2M9Q4X", "h=")): "bad-home-id",
        _reencode(body.replace(f"i={fields['i']}", "i=ABC")): "bad-invitation-id",
        text + "é": "bad-characters",
        "SHO1;" + "x" * 400: "too-long",
    }
    for bad, reason in cases.items():
        with pytest.raises(MalformedInvitationError) as info:
            decode_invitation_qr(bad)
        assert info.value.reason == reason, (bad, info.value.reason)
        assert token not in str(info.value)
    with pytest.raises(MalformedInvitationError):
        decode_invitation_qr(None)  # type: ignore[arg-type]
    with pytest.raises(MalformedInvitationError):
        decode_invitation_qr(text.encode())  # type: ignore[arg-type]


_ALPHABET = st.sampled_from(list("SHO1;=hgitec-_ABCDEFabcdef0123456789J7K2M9Q4X\r\n é\x00"))


_GOOD_TEXT = encode_invitation_qr(new_invitation("J7K2M9Q4X", "gateway-1", now=NOW))


@settings(max_examples=1200, deadline=None)
@given(st.one_of(st.text(max_size=400), st.text(_ALPHABET, max_size=200),
                 st.sampled_from(["", "\r\n", " "]).map(lambda ws: _GOOD_TEXT + ws)))
@example(_GOOD_TEXT + "\n")
def test_decoding_arbitrary_text_is_total(text: str) -> None:
    try:
        inv = decode_invitation_qr(text)
    except MalformedInvitationError:
        assert text.strip(" \t\r\n") != _GOOD_TEXT  # a valid invitation is never refused
        return
    assert decode_invitation_qr(encode_invitation_qr(inv)) == inv


_VALID = encode_invitation_qr(new_invitation("J7K2M9Q4X", "gateway-1", now=NOW))


@settings(max_examples=1200, deadline=None)
@given(st.integers(min_value=0, max_value=len(_VALID) - 1), st.characters(), st.booleans())
def test_decoding_mutated_payloads_is_total(index: int, char: str, insert: bool) -> None:
    mutated = _VALID[:index] + char + _VALID[index + (0 if insert else 1):]
    try:
        inv = decode_invitation_qr(mutated)
    except MalformedInvitationError:
        return
    # A mutation that still decodes must round-trip exactly (and pass the CRC).
    assert encode_invitation_qr(inv) in (mutated.strip(" \t\r\n"),
                                         mutated.strip(" \t\r\n")[:-4]
                                         + mutated.strip(" \t\r\n")[-4:].upper())


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?\Z"),
    st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z"),
    st.binary(min_size=32, max_size=32),
    st.integers(min_value=0, max_value=253402300799),
    st.from_regex(r"\A[0-9a-f]{16}\Z"),
)
def test_round_trip_of_any_valid_invitation(
    home: str, gateway: str, token: bytes, expiry: int, inv_id: str
) -> None:
    inv = Invitation(inv_id, home, gateway, token,
                     dt.datetime.fromtimestamp(expiry, dt.UTC), None)
    assert decode_invitation_qr(encode_invitation_qr(inv)) == inv
