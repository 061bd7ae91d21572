"""The Matter onboarding payload codec against the Matter SDK's published test vectors
(connectedhomeip ``src/setup_payload/tests/``: TestQRCode.cpp, TestManualCode.cpp,
TestHelpers.h), the Core specification's example code, a QR code with optional TLV data from
rs-matter's tests, and invalid payloads."""

from __future__ import annotations

import contextlib

import pytest

from commissioner.protocol.matter_payload import (
    CommissioningFlow,
    MatterPayload,
    MatterPayloadError,
    OptionalItem,
    Rendezvous,
    base38_decode,
    base38_encode,
    decode_manual_code,
    decode_matter_payload,
    decode_qr,
    decode_qr_all,
    encode_manual_code,
    encode_qr,
    is_valid_passcode,
    verhoeff_check_digit,
)

# TestHelpers.h: GetDefaultPayload() and its QR text.
SDK_DEFAULT = MatterPayload(vendor_id=12, product_id=1, discriminator=128, passcode=2048,
                            rendezvous=Rendezvous.SOFT_AP)
SDK_DEFAULT_QR = "MT:M5L90MP500K64J00000"
SDK_CONCATENATED = ("MT:M5L90MP500K64J00000*M5L90U.D010K4J00000*M5L900CM02IX4J00000"
                    "*M5L908OU03-85J00000")


def test_spec_example_qr_and_manual_code() -> None:
    qr = decode_qr("MT:Y.K9042C00KA0648G00")
    assert (qr.vendor_id, qr.product_id, qr.discriminator, qr.passcode) == (
        65521, 32768, 3840, 20202021)
    assert qr.flow is CommissioningFlow.STANDARD and qr.rendezvous == Rendezvous.BLE
    assert not qr.short_discriminator
    assert encode_qr(qr) == "MT:Y.K9042C00KA0648G00"
    manual = decode_manual_code("34970112332")
    assert (manual.discriminator, manual.short_discriminator, manual.passcode) == (15, True,
                                                                                  20202021)
    assert encode_manual_code(qr) == "34970112332"
    assert qr.matches(discriminator=manual.discriminator << 8, vendor_id=None, product_id=None)
    assert manual.matches(discriminator=3840, vendor_id=65521, product_id=32768)
    assert not manual.matches(discriminator=0x100, vendor_id=65521, product_id=32768)


def test_sdk_default_qr_both_directions() -> None:
    assert encode_qr(SDK_DEFAULT, strict=False) == SDK_DEFAULT_QR
    assert decode_qr(SDK_DEFAULT_QR, strict=False) == SDK_DEFAULT


def test_sdk_default_bit_layout() -> None:
    # TestPayloadByteArrayRep: the 88 bits, most significant first, fields separated.
    expected = ("0000 000000000000000100000000000 000010000000 00000001 00 "
                "0000000000000001 0000000000001100 000")
    bits = int.from_bytes(base38_decode(SDK_DEFAULT_QR[3:]), "little")
    text = f"{bits:088b}"
    widths = (4, 27, 12, 8, 2, 16, 16, 3)
    fields, pos = [], 0
    for w in widths:
        fields.append(text[pos:pos + w])
        pos += w
    assert " ".join(fields) == expected


def test_sdk_concatenated_qr_code() -> None:
    payloads = decode_qr_all(SDK_CONCATENATED, strict=False)
    assert [(p.discriminator, p.passcode) for p in payloads] == [
        (128 + i, 2048 + i) for i in range(4)]
    with pytest.raises(MatterPayloadError) as err:
        decode_qr(SDK_CONCATENATED, strict=False)
    assert err.value.reason == "several-payloads"


@pytest.mark.parametrize(("data", "text"), [
    (b"", ""), (b"\x0a", "A0"), (b"\x0a\x0a", "OT10"), (b"\x0a\x0a\x0a", "-N.B0"),
    (b"\x0a\x0a\x00", "OT100"), (b"\x0a\x0a\x28", "Y6V91"), (b"\x0a\x0a\x29", "KL0B1"),
    (b"\x0a\x0a\xff", "Q-M08"), (b"\x23", "Z0"), (b"\xff\x00", "R600"),
    (b"\x2e\x00\x00", "81000"), (b"\xff", "R6"), (b"\xff\xff", "NE71"),
    (b"\xff\xff\xff", "PLS18"), (b"Hello World!", "KKHF3W2S013OPM3EJX11"),
    (b"\x00\x01", "S600"), (b"\x00\x00\x01", "OE710"),
])
def test_sdk_base38_vectors(data: bytes, text: str) -> None:
    assert base38_encode(data) == text
    assert base38_decode(text) == data


@pytest.mark.parametrize("text", ["S6", "OE71", "QLS18", "0\x01", "[0", " 0", "*0", "@0", "A",
                                  "ABC", "ABCDEF"])
def test_sdk_base38_invalid(text: str) -> None:
    with pytest.raises(MatterPayloadError):
        base38_decode(text)


