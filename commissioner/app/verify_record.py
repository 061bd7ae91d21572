"""What the sealed job says about the home: the record a verification compares against.

Read from the job store only (the sealed record, amended by the remediation entries of
its follow-up log) (and the job's vault for the credentials it needs to ask the
devices); nothing here talks to a device.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from cryptography import x509

from commissioner.jobs.audit import AuditResult
from commissioner.jobs.models import Job, JobDevice, Step
from commissioner.jobs.store import JobStore


@dataclass(frozen=True, slots=True)
class RecordedDevice:
    device_id: str
    role: str
    kind: str
    manufacturer: str
    model: str
    serial: str | None
    address: tuple[str, int] | None
    attestation_fingerprint: str | None  # from the certification step
    operational_fingerprint: str | None  # issued at commissioning
    operational_cert_pem: str | None
    provisioned: bool
    firmware: str | None  # last version verified on the device


@dataclass(frozen=True)
class JobRecord:
    job: Job
    devices: tuple[RecordedDevice, ...]
    home_ca_fingerprint: str | None
    owner_epoch: int | None
    audit: AuditResult
    anchored_seal: str | None
    followup: AuditResult
    home_ca_pem: bytes | None = None
    admin_credentials: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(d.device_id for d in self.devices)

    def device(self, device_id: str) -> RecordedDevice | None:
        return next((d for d in self.devices if d.device_id == device_id), None)

    @property
    def gateway(self) -> RecordedDevice | None:
        return next((d for d in self.devices if d.role == "gateway"), None)

    def grants(self) -> tuple[tuple[str, int | None], ...] | None:
        """The ACL every commissioned device must show (as the seam's read-back sorts it)."""
        if self.owner_epoch is None:
            return None
        return tuple(sorted((("gateway", None), ("owner", self.owner_epoch),
                             ("commissioner", None)), key=lambda t: t[0]))


def _address(d: JobDevice) -> tuple[str, int] | None:
    return (d.address, d.port) if d.address and d.port else None


def load_record(store: JobStore, job: Job) -> JobRecord:
    gate = {g.device_id: g for g in store.gate_states(job.id)}
    prov = {p.device_id: p for p in store.provisioning_devices(job.id)}
    fw = {f.device_id: f for f in store.firmware_statuses(job.id)}
    home_ca: str | None = None
    epoch: int | None = None
    for ps in store.provisioning_steps(job.id):
        if ps.step == "acl" and ps.done:
            fp, ep = ps.detail.get("home_ca_fingerprint"), ps.detail.get("owner_epoch")
            home_ca = fp if isinstance(fp, str) else home_ca
            epoch = ep if isinstance(ep, int) and not isinstance(ep, bool) else epoch
    devices = []
    for d in store.devices(job.id):
        g, p, f = gate.get(d.device_id), prov.get(d.device_id), fw.get(d.device_id)
        if g is not None and g.replace_flag:
            continue
        devices.append(RecordedDevice(
            device_id=d.device_id, role=d.role, kind=d.kind, manufacturer=d.manufacturer,
            model=(g.attested_model if g is not None and g.attested_model else d.model),
            serial=d.serial, address=_address(d),
            attestation_fingerprint=g.cert_fingerprint if g is not None else None,
            operational_fingerprint=p.operational_fingerprint if p is not None else None,
            operational_cert_pem=p.operational_cert if p is not None else None,
            provisioned=p is not None and p.status == "provisioned",
            firmware=f.version if f is not None else None,
        ))
    followup = store.verify_followup(job.id)
    if followup.ok:
        devices = amended(devices, store.followup_steps(job.id))
    return JobRecord(job=job, devices=tuple(devices), home_ca_fingerprint=home_ca,
                     owner_epoch=epoch, audit=store.verify_audit(job.id),
                     anchored_seal=store.anchored_seal(job.id), followup=followup)


REPLACED_ACTION: Final = "remediate.replaced"
REPROVISIONED_ACTION: Final = "remediate.reprovisioned"
FIRMWARE_ACTION: Final = "remediate.firmware"


def amended(devices: list[RecordedDevice], steps: Sequence[Step]) -> list[RecordedDevice]:
    """The sealed device list with what remediation visits changed since (follow-up log):
    a replacement unit takes the old one's place, a re-provisioned device holds a new
    operational certificate, an update leaves a device on a new firmware version."""
    by_id = {d.device_id: d for d in devices}
    for step in steps:
        detail = step.detail
        device_id = step.device_id
        if device_id is None:
            continue
        if step.action == REPLACED_ACTION:
            old = by_id.pop(str(detail.get("replaces") or device_id), None)
            if old is None:
                continue
            by_id[device_id] = replace(
                old, device_id=device_id, model=str(detail.get("model") or old.model),
                serial=_text(detail.get("serial")),
                attestation_fingerprint=_text(detail.get("attestation_fingerprint")),
                operational_fingerprint=_text(detail.get("operational_fingerprint")),
                operational_cert_pem=_text(detail.get("operational_cert_pem")),
                provisioned=True, firmware=_text(detail.get("firmware")))
        elif step.action == REPROVISIONED_ACTION and device_id in by_id and \
                isinstance(detail.get("operational_fingerprint"), str):
            by_id[device_id] = replace(
                by_id[device_id],
                operational_fingerprint=_text(detail.get("operational_fingerprint")),
                operational_cert_pem=_text(detail.get("operational_cert_pem")), provisioned=True)
        elif step.action == FIRMWARE_ACTION and device_id in by_id and \
                isinstance(detail.get("running_version"), str):
            by_id[device_id] = replace(by_id[device_id],
                                       firmware=_text(detail.get("running_version")))
    return sorted(by_id.values(), key=lambda d: d.device_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def certificate_problem(pem: str | None, home_ca_pem: bytes | None,
                        now: dt.datetime) -> str | None:
    """None when the recorded operational certificate is valid now and issued by the home CA
    (checked with the CA's public key); else a sentence."""
    if pem is None:
        return "no operational certificate was recorded"
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return "the recorded operational certificate is unreadable"
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return f"the operational certificate is not valid now (until " \
               f"{cert.not_valid_after_utc.date().isoformat()})"
    if home_ca_pem is not None:
        try:
            ca = x509.load_pem_x509_certificate(home_ca_pem)
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError):
            return "the operational certificate was not issued by the home CA"
        except Exception:  # noqa: BLE001 - InvalidSignature and friends
            return "the operational certificate was not issued by the home CA"
    return None
