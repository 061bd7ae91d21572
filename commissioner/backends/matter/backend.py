"""The Matter backend: commissioning through the Matter SDK's controller in a worker process.

Matter binds identity and commissioning together: the device proves who it is (device
attestation) inside the session opened with its setup code, so there is no anonymous
:meth:`identify`. :meth:`MatterBackend.open_session` does it all in one go:

1. the setup code from the scanned label (QR or manual code), checked against the device found;
2. PASE with that code, then the engine's commissioning: device attestation against the PAA
   folder laid out from the catalog's signed target (a DAC under an unknown PAA is refused
   before any certificate is issued), an operational certificate from the home's fabric, the
   commissioner's admin entry, commissioning complete;
3. over the operational session: DAC and PAI asked again and checked by the app, and
   BasicInformation read (vendor/product id, serial, software version).

The :class:`MatterSession` then writes the ACL (admin = the commissioner only), closes the
commissioning window and reads everything back from the device. The fabric's root key lives
in the worker's private storage; :meth:`MatterBackend.export_fabric` hands it to the caller's
vault.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

from commissioner.backends.base import (
    AclIntent,
    Credentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    Identification,
    IdentifiedSession,
    ProvisioningReadback,
)
from commissioner.backends.errors import (
    DeviceProtocolError,
    DeviceUnreachableError,
    LabelMismatchError,
    MalformedReplyError,
    NoCredentialError,
    NotSupportedByFamilyError,
    ProvisioningStepError,
    ReadbackMismatchError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
)
from commissioner.backends.matter.attestation import AttestedChain, verify_device_chain
from commissioner.backends.matter.channel import WorkerChannel, WorkerFault
from commissioner.backends.matter.messages import (
    Abandon,
    CloseWindow,
    Commission,
    Export,
    Identify,
    Pase,
    ReadBack,
    Request,
    Start,
    WriteAcl,
)
from commissioner.backends.matter.readback import MatterReadback
from commissioner.protocol.matter_payload import (
    MatterPayload,
    MatterPayloadError,
    decode_matter_payload,
)

MATTER: Final = "matter"
WINDOW_CLOSED: Final = 0
START_TIMEOUT: Final = 90.0  # loading the SDK's cluster objects takes seconds on a busy laptop

Admission = Callable[[AttestedChain], None]
"""Called with a device's verified chain before it is commissioned; raises a
:class:`DeviceProtocolError` to refuse it (e.g. a model the catalog does not certify)."""

__all__ = ["Admission", "FabricConfig", "MatterBackend", "MatterSession"]


@dataclass(frozen=True, slots=True)
class FabricConfig:
    """The home's fabric: ids, and the engine's state from the job vault (None: new fabric,
    its root generated in the worker)."""

    fabric_id: int
    vendor_id: int = 0xFFF1
    controller_node_id: int = 112233
    state: Mapping[str, Any] | None = None


def _fault_to_error(fault: WorkerFault, device_id: str) -> DeviceProtocolError:
    if fault.reason == "setup-code-rejected":
        return SetupCodeRejectedError("setup-code-rejected", f"{device_id}: {fault.message}")
    if fault.reason == "attestation-failed":
        return UntrustedDeviceError("not-attested", f"{device_id}: not attested: "
                                    f"{fault.message}")
    if fault.reason == "pase-failed":
        return DeviceUnreachableError("unreachable", f"{device_id}: no secure session with the "
                                      f"device: {fault.message}")
    if fault.reason == "timeout":
        return DeviceUnreachableError("timeout", f"{device_id}: {fault.message}")
    return ProvisioningStepError("internal-error" if fault.reason in ("worker-died", "bad-reply")
                                 else fault.reason, f"{device_id}: {fault.message}")


class MatterBackend(DeviceBackend):
    """One home fabric, one engine worker (started on first use; :meth:`aclose` ends it)."""

    family: ClassVar[str] = MATTER
    transports: ClassVar[frozenset[str]] = frozenset({MATTER})

    def __init__(self, paa_folder: Path, work_dir: Path, fabric: FabricConfig, *,
                 admit: Admission | None = None, commission_timeout: float = 60.0,
                 python: str | None = None) -> None:
        self.paa_folder = Path(paa_folder)
        self.work_dir = Path(work_dir)
        self.fabric = fabric
        self.commission_timeout = commission_timeout
        self.admit = admit
        self._python = python
        self._worker: WorkerChannel | None = None
        self._state: dict[str, Any] | None = dict(fabric.state) if fabric.state else None
        self._start_lock = asyncio.Lock()
        self.fabric_root_public_key: bytes | None = None

    # -- the worker ----------------------------------------------------------------------

    async def worker(self) -> WorkerChannel:
        async with self._start_lock:
            if self._worker is not None and self._worker.alive:
                return self._worker
            if self._worker is not None:
                await self._worker.aclose()
            worker = await WorkerChannel.spawn(python=self._python, timeout=START_TIMEOUT)
            try:
                started = await worker.call(Start(
                    paa_store=str(self.paa_folder), fabric_id=self.fabric.fabric_id,
                    vendor_id=self.fabric.vendor_id,
                    controller_node_id=self.fabric.controller_node_id,
                    work_dir=str(self.work_dir / "engine"), state=self._state), START_TIMEOUT)
                root = base64.b64decode(started["root_public_key"])
                if self.fabric_root_public_key not in (None, root):
                    raise WorkerFault("fabric-changed", "the restarted engine came up on "
                                      "another fabric root")
                # Keep the fabric (root key included) in memory from the start, so an engine
                # restarted after a crash comes back on the same fabric.
                self._state = (await worker.call(Export(), START_TIMEOUT))["state"]
            except WorkerFault:
                await worker.aclose()
                raise
            self.fabric_root_public_key = root
            self._worker = worker
            return worker

    async def export_fabric(self) -> dict[str, Any]:
        """The engine's state (the fabric root key included): for the job vault only."""
        try:
            state = (await (await self.worker()).call(Export(), 20.0))["state"]
        except WorkerFault as fault:
            raise _fault_to_error(fault, "the Matter engine") from None
        if not isinstance(state, dict):
            raise ProvisioningStepError("internal-error", "the engine exported no state")
        self._state = state
        return state

    async def aclose(self) -> None:
        if self._worker is not None:
            await self._worker.aclose()
            self._worker = None

    # -- the seam ------------------------------------------------------------------------

    async def identify(self, address: DeviceAddress, *, advertised_model: str | None = None,
                       timeout: float) -> Identification:  # noqa: ASYNC109
        raise NotSupportedByFamilyError(
            MATTER, "identifying a device without its setup code",
            "a Matter device proves its identity only in the session opened with its setup "
            "code; use identify_and_open_session")

    async def identify_and_open_session(
        self, address: DeviceAddress, credentials: Credentials | None, *,
        timeout: float, expected_fingerprint: str | None = None,  # noqa: ASYNC109
    ) -> IdentifiedSession:
        if credentials is None:
            raise NoCredentialError(address.device_id, "setup-code",
                                    "a Matter device is identified while it is commissioned: "
                                    "scan its setup code first")
        session = await self.open_session(address, credentials, timeout=timeout,
                                          expected_fingerprint=expected_fingerprint,
                                          check_identity=True)
        return IdentifiedSession(session.identification, session)

    async def open_session(
        self, address: DeviceAddress, credentials: Credentials, *,
        timeout: float, expected_fingerprint: str | None = None,  # noqa: ASYNC109
        check_identity: bool = False,
    ) -> MatterSession:
        label = credentials.setup_label(address.device_id)
        if label is None:
            raise NoCredentialError(address.device_id, "setup-code",
                                    f"no setup code is recorded for {address.device_id}")
        try:
            payload = decode_matter_payload(label.setup_code)
        except MatterPayloadError as err:
            raise LabelMismatchError("label-not-matter",
                                     f"{address.device_id}: the label is not a Matter setup "
                                     f"code: {err}") from None
        _check_label_fits(payload, address.device_id)
        try:
            worker = await self.worker()
        except WorkerFault as fault:  # the engine could not start: this device fails
            raise _fault_to_error(fault, address.device_id) from None
        node_id = secrets.randbelow(0xFFFF_FFEF) + 1
        pase = (Pase(node_id, label.setup_code, address.host, address.port, payload.passcode)
                if address.host else Pase(node_id, label.setup_code))
        try:
            await worker.call(pase, timeout if address.host else self.commission_timeout)
            claimed = await worker.call(Identify(node_id), timeout)
        except WorkerFault as fault:
            raise _fault_to_error(fault, address.device_id) from None
        # Before anything is written to the device: its chain against the catalog's PAAs,
        # then the caller's admission (the certified-model gate). A refused device gets no
        # operational certificate.
        try:
            chain = verify_device_chain(
                _b64(claimed.get("dac")), _b64(claimed.get("pai")), self.paa_folder,
                vendor_id=int(claimed["vendor_id"]), product_id=int(claimed["product_id"]))
            if expected_fingerprint is not None and chain.dac_fingerprint != expected_fingerprint:
                raise UntrustedDeviceError("identity-mismatch", f"{address.device_id}: another "
                                           "device answered (its DAC differs from the job's)")
            if self.admit is not None:
                self.admit(chain)
        except DeviceProtocolError:
            with contextlib.suppress(WorkerFault):
                await worker.call(Abandon(node_id), timeout)
            raise
        try:
            result = await worker.call(Commission(node_id), self.commission_timeout)
            node_id = int(result["node_id"])
            read = await worker.call(ReadBack(node_id), timeout)
            self._state = (await worker.call(Export(), timeout))["state"]
        except WorkerFault as fault:
            raise _fault_to_error(fault, address.device_id) from None
        readback = MatterReadback.from_json(read)
        if hashlib.sha256(readback.dac).hexdigest() != chain.dac_fingerprint:
            raise UntrustedDeviceError("identity-mismatch", f"{address.device_id}: the DAC "
                                       "changed between PASE and the operational session")
        identity = _identification(address, readback, chain)
        return MatterSession(self, identity, chain, node_id, readback)


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except ValueError:
        raise MalformedReplyError("malformed-reply", "the device's certificate is not "
                                  "base64") from None