# TestManualCode.cpp: digits without their check digit, and what they hold.
MANUAL_VECTORS = [
    # (digits without check, passcode, discriminator (short form), vid, pid, flow)
    ("2361087535", 123456780, 0xA, 0, 0, CommissioningFlow.STANDARD),
    ("63610875350000000000", 123456780, 0xA, 0, 0, CommissioningFlow.CUSTOM),
    ("63610875350000100001", 123456780, 0xA, 1, 1, CommissioningFlow.CUSTOM),
    ("63610875354536714526", 123456780, 0xA, 45367, 14526, CommissioningFlow.CUSTOM),
    ("76553581916553565535", 0x7FFFFFF, 0xF, 65535, 65535, CommissioningFlow.CUSTOM),
    ("52927623630456200032", 38728284, 0x5, 4562, 32, CommissioningFlow.CUSTOM),
    ("40000100000000100001", 1, 0, 1, 1, CommissioningFlow.CUSTOM),
    ("0000010000", 1, 0, 0, 0, CommissioningFlow.STANDARD),
]


@pytest.mark.parametrize(("digits", "passcode", "short", "vid", "pid", "flow"), MANUAL_VECTORS)
def test_sdk_manual_code_vectors(digits: str, passcode: int, short: int, vid: int, pid: int,
                                 flow: CommissioningFlow) -> None:
    code = digits + verhoeff_check_digit(digits)
    payload = decode_manual_code(code, strict=False)
    assert (payload.passcode, payload.discriminator, payload.vendor_id, payload.product_id,
            payload.flow) == (passcode, short, vid, pid, flow)
    assert payload.short_discriminator and payload.rendezvous is None
    assert encode_manual_code(payload, strict=False) == code


def test_sdk_manual_code_from_long_discriminator() -> None:
    # The generator takes the 12-bit discriminator's top 4 bits: 2560 and 0xa1f both give 0xa.
    for disc in (2560, 0xA1F):
        p = MatterPayload(vendor_id=0, product_id=0, discriminator=disc, passcode=123456780)
        assert encode_manual_code(p, strict=False) == "2361087535" + verhoeff_check_digit(
            "2361087535")
    custom = MatterPayload(vendor_id=45367, product_id=14526, discriminator=2560,
                           passcode=123456780, flow=CommissioningFlow.CUSTOM)
    assert encode_manual_code(custom, strict=False)[:-1] == "63610875354536714526"


@pytest.mark.parametrize(("code", "reason"), [
    ("", "bad-characters"),
    ("24184.2196" + verhoeff_check_digit("24184") , "bad-characters"),
    ("2456" + verhoeff_check_digit("2456"), "bad-length"),
    ("123456789123456785671" + verhoeff_check_digit("123456789123456785671"), "bad-length"),
    ("12749875380" + verhoeff_check_digit("12749875380"), "bad-length"),
    ("23456789123456785610" + verhoeff_check_digit("23456789123456785610"), "bad-length"),
    ("2327680000" + verhoeff_check_digit("2327680000"), "bad-passcode"),
    ("02684354589", "bad-check-digit"),
    ("34970112333", "bad-check-digit"),
    ("3497011233", "bad-length"),
    ("8" + "0000100000", "bad-check-digit"),
])
def test_invalid_manual_codes(code: str, reason: str) -> None:
    with pytest.raises(MatterPayloadError) as err:
        decode_manual_code(code, strict=False)
    assert err.value.reason == reason


def test_reserved_first_digit() -> None:
    digits = "8000010000"
    with pytest.raises(MatterPayloadError) as err:
        decode_manual_code(digits + verhoeff_check_digit(digits), strict=False)
    assert err.value.reason == "bad-version"


def test_every_single_digit_typo_is_caught() -> None:
    code = "34970112332"
    for i in range(len(code)):
        for d in "0123456789":
            if d != code[i]:
                typo = code[:i] + d + code[i + 1:]
                with pytest.raises(MatterPayloadError):
                    decode_manual_code(typo)
    # ... and every swap of neighbouring digits.
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            with pytest.raises(MatterPayloadError):
                decode_manual_code(swapped)


@pytest.mark.parametrize("passcode", [0, 11111111, 22222222, 33333333, 44444444, 55555555,
                                      66666666, 77777777, 88888888, 99999999, 12345678,
                                      87654321, 99999999 + 1, 123456780])
def test_reserved_or_out_of_range_passcodes_are_refused(passcode: int) -> None:
    assert not is_valid_passcode(passcode)
    p = MatterPayload(vendor_id=0xFFF1, product_id=0x8000, discriminator=3840,
                      passcode=passcode)
    if passcode:
        qr = encode_qr(p, strict=False)
        manual = encode_manual_code(p, strict=False)
        for text in (qr, manual):
            with pytest.raises(MatterPayloadError) as err:
                decode_matter_payload(text)
            assert err.value.reason in ("reserved-passcode", "bad-passcode")
    with pytest.raises(MatterPayloadError):
        encode_qr(p)


