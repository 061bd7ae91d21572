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

import asyncio
import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.errors import UserError
from commissioner.jobs.models import Job, OwnerInvitation, ProvisioningDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.client import DEFAULT_TIMEOUT, DeviceSession, TrustStore
from commissioner.protocol.errors import (
    AttestationError,
    DeviceProtocolError,
    IdentityMismatchError,
    LabelMismatchError,
    RateLimitedError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
    WeakTlsError,
)
from commissioner.protocol.spec import ADMIN_CREDENTIAL_BYTES, CommissioningState
from commissioner.provisioning import device_ops as ops
from commissioner.provisioning.home_ca import CA_CERT_NAME, CsrRejectedError, HomeCA, fingerprint
from commissioner.provisioning.invitation import (
    Invitation,
    encode_invitation_qr,
    new_invitation,
    token_sha256,
)
from commissioner.provisioning.setup_codes import job_label
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.vault import SecretError, SecretVault

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEVICE_STEPS",
    "GATEWAY_STEPS",
    "DeviceOutcome",
    "ProgressCallback",
    "ProgressEvent",
    "RunOptions",
    "RunSummary",
    "admin_secret_name",
    "commission_home",
    "current_owner_epoch",
    "ensure_home_ca",
    "open_vault",
    "owner_invitation_payload",
    "revoke_and_reissue_owner",
]

DEFAULT_CONCURRENCY: Final = 8
DEVICE_STEPS: Final = (
    "admin-credential", "csr", "certificate", "acl", "default-credential", "complete",
    "readback",
)
GATEWAY_STEPS: Final = (*DEVICE_STEPS, "issuing-ca")
SESSION_STEPS: Final = DEVICE_STEPS[:6]  # done on the setup-code / admin session
ALLOW_LIST_STEP: Final = "allow-list"
GATEWAY_AUTH_STEP: Final = "gateway-auth"
COMMISSIONER_KEY: Final = "commissioner/client.key"
COMMISSIONER_CERT: Final = "commissioner/client.crt"
ISSUING_KEY: Final = "gateway/issuing-ca.key"
ISSUING_CERT: Final = "gateway/issuing-ca.crt"
GATEWAY_TRANSIENT: Final = frozenset({"unreachable", "connection-failed", "tls-failed"})


def admin_secret_name(device_id: str) -> str:
    return f"admin/{device_id}"