_DEVICE_ID: Final = re.compile(r"matter-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{3})")


def _check_label_fits(payload: MatterPayload, device_id: str) -> None:
    """The label must be the found device's (discovery names Matter devices by vendor id,
    product id and long discriminator); a label with no vendor/product skips those."""
    m = _DEVICE_ID.fullmatch(device_id)
    if m is None:
        return  # not a discovery id (a device given by address only)
    vid, pid, disc = (int(g, 16) for g in m.groups())
    if not payload.matches(discriminator=disc, vendor_id=vid, product_id=pid):
        raise LabelMismatchError("label-mismatch", f"the scanned Matter code is not the label "
                                 f"of {device_id}")


def _identification(address: DeviceAddress, rb: MatterReadback,
                    chain: AttestedChain) -> Identification:
    return Identification(
        device_id=address.device_id, family=MATTER, attested=True,
        manufacturer=f"VID {rb.vendor_id:04X}", model=f"PID {rb.product_id:04X}",
        serial=rb.serial, kind=MATTER, role="device",
        firmware_version=str(rb.software_version), host=address.host, port=address.port,
        fingerprint=chain.dac_fingerprint, chain_subjects=chain.subjects,
        root_fingerprint=chain.root_fingerprint, commissioning_state="commissioned",
        valid_from=chain.valid_from, valid_until=chain.valid_until, key_type="EC P-256")