def test_sdk_invalid_passcode_vector_is_refused_strictly() -> None:
    # TestPopulatePayloadsMarginalValues: well-formed, passcode 111111111.
    text = "MT:M5L90MP500W-GT68D20"
    assert decode_qr(text, strict=False).passcode == 111111111
    with pytest.raises(MatterPayloadError) as err:
        decode_qr(text)
    assert err.value.reason == "bad-passcode"


@pytest.mark.parametrize(("text", "reason"), [
    (SDK_DEFAULT_QR[:10] + " " + SDK_DEFAULT_QR[11:], "bad-characters"),
    (SDK_DEFAULT_QR[:-1], "bad-length"),
    ("AT:M5L90MP500K64J00000", "not-matter"),
    ("MT:", "bad-length"),
    ("MT:A0", "bad-length"),
    ("MT:" + "0" * 2000, "too-long"),
])
def test_invalid_qr_codes(text: str, reason: str) -> None:
    with pytest.raises(MatterPayloadError) as err:
        decode_qr(text, strict=False)
    assert err.value.reason == reason


def test_qr_with_optional_tlv_serial_number() -> None:
    # rs-matter's test vector: VID 65521, PID 32769, serial "1234567890", on-network.
    text = "MT:-24J0AFN00KA064IJ3P0IXZB0DK5N1K8SQ1RYCU1-A40"
    p = decode_qr(text)
    assert (p.vendor_id, p.product_id, p.discriminator, p.passcode) == (65521, 32769, 3840,
                                                                       20202021)
    assert p.serial_number == "1234567890" and p.rendezvous == Rendezvous.ON_NETWORK
    assert encode_qr(p) == text


def test_qr_with_vendor_tlv_round_trip() -> None:
    p = MatterPayload(vendor_id=0xFFF1, product_id=0x8001, discriminator=0xABC,
                      passcode=20202021, flow=CommissioningFlow.USER_ACTION,
                      rendezvous=Rendezvous.BLE | Rendezvous.ON_NETWORK,
                      optional=(OptionalItem(0, "SN-42"), OptionalItem(0x82, "myData"),
                                OptionalItem(0x83, 12), OptionalItem(0x84, -7),
                                OptionalItem(0x02, b"\x01\x02")))
    assert decode_qr(encode_qr(p)) == p
    assert p.to_json()["rendezvous"] == ["ble", "on-network"]
    assert p.to_json()["flow"] == "user-action"


@pytest.mark.parametrize("tail", [b"\x15", b"\x14", b"\x15\x2c\x00\x09abc\x18",
                                  b"\x15\x24\x00\x01\x24\x00\x02\x18", b"\x15\x35\x01\x18\x18",
                                  b"\x15\x18\x00"])
def test_broken_tlv_is_refused(tail: bytes) -> None:
    head = base38_decode(SDK_DEFAULT_QR[3:])
    text = "MT:" + base38_encode(head + tail)
    with pytest.raises(MatterPayloadError) as err:
        decode_qr(text, strict=False)
    assert err.value.reason == "bad-tlv"


def test_short_discriminator_has_no_qr_code() -> None:
    manual = decode_manual_code("34970112332")
    with pytest.raises(MatterPayloadError) as err:
        encode_qr(manual)
    assert err.value.reason == "short-discriminator"


def test_manual_code_with_separators_and_json() -> None:
    p = decode_matter_payload(" 3497-011-2332\r\n")
    assert p.to_json() == {"vendor_id": 0, "product_id": 0, "discriminator": 15,
                           "short_discriminator": True, "passcode": 20202021,
                           "flow": "standard", "rendezvous": None, "version": 0}
    assert "20202021" not in repr(p)


def test_round_trip_many_payloads() -> None:
    import random
    rnd = random.Random(13)
    for _ in range(300):
        passcode = rnd.randrange(1, 99999999)
        if not is_valid_passcode(passcode):
            continue
        p = MatterPayload(vendor_id=rnd.randrange(65536), product_id=rnd.randrange(65536),
                          discriminator=rnd.randrange(4096), passcode=passcode,
                          flow=CommissioningFlow(rnd.randrange(3)), rendezvous=rnd.randrange(32))
        assert decode_qr(encode_qr(p)) == p
        m = decode_manual_code(encode_manual_code(p))
        assert (m.passcode, m.discriminator) == (p.passcode, p.discriminator >> 8)
        if p.flow != CommissioningFlow.STANDARD:
            assert (m.vendor_id, m.product_id) == (p.vendor_id, p.product_id)


def test_garbage_never_crashes() -> None:
    import random
    rnd = random.Random(7)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.*: %"
    for _ in range(2000):
        text = "MT:" + "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(40)))
        with contextlib.suppress(MatterPayloadError):
            decode_qr_all(text)
