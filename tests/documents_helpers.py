"""Helpers for the handover-document tests: a job store holding a whole home, without network.

``make_home(store, n)`` creates a job with a gateway and ``n - 1`` devices of the virtual
home's catalog models, records a gate verdict for each, and - unless told otherwise - the
provisioning read-back, the gateway allow-list and the firmware plan/update steps in the step
log conventions that :class:`commissioner.documents.StoreSources` reads. The owner invitation
comes from :func:`invitation_provider`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from commissioner.documents import OwnerInvitation, StoreSources, SupportContact
from commissioner.documents.common import OwnerApp
from commissioner.jobs.models import Job, JobDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog, parse_model, parse_policy
from commissioner.protocol.firmware_index import FirmwareIndex, FirmwareRelease, ModelFirmware
from commissioner.provisioning.invitation import Invitation, encode_invitation_qr
from commissioner.trust.gate import DeviceVerdict, Verdict

ROOT = Path(__file__).resolve().parents[1]
CATALOG_JSON = ROOT / "resources" / "catalog" / "virtual-home-catalog.json"
NOW = dt.datetime(2025, 11, 20, 5, 30, tzinfo=dt.UTC)
# Valid for two weeks from the test run (one value per run): handover refuses to print an
# expired invitation, and it compares with the real clock.
INVITATION_VALID_UNTIL = (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).replace(microsecond=0)
GATEWAY_MODEL = "HX-GW100"


LATEST = "1.2.0"


def firmware_index(models: Iterable[tuple[str, str]]) -> FirmwareIndex:
    """Releases 1.0.0 and 1.2.0 (latest) for each (manufacturer, model)."""
    def release(version: str) -> FirmwareRelease:
        return FirmwareRelease(version=version, release_date=dt.date(2025, 4, 1), notes="",
                               min_version="1.0.0", vulnerable=False, advisory=None, image=None)

    return FirmwareIndex(keys={}, models=tuple(
        ModelFirmware(manufacturer=mf, model_number=model, latest=LATEST,
                      releases=(release("1.0.0"), release(LATEST)))
        for mf, model in models))


def catalog(version: int = 7, *, extra_models: Iterable[tuple[str, str]] = ()) -> Catalog:
    raw = json.loads(CATALOG_JSON.read_text(encoding="utf-8"))
    models = tuple(parse_model(m, "m") for m in raw["certified_models"])
    policies = tuple(parse_policy(p, "p") for p in raw["model_policy"])
    index = firmware_index([(m.manufacturer, m.model_number) for m in models]
                           + list(extra_models))
    return Catalog(models=models, roots=(), policies=policies, version=version,
                   expires=NOW + dt.timedelta(days=30), refreshed_at=NOW, firmware=index)


def invitation_payload(home_id: str = "home-0001", gateway: str = "gw-0001") -> str:
    return encode_invitation_qr(Invitation(
        invitation_id="0123456789abcdef", home_id=home_id, gateway_id=gateway,
        token=hashlib.sha256(home_id.encode()).digest(),
        expires_at=INVITATION_VALID_UNTIL, epoch=1,
    ))


def invitation_provider(payload: str | None = None):  # type: ignore[no-untyped-def]
    text = payload or invitation_payload()

    def provide(store: JobStore, job: Job) -> OwnerInvitation:
        return OwnerInvitation.from_payload(text)

    return provide


@dataclass
class Home:
    job: Job
    device_ids: list[str]
    models: dict[str, str] = field(default_factory=dict)  # device id -> model


def _models(cat: Catalog) -> list[tuple[str, str, str]]:
    """(manufacturer, model, kind) of the catalog's device models (no gateway)."""
    return [(m.manufacturer, m.model_number, m.category or "lighting") for m in cat.models
            if m.category != "gateway"]


