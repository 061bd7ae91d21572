"""What the handover documents say about a job, gathered from the job store in one place.

The certified-model gate's verdicts come from ``job_devices``; what provisioning did from
``provisioning_devices`` / ``provisioning_steps`` (schema v4); the firmware versions and update
history from ``firmware_status`` / ``firmware_history`` (schema v5). All of that goes through
:class:`HandoverSources`, a small seam whose default, :class:`StoreSources`, reads those
tables. The printable owner invitation needs the token, which only the provisioning package
can decrypt: :class:`StoreSources` takes an ``invitation_provider`` or else decrypts the
job's active invitation from its vault (:func:`stored_invitation`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from commissioner.documents.personal_data_checks import latest_inventories
from commissioner.jobs.audit import AuditResult
from commissioner.jobs.models import DeviceGateState, Job, JobDevice, Step
from commissioner.jobs.store import JobStore
from commissioner.protocol.catalog_format import Catalog, CertifiedModel, ModelPolicy
from commissioner.provisioning.invitation import (
    MalformedInvitationError,
    decode_invitation_qr,
    takeover_code_of,
)
from commissioner.provisioning.run import active_invitation, owner_invitation_payload
from commissioner.secrets.job_vault import open_vault
from commissioner.trust.jcstar import JcStarEvidence
from commissioner.trust.jcstar import evidence as jcstar_evidence
from commissioner.trust.unattested import MODEL_MATCHED_NOT_ATTESTED as UNATTESTED_VERDICT

__all__ = [
    "DeviceFacts",
    "FirmwareFact",
    "FirmwareUpdate",
    "HandoverFacts",
    "HandoverSources",
    "OwnerInvitation",
    "ProvisioningFact",
    "StoreSources",
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
    code: str | None = None  # the typed form (``1234-5678-90123``), a secret like the token

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        moment = now or dt.datetime.now(dt.UTC)
        return moment >= dt.datetime.fromisoformat(self.expires_at)

    def __repr__(self) -> str:  # never show the token
        return (f"OwnerInvitation(invitation_id={self.invitation_id!r}, "
                f"expires_at={self.expires_at!r})")

    @classmethod
    def from_payload(cls, payload: str) -> OwnerInvitation:
        """Read the id and expiry from an owner invitation QR payload (``SHO1;...``).

        Raises ValueError when the text is not a well-formed owner invitation."""
        try:
            inv = decode_invitation_qr(payload)
        except MalformedInvitationError as exc:
            raise ValueError(str(exc)) from None
        return cls(payload, inv.invitation_id, inv.expires_at.isoformat(), takeover_code_of(inv))


@dataclass(frozen=True, slots=True)
class ProvisioningFact:
    """What provisioning did to one device (never a secret)."""

    provisioned: bool
    admin_credential_set: bool | None = None
    default_credential_disabled: bool | None = None
    operational_cert_fingerprint: str | None = None
    acl: tuple[str, ...] = ()  # e.g. ("gateway", "owner@1", "commissioner")
    acl_source: str | None = None  # "read-back" (the device said so) or "written"
    readback_ok: bool | None = None
    readback_detail: str | None = None
    gateway_authenticated: bool | None = None
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


def _acl_facts(steps: Mapping[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """The ACL as the device read it back (its ``readback`` step), else as it was written
    (the ``acl`` step: roles and the owner epoch)."""
    rb = steps.get("readback")
    if rb is not None and rb.done and isinstance(rb.detail.get("acl"), list):
        return _acl_roles(rb.detail["acl"]), "read-back"
    acl = steps.get("acl")
    if acl is None or not acl.done:
        return (), None
    roles = acl.detail.get("roles")
    epoch = acl.detail.get("owner_epoch")
    if isinstance(roles, list):
        return _acl_roles([{"role": r, "epoch": epoch} if r == "owner" else {"role": r}
                           for r in roles if isinstance(r, str)]), "written"
    return _acl_roles(acl.detail.get("entries")), "written"


class StoreSources:
    """The default :class:`HandoverSources`: the provisioning and firmware tables of the job
    store, and the owner invitation from ``invitation_provider`` (or the provisioning
    package's ``sheet_invitation`` hook)."""

    def __init__(self, invitation_provider: InvitationProvider | None = None) -> None:
        self._invitation_provider = invitation_provider

    def provisioning(self, store: JobStore, job: Job) -> Mapping[str, ProvisioningFact]:
        rows = store.provisioning_devices(job.id)
        steps: dict[str, dict[str, Any]] = {}
        for ps in store.provisioning_steps(job.id):
            steps.setdefault(ps.device_id, {})[ps.step] = ps
        evidence: dict[str, list[int]] = {}
        for s in store.steps(job.id):
            if s.device_id and s.action in ("provision.done", "provision.provisioned",
                                            "provision.failed"):
                evidence.setdefault(s.device_id, []).append(s.idx)
        out: dict[str, ProvisioningFact] = {}
        for p in rows:
            mine = steps.get(p.device_id, {})

            def done(name: str, mine: Mapping[str, Any] = mine) -> bool | None:
                step = mine.get(name)
                return True if step is not None and step.done else None

            roles, acl_source = _acl_facts(mine)
            if done("readback"):
                readback: bool | None = True
            elif p.status == "failed" and "readback" in (p.reason_code or ""):
                readback = False
            else:
                readback = None
            out[p.device_id] = ProvisioningFact(
                provisioned=p.status == "provisioned",
                admin_credential_set=done("admin-credential"),
                default_credential_disabled=done("default-credential"),
                operational_cert_fingerprint=p.operational_fingerprint,
                acl=roles,
                acl_source=acl_source,
                readback_ok=readback,
                readback_detail=p.reason if p.status != "provisioned" else None,
                gateway_authenticated=p.gateway_auth,
                evidence=tuple(evidence.get(p.device_id, ())),
            )
        return out

    def firmware(self, store: JobStore, job: Job) -> Mapping[str, FirmwareFact]:
        statuses = {s.device_id: s for s in store.firmware_statuses(job.id)}
        evidence: dict[str, list[int]] = {}
        updated_steps: dict[str, list[int]] = {}
        for s in store.steps(job.id):
            if s.device_id and s.action in ("firmware.checked", "firmware.updated"):
                evidence.setdefault(s.device_id, []).append(s.idx)
                if s.action == "firmware.updated":
                    updated_steps.setdefault(s.device_id, []).append(s.idx)
        history: dict[str, list[FirmwareUpdate]] = {}
        for h in store.firmware_history(job.id):
            if h.result == "updated":
                mine = history.setdefault(h.device_id, [])
                logged = updated_steps.get(h.device_id, [])
                mine.append(FirmwareUpdate(
                    from_version=h.from_version, to_version=h.to_version,
                    image_sha256=h.image_sha256, catalog_version=h.catalog_version,
                    operator=h.operator, at=h.at,
                    step=logged[len(mine)] if len(mine) < len(logged) else -1,
                ))
        out: dict[str, FirmwareFact] = {}
        for dev in set(statuses) | set(history):
            st = statuses.get(dev)
            updates = tuple(history.get(dev, ()))
            before = updates[0].from_version if updates else (st.version if st else None)
            out[dev] = FirmwareFact(
                before=before,
                current=st.version if st else updates[-1].to_version,
                latest=st.latest if st else None,
                vulnerable=st.vulnerable if st else None,
                updates=updates,
                evidence=tuple(evidence.get(dev, ())),
            )
        return out

    def invitation(self, store: JobStore, job: Job) -> OwnerInvitation | None:
        if self._invitation_provider is not None:
            return self._invitation_provider(store, job)
        return stored_invitation(store, job)


def stored_invitation(store: JobStore, job: Job) -> OwnerInvitation | None:
    """The job's active owner invitation with its token, decrypted from the job's vault (the
    OS keyring must be available); None when the home has not been commissioned yet."""
    if active_invitation(store, job.id) is None:
        return None
    payload = owner_invitation_payload(store, open_vault(store), job.id)
    return OwnerInvitation.from_payload(payload)


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    device: JobDevice
    gate: DeviceGateState
    model: CertifiedModel | None  # the catalog entry of the (attested) model
    policy: ModelPolicy | None
    provisioning: ProvisioningFact | None
    firmware: FirmwareFact | None
    location: str | None = None
    # Kinds of personal data the device reported it keeps (its inventory's keys, as asked of
    # the device); empty when no inventory was read.
    data_kinds: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Certified by the gate and provisioned (read back): may be listed to the owner."""
        return (self.gate.verdict == "certified" and not self.gate.blocked
                and self.provisioning is not None
                and self.provisioning.provisioned)

    @property
    def model_number(self) -> str:
        return self.gate.attested_model or self.device.model

    @property
    def manufacturer(self) -> str:
        return self.gate.attested_manufacturer or self.device.manufacturer

    @property
    def is_gateway(self) -> bool:
        return self.device.role == "gateway" or self.device.kind == "gateway"

    @property
    def identify_only(self) -> bool:
        """Equipment of a family that cannot attest its identity (ECHONET Lite)."""
        return self.device.family == "echonet-lite"

    @property
    def unattested_allowed(self) -> bool:
        """Identified without attestation, and the catalog's policy allows it at this level:
        it is not provisioned or updated by the app and does not block the handover."""
        return (self.identify_only and self.gate.verdict == UNATTESTED_VERDICT
                and not self.gate.blocked)


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
    jcstar: tuple[JcStarEvidence, ...] = ()  # JC-STAR labels recorded as evidence

    @property
    def unattested(self) -> tuple[DeviceFacts, ...]:
        """Equipment identified without attestation (whatever its verdict)."""
        return tuple(f for f in self.devices if f.identify_only)


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
    src = sources if sources is not None else StoreSources()
    job = store.find_job(job_id)
    devices = store.devices(job.id)
    gates = {g.device_id: g for g in store.gate_states(job.id)}
    prov = src.provisioning(store, job)
    fw = src.firmware(store, job)
    locs = locations or {}
    inventories = latest_inventories(store, job.id)
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
                data_kinds=tuple(sorted(inventories.get(d.device_id, {}))),
            )
        )
    # Gateway first, then by kind and device id: the order a person reads the home in.
    facts.sort(key=lambda f: (not f.is_gateway, f.device.kind, f.device.device_id))
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    return HandoverFacts(
        job=job, devices=tuple(facts), steps=tuple(store.steps(job.id)),
        audit=store.verify_audit(job.id), invitation=src.invitation(store, job),
        catalog_version=catalog.version if catalog is not None else None,
        generated_at=when, jcstar=tuple(jcstar_evidence(store, job.id)),
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
