"""Refusals: a tampered, wrongly signed, downgrade or wrong-model image is refused by the app
before a byte is sent, and - pushed directly - by the device on its own. One test each."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from firmware_helpers import FAST, FwHome, fw_home

from commissioner.firmware.cache import FirmwareImageError, ImageProvider, VerifiedImage
from commissioner.firmware.push import Outcome, push_image, update_device
from commissioner.protocol.firmware_manifest import FirmwareManifest, public_key_pem, sign_manifest
from commissioner.protocol.firmware_spec import OCTET_TYPE, FirmwareEndpoint
from commissioner.virtualhome.firmware_catalog import make_image, sign_image

SMALL = 256 * 1024


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def transfer_state(h: FwHome, dev: str) -> dict[str, Any]:
    session = await h.wire_session(dev)
    async with session:
        return await session.get_json(FirmwareEndpoint.TRANSFER.value)


def signed(h: FwHome, tmp: Path, dev: str, *, version: str, model: str | None = None,
           min_version: str = "1.0.0") -> tuple[FirmwareManifest, str, Path]:
    state = h.device(dev).state
    path = tmp / f"{model or state.model}-{version}.bin"
    make_image(path, model or state.model, version, 64 * 1024)
    manifest, sig = sign_image(h.directory, state.manufacturer, model or state.model, version,
                               min_version, path)
    return manifest, sig, path


# --------------------------------------------------------------------------- device side


async def begin(h: FwHome, dev: str, manifest: FirmwareManifest, sig: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    session = await h.wire_session(dev)
    async with session:
        resp = await session.request("POST", FirmwareEndpoint.BEGIN.value,
                                     {"manifest": manifest.to_json(), "signature": sig})
        return resp.status, resp.json()


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("downgrade", 409, "downgrade"),
        ("wrong-model", 409, "wrong-model"),
        ("wrongly-signed", 422, "bad-signature"),
        ("below-min-version", 409, "below-min-version"),
        ("same-version", 409, "already-installed"),
    ],
)
def test_device_refuses_at_begin(tmp_path: Path, case: str, status: int, code: str) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            if case == "downgrade":
                manifest, sig, _ = signed(h, tmp_path, dev, version="1.1.0")
            elif case == "wrong-model":
                manifest, sig, _ = signed(h, tmp_path, dev, version="1.4.0", model="SD-AC2800")
            elif case == "wrongly-signed":
                manifest, _, _ = signed(h, tmp_path, dev, version="1.4.0")
                sig = sign_manifest(manifest, ec.generate_private_key(ec.SECP256R1()))
            elif case == "below-min-version":
                manifest, sig, _ = signed(h, tmp_path, dev, version="1.4.0", min_version="1.3.0")
            else:
                manifest, sig, _ = signed(h, tmp_path, dev, version="1.2.0")
            got_status, reply = await begin(h, dev, manifest, sig)
            assert (got_status, reply["error"]) == (status, code), reply
            assert (await transfer_state(h, dev))["transfer"] is None
            assert h.device(dev).state.firmware == "1.2.0"

    run(body())


def test_device_refuses_tampered_bytes_at_commit(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            manifest, sig, path = signed(h, tmp_path, dev, version="1.4.0")
            data = bytearray(path.read_bytes())
            data[1000] ^= 0xFF  # one flipped bit pattern, same size
            session = await h.wire_session(dev)
            async with session:
                resp = await session.request("POST", FirmwareEndpoint.BEGIN.value,
                                             {"manifest": manifest.to_json(), "signature": sig})
                assert resp.status == 200
                tid = resp.json()["transfer_id"]
                resp = await session.request_bytes(
                    "PUT", f"{FirmwareEndpoint.CHUNK.value}?transfer={tid}&offset=0",
                    bytes(data), OCTET_TYPE)
                assert resp.status == 200
                resp = await session.request("POST", FirmwareEndpoint.COMMIT.value,
                                             {"transfer_id": tid})
                assert resp.status == 422 and resp.json()["error"] == "hash-mismatch"
            assert (await transfer_state(h, dev))["transfer"] is None
            d = h.device(dev)
            assert d.state.firmware == "1.2.0" and d.state.firmware_slots["b"] is None

    run(body())


def test_device_rejects_wrong_offset_and_oversized_chunk(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            manifest, sig, _ = signed(h, tmp_path, dev, version="1.4.0")
            session = await h.wire_session(dev)
            async with session:
                resp = await session.request("POST", FirmwareEndpoint.BEGIN.value,
                                             {"manifest": manifest.to_json(), "signature": sig})
                tid = resp.json()["transfer_id"]
                chunk = f"{FirmwareEndpoint.CHUNK.value}?transfer={tid}&offset="
                resp = await session.request_bytes("PUT", chunk + "100", b"x" * 10, OCTET_TYPE)
                assert resp.status == 409 and resp.json()["offset"] == 0
                resp = await session.request_bytes("PUT", chunk + "0", b"x" * (300 * 1024),
                                                   OCTET_TYPE)
                assert resp.status == 413  # larger than MAX_CHUNK_BYTES: framing refusal

    run(body())


# --------------------------------------------------------------------------- app side


def test_app_refuses_tampered_cached_image_before_sending(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            assert h.catalog.firmware is not None
            model = h.catalog.firmware.for_model(item.model or "")
            assert model is not None
            path = h.cache.download(h.config, model.latest_release)
            data = bytearray(path.read_bytes())
            data[-1] ^= 0x01
            path.write_bytes(bytes(data))
            result = await update_device(item, h.provider(), h.trust, h.access(), options=FAST)
            assert result.outcome is Outcome.REFUSED and result.reason_code == "tampered"
            assert result.bytes_sent == 0
            assert (await transfer_state(h, dev))["transfer"] is None
            assert not path.exists()  # discarded; the next run downloads a good copy
            again = await update_device(item, h.provider(), h.trust, h.access(), options=FAST,
                                        resolver=h.resolve)
            assert again.outcome is Outcome.UPDATED, again.reason

    run(body())


def test_app_refuses_wrongly_signed_image_before_sending(tmp_path: Path) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            index = h.catalog.firmware
            assert index is not None and item.manufacturer is not None
            other = public_key_pem(ec.generate_private_key(ec.SECP256R1()).public_key())
            forged = dataclasses.replace(index, keys={**index.keys, item.manufacturer: other})
            provider = ImageProvider(h.cache, forged, h.config)
            with pytest.raises(FirmwareImageError) as err:
                model = forged.for_model(item.model or "")
                assert model is not None
                await provider.get(model, model.latest_release)
            assert err.value.reason == "bad-signature"
            result = await update_device(item, provider, h.trust, h.access(), options=FAST)
            assert result.outcome is Outcome.REFUSED and result.reason_code == "bad-signature"
            assert (await transfer_state(h, dev))["transfer"] is None

    run(body())


@pytest.mark.parametrize("case", ["downgrade", "wrong-model"])
def test_app_refuses_downgrade_and_wrong_model_before_sending(tmp_path: Path, case: str) -> None:
    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            if case == "downgrade":
                manifest, sig, path = signed(h, tmp_path, dev, version="1.1.0")
            else:
                manifest, sig, path = signed(h, tmp_path, dev, version="1.4.0",
                                             model="SD-AC2800")
            image = VerifiedImage(path, manifest, sig, "firmware/x/1.bin")
            result = await push_image(item, image, h.trust, h.access(), options=FAST)
            assert result.outcome is Outcome.REFUSED and result.reason_code == case
            assert result.bytes_sent == 0
            assert (await transfer_state(h, dev))["transfer"] is None

    run(body())


def test_app_never_commits_a_cached_image_changed_after_verification(tmp_path: Path) -> None:
    """The cache file is verified, then changed on disk before it is sent (a local attacker
    racing the app): the bytes sent are hashed as they go, the app aborts the transfer
    instead of committing it, and the device keeps its firmware."""

    async def body() -> None:
        async with fw_home(tmp_path, devices=1, size=SMALL) as h:
            dev = h.device_ids[0]
            item = await h.plan(dev)
            assert h.catalog.firmware is not None
            model = h.catalog.firmware.for_model(item.model or "")
            assert model is not None
            image = await h.provider().get(model, model.latest_release)  # verified here
            data = bytearray(image.path.read_bytes())
            data[len(data) // 2] ^= 0x01  # changed after verification, same size
            image.path.write_bytes(bytes(data))
            result = await push_image(item, image, h.trust, h.access(), options=FAST)
            assert result.outcome is Outcome.REFUSED and result.reason_code == "cache-changed"
            assert result.bytes_sent == image.size  # sent, but never committed
            assert (await transfer_state(h, dev))["transfer"] is None
            assert h.device(dev).state.firmware == "1.2.0"

    run(body())
