"""On-site verification of a handed-over home against its sealed record (issue 12).

:func:`verify_job` reads the sealed record (:mod:`~commissioner.app.verify_record`), finds the
devices (mDNS, unless the caller passes what was heard), asks every device through the
device-protocol seam, read-only (:mod:`~commissioner.app.verify_probe`), and compares
(:mod:`~commissioner.app.verify_checks`). Nothing is written to any device and the sealed log
stays sealed: the outcome is recorded as a ``verify.completed`` entry of the job's follow-up
log, linked to the seal, with the SHA-256 of the verification report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from commissioner.app.context import AppContext, find_job
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.app.verify_checks import (
    CHECKS,
    SEVERITIES,
    Finding,
    device_findings,
    home_findings,
    requirement_table,
)
from commissioner.app.verify_probe import DeviceProbe, probe_all
from commissioner.app.verify_record import JobRecord, load_record
from commissioner.backends.base import ClientCredentials, DeviceAddress
from commissioner.backends.registry import backend_for
from commissioner.discovery.events import DeviceRecord
from commissioner.discovery.scan import scan
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.label import Label

DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_SCAN_TIMEOUT: Final = 4.0
DEFAULT_CONCURRENCY: Final = 64
VERIFY_ACTION: Final = "verify.completed"


class JobNotHandedOverError(UserError):
    """Verification compares a home with its sealed record; an open job has none yet."""


@dataclass(frozen=True)
class HeldCredentials:
    """The job's credentials, read from its vault once (the store is closed meanwhile)."""

    admin: dict[str, bytes] = field(repr=False)
    client: ClientCredentials | None = field(repr=False)

    def setup_label(self, device_id: str) -> Label | None:
        return None  # verification never uses a setup code

    def admin_credential(self, device_id: str) -> bytes | None:
        return self.admin.get(device_id)

    def client_credentials(self) -> ClientCredentials | None:
        return self.client


@dataclass(frozen=True)
class Verification:
    job_id: str
    job_number: str
    sealed_hash: str
    started_at: str
    finished_at: str
    elapsed_s: float
    catalog_version: str | None
    findings: tuple[Finding, ...]
    requirements: dict[str, dict[str, Any]]
    devices: dict[str, dict[str, Any]]
    followup_idx: int | None = None
    followup_hash: str | None = None

    @property
    def differences(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_difference)

    @property
    def matches(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "job": {"id": self.job_id, "job_number": self.job_number,
                    "sealed_hash": self.sealed_hash},
            "started_at": self.started_at, "finished_at": self.finished_at,
            "elapsed_s": round(self.elapsed_s, 3), "catalog_version": self.catalog_version,
            "matches": self.matches,
            "counts": {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES},
            "findings": [f.to_json() for f in self.findings],
            "requirements": self.requirements, "devices": self.devices,
            "followup": {"idx": self.followup_idx, "hash": self.followup_hash},
        }


def read_record(ctx: AppContext, job_ref: str, *, with_credentials: bool
                 ) -> tuple[JobRecord, HeldCredentials | None]:
    with ctx.store() as store:
        job = find_job(store, job_ref)
        if not job.is_closed:
            raise JobNotHandedOverError(code="verify.not-sealed", params={"job_id": job.id})
        record = load_record(store, job)
        if not with_credentials:
            return record, None
        from commissioner.jobs.store_followup import FOLLOWUP_SECRET_PREFIX
        from commissioner.provisioning.home_ca import CA_CERT_NAME
        from commissioner.provisioning.job_secrets import (
            COMMISSIONER_CERT,
            COMMISSIONER_KEY,
            admin_secret_name,
        )
        from commissioner.secrets.job_vault import open_vault

        vault = open_vault(store)
        held = set(vault.names(job.id))  # one query, not one per device and name
        admin: dict[str, bytes] = {}
        for d in record.devices:  # a remediation visit's credential replaces the sealed one
            for name in (FOLLOWUP_SECRET_PREFIX + admin_secret_name(d.device_id),
                         admin_secret_name(d.device_id)):
                if name in held:
                    admin[d.device_id] = vault.get(job.id, name)
                    break
        client = (ClientCredentials(vault.get(job.id, COMMISSIONER_CERT),
                                    vault.get(job.id, COMMISSIONER_KEY))
                  if COMMISSIONER_CERT in held else None)
        ca = vault.get(job.id, CA_CERT_NAME) if CA_CERT_NAME in held else None
        record = JobRecord(record.job, record.devices, record.home_ca_fingerprint,
                           record.owner_epoch, record.audit, record.anchored_seal,
                           record.followup, home_ca_pem=ca, admin_credentials=admin)
        return record, HeldCredentials(admin, client)


