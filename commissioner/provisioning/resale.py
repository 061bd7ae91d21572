"""Resale (R2-4): revoke the current owner and invite the next one, on every device of the
job through its backend."""

from __future__ import annotations

import asyncio

from commissioner.backends import AclIntent, DeviceSession, TrustStore
from commissioner.backends.errors import is_transient
from commissioner.errors import UserError
from commissioner.jobs.models import OwnerInvitation
from commissioner.jobs.store import JobStore
from commissioner.provisioning.engine import ProvisioningRun, Target
from commissioner.provisioning.failures import classify
from commissioner.provisioning.invitation import new_invitation
from commissioner.provisioning.job_secrets import (
    active_invitation,
    admin_credential,
    invitation_secret_name,
)
from commissioner.provisioning.outcomes import DEVICE_STEPS, RunOptions
from commissioner.secrets.vault import SecretVault

__all__ = ["revoke_and_reissue_owner"]


async def revoke_and_reissue_owner(
    store: JobStore,
    vault: SecretVault,
    job_id: str,
    trust: TrustStore,
    options: RunOptions | None = None,
) -> OwnerInvitation:
    """Revoke the current owner (resale, R2-4): bump the owner epoch in the ACL of every
    provisioned device and the gateway, revoke the old invitation and issue a new one.

    Owner certificates of older epochs are refused by every device from then on. Resumable
    like the main run (steps ``owner-epoch-<N>`` and ``invitation-<N>``). Raises UserError if
    a device or the gateway could not be updated (run it again once it is reachable)."""
    opts = options or RunOptions()
    job = store.find_job(job_id)
    run = ProvisioningRun(store, vault, job, trust, opts)
    gateway_steps = [s for s in store.provisioning_steps(job.id) if s.step.startswith("revoke-")]
    pending = [s for s in gateway_steps if not s.done]
    new_epoch = (
        int(pending[0].step.removeprefix("revoke-")) if pending else run.epoch + 1
    )
    eligible, _ = run.targets()
    records = {r.device_id: r for r in store.provisioning_devices(job.id)}
    members = [t for t in eligible if t.device_id in records
               and set(DEVICE_STEPS) <= run.done_steps(t.device_id)]
    gateways = [t for t in members if t.role == "gateway"]
    if not gateways:
        raise UserError(code="owner.gateway-not-provisioned")
    gw = gateways[0]
    store.provision_intent(job.id, gw.device_id, f"revoke-{new_epoch}",
                           {"new_epoch": new_epoch})
    acl = AclIntent(run.acl.home_ca_pem, run.acl.home_ca_fingerprint, new_epoch)
    failures: list[str] = []

    async def bump(t: Target) -> None:
        name = f"owner-epoch-{new_epoch}"
        if name in run.done_steps(t.device_id):
            return
        credential = admin_credential(vault, job.id, t.device_id)
        for attempt in range(1, opts.max_attempts + 1):
            try:
                async with run.semaphore:
                    session = await run.management_session(t, credential)
                    async with session:
                        async def put(s: DeviceSession = session) -> None:
                            await s.set_acl(acl)

                        await run.step(t.device_id, name, {"owner_epoch": new_epoch}, put)
                return
            except Exception as err:  # noqa: BLE001 - classified below
                if is_transient(err) and attempt < opts.max_attempts:
                    await run.backoff(attempt)
                    continue
                failure = classify(err, job.id)
                run.emit(t.device_id, name, "failed", failure.reason)
                failures.append(t.device_id)
                return

    await asyncio.gather(*(bump(t) for t in members))
    if failures:
        raise UserError(
            code="owner.epoch-failed",
            params={"count": len(failures), "devices": ", ".join(sorted(failures)),
                    "job_id": job.id})
    store.revoke_owner_invitations(job.id, below_epoch=new_epoch)
    run.epoch = new_epoch
    run.acl = acl
    credential = admin_credential(vault, job.id, gw.device_id)
    active = active_invitation(store, job.id)
    if active is None or active.epoch != new_epoch:
        created = new_invitation(job.id, gw.device_id, epoch=new_epoch)
        vault.put(job.id, invitation_secret_name(created.invitation_id), created.token)
        active = store.add_owner_invitation(
            job.id, invitation_id=created.invitation_id, gateway_id=gw.device_id,
            epoch=new_epoch, expires_at=int(created.expires_at.timestamp()),
        )
    inv = active
    name = f"invitation-{new_epoch}"
    if name not in run.done_steps(gw.device_id):
        session = await run.management_session(gw, credential)
        async with session:
            await run.step(gw.device_id, name,
                           {"invitation_id": inv.invitation_id, "epoch": new_epoch},
                           lambda: run.put_invitation(session, inv))
    store.provision_done(job.id, gw.device_id, f"revoke-{new_epoch}",
                         {"invitation_id": inv.invitation_id})
    return inv
