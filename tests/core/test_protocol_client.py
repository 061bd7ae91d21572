"""The app-side client against a tiny device server: real TLS on 127.0.0.1, no mocks."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import ssl
import warnings
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import pytest
from protocol_helpers import (
    FIELDS,
    SETUP_CODE,
    Manufacturer,
    TinyDevice,
    make_device,
    make_manufacturer,
    serve,
)

from commissioner.protocol import tls
from commissioner.protocol.attestation import cert_pem, key_pem
from commissioner.protocol.client import TrustStore, identify, open_session
from commissioner.protocol.errors import (
    DeviceUnreachableError,
    IdentityMismatchError,
    LabelMismatchError,
    MalformedReplyError,
    RateLimitedError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
    WeakTlsError,
)
from commissioner.protocol.label import Label

T = TypeVar("T")
HOST = "127.0.0.1"
LABEL = Label(FIELDS.device_id, FIELDS.manufacturer, FIELDS.model, FIELDS.serial, SETUP_CODE,
              FIELDS.kind)


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await asyncio.wait_for(coro, 15)

    return asyncio.run(main())


@pytest.fixture(scope="module")
def mfr() -> Manufacturer:
    return make_manufacturer()


@pytest.fixture(scope="module")
def trust(mfr: Manufacturer) -> TrustStore:
    return TrustStore.from_pem(mfr.root_pem)


def test_identify_good(mfr: Manufacturer, trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr))

    async def main() -> None:
        async with serve(device):
            result = await identify(HOST, device.port, trust, advertised_model=FIELDS.model,
                                    advertised_id=FIELDS.device_id)
            assert result.identity.serial == FIELDS.serial
            assert result.identity.model == FIELDS.model
            assert result.chain.manufacturer == FIELDS.manufacturer
            assert result.state["state"] == "factory"
            assert result.firmware["version"] == "1.2.0"
            assert (result.address, result.port) == (HOST, device.port)
            assert result.identity.fingerprint_sha256 == hashlib.sha256(
                device.creds.leaf_der).hexdigest()

    run(main())
    assert device.requests == [("GET", "/v1/identity"), ("GET", "/v1/state"),
                               ("GET", "/v1/firmware")]


@pytest.mark.parametrize(
    ("kwargs", "overrides", "reason"),
    [
        ({"advertised_model": "SD-AC9999"}, {}, "model-mismatch"),
        ({"advertised_id": "ac-bedroom-02"}, {}, "device-id-mismatch"),
        ({}, {"model": "SD-AC9999"}, "model-mismatch"),
        ({}, {"serial": "SDA22-999999"}, "serial-mismatch"),
        ({}, {"role": "gateway"}, "role-mismatch"),
    ],
)
def test_identify_mismatches(mfr: Manufacturer, trust: TrustStore, kwargs: dict[str, str],
                             overrides: dict[str, str], reason: str) -> None:
    device = TinyDevice(make_device(mfr), identity_overrides=dict(overrides))

    async def main() -> None:
        async with serve(device):
            with pytest.raises(IdentityMismatchError) as info:
                await identify(HOST, device.port, trust, **kwargs)  # type: ignore[arg-type]
            assert info.value.reason == reason

    run(main())


def test_identify_chain_leaf_must_be_the_tls_certificate(mfr: Manufacturer,
                                                         trust: TrustStore) -> None:
    other = make_device(mfr)
    device = TinyDevice(make_device(mfr), identity_overrides={
        "certificate_chain": [cert_pem(other.leaf).decode(), cert_pem(mfr.inter).decode()]})

    async def main() -> None:
        async with serve(device):
            with pytest.raises(IdentityMismatchError) as info:
                await identify(HOST, device.port, trust)
            assert info.value.reason == "certificate-mismatch"

    run(main())


def test_identify_malformed_identity(mfr: Manufacturer, trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr), identity_overrides={"certificate_chain": "nope"})

    async def main() -> None:
        async with serve(device):
            with pytest.raises(MalformedReplyError):
                await identify(HOST, device.port, trust)

    run(main())


def test_unknown_ca_is_untrusted(trust: TrustStore) -> None:
    device = TinyDevice(make_device(make_manufacturer()))  # same name, unknown root

    async def main() -> None:
        async with serve(device):
            with pytest.raises(UntrustedDeviceError) as info:
                await identify(HOST, device.port, trust)
            assert info.value.reason == "untrusted-chain"
            assert "trusted manufacturer root" in str(info.value)

    run(main())
    assert device.requests == []


def test_tls11_only_device_is_refused(mfr: Manufacturer, trust: TrustStore,
                                      tmp_path: Path) -> None:
    creds = make_device(mfr)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    (tmp_path / "chain.pem").write_bytes(creds.chain_pem)
    (tmp_path / "key.pem").write_bytes(key_pem(creds.key))
    ctx.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")
    device = TinyDevice(creds, ssl_context=ctx)

    async def main() -> None:
        async with serve(device):
            with pytest.raises(WeakTlsError) as info:
                await identify(HOST, device.port, trust)
            assert info.value.reason == "tls-handshake-failed"
            assert "older than 1.2" in str(info.value)

    run(main())
    assert device.requests == []


def test_negotiated_parameters_are_cryptrec(mfr: Manufacturer, trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr))

    async def main() -> None:
        async with serve(device), await open_session(HOST, device.port, trust) as session:
            ssl_object = session._writer.get_extra_info("ssl_object")
            assert ssl_object.cipher()[0] in tls.CRYPTREC_CIPHERS
            tls.check_negotiated(ssl_object)

    run(main())


def test_tls12_client_gets_an_aes_gcm_suite(mfr: Manufacturer) -> None:
    creds = make_device(mfr)
    device = TinyDevice(creds)
    client = tls.client_context(mfr.root_pem)
    client.maximum_version = ssl.TLSVersion.TLSv1_2

    async def main() -> None:
        async with serve(device):
            _, writer = await asyncio.open_connection(HOST, device.port, ssl=client)
            ssl_object = writer.get_extra_info("ssl_object")
            assert ssl_object.version() == "TLSv1.2"
            assert ssl_object.cipher()[0] == "ECDHE-ECDSA-AES256-GCM-SHA384"
            tls.check_negotiated(ssl_object)
            writer.close()

    run(main())


def test_unreachable_device() -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: None, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        trust = TrustStore.from_pem(make_manufacturer().root_pem)
        with pytest.raises(DeviceUnreachableError):
            await open_session(HOST, port, trust, timeout=2)

    run(main())


def test_silent_device_times_out(mfr: Manufacturer, trust: TrustStore) -> None:
    creds = make_device(mfr)
    ctx = tls.server_context(creds.chain_pem, key_pem(creds.key))

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(silent, HOST, 0, ssl=ctx)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(DeviceUnreachableError) as info:
                await identify(HOST, port, trust, timeout=0.3)
            assert info.value.reason == "timeout"
        finally:
            server.close()
            await server.wait_closed()

    run(main())


def test_authenticate_then_commission(mfr: Manufacturer, trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr))

    async def main() -> None:
        async with serve(device):
            async with await open_session(HOST, device.port, trust) as session:
                refused = await session.request("POST", "/v1/commissioning/open", {})
                assert refused.status == 401
                assert refused.json()["error"] == "not-authenticated"
                await session.authenticate(LABEL)
                assert session.authenticated
                assert await session.post_json("/v1/commissioning/open", {}) == {"ok": True}
            # Authentication belongs to that connection only.
            async with await open_session(HOST, device.port, trust) as session:
                again = await session.request("POST", "/v1/commissioning/open", {})
                assert again.status == 401

    run(main())


def test_wrong_setup_code_then_rate_limit(mfr: Manufacturer, trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr))
    wrong = Label(LABEL.device_id, LABEL.manufacturer, LABEL.model, LABEL.serial, "00000000",
                  LABEL.kind)

    async def main() -> None:
        async with serve(device), await open_session(HOST, device.port, trust) as session:
            for _ in range(5):
                with pytest.raises(SetupCodeRejectedError):
                    await session.authenticate(wrong)
            with pytest.raises(RateLimitedError) as info:
                await session.authenticate(wrong)
            assert 29.0 < info.value.retry_after_s <= 30.0
            # Even the right code is refused while locked out.
            with pytest.raises(RateLimitedError):
                await session.authenticate(LABEL)
            assert not session.authenticated

    run(main())


def test_label_of_another_device_is_refused_before_sending(mfr: Manufacturer,
                                                           trust: TrustStore) -> None:
    device = TinyDevice(make_device(mfr))
    other = Label(LABEL.device_id, LABEL.manufacturer, LABEL.model, "SDA22-000999", SETUP_CODE,
                  LABEL.kind)

    async def main() -> None:
        async with serve(device), await open_session(HOST, device.port, trust) as session:
            with pytest.raises(LabelMismatchError) as info:
                await session.authenticate(other)
            assert info.value.reason == "serial-mismatch"
            # The connection is still usable, and the device saw nothing of the attempt.
            await session.get_json("/v1/state")

    run(main())
    assert device.requests == [("GET", "/v1/state")]
    assert not any(path.startswith("/v1/session/") for _, path in device.requests)


def test_recorded_proof_cannot_be_replayed(mfr: Manufacturer, trust: TrustStore) -> None:
    import base64
    import os

    from commissioner.protocol.setup_code import make_proof

    device = TinyDevice(make_device(mfr))

    async def main() -> None:
        async with serve(device):
            async with await open_session(HOST, device.port, trust) as first:
                client_nonce = os.urandom(32)
                reply = await first.post_json("/v1/session/challenge",
                                              {"client_nonce": base64.b64encode(client_nonce)
                                               .decode()})
                device_nonce = base64.b64decode(reply["device_nonce"])
                proof = base64.b64encode(make_proof(SETUP_CODE, FIELDS.serial, device_nonce,
                                                    client_nonce, first.cert_der)).decode()
                assert await first.post_json("/v1/session/proof", {"proof": proof}) == {
                    "authenticated": True}
            async with await open_session(HOST, device.port, trust) as second:
                # No challenge on this connection: the recorded proof is refused outright...
                assert (await second.request("POST", "/v1/session/proof",
                                             {"proof": proof})).status == 409
                # ...and against a fresh challenge it is simply wrong.
                await second.post_json("/v1/session/challenge",
                                       {"client_nonce": base64.b64encode(client_nonce).decode()})
                replay = await second.request("POST", "/v1/session/proof", {"proof": proof})
                assert replay.status == 401
                assert (await second.request("POST", "/v1/commissioning/open", {})).status == 401

    run(main())


LABEL_FIELD_CHANGES = {  # a label of another device that differs in exactly one field
    "serial": {"serial": "SDA22-000999"},
    "device-id": {"device_id": "ac-other-02"},
    "manufacturer": {"manufacturer": "Fujimi Electric"},
    "model": {"model": "SD-AC9999"},
    "kind": {"kind": "water-heater"},
}


@pytest.mark.parametrize("field", sorted(LABEL_FIELD_CHANGES))
def test_a_label_differing_in_any_one_field_is_refused_before_sending(
    field: str, mfr: Manufacturer, trust: TrustStore
) -> None:
    device = TinyDevice(make_device(mfr))
    other = dataclasses.replace(LABEL, **LABEL_FIELD_CHANGES[field])

    async def main() -> None:
        async with serve(device), await open_session(HOST, device.port, trust) as session:
            with pytest.raises(LabelMismatchError) as info:
                await session.authenticate(other)
            assert info.value.reason == f"{field}-mismatch"
            assert not session.authenticated
            await session.authenticate(LABEL)  # the device's own label still works
            assert session.authenticated

    run(main())
    sent = [path for _, path in device.requests if path.startswith("/v1/session/")]
    assert sent == ["/v1/session/challenge", "/v1/session/proof"]  # only for the right label