async def verify_job(
    ctx: AppContext,
    job_ref: str,
    *,
    heard: Sequence[DeviceRecord] | None = None,
    catalog: Catalog | None = None,
    online: bool = True,
    scan_timeout: float = DEFAULT_SCAN_TIMEOUT,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    concurrency: int = DEFAULT_CONCURRENCY,
    operator: str | None = None,
    record_result: bool = True,
    sink: EventSink = ignore,
) -> Verification:
    """Verify a handed-over home, read-only; record the outcome in the follow-up log."""
    ctx.require("verify")
    if not 0 < timeout <= 120 or not 0 < scan_timeout <= 600 or not 1 <= concurrency <= 512:
        raise UserError(code="verify.options-out-of-range")
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    record, creds = await asyncio.to_thread(read_record, ctx, job_ref, with_credentials=True)
    job = record.job
    sink(Event("verify", "plan", code="verify.start",
               params={"job": job.id, "devices": len(record.devices)}))
    if catalog is None:
        from commissioner.trust.catalog import CatalogError

        try:
            catalog = await asyncio.to_thread(ctx.catalog, online=online)
        except CatalogError as err:
            raise UserError(code="verify.needs-catalog", params={"detail": err.message}) from None
    trust = manufacturer_trust(ctx, catalog=catalog)
    if heard is None:
        result = await scan(ctx.mdns_interfaces, scan_timeout, expect=ctx.site.expected_count())
        heard = result.devices
    ours = ctx.site.own_device_ids()
    if ours is not None:  # training: loopback mDNS is shared with other virtual homes
        heard = [r for r in heard if r.device_id in ours]
    heard_by_id = {r.device_id: r for r in heard}
    endpoints = ctx.site.endpoints()
    targets: dict[str, tuple[DeviceAddress | None, bool, str | None, bool]] = {}
    for d in record.devices:
        targets[d.device_id] = (_address(d.device_id, heard_by_id, endpoints, d.address),
                                d.device_id in heard_by_id, d.attestation_fingerprint,
                                d.role == "gateway")
    backend = backend_for(trust)
    probes: dict[str, DeviceProbe] = await probe_all(
        backend, targets, credentials=creds, timeout=timeout, concurrency=concurrency)
    for device_id, p in probes.items():
        sink(Event("verify", "progress", device_id, "verify.device",
                   {"answered": p.identity is not None}))
    unknown = [_sighting_json(r) for r in heard if r.device_id not in record.ids]
    now = dt.datetime.now(dt.UTC)
    findings = device_findings(record, probes, catalog, now.date())
    findings += home_findings(record, probes, unknown, now)
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.requirements, f.code,
                                 f.device_id or ""))
    verification = Verification(
        job_id=job.id, job_number=job.job_number, sealed_hash=str(job.sealed_hash),
        started_at=started.isoformat(timespec="seconds"),
        finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        elapsed_s=time.perf_counter() - t0, catalog_version=str(catalog.version),
        findings=tuple(findings), requirements=requirement_table(findings, list(CHECKS)),
        devices={k: v.evidence() for k, v in sorted(probes.items())},
    )
    if record_result:
        verification = await asyncio.to_thread(_record, ctx, verification,
                                               operator or job.operator)
    sink(Event("verify", "result", code="verify.done",
               params={"differences": len(verification.differences)}, detail=verification))
    return verification


def report_digest(verification: Verification) -> str:
    body = {k: v for k, v in verification.to_json().items() if k != "followup"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def _record(ctx: AppContext, v: Verification, operator: str) -> Verification:
    with ctx.store() as store:
        step = store.append_followup(v.job_id, VERIFY_ACTION, {
            "matches": v.matches, "report_sha256": report_digest(v),
            "findings": [{"code": f.code, "device": f.device_id, "severity": f.severity,
                          "requirements": list(f.requirements)} for f in v.findings][:200],
            "catalog_version": v.catalog_version,
            "states": {d: e.get("state") for d, e in sorted(v.devices.items())},
        }, operator=operator)
    return Verification(**{**v.__dict__, "followup_idx": step.idx, "followup_hash": step.hash})


def _address(device_id: str, heard: dict[str, DeviceRecord],
             endpoints: dict[str, tuple[str, int]], recorded: tuple[str, int] | None
             ) -> DeviceAddress | None:
    r = heard.get(device_id)
    s = r.network if r is not None else None
    if s is not None and s.address and s.port:
        return DeviceAddress(device_id, s.address, s.port)
    where = endpoints.get(device_id) or recorded
    return DeviceAddress(device_id, *where) if where else None


def _sighting_json(r: DeviceRecord) -> dict[str, Any]:
    s = r.latest
    return {"device_id": r.device_id, "kind": s.kind, "manufacturer": s.manufacturer,
            "model": s.model, "address": s.address, "port": s.port,
            "transports": list(r.transports)}
