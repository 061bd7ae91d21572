"""Provisioning a 30-device home with ``commissioner commission`` end to end: real TLS to a
running virtual home, the job's master key in a real gnome-keyring (Secret Service on a
private D-Bus), a real SQLite job store; no mocks.

Checks (issue 4): unique admin credential and own operational certificate per device; the
factory default login fails everywhere afterwards; a client without a home-CA certificate is
refused by every device; the gateway refuses a device that is not on its allow-list; no secret
in any file the app wrote or in its output; owner invitation, redemption and revoke/reissue.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring_fixtures
import provisioning_helpers as ph
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from operator_fixtures import as_signed_in
from vh_fixtures import running_virtual_home

from commissioner.backends.shc import device_ops as ops
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import open_session
from commissioner.protocol.spec import ProvisioningEndpoint
from commissioner.provisioning.home_ca import CA_KEY_NAME
from commissioner.provisioning.invitation import decode_invitation_qr
from commissioner.provisioning.run import (
    COMMISSIONER_CERT,
    COMMISSIONER_KEY,
    DEVICE_STEPS,
    ISSUING_KEY,
    RunOptions,
    admin_secret_name,
    invitation_secret_name,
    open_vault,
    owner_invitation_payload,
    revoke_and_reissue_owner,
)
from commissioner.provisioning.setup_codes import setup_code_name
from commissioner.secrets.vault import SecretVault
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file

_secret_service_daemons = keyring_fixtures._secret_service_daemons
secret_service = keyring_fixtures.secret_service

DEVICES = 30


@dataclass
class Provisioned:
    home: HomeFile
    data: Path
    job: str
    summary: dict[str, object]
    outputs: list[Path]
    bus: str


@pytest.fixture(scope="module")
def provisioned(
    tmp_path_factory: pytest.TempPathFactory,
    _secret_service_daemons: keyring_fixtures.SecretServiceSession,
) -> Iterator[Provisioned]:
    base = tmp_path_factory.mktemp("prov30")
    with running_virtual_home(base / "home", scenario="home-20", devices=DEVICES) as home:
        data = base / "data"
        job = ph.certified_job(home, data)
        env = ph.cli_env(_secret_service_daemons.bus_address)
        args = ["commission", "--job", job, "--read-box-labels", "--data-dir", str(data),
                "--virtual-home",
                str(home.directory), "--json"]
        result = ph.run_cli(args, env)
        outputs = [data / "commission.stdout", data / "commission.stderr"]
        outputs[0].write_text(result.stdout)
        outputs[1].write_text(result.stderr)
        assert result.returncode == 0, result.stderr[-3000:]
        yield Provisioned(home, data, job, json.loads(result.stdout), outputs,
                          _secret_service_daemons.bus_address)


@pytest.fixture
def vault(provisioned: Provisioned, secret_service: keyring_fixtures.SecretServiceSession
          ) -> Iterator[tuple[JobStore, SecretVault]]:
    with JobStore.open(ph.store_path(provisioned.data), create=False) as store:
        yield store, open_vault(as_signed_in(store), backend=secret_service.backend)


def _ids(p: Provisioned) -> list[str]:
    return [p.home.gateway.device_id, *(d.device_id for d in p.home.devices)]


def test_every_device_is_provisioned_and_authenticated_by_the_gateway(
    provisioned: Provisioned,
) -> None:
    s = provisioned.summary
    assert s["provisioned"] == DEVICES + 1 and s["failed"] == 0 and s["blocked"] == 0
    devices = s["devices"]
    assert isinstance(devices, list)
    for d in devices:
        assert d["status"] == "provisioned", d
        if d["role"] == "device":
            assert d["gateway_authenticated"] is True, d


def test_unique_admin_credentials_and_own_operational_certificates(
    provisioned: Provisioned, vault: tuple[JobStore, SecretVault]
) -> None:
    store, v = vault
    ids = _ids(provisioned)
    creds = ph.job_credentials(v, provisioned.job, ids)
    assert set(creds) == set(ids)
    assert len(set(creds.values())) == len(ids)  # unique
    assert all(len(c) == 32 for c in creds.values())  # 256 bits of entropy
    tr = ph.trust(provisioned.home)
    client = ops.ClientCredentials(v.get(provisioned.job, COMMISSIONER_CERT),
                                   v.get(provisioned.job, COMMISSIONER_KEY))
    addr = ph.addresses(provisioned.home)

    async def check() -> None:
        oks = await asyncio.gather(*(ph.admin_login_ok(*addr[d], tr, creds[d], client)
                                     for d in ids))
        assert all(oks)
        # Another device's credential is refused.
        assert not await ph.admin_login_ok(*addr[ids[1]], tr, creds[ids[2]], client)

        async def summary(d: str) -> dict[str, object]:
            s = await open_session(*addr[d], ops.client_trust(tr, client))
            async with s:
                await ops.admin_authenticate(s, creds[d])
                return await ops.read_summary(s)

        summaries = await asyncio.gather(*(summary(d) for d in ids))
        fps = [s["operational_certificate_fingerprint"] for s in summaries]
        assert len(set(fps)) == len(ids)
        records = {r.device_id: r for r in store.provisioning_devices(provisioned.job)}
        for d, s in zip(ids, summaries, strict=True):
            assert s["operational_certificate_fingerprint"] == records[d].operational_fingerprint
            cert = x509.load_pem_x509_certificate(str(records[d].operational_cert).encode())
            assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == d
            assert s["state"] == "commissioned" and s["default_credential_enabled"] is False

    asyncio.run(check())


def test_factory_default_login_fails_on_every_device(provisioned: Provisioned) -> None:
    tr = ph.trust(provisioned.home)
    addr = ph.addresses(provisioned.home)

    async def check() -> list[bool]:
        return list(await asyncio.gather(
            *(ops.default_login_works(*addr[d], tr) for d in _ids(provisioned))))

    assert asyncio.run(check()) == [False] * (DEVICES + 1)


def _foreign_client(tmp: Path) -> ops.ClientCredentials:
    """A client certificate from a CA that is not the home's."""
    from commissioner.provisioning.home_ca import HomeCA

    other = HomeCA.create("JOTHERCA1")
    cert, key = other.issue_commissioner_client("JOTHERCA1")
    return ops.ClientCredentials(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()))