def invitation_secret_name(invitation_id: str) -> str:
    return f"owner/invitation/{invitation_id}"


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One progress report for the GUI / CLI.

    ``status``: ``started`` (a step begins), ``done`` (the device confirmed it), ``retry``
    (transient failure, retrying after back-off), ``failed`` (the device failed; ``message``
    is the reason), ``provisioned`` (the device is finished), ``skipped`` (not eligible or
    already provisioned), ``info`` (job-level news). ``finished`` / ``total`` count devices
    (the gateway included) for a job-level progress bar.
    """

    device_id: str
    step: str
    status: str
    message: str
    finished: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    device_id: str
    role: str
    status: str  # provisioned | failed | blocked
    reason_code: str | None = None
    reason: str | None = None
    action: str | None = None
    gateway_authenticated: bool | None = None
    operational_fingerprint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "role": self.role,
            "status": self.status,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "action": self.action,
            "gateway_authenticated": self.gateway_authenticated,
            "operational_fingerprint": self.operational_fingerprint,
        }


@dataclass(frozen=True, slots=True)
class RunSummary:
    job_id: str
    outcomes: tuple[DeviceOutcome, ...]
    elapsed_s: float
    concurrency: int
    home_ca_fingerprint: str
    owner_invitation_id: str | None
    owner_epoch: int

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """Every eligible device (and the gateway) provisioned and authenticated."""
        return all(
            o.status == "provisioned" for o in self.outcomes if o.status != "blocked"
        ) and any(o.status == "provisioned" for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "provisioned": self.count("provisioned"),
            "failed": self.count("failed"),
            "blocked": self.count("blocked"),
            "elapsed_s": round(self.elapsed_s, 3),
            "concurrency": self.concurrency,
            "home_ca_fingerprint": self.home_ca_fingerprint,
            "owner_invitation_id": self.owner_invitation_id,
            "owner_epoch": self.owner_epoch,
            "devices": [o.to_json() for o in self.outcomes],
        }


@dataclass(frozen=True, slots=True)
class RunOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT  # per network step
    max_attempts: int = 5  # per device, for transient failures
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 2.0
    progress: ProgressCallback | None = None
    # Where devices are now (device id -> (host, port)); defaults to the job's scan record.
    addresses: Mapping[str, tuple[str, int]] = field(default_factory=dict)


class _DeviceFailed(Exception):
    def __init__(self, code: str, reason: str, action: str) -> None:
        super().__init__(reason)
        self.code, self.reason, self.action = code, reason, action


@dataclass(frozen=True, slots=True)
class _Target:
    device_id: str
    role: str
    host: str
    port: int
    attestation_fingerprint: str | None


# --------------------------------------------------------------------------- job secrets


def ensure_home_ca(store: JobStore, vault: SecretVault, job_id: str) -> HomeCA:
    """The job's home CA, created (and stored encrypted) on first use."""
    if vault.has(job_id, CA_CERT_NAME):
        return HomeCA.from_vault(vault, job_id)
    ca = HomeCA.create(job_id)
    ca.to_vault(vault, job_id)  # key first, certificate last: a stored cert implies its key
    store.append_step(
        job_id, "provision.home-ca",
        {"fingerprint": ca.fingerprint, "algorithm": "ECDSA P-256 / SHA-256"},
    )
    return ca


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_client_credentials(
    store: JobStore, vault: SecretVault, ca: HomeCA, job_id: str
) -> ops.ClientCredentials:
    """The commissioner's client certificate for management connections (created once)."""
    if not vault.has(job_id, COMMISSIONER_CERT):
        cert, key = ca.issue_commissioner_client(job_id)
        vault.put(job_id, COMMISSIONER_KEY, _pem_key(key))
        vault.put(job_id, COMMISSIONER_CERT, cert.public_bytes(serialization.Encoding.PEM))
        store.append_step(job_id, "provision.commissioner-certificate",
                          {"fingerprint": fingerprint(cert)})
    return ops.ClientCredentials(
        vault.get(job_id, COMMISSIONER_CERT), vault.get(job_id, COMMISSIONER_KEY)
    )


def _ensure_issuing_ca(
    vault: SecretVault, ca: HomeCA, job_id: str, gateway_id: str
) -> tuple[str, str, str]:
    """(certificate PEM, key PEM, fingerprint) of the gateway's owner-issuing CA."""
    if not vault.has(job_id, ISSUING_CERT):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = ca.issue_gateway_issuing_ca(key.public_key(), gateway_id=gateway_id)
        vault.put(job_id, ISSUING_KEY, _pem_key(key))
        vault.put(job_id, ISSUING_CERT, cert.public_bytes(serialization.Encoding.PEM))
    cert_pem = vault.get(job_id, ISSUING_CERT)
    cert = x509.load_pem_x509_certificate(cert_pem)
    return cert_pem.decode("ascii"), vault.get(job_id, ISSUING_KEY).decode("ascii"), fingerprint(
        cert
    )


def _admin_credential(vault: SecretVault, job_id: str, device_id: str) -> bytes:
    """The device's admin credential: generated once (32 random bytes = 256 bits), stored
    encrypted *before* it is ever sent, and never replaced."""
    name = admin_secret_name(device_id)
    if not vault.has(job_id, name):
        vault.put(job_id, name, secrets.token_bytes(ADMIN_CREDENTIAL_BYTES))
    return vault.get(job_id, name)


def current_owner_epoch(store: JobStore, job_id: str) -> int:
    epochs = [inv.epoch for inv in store.owner_invitations(job_id)]
    return max(epochs, default=1)


def active_invitation(store: JobStore, job_id: str) -> OwnerInvitation | None:
    """The job's current (highest-epoch, unrevoked) owner invitation record, if any."""
    active = [i for i in store.owner_invitations(job_id) if i.status == "active"]
    return max(active, key=lambda i: i.epoch) if active else None


def owner_invitation_payload(store: JobStore, vault: SecretVault, job_id: str) -> str:
    """The QR payload of the job's current owner invitation, for the guidance sheet.

    It contains the one-time token: print it, never log it. Raises UserError if the job has
    no active invitation (commission the home first)."""
    inv = active_invitation(store, job_id)
    if inv is None:
        raise UserError(
            "this job has no active owner invitation",
            hint="commission the home first (commissioner commission --job ID)",
        )
    return encode_invitation_qr(_load_invitation(vault, job_id, inv))


