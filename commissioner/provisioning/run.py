"""The whole-home provisioning run ("Commission home", ``commissioner commission``).

For every device whose gate verdict is *certified* (the gateway included), with at most
``concurrency`` devices at once (default ``settings.provisioning_concurrency``, 8):

1. ``auth`` - factory device: setup-code proof from the scanned label; commissioned device:
   admin proof with the credential the job holds (plus the commissioner client certificate);
2. ``admin-credential``, ``csr`` (checked by :meth:`HomeCA.issue_operational`),
   ``certificate``, ``acl``, ``default-credential``, ``complete``;
3. ``readback`` on a new connection with the commissioner client certificate and admin proof:
   any difference from the job's intent fails the device with the reason;
4. gateway: ``issuing-ca``; after all devices: ``allow-list`` (operational-certificate
   fingerprints of every provisioned device), the owner invitation (``invitation-<epoch>``),
   then the gateway authenticates each device (``gateway-auth``, SR2-H-2 / SR2-D-2).

**Intent before action.** Every step is committed to the job store as an intent (with any
secret it will send already in the encrypted vault) before the device is asked, and marked
done after the device confirmed (:meth:`JobStore.provision_intent` / ``provision_done``).
Every step is idempotent on the device, so a run killed at any point is resumed by running
again: a step with an unconfirmed intent is simply performed again with the same values, and a
device that is already commissioned is reached with the admin credential the job holds. A
credential is generated once per device and never replaced, so no device is ever left with a
credential the job does not hold.

Transient failures (connection drops, time-outs) are retried with exponential back-off;
security failures (wrong setup code, refused CSR, unknown admin credential, read-back
mismatch) fail the device at once with a reason and a suggested action. Nothing secret
appears in an event, a step detail, an exception or the summary.
"""


from __future__ import annotations

from commissioner.backends import TrustStore
from commissioner.errors import UserError
from commissioner.jobs.store import JobStore
from commissioner.provisioning.engine import ProvisioningRun
from commissioner.provisioning.job_secrets import (
    COMMISSIONER_CERT,
    COMMISSIONER_KEY,
    ISSUING_CERT,
    ISSUING_KEY,
    active_invitation,
    admin_secret_name,
    current_owner_epoch,
    ensure_client_credentials,
    ensure_home_ca,
    invitation_secret_name,
    owner_invitation_payload,
)
from commissioner.provisioning.outcomes import (
    ALLOW_LIST_STEP,
    DEFAULT_CONCURRENCY,
    DEVICE_STEPS,
    GATEWAY_AUTH_STEP,
    GATEWAY_STEPS,
    DeviceOutcome,
    ProgressCallback,
    ProgressEvent,
    RunOptions,
    RunSummary,
)
from commissioner.provisioning.resale import revoke_and_reissue_owner
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.vault import SecretVault

__all__ = [
    "ALLOW_LIST_STEP",
    "COMMISSIONER_CERT",
    "COMMISSIONER_KEY",
    "DEFAULT_CONCURRENCY",
    "DEVICE_STEPS",
    "GATEWAY_AUTH_STEP",
    "GATEWAY_STEPS",
    "ISSUING_CERT",
    "ISSUING_KEY",
    "DeviceOutcome",
    "ProgressCallback",
    "ProgressEvent",
    "RunOptions",
    "RunSummary",
    "active_invitation",
    "admin_secret_name",
    "commission_home",
    "current_owner_epoch",
    "ensure_client_credentials",
    "ensure_home_ca",
    "invitation_secret_name",
    "open_vault",
    "owner_invitation_payload",
    "revoke_and_reissue_owner",
]


async def commission_home(
    store: JobStore,
    vault: SecretVault,
    job_id: str,
    trust: TrustStore,
    options: RunOptions | None = None,
) -> RunSummary:
    """Provision every certified device of the job (and its gateway); resumable.

    ``trust`` holds the manufacturer roots (the devices' attestation chains are checked on
    every connection). Job-level problems raise :class:`UserError`; device-level ones end up
    in the summary (and the job store) with a reason and a suggested action.
    """
    opts = options or RunOptions()
    if not 1 <= opts.concurrency <= 64:
        raise UserError(
            code="value.out-of-range", params={"option": "--concurrency", "low": 1, "high": 64})
    job = store.find_job(job_id)
    if job.is_closed:
        raise UserError(code="job.sealed", params={"job_id": job.id, "job_number": job.job_number})
    if not store.gate_states(job.id):
        raise UserError(code="job.no-devices", params={"job_id": job.id})
    with store.job_lock(job.id, "commission"):
        return await ProvisioningRun(store, vault, job, trust, opts).run()