def test_clients_without_a_home_ca_certificate_are_refused_by_every_device(
    provisioned: Provisioned, tmp_path: Path
) -> None:
    tr = ph.trust(provisioned.home)
    addr = ph.addresses(provisioned.home)
    foreign = ops.client_trust(tr, _foreign_client(tmp_path))

    async def check() -> tuple[list[int], list[int]]:
        ids = _ids(provisioned)
        plain = await asyncio.gather(*(ops.control_status(*addr[d], tr) for d in ids))
        other = await asyncio.gather(*(ops.control_status(*addr[d], foreign) for d in ids))
        return list(plain), list(other)

    plain, other = asyncio.run(check())
    assert plain == [403] * (DEVICES + 1)  # no client certificate: forbidden
    assert all(status in (0, 403) for status in other)  # another CA: handshake refused


def test_owner_certificate_from_the_invitation_controls_devices_until_reissued(
    provisioned: Provisioned, vault: tuple[JobStore, SecretVault]
) -> None:
    store, v = vault
    payload = owner_invitation_payload(store, v, provisioned.job)
    inv = decode_invitation_qr(payload)
    assert inv.gateway_id == provisioned.home.gateway.device_id
    tr = ph.trust(provisioned.home)
    addr = ph.addresses(provisioned.home)
    gw = addr[inv.gateway_id]
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "owner")]))
           .sign(key, hashes.SHA256()))
    token = base64.urlsafe_b64encode(inv.token).decode().rstrip("=")
    some = provisioned.home.devices[0].device_id

    async def redeem() -> ops.ClientCredentials:
        s = await open_session(*gw, tr)
        async with s:
            reply = await s.post_json(ProvisioningEndpoint.GATEWAY_REDEEM.value, {
                "invitation_id": inv.invitation_id, "token": token,
                "csr": csr.public_bytes(serialization.Encoding.PEM).decode()})
        chain = "".join([reply["certificate"], *reply["chain"][:-1]]).encode()
        return ops.ClientCredentials(chain, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    owner = asyncio.run(redeem())
    assert asyncio.run(ops.control_status(*addr[some], ops.client_trust(tr, owner))) == 200
    new = asyncio.run(revoke_and_reissue_owner(
        store, v, provisioned.job, tr, RunOptions(addresses=addr)))
    assert new.epoch == inv.epoch + 1 if inv.epoch else new.epoch == 2
    assert owner_invitation_payload(store, v, provisioned.job) != payload
    # The old owner's certificate is refused everywhere now.
    statuses = asyncio.run(_all_status(provisioned, ops.client_trust(tr, owner)))
    assert statuses == [403] * (DEVICES + 1)
    old = [i for i in store.owner_invitations(provisioned.job) if i.invitation_id ==
           inv.invitation_id]
    assert old and old[0].status == "revoked"


async def _all_status(p: Provisioned, trust: object) -> list[int]:
    addr = ph.addresses(p.home)
    return list(await asyncio.gather(
        *(ops.control_status(*addr[d], trust) for d in _ids(p))))  # type: ignore[arg-type]


def test_gateway_refuses_a_device_not_on_its_allow_list(
    provisioned: Provisioned, vault: tuple[JobStore, SecretVault]
) -> None:
    store, v = vault
    tr = ph.trust(provisioned.home)
    addr = ph.addresses(provisioned.home)
    gw_id = provisioned.home.gateway.device_id
    client = ops.ClientCredentials(v.get(provisioned.job, COMMISSIONER_CERT),
                                   v.get(provisioned.job, COMMISSIONER_KEY))
    cred = v.get(provisioned.job, admin_secret_name(gw_id))
    records = {r.device_id: r for r in store.provisioning_devices(provisioned.job)
               if r.role == "device"}
    left_out = sorted(records)[0]
    others = [{"device_id": d, "fingerprint": str(r.operational_fingerprint)}
              for d, r in sorted(records.items()) if d != left_out]
    everyone = [{"device_id": d, "fingerprint": str(r.operational_fingerprint)}
                for d, r in sorted(records.items())]

    async def check() -> tuple[tuple[bool, str], tuple[bool, str], tuple[bool, str]]:
        s = await open_session(*addr[gw_id], ops.client_trust(tr, client))
        async with s:
            await ops.admin_authenticate(s, cred)
            await ops.put_allow_list(s, others)
            refused = await ops.gateway_authenticate(s, left_out)
            listed = await ops.gateway_authenticate(s, others[0]["device_id"])
            await ops.put_allow_list(s, everyone)
            again = await ops.gateway_authenticate(s, left_out)
        return refused, listed, again

    refused, listed, again = asyncio.run(check())
    assert refused == (False, "not-allow-listed")
    assert listed == (True, "authenticated")
    assert again == (True, "authenticated")


def test_no_secret_in_any_file_or_output_the_app_wrote(
    provisioned: Provisioned, vault: tuple[JobStore, SecretVault]
) -> None:
    store, v = vault
    job = provisioned.job
    ids = _ids(provisioned)
    secrets_: dict[str, bytes] = {}
    for d in ids:
        secrets_[f"admin/{d}"] = v.get(job, admin_secret_name(d))
        secrets_[f"setup-code/{d}"] = v.get(job, setup_code_name(d))
        label = read_label_file(provisioned.home.directory / "labels" / f"{d}.json")
        assert label.setup_code.encode() == secrets_[f"setup-code/{d}"]
    for name in (CA_KEY_NAME, COMMISSIONER_KEY, ISSUING_KEY):
        pem = v.get(job, name)
        secrets_[name] = pem
        key = serialization.load_pem_private_key(pem, None)
        secrets_[name + ".der"] = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        secrets_[name + ".scalar"] = key.private_numbers().private_value.to_bytes(32, "big")
        body = b"".join(pem.splitlines()[1:-1])  # the base64 body without the PEM lines
        secrets_[name + ".b64"] = body[:48]
    for inv in store.owner_invitations(job):
        secrets_[f"token/{inv.invitation_id}"] = v.get(job, invitation_secret_name(
            inv.invitation_id))
    files = [p for p in provisioned.data.rglob("*") if p.is_file()] + provisioned.outputs
    assert any(p.name.endswith("-wal") or p.name.endswith(".sqlite3") for p in files)
    hits: list[str] = []
    for path in files:
        blob = path.read_bytes()
        for name, value in secrets_.items():
            forms = [value] if name.startswith("setup-code/") else ph.secret_forms(value)
            for form in forms:
                if form in blob:
                    hits.append(f"{name} in {path.name}")
    assert hits == []


def test_a_second_run_changes_nothing_and_every_step_is_recorded_once(
    provisioned: Provisioned,
) -> None:
    env = ph.cli_env(provisioned.bus)
    with JobStore.open(ph.store_path(provisioned.data), create=False) as store:
        before = store.step_count(provisioned.job)
    result = ph.run_cli(["commission", "--job", provisioned.job, "--read-box-labels", "--data-dir",
                         str(provisioned.data), "--virtual-home",
                         str(provisioned.home.directory)], env)
    assert result.returncode == 0, result.stderr
    assert "already provisioned" in result.stdout
    with JobStore.open(ph.store_path(provisioned.data), create=False) as store:
        steps = store.steps(provisioned.job)
        rows = store.provisioning_steps(provisioned.job)
        assert store.verify_audit(provisioned.job).ok
    new = [s for s in steps[before:] if s.action.startswith("provision.")]
    assert [s.action for s in new if s.action != "provision.done"] == []
    for d in _ids(provisioned):
        done = {r.step for r in rows if r.device_id == d and r.done}
        assert set(DEVICE_STEPS) <= done
