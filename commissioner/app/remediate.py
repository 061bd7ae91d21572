"""Remediation after handover (issue 12): from a verification finding, the matching action.

* ``firmware`` - the latest signed firmware on one device (the firmware use case,
  :func:`commissioner.app.firmware.update_firmware`, run on the sealed job);
* ``reprovision`` - one device back to the job's ACL with its default login off (a device
  found in factory state is provisioned again with the job's own admin credential and a new
  operational certificate from the home CA), and its gateway entry as recorded;
* ``remove-unknown`` - a device the record does not know leaves the gateway's allow-list;
* ``replace`` - a new genuine unit (attested, certified model, its box label) takes a recorded
  device's place; the old unit leaves the job.

The sealed log stays sealed: every remediation is recorded in the job's follow-up log
(``remediate.started`` before anything is sent, then ``remediate.<result>``), and a new
verification runs after it (itself recorded). Verification never changes anything; only a
remediation does, and only the device the finding names.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from commissioner.app.context import AppContext, find_job
from commissioner.app.events import Event, EventSink, ignore
from commissioner.app.remediate_ops import (
    RemediationFailedError,
    UnitCredentials,
    confirm,
    fix_gateway_entry,
    identify_unit,
    provision_unit,
    reapply,
)
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.app.verify import (
    DEFAULT_TIMEOUT,
    HeldCredentials,
    Verification,
    _address,
    read_record,
    verify_job,
)
from commissioner.app.verify_record import (
    FIRMWARE_ACTION,
    REPLACED_ACTION,
    REPROVISIONED_ACTION,
    JobRecord,
    RecordedDevice,
)
from commissioner.backends.base import AclIntent, DeviceAddress, DeviceBackend
from commissioner.backends.registry import backend_for
from commissioner.errors import UserError
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.label import Label
from commissioner.provisioning.home_ca import HomeCA

ACTIONS: Final = ("firmware", "reprovision", "remove-unknown", "replace")
FINDING_ACTIONS: Final[dict[str, str]] = {
    "firmware-behind": "firmware", "firmware-vulnerable": "firmware",
    "acl-differs": "reprovision", "default-login-enabled": "reprovision",
    "device-not-commissioned": "reprovision", "home-ca-changed": "reprovision",
    "admin-credential-refused": "reprovision", "missing-on-gateway": "reprovision",
    "gateway-entry-changed": "reprovision",
    "unknown-on-gateway": "remove-unknown", "unknown-device": "remove-unknown",
    "device-replaced": "replace",
}
NO_ACTION: Final[dict[str, str]] = {
    "device-missing": "power the device and check its network; if it is gone for good, put a "
                      "new unit in its place and run `remediate ... replace DEVICE`",
    "certification-revoked": "replace the device with a certified model",
    "certification-expired": "replace the device with a certified model",
    "certification-not-certified": "replace the device with a certified model",
    "shared-operational-key": "re-provision each device named",
    "audit-broken": "the record itself is damaged: restore the job store from a bundle",
    "seal-mismatch": "the record itself is damaged: restore the job store from a bundle",
    "followup-broken": "the record itself is damaged: restore the job store from a bundle",
}
STARTED: Final = "remediate.started"
FAILED: Final = "remediate.failed"
REMOVED: Final = "remediate.removed"


@dataclass(frozen=True)
class Remediation:
    job_id: str
    action: str
    finding: str
    device_id: str
    detail: dict[str, Any]
    followup_idx: int
    verification: Verification | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "action": self.action, "finding": self.finding,
                "device_id": self.device_id, "detail": self.detail,
                "followup_idx": self.followup_idx,
                "verification": None if self.verification is None
                else self.verification.to_json()}


def action_for(finding_or_action: str) -> str:
    """The remediation a finding code calls for (an action name is taken as it is)."""
    if finding_or_action in ACTIONS:
        return finding_or_action
    action = FINDING_ACTIONS.get(finding_or_action)
    if action is not None:
        return action
    hint = NO_ACTION.get(finding_or_action)
    if hint is not None:
        raise UserError(
            code="remediate.no-device-action",
            params={"finding": finding_or_action, "advice": hint})
    raise UserError(
        code="remediate.unknown-finding",
        params={"finding": finding_or_action[:48], "actions": ", ".join(ACTIONS)})


def _acl(record: JobRecord) -> AclIntent:
    if record.home_ca_pem is None or record.home_ca_fingerprint is None or \
            record.owner_epoch is None:
        raise UserError(code="remediate.no-home-ca")
    return AclIntent(record.home_ca_pem.decode("ascii"), record.home_ca_fingerprint,
                     record.owner_epoch)


class _Visit:
    """One remediation: the record, credentials, device seam and follow-up log."""

    def __init__(self, ctx: AppContext, record: JobRecord, creds: HeldCredentials,
                 backend: DeviceBackend, catalog: Catalog, operator: str,
                 timeout: float, labels: Mapping[str, Label]) -> None:
        self.ctx, self.record, self.creds, self.backend = ctx, record, creds, backend
        self.catalog, self.operator, self.timeout = catalog, operator, timeout
        self.labels = labels
        self.job_id = record.job.id

    def log(self, action: str, device_id: str, detail: Mapping[str, Any]) -> int:
        with self.ctx.store() as store:
            return store.append_followup(self.job_id, action, dict(detail),
                                         device_id=device_id, operator=self.operator).idx

    def address(self, device_id: str, recorded: tuple[str, int] | None) -> DeviceAddress:
        found = _address(device_id, {}, self.ctx.site.endpoints(), recorded)
        if found is None:
            raise UserError(code="remediate.no-address", params={"device_id": device_id})
        return found

    def device(self, device_id: str) -> RecordedDevice:
        rec = self.record.device(device_id)
        if rec is None:
            raise UserError(
                code="remediate.not-job-device",
                params={"device_id": device_id, "job_id": self.job_id})
        return rec

    def unit(self, device_id: str, label: Label | None = None) -> UnitCredentials:
        return UnitCredentials(self.creds.client, self.creds.admin.get(device_id), label)

    async def gateway(self, change: Any, authenticate: str | None = None) -> dict[str, Any]:
        gw = self.record.gateway
        if gw is None:
            raise UserError(code="remediate.no-gateway")
        return await fix_gateway_entry(
            self.backend, self.address(gw.device_id, gw.address), self.unit(gw.device_id),
            gw.attestation_fingerprint, change, self.timeout, authenticate)

    # --- the actions ---------------------------------------------------------------------

    async def reprovision(self, device_id: str) -> tuple[str, dict[str, Any]]:
        rec = self.device(device_id)
        acl = _acl(self.record)
        if rec.role == "gateway":
            raise UserError(code="remediate.gateway-new-job")
        admin = self.creds.admin.get(device_id)
        if admin is None or rec.operational_fingerprint is None:
            raise UserError(code="remediate.no-device-credential", params={"device_id": device_id})
        address = self.address(device_id, rec.address)
        state = (await identify_unit(self.backend, address, self.timeout)).commissioning_state
        detail: dict[str, Any] = {}
        if state == "factory":  # reset: provision again, same credential, new certificate
            label = self._label(device_id)
            session = await self.backend.open_session(
                address, UnitCredentials(None, None, label), timeout=self.timeout,
                expected_fingerprint=rec.attestation_fingerprint, check_identity=True)
            async with session:
                pem, fp = await provision_unit(session, device_id, admin, self._ca(), acl)
            detail.update(operational_fingerprint=fp, operational_cert_pem=pem)
            detail["readback"] = await confirm(self.backend, address, self.unit(device_id),
                                               rec.attestation_fingerprint, fp, acl,
                                               self.timeout)
        else:
            fp = rec.operational_fingerprint
            detail["readback"] = await reapply(self.backend, address, self.unit(device_id),
                                               rec.attestation_fingerprint, fp, acl,
                                               self.timeout)
        detail["gateway"] = await self.gateway(
            lambda entries: _with_entry(entries, device_id, fp), authenticate=device_id)
        return REPROVISIONED_ACTION, detail

    async def remove_unknown(self, device_id: str) -> tuple[str, dict[str, Any]]:
        if self.record.device(device_id) is not None:
            raise UserError(code="remediate.known-device", params={"device_id": device_id})
        seen: list[bool] = []

        def without(entries: list[dict[str, str]]) -> list[dict[str, str]]:
            seen.append(any(e["device_id"] == device_id for e in entries))
            return [e for e in entries if e["device_id"] != device_id]

        detail = await self.gateway(without)
        detail["was_listed"] = bool(seen and seen[0])
        detail["note"] = ("the unit itself is still on the home network until someone "
                          "unplugs it")
        return REMOVED, detail

    async def replace(self, device_id: str, new_id: str | None) -> tuple[str, dict[str, Any]]:
        from commissioner.trust.gate import Verdict, judge_model

        old = self.device(device_id)
        if old.role == "gateway":
            raise UserError(code="remediate.gateway-new-job")
        new_id = new_id or device_id
        if new_id != device_id and self.record.device(new_id) is not None:
            raise UserError(code="remediate.already-in-job", params={"device_id": new_id})
        acl = _acl(self.record)
        address = self.address(new_id, old.address if new_id == device_id else None)
        ident = await identify_unit(self.backend, address, self.timeout)
        if ident.fingerprint == old.attestation_fingerprint:
            raise UserError(code="remediate.same-unit", params={"device_id": device_id})
        if ident.kind != old.kind or ident.role != "device":
            raise UserError(
                code="replace.kind-differs",
                params={"new_id": ident.device_id, "new_kind": ident.kind, "device_id": device_id,
                        "old_kind": old.kind})
        verdict, reason = judge_model(ident, self.catalog, self.record.job.service_level,
                                      _today())
        if verdict is not Verdict.CERTIFIED:
            raise UserError(code="remediate.new-unit-uncertified", params={"detail": reason})
        label = self._label(new_id)
        admin = secrets.token_bytes(32)
        self._keep_admin(new_id, admin)  # stored before it is ever sent
        self.log(STARTED, new_id, {"action": "replace-unit", "replaces": device_id,
                                   "attestation_fingerprint": ident.fingerprint})
        session = await self.backend.open_session(
            address, UnitCredentials(None, None, label), timeout=self.timeout,
            expected_fingerprint=ident.fingerprint, check_identity=True)
        async with session:
            pem, fp = await provision_unit(session, new_id, admin, self._ca(), acl)
        creds = UnitCredentials(self.creds.client, admin)
        readback = await confirm(self.backend, address, creds, ident.fingerprint, fp, acl,
                                 self.timeout)

        def swap(entries: list[dict[str, str]]) -> list[dict[str, str]]:
            kept = [e for e in entries if e["device_id"] not in (device_id, new_id)]
            return sorted([*kept, {"device_id": new_id, "fingerprint": fp}], key=_entry_key)

        gateway = await self.gateway(swap, authenticate=new_id)
        return REPLACED_ACTION, {
            "replaces": device_id, "retired_attestation_fingerprint":
                old.attestation_fingerprint, "retired_serial": old.serial,
            "attestation_fingerprint": ident.fingerprint, "serial": ident.serial,
            "model": ident.model, "kind": ident.kind, "manufacturer": ident.manufacturer,
            "firmware": ident.firmware_version, "operational_fingerprint": fp,
            "operational_cert_pem": pem, "readback": readback, "gateway": gateway}

    # --- helpers -------------------------------------------------------------------------

    def _label(self, device_id: str) -> Label:
        label = self.labels.get(device_id)
        if label is None:
            raise UserError(code="remediate.no-box-label", params={"device_id": device_id})
        return label

    def _ca(self) -> HomeCA:
        from commissioner.secrets.job_vault import open_vault

        with self.ctx.store() as store:
            return HomeCA.from_vault(open_vault(store), self.job_id)

    def _keep_admin(self, device_id: str, admin: bytes) -> None:
        from commissioner.jobs.store_followup import FOLLOWUP_SECRET_PREFIX
        from commissioner.provisioning.job_secrets import admin_secret_name
        from commissioner.secrets.job_vault import open_vault

        name = FOLLOWUP_SECRET_PREFIX + admin_secret_name(device_id)
        with self.ctx.store() as store:
            nonce, ciphertext = open_vault(store).seal(self.job_id, name, admin)
            store.put_followup_secret(self.job_id, name, nonce, ciphertext)


def _entry_key(e: Mapping[str, str]) -> str:
    return str(e["device_id"])


def _with_entry(entries: list[dict[str, str]], device_id: str, fp: str
                ) -> list[dict[str, str]]:
    kept = [e for e in entries if e["device_id"] != device_id]
    return sorted([*kept, {"device_id": device_id, "fingerprint": fp}], key=_entry_key)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _labels(ctx: AppContext, labels_dir: Path | None, device_id: str) -> dict[str, Label]:
    from commissioner.app.site import read_label_folder

    if labels_dir is not None:
        return {lb.device_id: lb for lb in read_label_folder(labels_dir, [device_id])}
    return ctx.site.box_labels([device_id])


async def remediate(
    ctx: AppContext,
    job_ref: str,
    finding: str,
    device_id: str,
    *,
    new_device_id: str | None = None,
    labels_dir: Path | None = None,
    online: bool = True,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    operator: str | None = None,
    verify_after: bool = True,
    sink: EventSink = ignore,
) -> Remediation:
    """Run the action ``finding`` calls for on ``device_id`` of a handed-over job, record it
    in the follow-up log and verify the home again."""
    ctx.require("remediate")
    action = action_for(finding)
    if not 0 < timeout <= 120:
        raise UserError(
            code="value.out-of-range", params={"option": "--timeout", "low": 0, "high": 120})
    record, creds = await asyncio.to_thread(read_record, ctx, job_ref, with_credentials=True)
    assert creds is not None
    job = record.job
    who = operator or job.operator
    if creds.client is None:
        raise UserError(code="remediate.no-credentials")
    from commissioner.trust.catalog import CatalogError

    try:
        catalog = await asyncio.to_thread(ctx.catalog, online=online)
    except CatalogError as err:
        raise UserError(code="remediate.needs-catalog", params={"detail": err.message}) from None
    labels = await asyncio.to_thread(_labels, ctx, labels_dir, new_device_id or device_id)
    backend = backend_for(manufacturer_trust(ctx, catalog=catalog))
    visit = _Visit(ctx, record, creds, backend, catalog, who, timeout, labels)
    sink(Event("remediate", "plan", device_id, code="remediate.start",
               params={"action": action, "finding": finding}))
    lease = await asyncio.to_thread(_lease, ctx, job.id, action)
    try:
        await asyncio.to_thread(visit.log, STARTED, device_id,
                                {"action": action, "finding": finding})
        try:
            if action == "firmware":
                result, detail = await _firmware(ctx, visit, device_id, online, timeout)
            elif action == "reprovision":
                result, detail = await visit.reprovision(device_id)
            elif action == "remove-unknown":
                result, detail = await visit.remove_unknown(device_id)
            else:
                result, detail = await visit.replace(device_id, new_device_id)
        except DeviceProtocolError as err:
            failed = RemediationFailedError(f"{device_id}: {err}",
                                            hint="run the remediation again")
            await asyncio.to_thread(visit.log, FAILED, device_id, {
                "action": action, "finding": finding, "reason": str(err)[:300]})
            raise failed from None
        except UserError as err:
            await asyncio.to_thread(visit.log, FAILED, device_id, {
                "action": action, "finding": finding, "reason": str(err)[:300]})
            raise
        detail = {"action": action, "finding": finding, **detail}
        idx = await asyncio.to_thread(visit.log, result, new_device_id or device_id, detail)
    finally:
        await asyncio.to_thread(_release, ctx, lease)
    sink(Event("remediate", "result", device_id, code=result, params={"action": action}))
    verification = None
    if verify_after:
        verification = await verify_job(ctx, job.id, online=online, timeout=timeout,
                                        operator=who, sink=sink)
    return Remediation(job.id, action, finding, new_device_id or device_id,
                       {k: v for k, v in detail.items() if k != "operational_cert_pem"}, idx,
                       verification)


async def _firmware(ctx: AppContext, visit: _Visit, device_id: str, online: bool,
                    timeout: float) -> tuple[str, dict[str, Any]]:  # noqa: ASYNC109
    from commissioner.app.firmware import update_firmware

    visit.device(device_id)
    creds = visit.unit(device_id)
    run = await update_firmware(ctx, visit.job_id, device_ids=[device_id], offline=not online,
                                timeout=timeout, sealed=True, access=creds)
    if not run.results and run.failures:
        raise RemediationFailedError(
            code="remediate.failed", params={"device_id": device_id, "detail": run.failures[0][1]})
    result = next((r for r in run.results if r.device_id == device_id), None)
    plan = next((p for p in run.plan if p.device_id == device_id), None)
    if result is None:
        why = plan.action.value if plan is not None else "not reached"
        raise RemediationFailedError(
            code="remediate.no-update-run", params={"device_id": device_id, "why": why})
    detail = {"outcome": result.outcome.value, "from_version": result.from_version,
              "to_version": result.to_version, "running_version": result.running_version,
              "image_sha256": result.image_sha256, "reason": result.reason,
              "catalog_version": run.catalog_version}
    if result.outcome.value not in ("updated", "current"):
        raise RemediationFailedError(
            code="remediate.update-ended",
            params={"device_id": device_id, "outcome": result.outcome.value,
                    "detail": result.reason})
    return FIRMWARE_ACTION, detail


def _lease(ctx: AppContext, job_id: str, action: str) -> Any:
    """One run changes a job at a time: the job's lease for the remediation (the firmware
    use case takes its own)."""
    if action == "firmware":
        return None
    store = ctx.open_store()
    try:
        find_job(store, job_id)
        store.acquire_job_lock(job_id, "remediate")
    except BaseException:
        store.close()
        raise
    return store


def _release(ctx: AppContext, lease: Any) -> None:
    if lease is not None:
        lease.close()
