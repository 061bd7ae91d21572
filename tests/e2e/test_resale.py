"""Resale end to end, through the CLI, against a virtual home: owner A lives in a handed-over
home; a resale job wipes it with A's record, proves from every device that nothing of A is
left and that A's credentials are refused, brings the firmware to the latest, commissions it
for owner B under a new home CA and hands it over again."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring_fixtures
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.jobs.store import JobStore
from commissioner.protocol.client import TrustStore, open_session
from commissioner.protocol.tls import client_context
from commissioner.provisioning.job_secrets import active_invitation, load_invitation
from commissioner.secrets.job_vault import open_vault
from commissioner.virtualhome.homefile import HomeFile, read_home_file

REPO = Path(__file__).resolve().parents[2]
_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service


class _ClientTrust(TrustStore):
    def __init__(self, base: TrustStore, cert: bytes, key: bytes) -> None:
        super().__init__(base.roots)
        self._ctx = client_context(base.pem, cert_chain_pem=cert, key_pem=key)

    def ssl_context(self) -> Any:
        return self._ctx


def _csr() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "owner-app")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def _invitation(data: Path, job: str) -> tuple[str, str]:
    with JobStore.open(data / "jobs.sqlite3") as store:
        vault = open_vault(as_signed_in(store))
        inv = active_invitation(store, job)
        assert inv is not None
        loaded = load_invitation(vault, job, inv)
    return loaded.invitation_id, base64.urlsafe_b64encode(loaded.token).rstrip(b"=").decode()


async def _redeem(home: HomeFile, trust: TrustStore, inv: tuple[str, str]) -> tuple[int, Any]:
    csr, key = _csr()
    gw = home.gateway
    async with await open_session(gw.host, gw.port, trust) as s:
        r = await s.request("POST", "/v1/gateway/redeem",
                            {"invitation_id": inv[0], "token": inv[1], "csr": csr.decode()})
    if r.status != 200:
        return r.status, None
    body = r.json()
    chain = body["certificate"].encode() + body["chain"][0].encode()
    return 200, (chain, key)


async def _control_status(host: str, port: int, trust: TrustStore) -> int:
    try:
        async with await open_session(host, port, trust) as s:
            return (await s.request("GET", "/v1/control/status")).status
    except Exception:  # noqa: BLE001 - a refused handshake is a refusal
        return 0


async def _inventory(host: str, port: int, trust: TrustStore) -> dict[str, int]:
    async with await open_session(host, port, trust) as s:
        counts = (await s.get_json("/v1/personal-data"))["counts"]
    assert isinstance(counts, dict)
    return counts


def test_resale_wipes_verifies_and_recommissions(
    tmp_path: Path, secret_service: keyring_fixtures.SecretServiceSession
) -> None:
    data = tmp_path / "data"
    env = {
        "COMMISSIONER_DATA_DIR": str(data),
        "DBUS_SESSION_BUS_ADDRESS": secret_service.bus_address,
        "COMMISSIONER_VH_FIRMWARE_REBOOT_S": "0.2",
        "QT_QPA_PLATFORM": "offscreen",
    }

    def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        full_env.update(env)
        return subprocess.run([sys.executable, "-m", "commissioner.cli", *args],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=full_env)

    with running_virtual_home(tmp_path / "home", scenario="standard", devices=4,
                              env=env) as home:
        vh = ["--virtual-home", str(home.directory)]
        trust = TrustStore.from_pem(home.trust_roots_path.read_bytes())

        def handed_over(number: str, *extra: str) -> str:
            r = cli("job", "new", "--job-number", number, "--operator", "佐藤", "--json",
                    *extra)
            assert r.returncode == 0, r.stderr
            job = str(json.loads(r.stdout)["id"])
            return job

        def commission_and_hand_over(job: str) -> None:
            r = cli("certify", "--job", job, "--json", "--scan-timeout", "6", *vh)
            assert r.returncode == 0, r.stderr + r.stdout
            r = cli("commission", "--job", job, "--json", "--read-box-labels", *vh)
            assert r.returncode == 0, r.stderr + r.stdout
            r = cli("update", "--job", job, "--json", "--reboot-timeout", "20", *vh)
            assert r.returncode == 0, r.stderr + r.stdout
            r = cli("handover", "--job", job, "--report", str(tmp_path / f"{job}.json"), *vh)
            assert r.returncode == 0, r.stderr + r.stdout

        old = handed_over("A-1", "--site-name", "さくら邸", "--site-address", "東京都",
                          "--level", "3", "--personal-data", "yes", "--life-or-property", "yes")
        commission_and_hand_over(old)
        # Owner A redeems the invitation and lives there.
        inv_a = _invitation(data, old)
        status, owner_a = asyncio.run(_redeem(home, trust, inv_a))
        assert status == 200 and owner_a is not None
        trust_a = _ClientTrust(trust, *owner_a)
        gw = home.gateway
        assert asyncio.run(_control_status(gw.host, gw.port, trust_a)) == 200
        subprocess.run([sys.executable, "-m", "commissioner.cli", "virtual-home", "ctl",
                        str(home.directory), "occupy"], check=True, capture_output=True,
                       cwd=REPO)
        home = read_home_file(home.directory)
        everything = [(home.gateway.device_id, home.gateway.host, home.gateway.port)] + [
            (d.device_id, d.host, d.port) for d in home.devices]
        assert all(sum(asyncio.run(_inventory(h, p, trust)).values()) > 0
                   for _, h, p in everything)

        # item 8: owner reissue on the sealed job points at resale
        r = cli("owner", "reissue", "--job", old, *vh)
        assert r.returncode != 0 and "Traceback" not in r.stderr and "resale" in r.stderr

        # a plain new job on the handed-over home names the real cause
        plain = handed_over("X-1", "--site-name", "x", "--site-address", "y", "--level", "2",
                "--personal-data", "no", "--life-or-property", "no",
                "--reason", "agreed with the owner")
        r = cli("certify", "--job", plain, "--json", "--scan-timeout", "6", *vh)
        r = cli("commission", "--job", plain, "--json", "--read-box-labels", *vh)
        assert r.returncode != 0
        assert "another home" in r.stdout + r.stderr and "resale" in r.stdout + r.stderr
        assert "check the device's power" not in (r.stdout + r.stderr).lower()

        # the resale job
        new = handed_over("B-1", "--kind", "resale", "--from-job", old)
        r = cli("wipe", "--job", new, "--json", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        wiped = json.loads(r.stdout)
        assert {d["device_id"] for d in wiped["devices"]} == {i for i, _, _ in everything}
        for d in wiped["devices"]:
            assert d["verified"] and d["method"] == "authenticated-wipe", d
            names = {p["name"]: p["refused"] for p in d["probes"]}
            assert names["admin-credential"] is True and names["commissioner-certificate"]
            assert names["owner-certificate"] is True
            assert d["after"]["advertised_state"] == "factory"
        gateway_probe = next(d for d in wiped["devices"] if d["role"] == "gateway")
        assert {p["name"] for p in gateway_probe["probes"]} >= {"owner-invitation"}

        # asked directly over the protocol: nothing of A
        for _, h, p in everything:
            assert set(asyncio.run(_inventory(h, p, trust)).values()) == {0}
            assert asyncio.run(_control_status(h, p, trust_a)) != 200
        assert asyncio.run(_redeem(home, trust, inv_a))[0] != 200

        # re-running the wipe is harmless
        r = cli("wipe", "--job", new, "--json", *vh)
        assert r.returncode == 0, r.stderr + r.stdout
        assert {d["method"] for d in json.loads(r.stdout)["devices"]} == {"already-factory"}

        commission_and_hand_over(new)
        with JobStore.open(data / "jobs.sqlite3") as store:
            old_job, new_job = store.get_job(old), store.get_job(new)
        assert old_job.sealed_hash and new_job.sealed_hash
        r = cli("audit", "verify", "--job", old)
        assert r.returncode == 0 and old_job.sealed_hash in r.stdout

        # owner A's certificate and invitation refused everywhere, B's invitation works
        home = read_home_file(home.directory)
        everything = [(home.gateway.device_id, home.gateway.host, home.gateway.port)] + [
            (d.device_id, d.host, d.port) for d in home.devices]
        for _, h, p in everything:
            assert asyncio.run(_control_status(h, p, trust_a)) != 200
        assert asyncio.run(_redeem(home, trust, inv_a))[0] != 200
        status, owner_b = asyncio.run(_redeem(home, trust, _invitation(data, new)))
        assert status == 200 and owner_b is not None
        gw = home.gateway
        assert asyncio.run(_control_status(gw.host, gw.port, _ClientTrust(trust, *owner_b))) \
            == 200

        cert_json = tmp_path / "wipe.json"
        r = cli("wipe-certificate", "--job", new, "--json", str(cert_json), "--pdf",
                str(tmp_path / "wipe.pdf"), *vh)
        assert r.returncode == 0, r.stderr
        cert = json.loads(cert_json.read_text(encoding="utf-8"))
        assert cert["all_verified"] and cert["unverified"] == []
        assert cert["previous_job"]["sealed_hash"] == old_job.sealed_hash
        assert cert["requirements"] == ["R2-4", "R2-5", "R2-9"]
        text = subprocess.run(["pdftotext", str(tmp_path / "wipe.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "データ消去証明書" in text and old_job.sealed_hash[:16] in text.replace("\n", "")
