"""The provisioning run's engine: every eligible device through its steps, then the gateway
phase (allow-list, owner invitation, device authentication). Described in
:mod:`commissioner.provisioning.run`; it reaches devices only through their backend."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from commissioner.backends import (
    AclIntent,
    ClientCredentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    OwnerInvitationGrant,
    ProvisioningReadback,
    TrustStore,
    backend_for,
)
from commissioner.backends.errors import (
    NoCredentialError,
    ProvisioningStepError,
    ReadbackMismatchError,
    is_transient,
)
from commissioner.jobs.models import Job, OwnerInvitation, ProvisioningDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label
from commissioner.protocol.spec import CommissioningState
from commissioner.provisioning.failures import classify
from commissioner.provisioning.home_ca import fingerprint
from commissioner.provisioning.invitation import (
    new_invitation,
    takeover_code_verifier,
    token_sha256,
)
from commissioner.provisioning.job_secrets import (
    active_invitation,
    admin_credential,
    admin_secret_name,
    current_owner_epoch,
    ensure_client_credentials,
    ensure_home_ca,
    ensure_issuing_ca,
    invitation_secret_name,
    load_invitation,
)
from commissioner.provisioning.outcomes import (
    ALLOW_LIST_STEP,
    DEVICE_STEPS,
    GATEWAY_AUTH_STEP,
    GATEWAY_STEPS,
    GATEWAY_TRANSIENT,
    SESSION_STEPS,
    DeviceOutcome,
    ProgressEvent,
    RunOptions,
    RunSummary,
)
from commissioner.provisioning.setup_codes import job_label
from commissioner.secrets.vault import SecretVault

__all__ = ["ProvisioningRun", "Target", "compare_readback"]


@dataclass(frozen=True, slots=True)
class Target:
    """One eligible device: where it is and the attestation the gate certified."""

    device_id: str
    role: str
    host: str
    port: int
    attestation_fingerprint: str | None

    @property
    def address(self) -> DeviceAddress:
        return DeviceAddress(self.device_id, self.host, self.port)


@dataclass(frozen=True, slots=True)
class _RunCredentials:
    """The credentials the run offers for one session: its client certificate, the device's
    admin credential, and (for a factory-state device) the scanned label."""

    client: ClientCredentials
    admin: bytes
    label: Label | None

    def setup_label(self, device_id: str) -> Label | None:
        return self.label

    def admin_credential(self, device_id: str) -> bytes | None:
        return self.admin

    def client_credentials(self) -> ClientCredentials | None:
        return self.client


def compare_readback(
    readback: ProvisioningReadback, operational_fingerprint: str, acl: AclIntent
) -> list[str]:
    """Every difference between the device's read-back and the job's intent (empty: same)."""
    diffs: list[str] = []
    if readback.state != CommissioningState.COMMISSIONED.value:
        diffs.append(f"state is {str(readback.state)[:20]!r}, not commissioned")
    if readback.default_login_enabled is not False:
        diffs.append("the factory default credential is still enabled")
    if readback.admin_credential_set is not True:
        diffs.append("no admin credential is set")
    if readback.operational_fingerprint != operational_fingerprint:
        diffs.append("the operational certificate is not the one the job issued")
    if readback.home_ca_fingerprint != acl.home_ca_fingerprint:
        diffs.append("the device trusts another home CA")
    if readback.acl_home_ca_fingerprint != acl.home_ca_fingerprint:
        diffs.append("the ACL names another home CA")
    elif readback.acl_grants != acl.grants():
        diffs.append("the ACL entries differ from the job's")
    return diffs



class ProvisioningRun:
    """One run over one job (also used by the resale flow)."""

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
        self.backend: DeviceBackend = backend_for(trust, override=options.backend)
        self.epoch = current_owner_epoch(store, job.id)
        self.acl = AclIntent(
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

    def targets(self) -> tuple[list[Target], list[DeviceOutcome]]:
        devices = {d.device_id: d for d in self.store.devices(self.job_id)}
        eligible: list[Target] = []
        blocked: list[DeviceOutcome] = []
        for gate in self.store.gate_states(self.job_id):
            dev = devices.get(gate.device_id)
            if dev is None:
                continue
            if dev.family == "echonet-lite":
                continue  # identify-only equipment (ECHONET Lite): nothing to provision
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
            eligible.append(Target(gate.device_id, role, host, port, gate.cert_fingerprint))
        return eligible, blocked

    # --- helpers --------------------------------------------------------------------------

    def done_steps(self, device_id: str) -> set[str]:
        return {s.step for s in self.store.provisioning_steps(self.job_id, device_id) if s.done}

    def record(self, device_id: str) -> ProvisioningDevice | None:
        for rec in self.store.provisioning_devices(self.job_id):
            if rec.device_id == device_id:
                return rec
        return None

    async def connect(self, t: Target, credentials: _RunCredentials) -> DeviceSession:
        """An authenticated session to the very device the gate certified."""
        return await self.backend.open_session(
            t.address, credentials, timeout=self.opt.timeout,
            expected_fingerprint=t.attestation_fingerprint, check_identity=True,
        )

    async def management_session(self, t: Target, credential: bytes) -> DeviceSession:
        """A session with the admin credential the job holds (a provisioned device)."""
        try:
            return await self.connect(t, _RunCredentials(self.client, credential, None))
        except NoCredentialError:
            raise ProvisioningStepError(
                "not-commissioned",
                "the device is in factory state again although this job provisioned it",
            ) from None

    async def backoff(self, attempt: int) -> None:
        delay = min(self.opt.backoff_max_s, self.opt.backoff_initial_s * 2 ** (attempt - 1))
        await asyncio.sleep(delay * (0.5 + secrets.randbelow(1000) / 2000))

    # --- one device -----------------------------------------------------------------------

    async def device(self, t: Target) -> None:
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
                if is_transient(err) and attempt < self.opt.max_attempts:
                    reason = getattr(err, "reason", type(err).__name__)
                    self.emit(t.device_id, "connection", "retry",
                              f"attempt {attempt} failed ({reason}); retrying")
                    await self.backoff(attempt)
                    continue
                failure = classify(err, self.job_id)
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

    async def device_steps(self, t: Target, steps: Sequence[str]) -> None:
        done = self.done_steps(t.device_id)
        if set(steps) <= done:
            return
        credential = admin_credential(self.vault, self.job_id, t.device_id)
        if any(s not in done for s in SESSION_STEPS):
            label = job_label(self.store, self.vault, self.job_id, t.device_id)
            session = await self.connect(t, _RunCredentials(self.client, credential, label))
            async with session:
                self.emit(t.device_id, "auth", "done", f"authenticated ({session.state_at_open})")
                await self.session_steps(t, session, credential, done)
        if "readback" not in done:
            await self.step(t.device_id, "readback", None, lambda: self.readback(t, credential))
        if t.role == "gateway" and "issuing-ca" not in done:
            cert_pem, key_pem, fp = ensure_issuing_ca(
                self.vault, self.ca, self.job_id, t.device_id
            )

            async def install() -> dict[str, Any]:
                session = await self.management_session(t, credential)
                async with session:
                    got = await session.install_issuing_ca(cert_pem, key_pem)
                if got != fp:
                    raise ProvisioningStepError(
                        "not-confirmed", "the gateway installed another issuing CA"
                    )
                return {"fingerprint": fp}

            await self.step(t.device_id, "issuing-ca", {"fingerprint": fp}, install)

    async def session_steps(
        self, t: Target, session: DeviceSession, credential: bytes, done: set[str]
    ) -> None:
        dev = t.device_id
        if "admin-credential" not in done:
            async def put_credential() -> None:
                await session.set_admin_credential(credential)

            await self.step(dev, "admin-credential",
                            {"entry": admin_secret_name(dev), "bits": 8 * len(credential)},
                            put_credential)
        if "csr" not in done:
            await self.step(dev, "csr", {"subject_cn": dev}, lambda: self.csr(t, session))
        rec = self.record(dev)
        if rec is None or rec.operational_cert is None or rec.operational_fingerprint is None:
            raise ProvisioningStepError("no-certificate", "no operational certificate")
        cert_pem, cert_fp = rec.operational_cert, rec.operational_fingerprint
        if "certificate" not in done:
            async def put_cert() -> None:
                await session.install_operational_certificate(
                    cert_pem, [self.acl.home_ca_pem], cert_fp
                )

            await self.step(dev, "certificate", {"fingerprint": cert_fp}, put_cert)
        if "acl" not in done:
            async def put_acl() -> None:
                await session.set_acl(self.acl)

            await self.step(dev, "acl", {"home_ca_fingerprint": self.acl.home_ca_fingerprint,
                                         "owner_epoch": self.acl.owner_epoch,
                                         "roles": ["gateway", "owner", "commissioner"]},
                            put_acl)
        if "default-credential" not in done:
            async def disable() -> None:
                await session.disable_default_login()

            await self.step(dev, "default-credential", {"enabled": False}, disable)
        if "complete" not in done:
            async def finish() -> None:
                await session.complete()

            await self.step(dev, "complete", None, finish)

    async def csr(self, t: Target, session: DeviceSession) -> dict[str, Any]:
        csr_pem = await session.request_csr(t.device_id)
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

    async def readback(self, t: Target, credential: bytes) -> dict[str, Any]:
        rec = self.record(t.device_id)
        assert rec is not None and rec.operational_fingerprint is not None
        session = await self.management_session(t, credential)
        async with session:
            readback = await session.read_back()
        diffs = compare_readback(readback, rec.operational_fingerprint, self.acl)
        if await self.backend.default_login_works(t.address, timeout=self.opt.timeout):
            diffs.append("the factory default login still works")
        if diffs:
            raise ReadbackMismatchError(diffs)
        # What the device said, not what was sent: the handover report's ACL comes from here.
        return {"result": "matches", "operational_fingerprint": rec.operational_fingerprint,
                "state": readback.state, "default_login_enabled": readback.default_login_enabled,
                "home_ca_fingerprint": readback.home_ca_fingerprint,
                "acl": [{"role": r, "epoch": e} for r, e in readback.acl_grants or ()]}

    # --- the gateway phase ----------------------------------------------------------------

    async def gateway_phase(self, gw: Target, devices: Sequence[Target]) -> str | None:
        """Allow-list, owner invitation, device authentication. Returns the invitation id."""
        rec = self.record(gw.device_id)
        if rec is None or rec.status != "provisioned":
            for t in devices:
                self.emit(t.device_id, GATEWAY_AUTH_STEP, "skipped", "the gateway is not ready")
            return None
        credential = admin_credential(self.vault, self.job_id, gw.device_id)
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
                if is_transient(err) and attempt < self.opt.max_attempts:
                    self.emit(gw.device_id, "gateway", "retry", f"attempt {attempt} failed")
                    await self.backoff(attempt)
                    continue
                failure = classify(err, self.job_id)
                self.store.set_provisioning_status(
                    self.job_id, gw.device_id, role="gateway", status="failed",
                    reason_code=failure.code, reason=failure.reason, action=failure.action,
                )
                self.emit(gw.device_id, "gateway", "failed", failure.reason)
                return None
        targets = [t for t in devices if t.device_id in provisioned]
        queue: asyncio.Queue[Target] = asyncio.Queue()
        for t in targets:
            queue.put_nowait(t)
        workers = max(1, min(self.opt.concurrency, len(targets)))
        await asyncio.gather(*(self.auth_worker(gw, credential, queue) for _ in range(workers)))
        return invitation_id

    async def gateway_setup(
        self, gw: Target, credential: bytes, provisioned: Mapping[str, ProvisioningDevice]
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
                    await session.set_allow_list(entries)

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
        full = load_invitation(self.vault, self.job_id, inv)
        await session.set_owner_invitation(OwnerInvitationGrant(
            invitation_id=inv.invitation_id, token_sha256=token_sha256(full),
            expires_at=inv.expires_at, epoch=inv.epoch,
            code_verifier=takeover_code_verifier(full),
        ))

    async def auth_worker(
        self, gw: Target, credential: bytes, queue: asyncio.Queue[Target]
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
                        if is_transient(err) and attempt < self.opt.max_attempts:
                            if session is not None:
                                await session.aclose()
                                session = None
                            await self.backoff(attempt)
                            continue
                        failure = classify(err, self.job_id)
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

    async def authenticate_one(self, session: DeviceSession, t: Target) -> None:
        if GATEWAY_AUTH_STEP in self.done_steps(t.device_id):
            return
        for attempt in range(1, self.opt.max_attempts + 1):
            self.store.provision_intent(self.job_id, t.device_id, GATEWAY_AUTH_STEP,
                                        {"gateway": "ask"})
            self.emit(t.device_id, GATEWAY_AUTH_STEP, "started")
            ok, reason = await session.gateway_authenticate(t.device_id)
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

    def outcomes(self, eligible: Sequence[Target]) -> list[DeviceOutcome]:
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

