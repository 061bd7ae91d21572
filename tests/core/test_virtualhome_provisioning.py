"""Device side of provisioning in the virtual home (docs/device-protocol.md sections 13-17).

Real TLS to real virtual devices running in-process on the test's loop; raw protocol calls.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from test_virtualhome_provisioning_support import (
    ACL,
    Home,
    admin_login,
    b64,
    management_session,
    new_key_pem,
    provision,
    running_home,
    wait_powered,
)
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from commissioner.protocol.attestation import cert_pem
from commissioner.protocol.errors import DeviceUnreachableError
from commissioner.protocol.http11 import read_response
from commissioner.protocol.setup_code import make_proof
from commissioner.protocol.spec import SERVICE_TYPE, Endpoint
from commissioner.protocol.spec import ProvisioningEndpoint as PE
from commissioner.provisioning.home_ca import HomeCA, check_csr, issue_owner_certificate
from commissioner.virtualhome.control import ControlError, control
from commissioner.virtualhome.device import VirtualDevice

pytestmark = pytest.mark.timeout(60)


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def csr_for(key: ec.EllipticCurvePrivateKey, cn: str) -> bytes:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )


def gateway_client(h: Home, ca: HomeCA | None = None) -> tuple[bytes, bytes]:
    """A gateway-role client certificate (as the gateway's operational certificate)."""
    key, kpem = new_key_pem()
    cert = (ca or h.ca).issue_operational(csr_for(key, "gw-x"), device_id="gw-x", role="gateway")
    return cert_pem(cert), kpem


def owner_client(h: Home, epoch: int) -> tuple[bytes, bytes]:
    issuing_key, _ = new_key_pem()
    issuing = h.ca.issue_gateway_issuing_ca(issuing_key.public_key())
    key, kpem = new_key_pem()
    owner = issue_owner_certificate(issuing, issuing_key, csr_for(key, "me"), epoch=epoch)
    return cert_pem(owner) + cert_pem(issuing), kpem


async def default_login(h: Home, dev: VirtualDevice) -> int:
    async with await h.connect(dev) as s:
        r = await s.request("POST", PE.SESSION_LOGIN.value,
                            {"username": "admin", "password": "admin"})
        return r.status


async def setup_code_status(h: Home, dev: VirtualDevice) -> int:
    async with await h.connect(dev) as s:
        client_nonce = os.urandom(32)
        r = await s.request("POST", Endpoint.SESSION_CHALLENGE.value,
                            {"client_nonce": b64(client_nonce)})
        device_nonce = base64.b64decode(r.json()["device_nonce"])
        label = h.label(dev)
        proof = make_proof(label.setup_code, label.serial, device_nonce, client_nonce, s.cert_der)
        r = await s.request("POST", Endpoint.SESSION_PROOF.value, {"proof": b64(proof)})
        return r.status


async def control_status(h: Home, dev: VirtualDevice, chain: bytes | None = None,
                         key: bytes | None = None) -> tuple[int, str | None]:
    async with await h.connect(dev, h.trust(chain, key)) as s:
        r = await s.request("GET", PE.CONTROL_STATUS.value)
        body = r.json()
        return r.status, body.get("reason") or body.get("client_role")


async def txt_state(device_id: str, wanted: str, wait_s: float = 5.0) -> str | None:
    """The ``st`` TXT value a browser on loopback sees (polls until ``wanted`` or timeout:
    announcements of the earlier record may still be in flight right after start-up)."""
    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    seen: str | None = None
    try:
        deadline = asyncio.get_running_loop().time() + wait_s
        while asyncio.get_running_loop().time() < deadline:
            info = AsyncServiceInfo(SERVICE_TYPE, f"{device_id}.{SERVICE_TYPE}")
            if await info.async_request(azc.zeroconf, 1000):
                value = info.properties.get(b"st")
                seen = value.decode() if value else None
                if seen == wanted:
                    break
            await asyncio.sleep(0.25)
        return seen
    finally:
        await azc.async_close()


# --- the device steps ----------------------------------------------------------------------


def test_device_provisioning_steps_idempotent_and_enforced(tmp_path: Path) -> None:
    run(_device_steps(tmp_path))


async def _device_steps(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=2) as h:
        dev = h.device(0)
        assert await default_login(h, dev) == 200  # factory default works before
        credential = secrets.token_bytes(32)
        h.credentials[dev.device_id] = credential
        async with await h.connect(dev) as s:
            r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": b64(credential)})
            assert r.status == 401 and r.json()["error"] == "not-authenticated"
            await s.authenticate(h.label(dev))
            for _ in range(2):
                r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value,
                                    {"credential": b64(credential)})
                assert r.status == 200 and r.json() == {"admin_credential_set": True}
            csrs = []
            for _ in range(2):
                r = await s.request("POST", PE.CSR.value, {"subject_cn": dev.device_id})
                assert r.status == 200 and r.json()["pending"] is True
                csrs.append(r.json()["csr"])
            assert csrs[0] == csrs[1]
            csr = check_csr(csrs[0].encode(), expected_cn=dev.device_id)
            assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
            r = await s.request("POST", PE.CSR.value, {"subject_cn": "someone-else"})
            assert r.status == 400
            # A certificate for another key, or from a chain that does not verify: refused.
            other_key, _ = new_key_pem()
            wrong = h.ca.issue_operational(csr_for(other_key, dev.device_id),
                                           device_id=dev.device_id, role="device")
            r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
                "certificate": cert_pem(wrong).decode(),
                "chain": [h.ca.certificate_pem.decode()]})
            assert r.status == 400 and r.json()["reason"] == "key-mismatch"
            cert = h.ca.issue_operational(csrs[0].encode(), device_id=dev.device_id,
                                          role="device")
            other_ca = HomeCA.create("job-other")
            r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
                "certificate": cert_pem(cert).decode(),
                "chain": [other_ca.certificate_pem.decode()]})
            assert r.status == 400 and r.json()["reason"] == "untrusted-certificate"
            # ACL before the certificate: refused with a reason.
            r = await s.request("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                                      "entries": ACL})
            assert r.status == 409 and r.json()["reason"] == "no-operational-certificate"
            fps = set()
            for _ in range(2):
                r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
                    "certificate": cert_pem(cert).decode(),
                    "chain": [h.ca.certificate_pem.decode()]})
                assert r.status == 200
                fps.add(r.json()["fingerprint"])
            assert len(fps) == 1
            r = await s.request("POST", PE.CSR.value, {"subject_cn": dev.device_id})
            assert r.json() == {"csr": csrs[0], "pending": False}
            r = await s.request("PUT", PE.ACL.value, {
                "home_ca": other_ca.certificate_pem.decode(), "entries": ACL})
            assert r.status == 409 and r.json()["reason"] == "home-ca-mismatch"
            r = await s.request("POST", PE.COMPLETE.value, {})
            assert r.status == 409 and set(r.json()["missing"]) == {"acl", "default-credential"}
            for _ in range(2):
                r = await s.request("PUT", PE.ACL.value, {
                    "home_ca": h.ca.certificate_pem.decode(), "entries": ACL})
                assert r.status == 200 and r.json()["acl"]["entries"] == ACL
                r = await s.request("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": False})
                assert r.status == 200 and r.json() == {"default_credential_enabled": False}
            r = await s.request("POST", PE.COMPLETE.value, {})
            assert r.status == 200 and r.json() == {"state": "commissioned"}
            # The setup-code session ends with commissioning (even a repeated complete now
            # needs the admin credential and a commissioner certificate, see below).
            r = await s.request("POST", PE.COMPLETE.value, {})
            assert r.status == 401
            r = await s.request("GET", PE.SUMMARY.value)
            assert r.status == 401

        # After: default login refused, setup code refused, TXT st=commissioned.
        assert await default_login(h, dev) == 401
        assert await setup_code_status(h, dev) == 403
        assert dev.advertisement().state.value == "commissioned"
        assert await txt_state(dev.device_id, "commissioned") == "commissioned"

        # Management: admin proof alone is not enough once commissioned; a commissioner
        # certificate from the home CA is also required.
        async with await h.connect(dev) as s:
            assert (await admin_login(s, credential)).status == 200
            r = await s.request("GET", PE.SUMMARY.value)
            assert r.status == 403 and r.json()["reason"] == "no-client-certificate"
        async with await h.connect(dev, h.commissioner_trust()) as s:
            assert (await admin_login(s, secrets.token_bytes(32))).status == 401
            r = await s.request("GET", PE.SUMMARY.value)
            assert r.status == 401
        s = await management_session(h, dev)
        async with s:
            r = await s.request("GET", PE.SUMMARY.value)
            summary = r.json()
            assert r.status == 200
            assert summary["state"] == "commissioned"
            assert summary["default_credential_enabled"] is False
            assert summary["admin_credential_set"] is True
            assert summary["operational_certificate_fingerprint"] == fps.pop()
            assert summary["home_ca_fingerprint"] == h.ca.fingerprint
            assert summary["acl"] == {"home_ca_fingerprint": h.ca.fingerprint, "entries": ACL}
            # Same values again: 200; conflicting values: 409 with a reason.
            r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": b64(credential)})
            assert r.status == 200
            r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value,
                                {"credential": b64(secrets.token_bytes(32))})
            assert r.status == 409 and r.json()["reason"] == "admin-credential-differs"
            r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
                "certificate": cert_pem(cert).decode(),
                "chain": [h.ca.certificate_pem.decode()]})
            assert r.status == 200
            again = h.ca.issue_operational(csrs[0].encode(), device_id=dev.device_id,
                                           role="device")
            r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
                "certificate": cert_pem(again).decode(),
                "chain": [h.ca.certificate_pem.decode()]})
            assert r.status == 409 and r.json()["reason"] == "certificate-installed"
            r = await s.request("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": True})
            assert r.status == 409 and r.json()["reason"] == "default-credential-locked"
            r = await s.request("POST", PE.COMPLETE.value, {})
            assert r.status == 200

        # Control: only gateway / owner (current epoch) certificates from the home CA.
        assert await control_status(h, dev) == (403, "no-client-certificate")
        assert await control_status(h, dev, h.commissioner_chain, h.commissioner_key) == (
            403, "role-not-allowed")
        gw_chain, gw_key = gateway_client(h)
        assert await control_status(h, dev, gw_chain, gw_key) == (200, "gateway")
        owner1 = owner_client(h, 1)
        assert await control_status(h, dev, *owner1) == (200, "owner")
        async with await h.connect(dev, h.trust(*owner1)) as s:
            r = await s.request("POST", PE.CONTROL_COMMAND.value, {"command": "power-on"})
            assert r.status == 200 and r.json()["accepted"] is True
            r = await s.request("POST", PE.CONTROL_COMMAND.value, {"command": 7})
            assert r.status == 400
        # A certificate from another home's CA does not even get through the handshake.
        foreign = gateway_client(h, HomeCA.create("job-foreign"))
        with pytest.raises((DeviceUnreachableError, ssl.SSLError, ConnectionError)):
            await control_status(h, dev, *foreign)
        # The factory device next door does not accept control at all.
        assert (await control_status(h, h.device(1), gw_chain, gw_key))[0] == 403

        # Owner epoch bump (revoke and reissue): the old owner certificate is refused.
        bumped = [{"role": "gateway"}, {"role": "owner", "epoch": 2}, {"role": "commissioner"}]
        async with await management_session(h, dev) as s:
            r = await s.request("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                                      "entries": bumped})
            assert r.status == 200
            r = await s.request("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                                      "entries": ACL})
            assert r.status == 409 and r.json()["reason"] == "epoch-rollback"
        assert await control_status(h, dev, *owner1) == (403, "stale-owner-epoch")
        assert await control_status(h, dev, *owner_client(h, 2)) == (200, "owner")


# --- persistence ---------------------------------------------------------------------------


def test_state_survives_power_cycle(tmp_path: Path) -> None:
    run(_power_cycle(tmp_path))


async def _power_cycle(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=2) as h:
        dev, pending = h.device(0), h.device(1)
        cert = await provision(h, dev)
        async with await h.connect(pending) as s:
            await s.authenticate(h.label(pending))
            r = await s.request("POST", PE.CSR.value, {"subject_cn": pending.device_id})
            csr_before = r.json()["csr"]
        for d in (dev, pending):
            assert oct((d.directory / "operational-key.pem").stat().st_mode & 0o777) == "0o600"
            assert oct((d.directory / "state.json").stat().st_mode & 0o777) == "0o600"
            await h.home.power_cycle(d.device_id, 0.1)
        await wait_powered(dev)
        await wait_powered(pending)
        async with await management_session(h, dev) as s:
            summary = (await s.request("GET", PE.SUMMARY.value)).json()
        assert summary["state"] == "commissioned"
        assert summary["default_credential_enabled"] is False
        assert summary["acl"]["entries"] == ACL
        assert summary["operational_certificate_fingerprint"] == (
            hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        )
        assert await default_login(h, dev) == 401
        gw_chain, gw_key = gateway_client(h)
        assert await control_status(h, dev, gw_chain, gw_key) == (200, "gateway")
        async with await h.connect(pending) as s:
            await s.authenticate(h.label(pending))
            r = await s.request("POST", PE.CSR.value, {"subject_cn": pending.device_id})
            assert r.json()["csr"] == csr_before  # same pending key after the power cycle


# --- faults the app must cope with --------------------------------------------------------


def test_bad_input_is_refused_without_crashing(tmp_path: Path) -> None:
    run(_bad_input(tmp_path))


async def _bad_input(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=1) as h:
        dev = h.device(0)
        async with await h.connect(dev) as s:
            await s.authenticate(h.label(dev))
            cases: list[tuple[str, str, dict[str, object]]] = [
                ("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": 5}),
                ("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": "not base64!"}),
                ("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": b64(b"short")}),
                ("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": "A" * 5000}),
                ("POST", PE.CSR.value, {}),
                ("POST", PE.CSR.value, {"subject_cn": ["x"]}),
                ("POST", PE.CSR.value, {"subject_cn": "x" * 200}),
                ("PUT", PE.OPERATIONAL_CERTIFICATE.value, {"certificate": "junk", "chain": []}),
                ("PUT", PE.OPERATIONAL_CERTIFICATE.value, {"certificate": "A" * 20000}),
                ("PUT", PE.OPERATIONAL_CERTIFICATE.value,
                 {"certificate": h.ca.certificate_pem.decode(), "chain": "x"}),
                ("PUT", PE.ACL.value, {"home_ca": "x", "entries": ACL}),
                ("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                       "entries": [{"role": "root"}]}),
                ("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                       "entries": [{"role": "owner", "epoch": "1"}]}),
                ("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                       "entries": [{"role": "owner", "epoch": True}]}),
                ("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                       "entries": [{"role": "gateway"}] * 2}),
                ("PUT", PE.ACL.value, {"home_ca": h.ca.certificate_pem.decode(),
                                       "entries": [{"role": "gateway"}] * 50}),
                ("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": "false"}),
                ("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": 0}),
                ("POST", PE.SESSION_LOGIN.value, {"username": 1, "password": None}),
                ("POST", PE.SESSION_LOGIN.value, {"username": "a" * 100, "password": "b"}),
                ("POST", PE.SESSION_ADMIN_PROOF.value, {"proof": 3}),
            ]
            for method, path, body in cases:
                r = await s.request(method, path, body)
                assert r.status == 400, (method, path, body, r.status)
                assert r.json()["error"] == "bad-request"
            r = await s.request("GET", PE.CSR.value)
            assert r.status == 405
        # Malformed JSON, a non-object and an oversized body on raw connections.
        for raw_body, expected in ((b"{not json", 400), (b"[1,2]", 400), (b'{"a":1,"a":2}', 400),
                                   (b"{" + b" " * 70000 + b"}", 413)):
            async with await h.connect(dev) as s:
                s._writer.write(
                    f"PUT {PE.ADMIN_CREDENTIAL.value} HTTP/1.1\r\nHost: d\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(raw_body)}\r\n\r\n"
                    .encode() + raw_body)
                response = await read_response(s._reader)
                assert response.status in (expected, 401), response.status
        # Still serving, nothing changed.
        async with await h.connect(dev) as s:
            await s.authenticate(h.label(dev))
            r = await s.request("GET", PE.SUMMARY.value)
            assert r.status == 200 and r.json()["admin_credential_set"] is False


# --- fault hooks ---------------------------------------------------------------------------


def test_fault_hooks(tmp_path: Path) -> None:
    run(_fault_hooks(tmp_path))


async def _csr(h: Home, dev: VirtualDevice) -> str:
    async with await h.connect(dev) as s:
        await s.authenticate(h.label(dev))
        r = await s.request("POST", PE.CSR.value, {"subject_cn": dev.device_id})
        assert r.status == 200
        return str(r.json()["csr"])


async def _fault_hooks(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=1) as h:
        dev, d = h.device(0), h.directory
        genuine = await _csr(h, dev)

        await control(d, "fault", dev.device_id, fault="malformed-csr")
        with pytest.raises(Exception) as info:
            check_csr((await _csr(h, dev)).encode(), expected_cn=dev.device_id)
        assert getattr(info.value, "reason", None) == "csr-malformed"

        await control(d, "fault", dev.device_id, fault="clear")
        await control(d, "fault", dev.device_id, fault="foreign-csr")
        with pytest.raises(Exception) as info:
            check_csr((await _csr(h, dev)).encode(), expected_cn=dev.device_id)
        assert getattr(info.value, "reason", None) == "csr-wrong-identity"

        await control(d, "fault", dev.device_id, fault="clear")
        await control(d, "fault", dev.device_id, fault="weak-csr")
        weak = x509.load_pem_x509_csr((await _csr(h, dev)).encode())
        assert isinstance(weak.public_key(), rsa.RSAPublicKey)
        assert weak.public_key().key_size == 2048  # type: ignore[union-attr]
        await control(d, "fault", dev.device_id, fault="weak-csr", variant="p-384")
        weak = x509.load_pem_x509_csr((await _csr(h, dev)).encode())
        assert isinstance(weak.public_key().curve, ec.SECP384R1)  # type: ignore[union-attr]
        # Persisted: still there after a power cycle.
        await h.home.power_cycle(dev.device_id, 0.05)
        await wait_powered(dev)
        assert dev.injected_faults()["weak-csr"]["variant"] == "p-384"
        status = await control(d, "status")
        entry = next(x for x in status["devices"] if x["device_id"] == dev.device_id)
        assert "weak-csr" in entry["injected_faults"]
        await control(d, "fault", dev.device_id, fault="clear")
        assert await _csr(h, dev) == genuine

        # Drop the next 2 commissioning requests (before handling them).
        await control(d, "fault", dev.device_id, fault="drop-during-provisioning", count=2)
        credential = secrets.token_bytes(32)
        for _ in range(2):
            async with await h.connect(dev) as s:
                await s.authenticate(h.label(dev))  # session endpoints are not dropped
                with pytest.raises(DeviceUnreachableError):
                    await s.request("PUT", PE.ADMIN_CREDENTIAL.value,
                                    {"credential": b64(credential)})
        assert not dev.state.provisioning.admin_verifier
        async with await h.connect(dev) as s:
            await s.authenticate(h.label(dev))
            r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": b64(credential)})
            assert r.status == 200
        # Variant "after": the request takes effect, then the connection drops.
        await control(d, "fault", dev.device_id, fault="drop-during-provisioning",
                      variant="after")
        async with await h.connect(dev) as s:
            await s.authenticate(h.label(dev))
            with pytest.raises(DeviceUnreachableError):
                await s.request("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": False})
        assert dev.state.default_credential_enabled is False
        assert dev.injected_faults() == {}

        with pytest.raises(ControlError) as err:
            await control(d, "fault", dev.device_id, fault="melt")
        assert err.value.code == "bad-fault"
        with pytest.raises(ControlError) as err:
            await control(d, "fault", "no-such-device", fault="clear")
        assert err.value.code == "unknown-device"

        # The CLI sets the same hooks.
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "commissioner.cli", "virtual-home", "ctl", str(d), "fault",
             dev.device_id, "malformed-csr"],
            capture_output=True, text=True, timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert "malformed-csr" in json.loads(result.stdout)["faults"]
        assert "BEGIN CERTIFICATE REQUEST" in await _csr(h, dev)
        assert dev.injected_faults().keys() == {"malformed-csr"}
