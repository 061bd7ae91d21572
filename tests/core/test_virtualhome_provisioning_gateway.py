"""The virtual gateway's provisioning endpoints: issuing CA, allow-list, device authentication
(SR2-H-2 / SR2-D-2), owner invitations and their redemption, epoch bump.

Real TLS to real virtual devices running in-process on the test's loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from test_virtualhome_provisioning_support import (
    ACL,
    Home,
    management_session,
    new_key_pem,
    provision,
    running_home,
    wait_powered,
)

from commissioner.protocol.attestation import cert_pem
from commissioner.protocol.spec import ProvisioningEndpoint as PE
from commissioner.provisioning.invitation import new_invitation, token_sha256

pytestmark = pytest.mark.timeout(60)


def owner_csr() -> tuple[bytes, str]:
    key, kpem = new_key_pem()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "my phone")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    return kpem, csr


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


async def redeem(h: Home, inv_id: str, token: str, csr: str) -> tuple[int, dict[str, object]]:
    async with await h.connect(h.gateway) as s:  # anyone may try: the token authenticates
        r = await s.request("POST", PE.GATEWAY_REDEEM.value,
                            {"invitation_id": inv_id, "token": token, "csr": csr})
        return r.status, r.json()


def test_gateway_authenticate_and_owner_invitation(tmp_path: Path) -> None:
    asyncio.run(_gateway(tmp_path))


async def _gateway(tmp_path: Path) -> None:
    async with running_home(tmp_path, devices=3) as h:
        gw = h.gateway
        listed, unlisted, factory = h.device(0), h.device(1), h.device(2)
        await provision(h, gw)
        listed_cert = await provision(h, listed)
        await provision(h, unlisted)
        issuing_key, issuing_key_pem = new_key_pem()
        issuing = h.ca.issue_gateway_issuing_ca(issuing_key.public_key(),
                                                gateway_id=gw.device_id)
        fp = hashlib.sha256(listed_cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        invitation = new_invitation("home-test", gw.device_id, epoch=1)
        stale = new_invitation("home-test", gw.device_id, epoch=1)
        expired = new_invitation("home-test", gw.device_id, epoch=1)

        async with await management_session(h, gw) as s:
            # Authentication needs an allow-list entry; before that even a good device fails.
            body = {"certificate": cert_pem(issuing).decode(), "key": issuing_key_pem.decode()}
            for _ in range(2):
                r = await s.request("PUT", PE.GATEWAY_ISSUING_CA.value, body)
                assert r.status == 200, r.body
            r = await s.request("PUT", PE.GATEWAY_ISSUING_CA.value,
                                {"certificate": cert_pem(issuing).decode(), "key": "junk"})
            assert r.status == 400
            allow = {"devices": [{"device_id": listed.device_id, "fingerprint": fp.upper()}]}
            for _ in range(2):
                r = await s.request("PUT", PE.GATEWAY_ALLOW_LIST.value, allow)
                assert r.status == 200 and r.json() == {"devices": 1}
            r = await s.request("PUT", PE.GATEWAY_ALLOW_LIST.value,
                                {"devices": [{"device_id": "x", "fingerprint": "zz"}]})
            assert r.status == 400
            for inv, expires in ((invitation, invitation.expires_at), (stale, stale.expires_at),
                                 (expired, None)):
                put = {
                    "invitation_id": inv.invitation_id,
                    "token_sha256": token_sha256(inv),
                    "expires_at": int(expires.timestamp()) if expires else int(time.time()) - 1,
                    "epoch": 1,
                }
                for _ in range(2):
                    r = await s.request("PUT", PE.GATEWAY_INVITATION.value, put)
                    assert r.status == 200 and r.json()["redeemed"] is False
            r = await s.request("PUT", PE.GATEWAY_INVITATION.value, {**put, "epoch": 5})
            assert r.status == 409 and r.json()["reason"] == "invitation-differs"

            async def authenticate(device_id: str) -> dict[str, object]:
                r = await s.request("POST", PE.GATEWAY_AUTHENTICATE.value,
                                    {"device_id": device_id})
                assert r.status == 200, r.body
                return r.json()

            ok = await authenticate(listed.device_id)
            assert ok == {"device_id": listed.device_id, "authenticated": True,
                          "fingerprint": fp}
            refused = await authenticate(unlisted.device_id)
            assert refused["authenticated"] is False
            assert refused["reason"] == "not-allow-listed"
            not_provisioned = await authenticate(factory.device_id)
            assert not_provisioned["authenticated"] is False
            assert not_provisioned["reason"] == "challenge-refused"
            unknown = await authenticate("no-such-device")
            assert unknown["authenticated"] is False and unknown["reason"] == "unknown-device"
            summary = (await s.request("GET", PE.SUMMARY.value)).json()
            assert summary["gateway"]["allow_list"] == [
                {"device_id": listed.device_id, "fingerprint": fp}]
            assert len(summary["gateway"]["invitations"]) == 3

        # The device answers the gateway's challenge only to a gateway certificate.
        async with await h.connect(listed, h.commissioner_trust()) as s:
            r = await s.request("POST", PE.AUTH_CHALLENGE.value,
                                {"nonce": base64.b64encode(b"n" * 32).decode()})
            assert r.status == 403 and r.json()["reason"] == "role-not-allowed"
        # Authenticate is not open to anyone without a home-CA certificate.
        async with await h.connect(gw) as s:
            r = await s.request("POST", PE.GATEWAY_AUTHENTICATE.value,
                                {"device_id": listed.device_id})
            assert r.status == 403

        # Redemption: wrong token, right token, reuse, expired.
        owner_key, csr = owner_csr()
        token = b64url(invitation.token)
        status, body = await redeem(h, invitation.invitation_id, b64url(b"x" * 32), csr)
        assert status == 403 and body["reason"] == "bad-token"
        status, body = await redeem(h, "unknown", token, csr)
        assert status == 403 and body["reason"] == "unknown-invitation"
        status, body = await redeem(h, invitation.invitation_id, token, "not a csr")
        assert status == 400
        status, body = await redeem(h, invitation.invitation_id, token, csr)
        assert status == 200, body
        owner = x509.load_pem_x509_certificate(str(body["certificate"]).encode())
        assert body["chain"] == [cert_pem(issuing).decode(), h.ca.certificate_pem.decode()]
        assert owner.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "1"
        assert owner.subject.get_attributes_for_oid(
            NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "owner"
        status, body = await redeem(h, invitation.invitation_id, token, csr)
        assert status == 409 and body["reason"] == "already-redeemed"
        status, body = await redeem(h, expired.invitation_id, b64url(expired.token), csr)
        assert status == 410 and body["reason"] == "expired"

        # The owner controls the device, and may ask the gateway to authenticate a device.
        chain = cert_pem(owner) + cert_pem(issuing)
        async with await h.connect(listed, h.trust(chain, owner_key)) as s:
            r = await s.request("GET", PE.CONTROL_STATUS.value)
            assert r.status == 200 and r.json()["client_role"] == "owner"
        async with await h.connect(gw, h.trust(chain, owner_key)) as s:
            r = await s.request("POST", PE.GATEWAY_AUTHENTICATE.value,
                                {"device_id": listed.device_id})
            assert r.status == 200 and r.json()["authenticated"] is True

        # Revoke and reissue: epoch 2 on the gateway and the device.
        bumped = [{"role": "gateway"}, {"role": "owner", "epoch": 2}, {"role": "commissioner"}]
        for dev in (gw, listed):
            async with await management_session(h, dev) as s:
                r = await s.request("PUT", PE.ACL.value,
                                    {"home_ca": h.ca.certificate_pem.decode(), "entries": bumped})
                assert r.status == 200
        async with await h.connect(listed, h.trust(chain, owner_key)) as s:
            r = await s.request("GET", PE.CONTROL_STATUS.value)
            assert r.status == 403 and r.json()["reason"] == "stale-owner-epoch"
        status, body = await redeem(h, stale.invitation_id, b64url(stale.token), csr)
        assert status == 410 and body["reason"] == "revoked"
        fresh = new_invitation("home-test", gw.device_id, epoch=2)
        async with await management_session(h, gw) as s:
            r = await s.request("PUT", PE.GATEWAY_INVITATION.value, {
                "invitation_id": fresh.invitation_id, "token_sha256": token_sha256(fresh),
                "expires_at": int(fresh.expires_at.timestamp()), "epoch": 2})
            assert r.status == 200
        status, body = await redeem(h, fresh.invitation_id, b64url(fresh.token), csr)
        assert status == 200 and body["epoch"] == 2
        new_owner = str(body["certificate"]).encode()
        async with await h.connect(listed, h.trust(new_owner + cert_pem(issuing),
                                                   owner_key)) as s:
            r = await s.request("GET", PE.CONTROL_STATUS.value)
            assert r.status == 200

        # Everything persists across a gateway power cycle.
        await h.home.power_cycle(gw.device_id, 0.05)
        await wait_powered(gw)
        async with await management_session(h, gw) as s:
            summary = (await s.request("GET", PE.SUMMARY.value)).json()
            assert summary["acl"]["entries"] == bumped
            assert summary["gateway"]["issuing_ca_fingerprint"] == hashlib.sha256(
                issuing.public_bytes(serialization.Encoding.DER)).hexdigest()
            redeemed = {i["invitation_id"]: i["redeemed"]
                        for i in summary["gateway"]["invitations"]}
            assert redeemed[invitation.invitation_id] and redeemed[fresh.invitation_id]
            r = await s.request("POST", PE.GATEWAY_AUTHENTICATE.value,
                                {"device_id": listed.device_id})
            assert r.json()["authenticated"] is True
        assert (gw.directory / "issuing-ca-key.pem").stat().st_mode & 0o777 == 0o600
        assert bumped != ACL