def _load_invitation(vault: SecretVault, job_id: str, inv: OwnerInvitation) -> Invitation:
    return Invitation(
        invitation_id=inv.invitation_id, home_id=job_id, gateway_id=inv.gateway_id,
        token=vault.get(job_id, invitation_secret_name(inv.invitation_id)),
        expires_at=dt.datetime.fromtimestamp(inv.expires_at, dt.UTC), epoch=inv.epoch,
    )


# --------------------------------------------------------------------------- failures


def _classify(err: BaseException, job_id: str) -> _DeviceFailed:
    """Reason code, reason and suggested action for a failure (no secret in any of them)."""
    resume = f"then resume with `commissioner commission --job {job_id}`"
    if isinstance(err, _DeviceFailed):
        return err
    if isinstance(err, SetupCodeRejectedError):
        return _DeviceFailed(
            "setup-code-rejected", "The device rejected the setup code of the scanned label.",
            f"Scan the label on this device again (commissioner label add), {resume}.",
        )
    if isinstance(err, LabelMismatchError):
        return _DeviceFailed(
            "label-mismatch", f"{err.message}",
            f"Scan the label of this very device, {resume}.",
        )
    if isinstance(err, RateLimitedError):
        return _DeviceFailed(
            "rate-limited", err.message,
            f"Wait {err.retry_after_s:.0f} s, check the label, {resume}.",
        )
    if isinstance(err, CsrRejectedError):
        return _DeviceFailed(
            err.reason, f"The device's certificate request was refused: {err.message}.",
            "The device cannot make an acceptable operational key (ECDSA P-256 for its own "
            f"identity); update its firmware or replace it, {resume}.",
        )
    if isinstance(err, ops.AdminCredentialRejectedError):
        return _DeviceFailed(
            err.reason,
            "The device is commissioned with an admin credential this job did not set.",
            f"Factory-reset the device (it belongs to another installation), {resume}.",
        )
    if isinstance(err, ops.ReadbackMismatchError):
        return _DeviceFailed(
            err.reason, err.message,
            f"Check the device (factory-reset it if it was changed), {resume}.",
        )
    if isinstance(err, (UntrustedDeviceError, IdentityMismatchError, AttestationError,
                        WeakTlsError)):
        return _DeviceFailed(
            err.reason, f"The device's identity could not be confirmed: {err.message}.",
            "Certify the home again (commissioner certify); the device may have been swapped.",
        )
    if isinstance(err, ops.ProvisioningStepError) and err.status == 409:
        return _DeviceFailed(
            err.reason, f"The device refused a provisioning step: {err.message}.",
            f"The device holds settings from another installation; factory-reset it, {resume}.",
        )
    if isinstance(err, SecretError):
        return _DeviceFailed(
            "secret-unreadable", str(err),
            "The job's secrets cannot be read with the OS keyring's master key; restore the "
            "keyring, " + resume + ".",
        )
    if isinstance(err, DeviceProtocolError):
        if ops.is_transient(err):
            return _DeviceFailed(
                err.reason, f"The device could not be reached reliably: {err.message}.",
                f"Check the device's power and network connection, {resume}.",
            )
        return _DeviceFailed(
            err.reason, f"Provisioning failed: {err.message}.",
            f"Check the device, {resume}.",
        )
    if isinstance(err, (OSError, TimeoutError)):
        return _DeviceFailed(
            "unreachable", f"The device could not be reached ({type(err).__name__}).",
            f"Check the device's power and network connection, {resume}.",
        )
    return _DeviceFailed(
        "internal-error", f"Provisioning failed unexpectedly ({type(err).__name__}).",
        f"Report this problem, {resume}.",
    )


# --------------------------------------------------------------------------- the run


