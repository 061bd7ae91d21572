"""What the handover documents say about a job, gathered from the job store in one place.

The certified-model gate's verdicts come straight from the store (``job_devices``). What the
provisioning run and the firmware run did comes through :class:`HandoverSources`, a small
seam: :class:`StepLogSources` (the default) reads those facts from the job's step log, using
the action names documented below, and asks the provisioning package for the printable owner
invitation when it offers one. Tests, and the provisioning and firmware packages once they
provide richer APIs, pass their own sources.

Step-log conventions read by :class:`StepLogSources` (``device_id`` set on the step):

``provision.readback``
    ``{"ok": bool, "state": str, "default_credential_enabled": bool,
    "admin_credential_set": bool, "operational_certificate_fingerprint": str,
    "acl": {"entries": [{"role": str, "epoch"?: int}, ...]} | [role, ...],
    "reason"?: str}`` - the read-back comparison after provisioning (the last one counts).
``provision.gateway.allow-list`` (gateway's device id)
    ``{"devices": [{"device_id": str, "fingerprint": str}, ...]}`` - SR2-H-2.
``firmware.plan``
    ``{"current": str, "latest": str, "vulnerable": bool}`` - the plan for one device.
``firmware.update`` / ``firmware.confirmed``
    ``{"from_version": str, "to_version": str, "image_sha256": str,
    "catalog_version": str|int}`` - one confirmed update (R2-8 history).

A ``provisioning.`` prefix is accepted for ``provision.``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from commissioner.jobs.audit import AuditResult
from commissioner.jobs.models import DeviceGateState, Job, JobDevice, Step
from commissioner.jobs.store import JobStore
from commissioner.trust.catalog_data import Catalog, CertifiedModel, ModelPolicy

__all__ = [
    "DeviceFacts",
    "FirmwareFact",
    "FirmwareUpdate",
    "HandoverFacts",
    "HandoverSources",
    "OwnerInvitation",
    "ProvisioningFact",
    "StepLogSources",
    "collect_facts",
]

INVITATION_PREFIX: Final = "SHO1;"
_FIELD_RE: Final = re.compile(r"^[a-z]=[^;]*$")


@dataclass(frozen=True, slots=True)
class OwnerInvitation:
    """The owner invitation printed on the sheet. ``payload`` holds the one-time token: it
    is printed, never logged or put in a report; ``invitation_id`` and ``expires_at`` are
    public."""

    payload: str
    invitation_id: str | None = None
    expires_at: str | None = None  # UTC ISO-8601

    def __repr__(self) -> str:  # never show the token
        return f"OwnerInvitation(invitation_id={self.invitation_id!r}, expires_at={self.expires_at!r})"

    @classmethod
    def from_payload(cls, payload: str) -> OwnerInvitation:
        """Read the id and expiry from ``SHO1;h=..;g=..;i=..;t=..;e=<unix>;c=..``.

        Raises ValueError when the text is not an owner invitation."""
        if not isinstance(payload, str) or not payload.startswith(INVITATION_PREFIX):
            raise ValueError("an owner invitation starts with 'SHO1;'")
        fields: dict[str, str] = {}
        for part in payload[len(INVITATION_PREFIX):].split(";"):
            if not _FIELD_RE.match(part):
                raise ValueError("malformed owner invitation field")
            fields[part[0]] = part[2:]
        if not {"h", "i", "t", "e"} <= fields.keys():
            raise ValueError("owner invitation misses a field (h, i, t or e)")
        try:
            expires = dt.datetime.fromtimestamp(int(fields["e"]), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ValueError("owner invitation expiry is not a time") from None
        return cls(payload, fields["i"], expires.isoformat())


@dataclass(frozen=True, slots=True)
class ProvisioningFact:
    """What provisioning did to one device (never a secret)."""

    provisioned: bool
    admin_credential_set: bool | None = None
    default_credential_disabled: bool | None = None
    operational_cert_fingerprint: str | None = None
    acl: tuple[str, ...] = ()  # e.g. ("gateway", "owner@1", "commissioner")
    readback_ok: bool | None = None
    readback_detail: str | None = None
    gateway_allow_listed: bool | None = None
    evidence: tuple[int, ...] = ()  # step indices


@dataclass(frozen=True, slots=True)
class FirmwareUpdate:
    from_version: str
    to_version: str
    image_sha256: str | None
    catalog_version: str | None
    operator: str
    at: str
    step: int


@dataclass(frozen=True, slots=True)
class FirmwareFact:
    """Firmware of one device: before the job, now, the latest known, and the history."""

    before: str | None
    current: str | None
    latest: str | None
    vulnerable: bool | None = None
    updates: tuple[FirmwareUpdate, ...] = ()
    evidence: tuple[int, ...] = ()

    @property
    def is_latest(self) -> bool | None:
        if self.current is None or self.latest is None:
            return None
        return self.current == self.latest


class HandoverSources(Protocol):
    """Where the documents learn what provisioning and firmware did."""

    def provisioning(self, store: JobStore, job: Job) -> Mapping[str, ProvisioningFact]: ...

    def firmware(self, store: JobStore, job: Job) -> Mapping[str, FirmwareFact]: ...

    def invitation(self, store: JobStore, job: Job) -> OwnerInvitation | None: ...


InvitationProvider = Callable[[JobStore, Job], "OwnerInvitation | None"]


def _action(step: Step, *names: str) -> bool:
    a = step.action
    if a.startswith("provisioning."):
        a = "provision." + a[len("provisioning."):]
    return a in names


def _acl_roles(value: Any) -> tuple[str, ...]:
    entries = value.get("entries") if isinstance(value, Mapping) else value
    roles: list[str] = []
    if isinstance(entries, list):
        for e in entries:
            if isinstance(e, str):
                roles.append(e)
            elif isinstance(e, Mapping) and isinstance(e.get("role"), str):
                epoch = e.get("epoch")
                roles.append(f"{e['role']}@{epoch}" if isinstance(epoch, int) else e["role"])
    return tuple(roles)


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


class StepLogSources:
    """The default :class:`HandoverSources`: facts from the job's step log (see the module
    docstring for the action names) and the owner invitation from ``invitation_provider``,
    or else from ``commissioner.provisioning.invitation.sheet_invitation(store, job_id)``
    when the provisioning package provides it."""

    def __init__(self, invitation_provider: InvitationProvider | None = None) -> None:
        self._invitation_provider = invitation_provider

    def provisioning(self, store: JobStore, job: Job) -> Mapping[str, ProvisioningFact]:
        steps = store.steps(job.id)
        readback: dict[str, Step] = {}
        allow: dict[str, int] = {}
        for s in steps:
            if s.device_id and _action(s, "provision.readback"):
                readback[s.device_id] = s
            elif _action(s, "provision.gateway.allow-list"):
                devices = s.detail.get("devices")
                if isinstance(devices, list):
                    for d in devices:
                        dev = d.get("device_id") if isinstance(d, Mapping) else d
                        if isinstance(dev, str):
                            allow[dev] = s.idx
        out: dict[str, ProvisioningFact] = {}
        for dev, s in readback.items():
            d = s.detail
            ok = d.get("ok") is True
            default_enabled = _opt_bool(d.get("default_credential_enabled"))
            evidence = (s.idx,) + ((allow[dev],) if dev in allow else ())
            out[dev] = ProvisioningFact(
                provisioned=ok,
                admin_credential_set=_opt_bool(d.get("admin_credential_set")),
                default_credential_disabled=None if default_enabled is None else not default_enabled,
                operational_cert_fingerprint=_opt_str(d.get("operational_certificate_fingerprint")),
                acl=_acl_roles(d.get("acl")),
                readback_ok=_opt_bool(d.get("ok")),
                readback_detail=_opt_str(d.get("reason")),
                gateway_allow_listed=(dev in allow) if allow else None,
                evidence=evidence,
            )
        return out

    def firmware(self, store: JobStore, job: Job) -> Mapping[str, FirmwareFact]:
        steps = store.steps(job.id)
        plans: dict[str, Step] = {}
        updates: dict[str, list[FirmwareUpdate]] = {}
        for s in steps:
            if not s.device_id:
                continue
            if s.action == "firmware.plan":
                plans[s.device_id] = s
            elif s.action in ("firmware.update", "firmware.confirmed"):
                d = s.detail
                updates.setdefault(s.device_id, []).append(
                    FirmwareUpdate(
                        from_version=str(d.get("from_version", "")),
                        to_version=str(d.get("to_version", "")),
                        image_sha256=_opt_str(d.get("image_sha256")),
                        catalog_version=_opt_str(d.get("catalog_version")),
                        operator=s.operator, at=s.at, step=s.idx,
                    )
                )
        current = {d.device_id: d.firmware for d in store.devices(job.id)}
        out: dict[str, FirmwareFact] = {}
        for dev in set(plans) | set(updates):
            plan = plans.get(dev)
            history = tuple(updates.get(dev, ()))
            latest = _opt_str(plan.detail.get("latest")) if plan is not None else None
            before = (
                history[0].from_version if history
                else _opt_str(plan.detail.get("current")) if plan is not None else None
            )
            now = history[-1].to_version if history else current.get(dev)
            evidence = tuple(sorted({u.step for u in history} | ({plan.idx} if plan else set())))
            out[dev] = FirmwareFact(
                before=before, current=now, latest=latest,
                vulnerable=_opt_bool(plan.detail.get("vulnerable")) if plan else None,
                updates=history, evidence=evidence,
            )
        return out

    def invitation(self, store: JobStore, job: Job) -> OwnerInvitation | None:
        if self._invitation_provider is not None:
            return self._invitation_provider(store, job)
        try:
            module = importlib.import_module("commissioner.provisioning.invitation")
        except ImportError:
            return None
        provider = getattr(module, "sheet_invitation", None)
        if provider is None:
            return None
        value = provider(store, job.id)
        if value is None or isinstance(value, OwnerInvitation):
            return value
        return OwnerInvitation.from_payload(str(value))


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    device: JobDevice
    gate: DeviceGateState
    model: CertifiedModel | None  # the catalog entry of the (attested) model
    policy: ModelPolicy | None
    provisioning: ProvisioningFact | None
    firmware: FirmwareFact | None
    location: str | None = None

    @property
    def model_number(self) -> str:
        return self.gate.attested_model or self.device.model

    @property
    def manufacturer(self) -> str:
        return self.gate.attested_manufacturer or self.device.manufacturer

    @property
    def is_gateway(self) -> bool:
        return self.device.role == "gateway" or self.device.kind == "gateway"


@dataclass(frozen=True, slots=True)
class HandoverFacts:
    job: Job
    devices: tuple[DeviceFacts, ...]
    steps: tuple[Step, ...]
    audit: AuditResult
    invitation: OwnerInvitation | None
    catalog_version: int | None  # of the catalog the sheet's policies came from
    generated_at: str
    extra: Mapping[str, Any] = field(default_factory=dict)


def collect_facts(
    store: JobStore,
    job_id: str,
    *,
    catalog: Catalog | None,
    sources: HandoverSources | None = None,
    locations: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> HandoverFacts:
    """Everything the sheet and the report need about one job, read once."""
    src = sources if sources is not None else StepLogSources()
    job = store.find_job(job_id)
    devices = store.devices(job.id)
    gates = {g.device_id: g for g in store.gate_states(job.id)}
    prov = src.provisioning(store, job)
    fw = src.firmware(store, job)
    locs = locations or {}
    facts: list[DeviceFacts] = []
    for d in devices:
        gate = gates[d.device_id]
        number = gate.attested_model or d.model
        facts.append(
            DeviceFacts(
                device=d, gate=gate,
                model=catalog.find_model(number) if catalog is not None else None,
                policy=catalog.policy_for(number) if catalog is not None else None,
                provisioning=prov.get(d.device_id), firmware=fw.get(d.device_id),
                location=locs.get(d.device_id),
            )
        )
    # Gateway first, then by kind and device id: the order a person reads the home in.
    facts.sort(key=lambda f: (not f.is_gateway, f.device.kind, f.device.device_id))
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    return HandoverFacts(
        job=job, devices=tuple(facts), steps=tuple(store.steps(job.id)),
        audit=store.verify_audit(job.id), invitation=src.invitation(store, job),
        catalog_version=catalog.version if catalog is not None else None,
        generated_at=when,
    )


def policy_summary(
    devices: Sequence[DeviceFacts],
) -> tuple[tuple[str, ...], list[tuple[str, tuple[str, ...], tuple[str, ...]]], list[str]]:
    """(must-not items common to every installed model, per-model rows
    ``(model, extra must-not, may)``, models without a policy), models in first-seen order."""
    policies: dict[str, ModelPolicy | None] = {}
    for f in devices:
        policies.setdefault(f.model_number, f.policy)
    known = [p for p in policies.values() if p is not None]
    common: list[str] = []
    if known:
        for item in known[0].owner_must_not_change:
            if all(item in p.owner_must_not_change for p in known[1:]):
                common.append(item)
    rows: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    missing: list[str] = []
    for number, p in policies.items():
        if p is None:
            missing.append(number)
            continue
        extra = tuple(i for i in p.owner_must_not_change if i not in common)
        rows.append((number, extra, p.owner_may_change))
    return tuple(common), rows, missing
