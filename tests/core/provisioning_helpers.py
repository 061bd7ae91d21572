"""Helpers for the provisioning tests: a certified job for a running virtual home, the CLI in a
subprocess, and device-side checks over real TLS (no mocks)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gate_helpers import sync_catalog, targets

from commissioner.backends.shc import device_ops as ops
from commissioner.jobs.models import JobDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import TrustStore, open_session
from commissioner.provisioning.run import admin_secret_name
from commissioner.secrets.vault import SecretVault
from commissioner.trust.gate import certify_home
from commissioner.virtualhome.homefile import HomeFile

REPO = Path(__file__).resolve().parents[2]
STORE = "jobs.sqlite3"


def store_path(data: Path) -> Path:
    return data / STORE


def certified_job(home: HomeFile, data: Path, number: str = "P-1", level: int = 2) -> str:
    """A job holding every device of ``home`` (and its gateway), certified over real TLS."""
    data.mkdir(parents=True, exist_ok=True)
    with JobStore.open(store_path(data)) as store:
        job = store.create_job(job_number=number, site_name="Test house",
                               site_address="1-1 Chiyoda", service_level=level, operator="Sato")
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        for t in targets(home):
            store.upsert_device(job.id, JobDevice(
                device_id=t.device_id, role=t.role, kind=t.kind,
                manufacturer=t.advertised_manufacturer or "unknown",
                model=t.advertised_model or "unknown", firmware="0.0.0", state="factory",
                transports=("home-file",), address=t.host, port=t.port, first_seen=at,
                last_seen=at, status="listed",
            ))
        catalog = sync_catalog(home, data / "catalog-cache")
        verdicts = asyncio.run(certify_home(targets(home), catalog, level))
        for v in verdicts:
            store.record_verdict(job.id, v)
        return job.id


def trust(home: HomeFile) -> TrustStore:
    return TrustStore.from_pem(home.trust_roots_path.read_bytes())


def addresses(home: HomeFile) -> dict[str, tuple[str, int]]:
    out = {d.device_id: (d.host, d.port) for d in home.devices}
    out[home.gateway.device_id] = (home.gateway.host, home.gateway.port)
    return out


def cli_env(bus_address: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    if bus_address is not None:
        env["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(extra or {})
    return env


def cli(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "commissioner.cli", *args]


def run_cli(args: Sequence[str], env: Mapping[str, str], *, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(args), env=dict(env), capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


async def admin_login_ok(host: str, port: int, tr: TrustStore, credential: bytes,
                         client: ops.ClientCredentials | None = None) -> bool:
    """True if the device accepts ``credential`` by admin proof on a fresh connection."""
    session = await open_session(host, port, ops.client_trust(tr, client))
    async with session:
        try:
            await ops.admin_authenticate(session, credential)
        except ops.AdminCredentialRejectedError:
            return False
    return True


async def admin_credential_set(host: str, port: int, tr: TrustStore) -> bool:
    session = await open_session(host, port, tr)
    async with session:
        config = await session.get_json("/v1/config")
    return bool(config.get("admin_credential_set"))


def job_credentials(vault: SecretVault, job_id: str, device_ids: Sequence[str]
                    ) -> dict[str, bytes]:
    return {d: vault.get(job_id, admin_secret_name(d)) for d in device_ids
            if vault.has(job_id, admin_secret_name(d))}


def secret_forms(value: bytes) -> list[bytes]:
    """The ways a secret could leak into a file: raw, base64, base64url, hex."""
    forms = [value, base64.b64encode(value), base64.urlsafe_b64encode(value).rstrip(b"="),
             value.hex().encode()]
    return [f for f in forms if len(f) >= 8]