def make_home(
    store: JobStore,
    n: int = 8,
    *,
    job_number: str = "2025-0142",
    site_name: str = "山田様邸",
    site_address: str = "東京都千代田区千代田1-1",
    level: int = 3,
    cat: Catalog | None = None,
    provisioned: bool = True,
    firmware_latest: bool = True,
    names: Iterable[tuple[str, str]] | None = None,
    blocked: Iterable[str] = (),
) -> Home:
    """A job with a gateway plus ``n - 1`` devices, certified, and (by default) provisioned
    and on the latest firmware. ``names`` overrides (manufacturer, model) per device in turn."""
    cat = cat or catalog()
    job = store.create_job(job_number=job_number, site_name=site_name,
                           site_address=site_address, service_level=level, operator="佐藤 工")
    store.set_job_catalog(job.id, cat.version, NOW)
    gw = next(m for m in cat.models if m.category == "gateway")
    plan: list[tuple[str, str, str, str]] = [("gw-0001", gw.manufacturer, gw.model_number,
                                             "gateway")]
    pool = _models(cat)
    overrides = list(names or [])
    for i in range(1, n):
        mf, model, kind = pool[(i - 1) % len(pool)]
        if i - 1 < len(overrides):
            mf, model = overrides[i - 1]
        plan.append((f"dev-{i:04d}", mf, model, kind))
    at = NOW.isoformat()
    blocked = set(blocked)
    home = Home(job=job, device_ids=[])
    for dev, mf, model, kind in plan:
        role = "gateway" if kind == "gateway" else "device"
        store.upsert_device(job.id, JobDevice(
            device_id=dev, role=role, kind=kind, manufacturer=mf, model=model,
            firmware="1.0.0", state="factory", transports=("mdns",), address="127.0.0.1",
            port=8443, first_seen=at, last_seen=at,
        ))
        bad = dev in blocked
        store.record_verdict(job.id, DeviceVerdict(
            device_id=dev, verdict=Verdict.NOT_CERTIFIED if bad else Verdict.CERTIFIED,
            reason="Model is not on the certified-model list." if bad else "certified",
            blocked=bad, manufacturer=mf, model=model, serial=f"SN-{dev}",
            advertised_model=model, chain=["leaf", "int", "root"],
            cert_fingerprint=hashlib.sha256(dev.encode()).hexdigest(), catalog_version=cat.version,
            checked_at=NOW, role=role, kind=kind, reason_code="x", attested=True,
        ))
        home.device_ids.append(dev)
        home.models[dev] = model
    for dev in home.device_ids:
        role = "gateway" if dev == "gw-0001" else "device"
        if provisioned:
            record_provisioning(store, job.id, dev, role=role)
        record_firmware(store, job.id, dev, home.models[dev], latest=firmware_latest)
    home.job = store.get_job(job.id)
    return home


PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ACL = {"entries": [{"role": "gateway"}, {"role": "owner", "epoch": 1},
                   {"role": "commissioner"}]}


def record_provisioning(
    store: JobStore, job_id: str, device_id: str, *, role: str = "device", ok: bool = True
) -> None:
    """What a provisioning run records for one device (schema v4 tables and steps)."""
    store.set_provisioning_status(job_id, device_id, role=role, status="in-progress")
    for step in ("admin-credential", "acl", "default-credential", "readback"):
        store.provision_intent(job_id, device_id, step, ACL if step == "acl" else None)
        if ok or step != "readback":
            store.provision_done(job_id, device_id, step)
    store.set_operational_certificate(
        job_id, device_id, PEM, hashlib.sha256(b"op" + device_id.encode()).hexdigest())
    if role != "gateway":
        store.set_gateway_auth(job_id, device_id, ok, None if ok else "unknown fingerprint")
    if ok:
        store.set_provisioning_status(job_id, device_id, role=role, status="provisioned")
    else:
        store.set_provisioning_status(
            job_id, device_id, role=role, status="failed", reason_code="readback-mismatch",
            reason="ACL read back differs from the job's intent", action="provision again")


def record_firmware(
    store: JobStore, job_id: str, device_id: str, model: str, *, latest: bool = True
) -> None:
    """A firmware run: update 1.0.0 -> 1.2.0 (when ``latest``) and the verified version."""
    if latest:
        store.record_firmware_update(
            job_id, device_id=device_id, model=model, from_version="1.0.0", to_version="1.2.0",
            result="updated", reason=None, image_sha256="cd" * 32, catalog_version=7)
    store.record_firmware_status(job_id, device_id=device_id, model=model,
                                 version="1.2.0" if latest else "1.0.0", latest="1.2.0",
                                 vulnerable=False)


def sources(payload: str | None = None) -> StoreSources:
    return StoreSources(invitation_provider=invitation_provider(payload))


SUPPORT = SupportContact(name="みらい住宅サポート", phone="0120-000-000", hours="9:00-18:00")
OWNER_APP = OwnerApp(name="スマートホーム オーナー", how="App Store / Google Play で検索")
