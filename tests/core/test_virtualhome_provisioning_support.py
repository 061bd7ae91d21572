"""Helpers for the provisioning tests of the virtual home (no tests in here).

Real TLS to real virtual devices: an in-process :class:`VirtualHome` on the test's loop, the
home CA from :mod:`commissioner.provisioning.home_ca`, raw protocol calls.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol import tls
from commissioner.protocol.admin_proof import make_admin_proof
from commissioner.protocol.attestation import cert_pem, key_pem
from commissioner.protocol.client import DeviceSession, TrustStore, open_session
from commissioner.protocol.http11 import Response
from commissioner.protocol.spec import NONCE_BYTES, Endpoint
from commissioner.protocol.spec import ProvisioningEndpoint as PE
from commissioner.provisioning.home_ca import HomeCA
from commissioner.virtualhome.device import VirtualDevice
from commissioner.virtualhome.gateway import VirtualGateway
from commissioner.virtualhome.home import TRUST_ROOTS, VirtualHome, prepare_home
from commissioner.virtualhome.labels import read_label_file

__test__ = False


class ClientTrust(TrustStore):
    """Manufacturer roots plus an optional client certificate (chain) and key."""

    def __init__(self, roots_pem: bytes, chain_pem: bytes | None = None,
                 key: bytes | None = None) -> None:
        super().__init__(TrustStore.from_pem(roots_pem).roots)
        self._client = (chain_pem, key)

    def ssl_context(self) -> ssl.SSLContext:
        chain, key = self._client
        if chain is None:
            return super().ssl_context()
        return tls.client_context(self.pem, cert_chain_pem=chain, key_pem=key)


@dataclass
class Home:
    directory: Path
    home: VirtualHome
    roots_pem: bytes
    ca: HomeCA
    commissioner_chain: bytes = b""
    commissioner_key: bytes = b""
    credentials: dict[str, bytes] = field(default_factory=dict)

    @property
    def gateway(self) -> VirtualGateway:
        dev = self.home.devices[self.home.manifest.gateway.device_id]
        assert isinstance(dev, VirtualGateway)
        return dev

    def device(self, index: int) -> VirtualDevice:
        return self.home.devices[self.home.manifest.devices[index].device_id]

    def trust(self, chain: bytes | None = None, key: bytes | None = None) -> ClientTrust:
        return ClientTrust(self.roots_pem, chain, key)

    def commissioner_trust(self) -> ClientTrust:
        return self.trust(self.commissioner_chain, self.commissioner_key)

    async def connect(self, dev: VirtualDevice, trust: TrustStore | None = None) -> DeviceSession:
        return await open_session("127.0.0.1", dev.port, trust or self.trust(), timeout=10)

    def label(self, dev: VirtualDevice) -> Any:
        return read_label_file(self.directory / "labels" / f"{dev.device_id}.json")


@contextlib.asynccontextmanager
async def running_home(tmp_path: Path, devices: int = 2) -> AsyncIterator[Home]:
    directory = tmp_path / "home"
    manifest = prepare_home(directory, "standard", devices)
    home = VirtualHome(directory, manifest)
    await home.start()
    try:
        ca = HomeCA.create("job-test", home_id="home-test")
        cert, key = ca.issue_commissioner_client("job-test")
        h = Home(directory, home, (directory / TRUST_ROOTS).read_bytes(), ca)
        h.commissioner_chain = cert_pem(cert)
        h.commissioner_key = key_pem(key)
        yield h
    finally:
        await home.stop()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def admin_login(session: DeviceSession, credential: bytes) -> Response:
    client_nonce = os.urandom(NONCE_BYTES)
    r = await session.request("POST", Endpoint.SESSION_CHALLENGE.value,
                              {"client_nonce": b64(client_nonce)})
    assert r.status == 200, r.body
    device_nonce = base64.b64decode(r.json()["device_nonce"])
    proof = make_admin_proof(credential, session.identity.serial, device_nonce, client_nonce,
                             session.cert_der)
    return await session.request("POST", PE.SESSION_ADMIN_PROOF.value, {"proof": b64(proof)})


def role_of(dev: VirtualDevice) -> str:
    return "gateway" if isinstance(dev, VirtualGateway) else "device"


ACL = [{"role": "gateway"}, {"role": "owner", "epoch": 1}, {"role": "commissioner"}]


async def provision(h: Home, dev: VirtualDevice, *, acl: list[Mapping[str, Any]] | None = None,
                    complete: bool = True) -> x509.Certificate:
    """Steps 2-7 over a setup-code session; returns the operational certificate."""
    credential = h.credentials.setdefault(dev.device_id, secrets.token_bytes(32))
    async with await h.connect(dev) as s:
        await s.authenticate(h.label(dev))
        r = await s.request("PUT", PE.ADMIN_CREDENTIAL.value, {"credential": b64(credential)})
        assert r.status == 200, r.body
        r = await s.request("POST", PE.CSR.value, {"subject_cn": dev.device_id})
        assert r.status == 200, r.body
        cert = h.ca.issue_operational(r.json()["csr"].encode(), device_id=dev.device_id,
                                      role=role_of(dev))  # type: ignore[arg-type]
        r = await s.request("PUT", PE.OPERATIONAL_CERTIFICATE.value, {
            "certificate": cert_pem(cert).decode(), "chain": [h.ca.certificate_pem.decode()]})
        assert r.status == 200, r.body
        r = await s.request("PUT", PE.ACL.value, {
            "home_ca": h.ca.certificate_pem.decode(), "entries": list(acl or ACL)})
        assert r.status == 200, r.body
        r = await s.request("PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": False})
        assert r.status == 200, r.body
        if complete:
            r = await s.request("POST", PE.COMPLETE.value, {})
            assert r.status == 200, r.body
    return cert


async def management_session(h: Home, dev: VirtualDevice) -> DeviceSession:
    """Commissioned device: commissioner client certificate + admin proof."""
    s = await h.connect(dev, h.commissioner_trust())
    r = await admin_login(s, h.credentials[dev.device_id])
    assert r.status == 200, r.body
    return s


def new_key_pem() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())


async def wait_powered(dev: VirtualDevice, timeout_s: float = 10.0) -> None:
    """Wait until a power-cycled device serves again."""
    for _ in range(int(timeout_s / 0.05)):
        if dev.powered:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{dev.device_id} did not power back on")
