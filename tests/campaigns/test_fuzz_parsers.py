"""Hostile-input campaign: every parser that reads data from outside the app is fed at least
``--fuzz-cases`` (default 10,000) hostile inputs made by hypothesis: random bytes and text,
and mutations (flips, cuts, splices, repeats) of valid inputs, so the cases reach deep into
each parser. A parser may only answer with a value or with the error its module documents;
any other exception fails the campaign (the input is kept by hypothesis' shrinking).

Parsers: TXT records, device labels, owner invitations and takeover codes, device replies
(HTTP framing and JSON bodies), catalog files and the firmware index, job bundles, ECHONET
Lite frames, property maps and instance lists, and Matter onboarding payloads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from commissioner.bundles.bundle import FORMAT, VERSION, BundleError, check_bundle
from commissioner.protocol.advertisement import (
    Advertisement,
    MalformedAdvertisementError,
    build_txt,
    parse_txt,
)
from commissioner.protocol.attestation import cert_pem, generate_key, make_root
from commissioner.protocol.catalog_format import (
    CatalogDataError,
    parse_certified_models,
    parse_manufacturer_roots,
    parse_model_policy,
)
from commissioner.protocol.echonet import (
    Eoj,
    MalformedFrameError,
    decode_frame,
    decode_instance_list,
    decode_property_map,
    get_request,
)
from commissioner.protocol.errors import MalformedLabelError, MalformedReplyError
from commissioner.protocol.firmware_index import FirmwareIndexError, parse_firmware_index
from commissioner.protocol.http11 import parse_json_object, read_response
from commissioner.protocol.label import Label, decode_label, encode_label
from commissioner.protocol.matter_payload import (
    MatterPayload,
    MatterPayloadError,
    decode_matter_payload,
    encode_manual_code,
    encode_qr,
)
from commissioner.protocol.spec import CommissioningState, Role
from commissioner.protocol.takeover_code import TakeoverCodeError, parse_code, takeover_code
from commissioner.provisioning.invitation import (
    MalformedInvitationError,
    decode_invitation_qr,
    encode_invitation_qr,
    new_invitation,
)

# --- hostile inputs ------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A valid input with a few random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 5))
        at = draw(st.integers(0, len(data)))
        if op == 0 and data:  # flip a byte
            i = min(at, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == 1:  # insert junk
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == 2:  # cut a span
            del data[at:at + draw(st.integers(1, 32))]
        elif op == 3:  # truncate
            del data[at:]
        elif op == 4 and data:  # repeat a span
            end = min(len(data), at + draw(st.integers(1, 64)))
            data[at:at] = data[at:end] * draw(st.integers(1, 50))
        else:  # splice in a hostile token
            data[at:at] = draw(st.sampled_from(HOSTILE))
    return bytes(data)


HOSTILE = [b"\x00", b"\xff\xfe", b"\xc3\x28", b"%", b"%zz", b"%00", b";", b"=", b"==", b"\r\n",
           b"\n", b" ", b"\t", b"\\u0000", b"\xe2\x80\xae", b"[" * 5000, b"{" * 5000,
           b"9" * 400, b"-1", b"1e999", b"NaN", b"null", b"\"", b":", b",", b"MT:", b"SHC1",
           b"\xf0\x9f\x98\x80", b"\xed\xa0\x80"]


def hostile_bytes(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(seeds),
        mutated(seeds),
        mutated(seeds),
        st.binary(max_size=600),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


def hostile_text(seeds: list[str]) -> st.SearchStrategy[str]:
    raw = [s.encode("utf-8") for s in seeds]
    return st.one_of(
        hostile_bytes(raw).map(lambda b: b.decode("utf-8", "replace")),
        hostile_bytes(raw).map(lambda b: b.decode("latin-1")),
        st.text(max_size=300),
    )


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=40))
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(max_size=12), inner, max_size=6)),
    max_leaves=30,
)


def hostile_json(seeds: list[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    """Structurally valid JSON with wrong types and values, plus byte-level damage."""

    @st.composite
    def edited(draw: st.DrawFn) -> bytes:
        doc = json.loads(json.dumps(draw(st.sampled_from(seeds))))
        node: Any = doc
        for _ in range(draw(st.integers(1, 4))):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
                if draw(st.booleans()):
                    node[key] = draw(json_value)
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                i = draw(st.integers(0, len(node) - 1))
                if draw(st.booleans()):
                    node[i] = draw(json_value)
                    break
                node = node[i]
            else:
                break
        return json.dumps(doc).encode("utf-8")

    raw = [json.dumps(s).encode("utf-8") for s in seeds]
    return st.one_of(edited(), edited(), hostile_bytes(raw),
                     json_value.map(lambda v: json.dumps(v).encode("utf-8")))


# --- the harness ---------------------------------------------------------------------------


def run_campaign(name: str, cases: int, strategy: st.SearchStrategy[Any],
                 parse: Callable[[Any], object], documented: tuple[type[BaseException], ...],
                 summary: Callable[[str], None]) -> None:
    """Feed ``cases`` inputs to ``parse``. An undocumented exception is kept with its input
    (not raised inside hypothesis, whose replay of huge hostile inputs is itself fragile) and
    fails the campaign at the end."""
    counts = {"cases": 0, "accepted": 0, "refused": 0}
    escaped: list[str] = []
    started = time.monotonic()

    @settings(max_examples=cases, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(strategy)
    def one(value: Any) -> None:
        counts["cases"] += 1
        try:
            parse(value)
        except documented:
            counts["refused"] += 1
            return
        except Exception as err:  # noqa: BLE001 - what the campaign looks for
            escaped.append(f"{type(err).__name__}: {str(err)[:200]} <- {value!r:.300}")
            return
        counts["accepted"] += 1

    one()
    summary(f"fuzz {name}: {counts['cases']} cases, {counts['refused']} refused with "
            f"{'/'.join(e.__name__ for e in documented)}, {counts['accepted']} accepted, "
            f"{len(escaped)} other exceptions ({time.monotonic() - started:.0f} s)")
    assert not escaped, "\n".join(escaped[:10])
    assert counts["cases"] >= cases


# --- valid seeds ---------------------------------------------------------------------------

ADV = Advertisement(device_id="lock-1a2b3c", role=Role.DEVICE, kind="electric-lock",
                    manufacturer="Hanshin Denki", model="HL-200", firmware="1.2.0",
                    state=CommissioningState.FACTORY, protocol_version="1")
LABEL = encode_label(Label(device_id="lock-1a2b3c", manufacturer="Hanshin Denki",
                           model="HL 200", serial="SN12345678", setup_code="12345678",
                           kind="electric-lock"))
INVITATION = encode_invitation_qr(new_invitation("home-1", "gw-1a2b3c"))
TAKEOVER = takeover_code(b"\x01" * 32, "inv-1")
MATTER = MatterPayload(vendor_id=0xFFF1, product_id=0x8000, discriminator=3840,
                       passcode=20202021)
REPLY = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
         b'{"device_id":"lock-1a2b3c"}')
REPO = Path(__file__).resolve().parents[2]


def _txt_dict(raw: bytes) -> dict[bytes, bytes | None]:
    out: dict[bytes, bytes | None] = {}
    for part in raw.split(b"\x1f"):
        key, sep, value = part.partition(b"=")
        out[key] = value if sep else None
    return out


TXT_SEED = b"\x1f".join(f"{k}={v}".encode() for k, v in build_txt(ADV).items())


# --- one test per parser -------------------------------------------------------------------


def test_txt_records(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("TXT records", fuzz_cases, hostile_bytes([TXT_SEED]).map(_txt_dict),
                 parse_txt, (MalformedAdvertisementError,), summary)


def test_labels(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("device labels", fuzz_cases, hostile_text([LABEL]), decode_label,
                 (MalformedLabelError,), summary)


def test_invitations(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("owner invitations", fuzz_cases, hostile_text([INVITATION]),
                 decode_invitation_qr, (MalformedInvitationError,), summary)


def test_takeover_codes(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("takeover codes", fuzz_cases, hostile_text([TAKEOVER]), parse_code,
                 (TakeoverCodeError,), summary)


def _reply(raw: bytes) -> object:
    async def read() -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return (await read_response(reader)).json()

    return asyncio.run(read())


def test_device_replies(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("device replies", fuzz_cases, hostile_bytes([REPLY]), _reply,
                 (MalformedReplyError,), summary)


def test_device_reply_bodies(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    run_campaign("device reply bodies", fuzz_cases,
                 hostile_json([{"device_id": "x", "state": "factory", "n": [1, 2]}]),
                 parse_json_object, (MalformedReplyError,), summary)


_CATALOG = json.loads((REPO / "resources" / "catalog" / "virtual-home-catalog.json")
                      .read_text(encoding="utf-8"))
_ROOT_PEM = cert_pem(make_root("Hanshin Denki", generate_key())).decode("ascii")
CATALOG_SEEDS: dict[str, dict[str, Any]] = {
    "parse_certified_models": {"format": 1, "models": _CATALOG["certified_models"]},
    "parse_model_policy": {"format": 1, "policies": _CATALOG["model_policy"]},
    "parse_manufacturer_roots": {"format": 1, "roots": [
        {"manufacturer": "Hanshin Denki", "certificate_pem": _ROOT_PEM}]},
}


@pytest.mark.parametrize("parse", [parse_certified_models, parse_model_policy,
                                   parse_manufacturer_roots], ids=lambda f: f.__name__)
def test_catalog_files(parse: Callable[[bytes], object], fuzz_cases: int,
                       summary: Callable[[str], None]) -> None:
    seeds = [CATALOG_SEEDS[parse.__name__]]
    run_campaign(f"catalog file ({parse.__name__})", fuzz_cases, hostile_json(seeds), parse,
                 (CatalogDataError,), summary)


def test_firmware_index(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    seed = {"schema_version": 1, "models": [{"model_number": "HL-200", "latest": "1.3.0",
                                              "releases": [{"version": "1.3.0"}]}]}
    run_campaign("firmware index", fuzz_cases, hostile_json([seed]), parse_firmware_index,
                 (FirmwareIndexError,), summary)


def test_job_bundles(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    seed = {"format": FORMAT, "version": VERSION, "signer": "AAAA", "body": "e30=",
            "signature": "AAAA"}
    run_campaign("job bundles", fuzz_cases, hostile_json([seed]),
                 lambda raw: check_bundle(raw, trusted_signer=None), (BundleError,), summary)


def test_echonet_frames(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    seeds = [get_request(1, Eoj(0x01, 0x30, 0x01), [0x80, 0x9F, 0xD6]),
             bytes.fromhex("1081000102880105ff0172029f0380d6")]

    def parse(raw: bytes) -> object:
        decode_frame(raw)
        return None

    run_campaign("ECHONET Lite frames", fuzz_cases, hostile_bytes(seeds), parse,
                 (MalformedFrameError,), summary)


def test_echonet_property_data(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    seeds = [bytes.fromhex("0380d69f"), bytes([16] + [0xFF] * 16), bytes.fromhex("01013001")]

    def parse(raw: bytes) -> object:
        for decode in (decode_property_map, decode_instance_list):
            with contextlib.suppress(MalformedFrameError):
                decode(raw)
        return None

    run_campaign("ECHONET Lite property maps and instance lists", fuzz_cases,
                 hostile_bytes(seeds), parse, (MalformedFrameError,), summary)


def test_matter_payloads(fuzz_cases: int, summary: Callable[[str], None]) -> None:
    seeds = [encode_qr(MATTER), encode_manual_code(MATTER)]
    run_campaign("Matter payloads", fuzz_cases, hostile_text(seeds), decode_matter_payload,
                 (MatterPayloadError,), summary)