class MatterSession(DeviceSession):
    """A commissioned device on the home's fabric, over its operational (CASE) session."""

    family: ClassVar[str] = MATTER

    def __init__(self, backend: MatterBackend, identity: Identification,
                 chain: AttestedChain, node_id: int, first_read: MatterReadback) -> None:
        self._backend = backend
        self.identification = identity
        self.chain = chain
        self.node_id = node_id
        self.first_read = first_read
        self._closed = False

    @property
    def device_id(self) -> str:
        return self.identification.device_id

    @property
    def fingerprint(self) -> str | None:
        return self.chain.dac_fingerprint

    @property
    def state_at_open(self) -> str:
        return "factory"

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        self._closed = True  # the engine keeps its operational sessions; nothing to end here

    async def _call(self, req: Request, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        try:
            # The backend's current engine: after a worker crash a new one comes up on the
            # same fabric and reaches the device over a new operational (CASE) session.
            worker = await self._backend.worker()
            return await worker.call(req, timeout)
        except WorkerFault as fault:
            raise _fault_to_error(fault, self.device_id) from None

    # -- provisioning --------------------------------------------------------------------

    async def set_admin_credential(self, credential: bytes) -> None:
        raise NotSupportedByFamilyError(MATTER, "an admin credential",
                                        "Matter grants administration by ACL on the fabric")

    async def request_csr(self, subject: str) -> bytes:
        raise NotSupportedByFamilyError(MATTER, "a separate CSR step", "the engine issues the "
                                        "operational certificate while commissioning")

    async def install_operational_certificate(
        self, certificate_pem: str, chain_pems: Sequence[str], fingerprint: str
    ) -> None:
        raise NotSupportedByFamilyError(MATTER, "installing a given operational certificate",
                                        "the engine issues it from the home's fabric while "
                                        "commissioning; read_back shows it")

    async def disable_default_login(self) -> None:
        raise NotSupportedByFamilyError(MATTER, "a default login", "Matter devices have none")

    async def set_acl(self, acl: AclIntent | None = None) -> None:
        """Administer for the commissioner's node only (CASE); nothing else on this fabric."""
        await self._call(WriteAcl(self.node_id, (self._backend.fabric.controller_node_id,)))

    async def complete(self) -> None:
        """Close the commissioning window (revoke it if the device left one open) and check
        that the device says it is closed."""
        status = int((await self._call(CloseWindow(self.node_id)))["window_status"])
        if status != WINDOW_CLOSED:
            raise ProvisioningStepError("window-open", f"{self.device_id}: the commissioning "
                                        f"window is still open (status {status})")

    async def read_matter(self) -> MatterReadback:
        return MatterReadback.from_json(await self._call(ReadBack(self.node_id)))

    async def read_back(self) -> ProvisioningReadback:
        rb = await self.read_matter()
        problems = self.check(rb)
        if problems:
            raise ReadbackMismatchError(problems)
        return ProvisioningReadback(
            state="commissioned", default_login_enabled=None, admin_credential_set=None,
            operational_fingerprint=hashlib.sha256(rb.nocs[0]).hexdigest() if rb.nocs else None,
            home_ca_fingerprint=(hashlib.sha256(rb.trusted_roots[0]).hexdigest()
                                 if rb.trusted_roots else None),
            acl_home_ca_fingerprint=None,
            acl_grants=(("commissioner", None),) if rb.commissioner_only(
                self._backend.fabric.controller_node_id) else None)

    def check(self, rb: MatterReadback) -> list[str]:
        """What differs between the device's read-back and what the job intended."""
        me = self._backend.fabric.controller_node_id
        problems = []
        if not rb.commissioner_only(me):
            problems.append(f"ACL is {rb.acl}, expected one Administer/CASE entry for {me}")
        if rb.window_status != WINDOW_CLOSED:
            problems.append(f"commissioning window status {rb.window_status}")
        if len(rb.nocs) != 1 or len(rb.trusted_roots) != 1:
            problems.append(f"{len(rb.nocs)} NOCs and {len(rb.trusted_roots)} roots on this "
                            "fabric, expected one each")
        fabric = rb.current_fabric()
        if fabric is None or fabric.fabric_id != self._backend.fabric.fabric_id:
            problems.append("the device is not on the home's fabric")
        elif (self._backend.fabric_root_public_key is not None
              and fabric.root_public_key != self._backend.fabric_root_public_key):
            problems.append("the device's fabric root is not the home's")
        if (rb.vendor_id, rb.product_id) != (self.chain.vendor_id, self.chain.product_id):
            problems.append("BasicInformation names another vendor/product than the DAC")
        return problems