class _Run:
    def __init__(
        self,
        store: JobStore,
        vault: SecretVault,
        job: Job,
        trust: TrustStore,
        options: RunOptions,
    ) -> None:
        self.store, self.vault, self.job, self.trust, self.opt = store, vault, job, trust, options
        self.job_id = job.id
        self.ca = ensure_home_ca(store, vault, job.id)
        self.client = ensure_client_credentials(store, vault, self.ca, job.id)
        self.client_trust = ops.client_trust(trust, self.client)
        self.epoch = current_owner_epoch(store, job.id)
        self.acl = ops.AclIntent(
            self.ca.certificate_pem.decode("ascii"), self.ca.fingerprint, self.epoch
        )
        self.total = 0
        self.finished = 0
        self.semaphore = asyncio.Semaphore(max(1, options.concurrency))

    # --- events ---------------------------------------------------------------------------

    def emit(self, device_id: str, step: str, status: str, message: str = "") -> None:
        if self.opt.progress is not None:
            self.opt.progress(
                ProgressEvent(device_id, step, status, message, self.finished, self.total)
            )

    # --- targets --------------------------------------------------------------------------

    def targets(self) -> tuple[list[_Target], list[DeviceOutcome]]:
        devices = {d.device_id: d for d in self.store.devices(self.job_id)}
        eligible: list[_Target] = []
        blocked: list[DeviceOutcome] = []
        for gate in self.store.gate_states(self.job_id):
            dev = devices.get(gate.device_id)
            if dev is None:
                continue
            role = "gateway" if dev.role == "gateway" or dev.kind == "gateway" else "device"
            if gate.verdict != "certified" or gate.blocked:
                reason = gate.verdict_reason or "The device has not been certified."
                blocked.append(DeviceOutcome(
                    gate.device_id, role, "blocked", gate.verdict or "not-checked", reason,
                    "Only certified devices are provisioned; replace it or run certify.",
                ))
                continue
            where = self.opt.addresses.get(gate.device_id)
            host, port = where if where is not None else (dev.address, dev.port)
            if host is None or port is None:
                blocked.append(DeviceOutcome(
                    gate.device_id, role, "blocked", "no-endpoint",
                    "The device has no network address in this job.",
                    "Scan and certify the home again.",
                ))
                continue
            eligible.append(_Target(gate.device_id, role, host, port, gate.cert_fingerprint))
        return eligible, blocked

    # --- helpers --------------------------------------------------------------------------

    def done_steps(self, device_id: str) -> set[str]:
        return {s.step for s in self.store.provisioning_steps(self.job_id, device_id) if s.done}

    def record(self, device_id: str) -> ProvisioningDevice | None:
        for rec in self.store.provisioning_devices(self.job_id):
            if rec.device_id == device_id:
                return rec
        return None

    async def connect(self, t: _Target) -> DeviceSession:
        return await ops.connect(
            t.host, t.port, self.client_trust, expected_device_id=t.device_id,
            expected_fingerprint=t.attestation_fingerprint, timeout=self.opt.timeout,
        )

    async def management_session(self, t: _Target, credential: bytes) -> DeviceSession:
        session = await self.connect(t)
        try:
            await ops.admin_authenticate(session, credential)
        except BaseException:
            await session.aclose()
            raise
        return session

    async def backoff(self, attempt: int) -> None:
        delay = min(self.opt.backoff_max_s, self.opt.backoff_initial_s * 2 ** (attempt - 1))
        await asyncio.sleep(delay * (0.5 + secrets.randbelow(1000) / 2000))

    # --- one device -----------------------------------------------------------------------

    async def device(self, t: _Target) -> None:
        steps = GATEWAY_STEPS if t.role == "gateway" else DEVICE_STEPS
        rec = self.record(t.device_id)
        if rec is not None and rec.status == "provisioned" and set(steps) <= self.done_steps(
            t.device_id
        ):
            self.finished += 1
            self.emit(t.device_id, "all", "skipped", "already provisioned")
            return
        self.store.set_provisioning_status(
            self.job_id, t.device_id, role=t.role, status="in-progress"
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.semaphore:
                    await self.device_steps(t, steps)
            except Exception as err:  # noqa: BLE001 - classified: retry or per-device failure
                if ops.is_transient(err) and attempt < self.opt.max_attempts:
                    reason = getattr(err, "reason", type(err).__name__)
                    self.emit(t.device_id, "connection", "retry",
                              f"attempt {attempt} failed ({reason}); retrying")
                    await self.backoff(attempt)
                    continue
                failure = _classify(err, self.job_id)
                self.store.set_provisioning_status(
                    self.job_id, t.device_id, role=t.role, status="failed",
                    reason_code=failure.code, reason=failure.reason, action=failure.action,
                )
                self.finished += 1
                self.emit(t.device_id, "device", "failed", failure.reason)
                return
            self.store.set_provisioning_status(
                self.job_id, t.device_id, role=t.role, status="provisioned"
            )
            self.finished += 1
            self.emit(t.device_id, "device", "provisioned", "provisioned and read back")
            return

    async def step(self, device_id: str, name: str, detail: Mapping[str, Any] | None,
                   action: Callable[[], Awaitable[Any]]) -> None:
        """Intent (committed) -> action -> done (committed)."""
        self.store.provision_intent(self.job_id, device_id, name, detail)
        self.emit(device_id, name, "started")
        result = await action()
        self.store.provision_done(
            self.job_id, device_id, name, result if isinstance(result, dict) else None
        )
        self.emit(device_id, name, "done")

    async def device_steps(self, t: _Target, steps: Sequence[str]) -> None:
        done = self.done_steps(t.device_id)
        if set(steps) <= done:
            return
        credential = _admin_credential(self.vault, self.job_id, t.device_id)
        if any(s not in done for s in SESSION_STEPS):
            session = await self.connect(t)
            async with session:
                await self.authenticate(t, session, credential)
                await self.session_steps(t, session, credential, done)
        if "readback" not in done:
            await self.step(t.device_id, "readback", None, lambda: self.readback(t, credential))
        if t.role == "gateway" and "issuing-ca" not in done:
            cert_pem, key_pem, fp = _ensure_issuing_ca(
                self.vault, self.ca, self.job_id, t.device_id
            )

            async def install() -> dict[str, Any]:
                session = await self.management_session(t, credential)
                async with session:
                    got = await ops.put_issuing_ca(session, cert_pem, key_pem)
                if got != fp:
                    raise ops.ProvisioningStepError(
                        "not-confirmed", "the gateway installed another issuing CA"
                    )
                return {"fingerprint": fp}

            await self.step(t.device_id, "issuing-ca", {"fingerprint": fp}, install)

    async def authenticate(self, t: _Target, session: DeviceSession, credential: bytes) -> None:
        state = await ops.get_state(session)
        if state == CommissioningState.FACTORY.value:
            label = job_label(self.store, self.vault, self.job_id, t.device_id)
            if label is None:
                raise _DeviceFailed(
                    "no-label", "No label (setup code) was scanned for this device.",
                    "Scan the device's label (commissioner label add, or --labels-dir), "
                    f"then resume with `commissioner commission --job {self.job_id}`.",
                )
            await session.authenticate(label)
        else:
            await ops.admin_authenticate(session, credential)
        self.emit(t.device_id, "auth", "done", f"authenticated ({state})")

    async def session_steps(
        self, t: _Target, session: DeviceSession, credential: bytes, done: set[str]
    ) -> None:
        dev = t.device_id
        if "admin-credential" not in done:
            async def put_credential() -> None:
                await ops.put_admin_credential(session, credential)

            await self.step(dev, "admin-credential",
                            {"entry": admin_secret_name(dev), "bits": 8 * len(credential)},
                            put_credential)
        if "csr" not in done:
            await self.step(dev, "csr", {"subject_cn": dev}, lambda: self.csr(t, session))
        rec = self.record(dev)
        if rec is None or rec.operational_cert is None or rec.operational_fingerprint is None:
            raise ops.ProvisioningStepError("no-certificate", "no operational certificate")
        cert_pem, cert_fp = rec.operational_cert, rec.operational_fingerprint
        if "certificate" not in done:
            async def put_cert() -> None:
                await ops.put_certificate(
                    session, cert_pem, [self.acl.home_ca_pem], cert_fp
                )

            await self.step(dev, "certificate", {"fingerprint": cert_fp}, put_cert)
        if "acl" not in done:
            async def put_acl() -> None:
                await ops.put_acl(session, self.acl)

            await self.step(dev, "acl", {"home_ca_fingerprint": self.acl.home_ca_fingerprint,
                                         "owner_epoch": self.acl.owner_epoch,
                                         "roles": ["gateway", "owner", "commissioner"]},
                            put_acl)
        if "default-credential" not in done:
            async def disable() -> None:
                await ops.disable_default_credential(session)

            await self.step(dev, "default-credential", {"enabled": False}, disable)
        if "complete" not in done:
            async def finish() -> None:
                await ops.complete(session)

            await self.step(dev, "complete", None, finish)

    async def csr(self, t: _Target, session: DeviceSession) -> dict[str, Any]:
        csr_pem = await ops.request_csr(session, t.device_id)
        rec = self.record(t.device_id)
        role: Literal["device", "gateway"] = "gateway" if t.role == "gateway" else "device"
        if rec is not None and rec.operational_cert is not None:
            # Resumed: the device keeps its pending key, so re-use the certificate already
            # issued for it instead of issuing a second one.
            issued = x509.load_pem_x509_certificate(rec.operational_cert.encode("ascii"))
            try:
                csr = x509.load_pem_x509_csr(csr_pem)
                same_key = csr.public_key() == issued.public_key()
            except ValueError:
                same_key = False
            if same_key:
                return {"certificate_fingerprint": fingerprint(issued), "reused": True}
        cert = self.ca.issue_operational(csr_pem, device_id=t.device_id, role=role)
        pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        self.store.set_operational_certificate(self.job_id, t.device_id, pem, fingerprint(cert))
        return {"certificate_fingerprint": fingerprint(cert)}

    async def readback(self, t: _Target, credential: bytes) -> dict[str, Any]:
        rec = self.record(t.device_id)
        assert rec is not None and rec.operational_fingerprint is not None
        session = await self.management_session(t, credential)
        async with session:
            summary = await ops.read_summary(session)
        diffs = ops.compare_summary(
            summary, ops.SummaryIntent(rec.operational_fingerprint, self.acl)
        )
        if await ops.default_login_works(t.host, t.port, self.trust, timeout=self.opt.timeout):
            diffs.append("the factory default login still works")
        if diffs:
            raise ops.ReadbackMismatchError(diffs)
        return {"result": "matches", "operational_fingerprint": rec.operational_fingerprint}

    # --- the gateway phase ----------------------------------------------------------------

    async def gateway_phase(self, gw: _Target, devices: Sequence[_Target]) -> str | None:
        """Allow-list, owner invitation, device authentication. Returns the invitation id."""
        rec = self.record(gw.device_id)
        if rec is None or rec.status != "provisioned":
            for t in devices:
                self.emit(t.device_id, GATEWAY_AUTH_STEP, "skipped", "the gateway is not ready")
            return None
        credential = _admin_credential(self.vault, self.job_id, gw.device_id)
        provisioned = {
            r.device_id: r for r in self.store.provisioning_devices(self.job_id)
            if r.role == "device" and r.status in ("provisioned", "failed")
            and r.operational_fingerprint is not None
            and set(DEVICE_STEPS) <= self.done_steps(r.device_id)
        }
        invitation_id: str | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                invitation_id = await self.gateway_setup(gw, credential, provisioned)
                break
            except Exception as err:  # noqa: BLE001 - classified below
                if ops.is_transient(err) and attempt < self.opt.max_attempts:
                    self.emit(gw.device_id, "gateway", "retry", f"attempt {attempt} failed")
                    await self.backoff(attempt)
                    continue
                failure = _classify(err, self.job_id)
                self.store.set_provisioning_status(
                    self.job_id, gw.device_id, role="gateway", status="failed",
                    reason_code=failure.code, reason=failure.reason, action=failure.action,
                )
                self.emit(gw.device_id, "gateway", "failed", failure.reason)
                return None
        targets = [t for t in devices if t.device_id in provisioned]
        queue: asyncio.Queue[_Target] = asyncio.Queue()
        for t in targets:
            queue.put_nowait(t)
        workers = max(1, min(self.opt.concurrency, len(targets)))
        await asyncio.gather(*(self.auth_worker(gw, credential, queue) for _ in range(workers)))
        return invitation_id

    async def gateway_setup(
        self, gw: _Target, credential: bytes, provisioned: Mapping[str, ProvisioningDevice]
    ) -> str:
        entries = [
            {"device_id": d, "fingerprint": str(r.operational_fingerprint)}
            for d, r in sorted(provisioned.items())
        ]
        digest = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()
        steps = {s.step: s for s in self.store.provisioning_steps(self.job_id, gw.device_id)}
        inv = active_invitation(self.store, self.job_id)
        session = await self.management_session(gw, credential)
        async with session:
            allow = steps.get(ALLOW_LIST_STEP)
            if allow is None or not allow.done or allow.detail.get("list_sha256") != digest:
                async def put_allow() -> None:
                    await ops.put_allow_list(session, entries)

                await self.step(gw.device_id, ALLOW_LIST_STEP,
                                {"devices": len(entries), "list_sha256": digest}, put_allow)
            if inv is None or inv.epoch != self.epoch:
                created = new_invitation(self.job_id, gw.device_id, epoch=self.epoch)
                self.vault.put(self.job_id, invitation_secret_name(created.invitation_id),
                               created.token)
                inv = self.store.add_owner_invitation(
                    self.job_id, invitation_id=created.invitation_id, gateway_id=gw.device_id,
                    epoch=self.epoch, expires_at=int(created.expires_at.timestamp()),
                )
            name = f"invitation-{inv.epoch}"
            step = steps.get(name)
            if step is None or not step.done:
                await self.step(
                    gw.device_id, name,
                    {"invitation_id": inv.invitation_id, "epoch": inv.epoch},
                    lambda: self.put_invitation(session, inv),
                )
        return inv.invitation_id

    async def put_invitation(self, session: DeviceSession, inv: OwnerInvitation) -> None:
        full = _load_invitation(self.vault, self.job_id, inv)
        await ops.put_invitation(
            session, invitation_id=inv.invitation_id, token_sha256=token_sha256(full),
            expires_at=inv.expires_at, epoch=inv.epoch,
        )

    async def auth_worker(
        self, gw: _Target, credential: bytes, queue: asyncio.Queue[_Target]
    ) -> None:
        session: DeviceSession | None = None
        try:
            while not queue.empty():
                t = queue.get_nowait()
                attempt = 0
                while True:
                    attempt += 1
                    try:
                        if session is None or session.closed:
                            session = await self.management_session(gw, credential)
                        await self.authenticate_one(session, t)
                        break
                    except Exception as err:  # noqa: BLE001 - classified below
                        if ops.is_transient(err) and attempt < self.opt.max_attempts:
                            if session is not None:
                                await session.aclose()
                                session = None
                            await self.backoff(attempt)
                            continue
                        failure = _classify(err, self.job_id)
                        self.emit(t.device_id, GATEWAY_AUTH_STEP, "failed", failure.reason)
                        self.store.set_provisioning_status(
                            self.job_id, t.device_id, role="device", status="failed",
                            reason_code=f"gateway-{failure.code}"[:64],
                            reason="The gateway could not be asked to authenticate the "
                            f"device: {failure.reason}", action=failure.action,
                        )
                        break
        finally:
            if session is not None:
                await session.aclose()

    async def authenticate_one(self, session: DeviceSession, t: _Target) -> None:
        if GATEWAY_AUTH_STEP in self.done_steps(t.device_id):
            return
        for attempt in range(1, self.opt.max_attempts + 1):
            self.store.provision_intent(self.job_id, t.device_id, GATEWAY_AUTH_STEP,
                                        {"gateway": "ask"})
            self.emit(t.device_id, GATEWAY_AUTH_STEP, "started")
            ok, reason = await ops.gateway_authenticate(session, t.device_id)
            self.store.set_gateway_auth(self.job_id, t.device_id, ok, reason)
            if ok:
                self.store.provision_done(self.job_id, t.device_id, GATEWAY_AUTH_STEP,
                                          {"authenticated": True})
                self.store.set_provisioning_status(
                    self.job_id, t.device_id, role="device", status="provisioned"
                )
                self.emit(t.device_id, GATEWAY_AUTH_STEP, "done", "authenticated by the gateway")
                return
            if reason not in GATEWAY_TRANSIENT or attempt == self.opt.max_attempts:
                break
            await self.backoff(attempt)
        self.store.set_provisioning_status(
            self.job_id, t.device_id, role="device", status="failed",
            reason_code=f"gateway-{reason}"[:64],
            reason=f"The gateway refused to authenticate the device ({reason}).",
            action="Check that the device is on the network and was provisioned by this job, "
            f"then resume with `commissioner commission --job {self.job_id}`.",
        )
        self.emit(t.device_id, GATEWAY_AUTH_STEP, "failed", f"gateway refused ({reason})")

    # --- everything -----------------------------------------------------------------------

    async def run(self) -> RunSummary:
        start = time.monotonic()
        eligible, blocked = self.targets()
        self.total = len(eligible)
        for b in blocked:
            self.emit(b.device_id, "gate", "skipped", b.reason or "blocked")
        gateways = [t for t in eligible if t.role == "gateway"]
        devices = [t for t in eligible if t.role == "device"]
        await asyncio.gather(*(self.device(t) for t in eligible))
        invitation_id: str | None = None
        if gateways:
            invitation_id = await self.gateway_phase(gateways[0], devices)
        else:
            self.emit("-", "gateway", "info", "no certified gateway in this job")
        outcomes = self.outcomes(eligible) + blocked
        return RunSummary(
            job_id=self.job_id,
            outcomes=tuple(sorted(outcomes, key=lambda o: (o.role != "gateway", o.device_id))),
            elapsed_s=time.monotonic() - start,
            concurrency=self.opt.concurrency,
            home_ca_fingerprint=self.ca.fingerprint,
            owner_invitation_id=invitation_id,
            owner_epoch=self.epoch,
        )

    def outcomes(self, eligible: Sequence[_Target]) -> list[DeviceOutcome]:
        records = {r.device_id: r for r in self.store.provisioning_devices(self.job_id)}
        out: list[DeviceOutcome] = []
        for t in eligible:
            r = records.get(t.device_id)
            if r is None:
                out.append(DeviceOutcome(t.device_id, t.role, "failed", "not-started"))
                continue
            status = r.status if r.status in ("provisioned", "failed") else "failed"
            out.append(DeviceOutcome(
                t.device_id, t.role, status, r.reason_code, r.reason, r.action,
                r.gateway_auth, r.operational_fingerprint,
            ))
        return out


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
        raise UserError("the provisioning concurrency must be from 1 to 64")
    job = store.find_job(job_id)
    if job.is_closed:
        raise UserError(f"job {job.id} is closed", hint="open a new job for new work")
    if not store.gate_states(job.id):
        raise UserError(f"job {job.id} has no devices",
                        hint="scan and certify the home first (commissioner certify)")
    with store.job_lock(job.id, "commission"):
        return await _Run(store, vault, job, trust, opts).run()


# --------------------------------------------------------------------------- resale (R2-4)


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
    run = _Run(store, vault, job, trust, opts)
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
        raise UserError("the job's gateway is not provisioned",
                        hint="commission the home first (commissioner commission --job ID)")
    gw = gateways[0]
    store.provision_intent(job.id, gw.device_id, f"revoke-{new_epoch}",
                           {"new_epoch": new_epoch})
    acl = ops.AclIntent(run.acl.home_ca_pem, run.acl.home_ca_fingerprint, new_epoch)
    failures: list[str] = []

    async def bump(t: _Target) -> None:
        name = f"owner-epoch-{new_epoch}"
        if name in run.done_steps(t.device_id):
            return
        credential = _admin_credential(vault, job.id, t.device_id)
        for attempt in range(1, opts.max_attempts + 1):
            try:
                async with run.semaphore:
                    session = await run.management_session(t, credential)
                    async with session:
                        async def put(s: DeviceSession = session) -> None:
                            await ops.put_acl(s, acl)

                        await run.step(t.device_id, name, {"owner_epoch": new_epoch}, put)
                return
            except Exception as err:  # noqa: BLE001 - classified below
                if ops.is_transient(err) and attempt < opts.max_attempts:
                    await run.backoff(attempt)
                    continue
                failure = _classify(err, job.id)
                run.emit(t.device_id, name, "failed", failure.reason)
                failures.append(t.device_id)
                return

    await asyncio.gather(*(bump(t) for t in members))
    if failures:
        raise UserError(
            f"the owner epoch could not be raised on {len(failures)} device(s): "
            + ", ".join(sorted(failures)),
            hint=f"make them reachable and run `commissioner owner reissue --job {job.id}` again",
        )
    store.revoke_owner_invitations(job.id, below_epoch=new_epoch)
    run.epoch = new_epoch
    run.acl = acl
    credential = _admin_credential(vault, job.id, gw.device_id)
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
