"""Comparing what the devices said with the sealed record: the findings of a verification.

Pure functions (no I/O). Each finding names the requirement IDs it concerns
(``/work/shared/guideline``: R2-2/R3-3 certification, R2-3 credentials and access control,
R2-5 personal data, R2-7/R3-6 firmware, R3-5 the record, SR2-H-2 the gateway's allow-list,
SR2-H-4 liveness and unknown devices), a severity and the evidence it rests on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from commissioner.app.verify_probe import DeviceProbe
from commissioner.app.verify_record import JobRecord, certificate_problem
from commissioner.firmware.plan import PlanAction, plan_from_identity
from commissioner.protocol.catalog_format import Catalog
from commissioner.trust.gate import Verdict, judge_model

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: Final = ("critical", "high", "medium", "low", "info")

CHECKS: Final[dict[str, tuple[str, ...]]] = {
    "devices-present": ("SR2-H-4",),
    "certification": ("R2-2", "R3-3"),
    "firmware": ("R2-7", "R3-6"),
    "credentials": ("R2-3",),
    "access-control": ("R2-3", "SR2-H-2"),
    "personal-data": ("R2-5",),
    "record": ("R3-5",),
}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    check: str  # a key of CHECKS
    severity: Severity
    requirements: tuple[str, ...]
    message: str
    device_id: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_difference(self) -> bool:
        return self.severity != "info"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "check": self.check, "severity": self.severity,
                "requirements": list(self.requirements), "message": self.message,
                "device_id": self.device_id, "evidence": dict(self.evidence)}


def _cert_reqs(level: int) -> tuple[str, ...]:
    return ("R2-2", "R3-3") if level >= 3 else ("R2-2",)


def device_findings(record: JobRecord, probes: Mapping[str, DeviceProbe],
                    catalog: Catalog | None, today: dt.date) -> list[Finding]:
    out: list[Finding] = []
    level = record.job.service_level
    grants = record.grants()
    for rec in record.devices:
        p = probes.get(rec.device_id)
        if p is None:
            continue
        ev = p.evidence()
        ident = p.identity
        if ident is None:
            out.append(Finding(
                "device-missing", "devices-present", "high", ("SR2-H-4",),
                f"{rec.device_id} did not answer"
                + ("" if p.heard else " and was not heard on the network"),
                rec.device_id, ev))
            continue
        if rec.attestation_fingerprint and ident.fingerprint != rec.attestation_fingerprint:
            same = ident.model == rec.model
            out.append(Finding(
                "device-replaced", "devices-present", "high", ("SR2-H-4", "R2-3"),
                f"{rec.device_id} now answers with another attested identity"
                + (f" (same model {ident.model}, serial {ident.serial})" if same
                   else f" (model {ident.model})"),
                rec.device_id, {**ev, "recorded_attestation_fingerprint":
                                rec.attestation_fingerprint, "recorded_serial": rec.serial}))
            continue
        if catalog is not None:
            verdict, reason = judge_model(ident, catalog, level, today)
            if verdict is not Verdict.CERTIFIED:
                out.append(Finding(f"certification-{verdict.value}", "certification",
                                   "high", _cert_reqs(level), reason, rec.device_id,
                                   {**ev, "catalog_version": catalog.version}))
            item = plan_from_identity(ident, getattr(catalog, "firmware", None))
            if item.vulnerable:
                out.append(Finding("firmware-vulnerable", "firmware", "critical",
                                   ("R2-7", "R3-6"),
                                   f"{rec.device_id} runs {ident.firmware_version}, known "
                                   f"vulnerable; latest is {item.latest}", rec.device_id,
                                   {**ev, "latest": item.latest, "advisory": item.advisory}))
            elif item.action is PlanAction.UPDATE:
                out.append(Finding("firmware-behind", "firmware", "medium", ("R2-7",),
                                   f"{rec.device_id} runs {ident.firmware_version}; latest is "
                                   f"{item.latest}", rec.device_id,
                                   {**ev, "latest": item.latest,
                                    "recorded_firmware": rec.firmware}))
        if p.default_login_works:
            out.append(Finding("default-login-enabled", "credentials", "critical", ("R2-3",),
                               f"{rec.device_id} accepts the factory default login",
                               rec.device_id, ev))
        if not rec.provisioned:
            continue
        if p.session_ok is False:
            out.append(Finding("admin-credential-refused", "credentials", "high", ("R2-3",),
                               f"{rec.device_id} refuses the job's admin credential",
                               rec.device_id, ev))
            continue
        rb = p.readback
        if rb is None:
            continue
        if rb.state != "commissioned":
            out.append(Finding("device-not-commissioned", "credentials", "high", ("R2-3",),
                               f"{rec.device_id} reports state {rb.state!r}", rec.device_id,
                               ev))
        if rec.operational_fingerprint and rb.operational_fingerprint != \
                rec.operational_fingerprint:
            out.append(Finding("operational-certificate-changed", "credentials", "high",
                               ("R2-3",), f"{rec.device_id} holds another operational "
                               "certificate than the one issued at handover", rec.device_id,
                               {**ev, "recorded": rec.operational_fingerprint}))
        if record.home_ca_fingerprint and rb.home_ca_fingerprint != record.home_ca_fingerprint:
            out.append(Finding("home-ca-changed", "credentials", "high", ("R2-3",),
                               f"{rec.device_id} trusts another home CA", rec.device_id,
                               {**ev, "recorded": record.home_ca_fingerprint}))
        if grants is not None and rb.acl_grants != grants:
            read = [] if rb.acl_grants is None else list(rb.acl_grants)
            extra = sorted(set(read) - set(grants), key=str)
            missing = sorted(set(grants) - set(read), key=str)
            out.append(Finding(
                "acl-differs", "access-control", "high", ("R2-3", "SR2-H-2"),
                f"{rec.device_id}'s ACL differs from the record"
                + (f"; added: {_grants_text(extra)}" if extra else "")
                + (f"; missing: {_grants_text(missing)}" if missing else ""),
                rec.device_id, {**ev, "recorded_acl": [{"role": r, "epoch": e}
                                                       for r, e in grants]}))
        total = sum(p.personal_data.values()) if p.personal_data else 0
        if total:  # information for the owner (R2-5); an empty inventory is no finding
            out.append(Finding("personal-data-inventory", "personal-data", "info", ("R2-5",),
                               f"{rec.device_id} holds {total} personal-data items",
                               rec.device_id, {"counts": dict(p.personal_data or {})}))
    return out


def _grants_text(grants: Sequence[tuple[str, int | None]]) -> str:
    return ", ".join(r if e is None else f"{r}@{e}" for r, e in grants)


def home_findings(record: JobRecord, probes: Mapping[str, DeviceProbe],
                  heard_unknown: Sequence[Mapping[str, Any]], now: dt.datetime
                  ) -> list[Finding]:
    out: list[Finding] = []
    for u in heard_unknown:
        out.append(Finding("unknown-device", "devices-present", "high", ("SR2-H-4",),
                           f"an unknown device {u['device_id']} is on the home network",
                           str(u["device_id"]), dict(u)))
    gw = record.gateway
    gp = probes.get(gw.device_id) if gw is not None else None
    if gw is not None and gp is not None and gp.allow_list is not None:
        recorded = {d.device_id: d.operational_fingerprint for d in record.devices
                    if d.role != "gateway" and d.provisioned}
        listed = {str(e.get("device_id")): e.get("fingerprint") for e in gp.allow_list}
        for device_id in sorted(set(listed) - set(recorded)):
            out.append(Finding("unknown-on-gateway", "access-control", "high",
                               ("SR2-H-4", "SR2-H-2"),
                               f"the gateway allows {device_id}, which is not in the record",
                               device_id, {"allow_list_entry": {
                                   "device_id": device_id, "fingerprint": listed[device_id]}}))
        for device_id in sorted(set(recorded) - set(listed)):
            out.append(Finding("missing-on-gateway", "access-control", "high", ("SR2-H-2",),
                               f"the gateway no longer allows {device_id}", device_id, {}))
        for device_id in sorted(set(recorded) & set(listed)):
            if recorded[device_id] and listed[device_id] != recorded[device_id]:
                out.append(Finding("gateway-entry-changed", "access-control", "high",
                                   ("SR2-H-2",), f"the gateway's entry for {device_id} names "
                                   "another certificate", device_id,
                                   {"listed": listed[device_id],
                                    "recorded": recorded[device_id]}))
    # No two devices share an operational key, and the job's admin credentials are distinct.
    seen: dict[str, str] = {}
    for d in record.devices:
        rb = probes[d.device_id].readback if d.device_id in probes else None
        fp = rb.operational_fingerprint if rb is not None else None
        if fp and fp in seen:
            out.append(Finding("shared-operational-key", "credentials", "critical", ("R2-3",),
                               f"{d.device_id} and {seen[fp]} present the same operational "
                               "certificate", d.device_id, {"fingerprint": fp}))
        elif fp:
            seen[fp] = d.device_id
    creds: dict[bytes, str] = {}
    for device_id, cred in sorted(record.admin_credentials.items()):
        if cred in creds:
            out.append(Finding("shared-admin-credential", "credentials", "critical", ("R2-3",),
                               f"{device_id} and {creds[cred]} share an admin credential",
                               device_id, {}))
        creds.setdefault(cred, device_id)
    for d in record.devices:
        if not d.provisioned:
            continue
        problem = certificate_problem(d.operational_cert_pem, record.home_ca_pem, now)
        if problem is not None:
            out.append(Finding("certificate-invalid", "credentials", "high", ("R2-3",),
                               f"{d.device_id}: {problem}", d.device_id, {}))
    if not record.audit.ok:
        out.append(Finding("audit-broken", "record", "critical", ("R3-5",),
                           f"the job's audit log does not verify: {record.audit}", None, {}))
    sealed = record.job.sealed_hash
    if record.anchored_seal is not None and record.anchored_seal != sealed:
        out.append(Finding("seal-mismatch", "record", "critical", ("R3-5",),
                           "the job's seal differs from the one kept in the OS keyring", None,
                           {"sealed_hash": sealed, "anchored": record.anchored_seal}))
    if not record.followup.ok:
        out.append(Finding("followup-broken", "record", "critical", ("R3-5",),
                           f"the job's follow-up log does not verify: {record.followup}", None,
                           {}))
    return out


def requirement_table(findings: Sequence[Finding], checked: Sequence[str]
                      ) -> dict[str, dict[str, Any]]:
    """Per requirement ID: passed or failed, and the findings (codes) that concern it."""
    table: dict[str, dict[str, Any]] = {}
    for check in checked:
        for req in CHECKS[check]:
            table.setdefault(req, {"passed": True, "checks": [], "findings": []})
            table[req]["checks"].append(check)
    for f in findings:
        for req in f.requirements:
            row = table.setdefault(req, {"passed": True, "checks": [], "findings": []})
            row["findings"].append(f.code)
            if f.is_difference:
                row["passed"] = False
    return dict(sorted(table.items()))
