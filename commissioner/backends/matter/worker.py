"""The Matter SDK controller in a process of its own: ``python -m
commissioner.backends.matter.worker``.

The SDK's native library aborts its whole process when an exception escapes a callback, and it
writes under fixed paths (``/data/chip_*.ini``, ``/tmp/chip_kvs``). So it never runs inside the
app: this worker reads one JSON request per line on stdin and answers one JSON reply per line
(:mod:`commissioner.backends.matter.channel` is the other end). Before the SDK is loaded the
worker moves into a private mount namespace with a tmpfs on ``/data`` and a private file over
``/tmp/chip_kvs`` where the machine allows it (root, or root in a user namespace); the SDK's
storage (the fabric's root key included) lives in that tmpfs and leaves it only as the
``export`` reply, for the caller's vault.

The native library prints to file descriptor 1: the protocol runs on a duplicate of it, and
descriptor 1 is pointed at stderr.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, BinaryIO, Final

from commissioner.backends.matter.channel import PROTOCOL_VERSION, WorkerFault

CLONE_NEWNS: Final = 0x00020000
MS_BIND: Final = 4096
MS_REC: Final = 16384
MS_PRIVATE: Final = 1 << 18
STORAGE_DIR: Final = Path("/data")
KVS_FILE: Final = Path("/tmp/chip_kvs")  # noqa: S108 - the SDK's own fixed path, hidden below

logger = logging.getLogger("commissioner.matter.worker")
CHIP_ERROR_FAILED_DEVICE_ATTESTATION: Final = 0x20
_ATTESTATION_DETAIL: Final = re.compile(
    r"Failed in verifying 'Attestation Information'.*?: err (\d+) \((.*)\)")
_WRONG_CODE: Final = "setup code is incorrect"
FAIL_SAFE_SECONDS: Final = 60


class RecentLog(logging.Handler):
    """The SDK's recent warnings and errors: its exceptions carry only a generic code, its
    log says why (a PAA not found, a MAC that did not verify...)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: collections.deque[str] = collections.deque(maxlen=200)

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.lines.append(record.getMessage())


RECENT = RecentLog()


def _isolate() -> str | None:
    """A private mount namespace: tmpfs on /data, a private /tmp/chip_kvs. Returns why not."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def call(result: int, what: str) -> None:
        if result != 0:
            raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")

    try:
        call(libc.unshare(CLONE_NEWNS), "unshare")
        call(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "private /")
        if not STORAGE_DIR.is_dir():
            return f"{STORAGE_DIR} does not exist to mount the worker's storage on"
        call(libc.mount(b"tmpfs", str(STORAGE_DIR).encode(), b"tmpfs", 0,
                        b"mode=0700,size=32m"), "tmpfs on /data")
        private_kvs = STORAGE_DIR / "chip_kvs"
        private_kvs.touch(mode=0o600)
        if not KVS_FILE.exists():
            KVS_FILE.touch(mode=0o600)
        call(libc.mount(str(private_kvs).encode(), str(KVS_FILE).encode(), None, MS_BIND,
                        None), "bind /tmp/chip_kvs")
    except OSError as err:
        return str(err)
    return None


class Controller:
    """One SDK stack, one fabric, one controller; requests run one at a time."""

    def __init__(self, isolated: bool) -> None:
        self.stack: Any = None
        self.ca_manager: Any = None
        self.ctrl: Any = None
        self.isolated = isolated
        self.storage_dir = STORAGE_DIR

    @property
    def storage_path(self) -> Path:
        return self.storage_dir / "commissioner-fabric.json"

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.ctrl is not None:
            raise WorkerFault("already-started", "the controller is already running")
        paa = Path(str(req["paa_store"]))
        if not paa.is_dir():
            raise WorkerFault("no-paa-store", f"the PAA trust store {paa} is not a folder")
        if not self.isolated:  # the SDK's fixed paths are shared: at least keep ours apart
            self.storage_dir = Path(str(req["work_dir"]))
            self.storage_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Copy the store into the private storage, so the SDK reads only what was given.
        local_paa = self.storage_dir / "paa"
        local_paa.mkdir(mode=0o700, exist_ok=True)
        for old in local_paa.iterdir():
            old.unlink()
        for cert in sorted(paa.iterdir()):
            if cert.is_file() and cert.suffix == ".der":
                (local_paa / cert.name).write_bytes(cert.read_bytes())
        state = req.get("state")
        self.storage_path.write_text(json.dumps(state) if state else "", encoding="utf-8")
        self.storage_path.chmod(0o600)

        import chip.CertificateAuthority
        import chip.ChipStack
        import chip.logging
        import chip.native

        chip.native.Init()
        chip.logging.RedirectToPythonLogging()
        self.stack = chip.ChipStack.ChipStack(persistentStoragePath=str(self.storage_path),
                                              enableServerInteractions=False)
        self.ca_manager = chip.CertificateAuthority.CertificateAuthorityManager(self.stack)
        self.ca_manager.LoadAuthoritiesFromStorage()
        if not self.ca_manager.activeCaList:
            ca = self.ca_manager.NewCertificateAuthority()
        else:
            ca = self.ca_manager.activeCaList[0]
        fabric_id = int(req["fabric_id"])
        admin = next((a for a in ca.adminList if a.fabricId == fabric_id), None)
        if admin is None:
            admin = ca.NewFabricAdmin(vendorId=int(req["vendor_id"]), fabricId=fabric_id)
        self.ctrl = admin.NewController(nodeId=int(req["controller_node_id"]),
                                        paaTrustStorePath=str(local_paa))
        return {"fabric_id": self.ctrl.fabricId, "controller_node_id": self.ctrl.nodeId,
                "root_public_key": base64.b64encode(bytes(self.ctrl.rootPublicKeyBytes))
                .decode()}

    def export(self) -> dict[str, Any]:
        self._need()
        self.stack.GetStorageManager().Commit()
        return {"state": json.loads(self.storage_path.read_text(encoding="utf-8"))}

    def shutdown(self) -> dict[str, Any]:
        if self.ctrl is not None:
            self.ctrl.Shutdown()
            self.ctrl = None
        if self.ca_manager is not None:
            self.ca_manager.Shutdown()
            self.ca_manager = None
        if self.stack is not None:
            self.stack.Shutdown()
            self.stack = None
        return {}

    def _need(self) -> None:
        if self.ctrl is None:
            raise WorkerFault("not-started", "the controller has not been started")

    # -- device operations ---------------------------------------------------------------

    async def pase(self, req: dict[str, Any]) -> dict[str, Any]:
        """A PASE session with the setup code: nothing is written to the device yet."""
        self._need()
        node_id = int(req["node_id"])
        try:
            if req.get("ip"):  # the address discovery found: one attempt, at that device
                await self.ctrl.EstablishPASESessionIP(str(req["ip"]), int(req["passcode"]),
                                                       node_id, int(req.get("port") or 0))
            else:  # the SDK finds the device by the payload's discriminator
                await self.ctrl.EstablishPASESession(str(req["code"]), node_id)
        except Exception as err:  # noqa: BLE001 - any SDK failure here is a PASE failure
            if any(_WRONG_CODE in line for line in RECENT.lines):
                raise WorkerFault("setup-code-rejected", "the device refused the setup code "
                                  f"(PASE failed: {err})") from None
            raise _stack_fault(err, "pase-failed") from None
        return {}

    async def identify(self, req: dict[str, Any]) -> dict[str, Any]:
        """Over the current session (PASE before commissioning): the device's DAC and PAI and
        the ids it reports in BasicInformation."""
        from chip import clusters as c

        self._need()
        node_id = int(req["node_id"])
        # Arm the fail-safe first: disarming it (abandon) is how the device is told to drop
        # this PASE session, so a refused device is commissionable again at once.
        await self._arm_fail_safe(node_id, FAIL_SAFE_SECONDS)
        basic = c.BasicInformation.Attributes
        read = await self.ctrl.ReadAttribute(node_id, [
            (0, basic.VendorID), (0, basic.ProductID), (0, basic.SerialNumber),
            (0, basic.SoftwareVersion)])
        b = read[0][c.BasicInformation]
        return {"vendor_id": int(b[basic.VendorID]), "product_id": int(b[basic.ProductID]),
                "serial": str(b[basic.SerialNumber]),
                "software_version": int(b[basic.SoftwareVersion]),
                **await self._chain(node_id)}

    async def _chain(self, node_id: int) -> dict[str, str]:
        from chip import clusters as c

        opc = c.OperationalCredentials
        chain = {}
        for name, kind in (("dac", opc.Enums.CertificateChainTypeEnum.kDACCertificate),
                           ("pai", opc.Enums.CertificateChainTypeEnum.kPAICertificate)):
            resp = await self.ctrl.SendCommand(node_id, 0,
                                               opc.Commands.CertificateChainRequest(kind))
            chain[name] = base64.b64encode(bytes(resp.certificate)).decode()
        return chain

    async def _arm_fail_safe(self, node_id: int, seconds: int) -> None:
        from chip import clusters as c

        resp = await self.ctrl.SendCommand(node_id, 0, c.GeneralCommissioning.Commands.ArmFailSafe(
            expiryLengthSeconds=seconds, breadcrumb=0))
        if int(resp.errorCode) != 0:
            raise WorkerFault("fail-safe-refused", f"the device refused to arm its fail-safe "
                              f"({int(resp.errorCode)}: {resp.debugText})")

    async def abandon(self, req: dict[str, Any]) -> dict[str, Any]:
        """End the commissioning attempt of a refused device: expiring the fail-safe makes
        the device clear the PASE session (and anything armed under it); then forget it."""
        self._need()
        node_id = int(req["node_id"])
        with contextlib.suppress(Exception):
            await self._arm_fail_safe(node_id, 0)
        self.ctrl.ExpireSessions(node_id)
        return {}

    async def commission(self, req: dict[str, Any]) -> dict[str, Any]:
        """Commission over the PASE session: the engine's own device attestation (nonce
        signature, Certification Declaration, chain to the PAA folder), the operational
        certificate, the commissioner's ACL entry, commissioning complete."""
        self._need()
        node_id = int(req["node_id"])
        try:
            effective = await self.ctrl.Commission(node_id)
        except Exception as err:  # noqa: BLE001
            if getattr(err, "code", None) == CHIP_ERROR_FAILED_DEVICE_ATTESTATION:
                detail = next((m for m in map(_ATTESTATION_DETAIL.search, RECENT.lines) if m),
                              None)
                raise WorkerFault(
                    "attestation-failed",
                    "device attestation failed: " + (f"{detail.group(2)} (result "
                                                     f"{detail.group(1)})" if detail else str(err)),
                    code=int(detail.group(1)) if detail else CHIP_ERROR_FAILED_DEVICE_ATTESTATION,
                ) from None
            raise _stack_fault(err, "commissioning-failed") from None
        return {"node_id": int(effective)}

    async def write_acl(self, req: dict[str, Any]) -> dict[str, Any]:
        from chip import clusters as c

        self._need()
        node_id = int(req["node_id"])
        acl = c.AccessControl
        entries = [acl.Structs.AccessControlEntryStruct(
            privilege=acl.Enums.AccessControlEntryPrivilegeEnum.kAdminister,
            authMode=acl.Enums.AccessControlEntryAuthModeEnum.kCase,
            subjects=[int(s) for s in req["admin_subjects"]])]
        result = await self.ctrl.WriteAttribute(node_id, [(0, acl.Attributes.Acl(entries))])
        statuses = [int(r.Status) for r in result]
        if any(s != 0 for s in statuses):
            raise WorkerFault("acl-refused", f"the device refused the ACL: status {statuses}")
        return {}

    async def close_window(self, req: dict[str, Any]) -> dict[str, Any]:
        from chip import clusters as c

        self._need()
        node_id = int(req["node_id"])
        status = await self._window_status(node_id)
        if status != 0:
            await self.ctrl.SendCommand(
                node_id, 0, c.AdministratorCommissioning.Commands.RevokeCommissioning(),
                timedRequestTimeoutMs=5000)
            status = await self._window_status(node_id)
        return {"window_status": status}

    async def _window_status(self, node_id: int) -> int:
        from chip import clusters as c

        attr = c.AdministratorCommissioning.Attributes.WindowStatus
        read = await self.ctrl.ReadAttribute(node_id, [(0, attr)])
        return int(read[0][c.AdministratorCommissioning][attr])

    async def read_back(self, req: dict[str, Any]) -> dict[str, Any]:
        """What the device reports over its operational session: ACL, BasicInformation,
        window status, its NOC and trusted root on this fabric, and its DAC and PAI."""
        from chip import clusters as c

        self._need()
        node_id = int(req["node_id"])
        basic = c.BasicInformation.Attributes
        opc = c.OperationalCredentials
        wanted = [(0, c.AccessControl.Attributes.Acl), (0, basic.VendorID),
                  (0, basic.ProductID), (0, basic.VendorName), (0, basic.ProductName),
                  (0, basic.SerialNumber), (0, basic.SoftwareVersion),
                  (0, basic.SoftwareVersionString), (0, basic.UniqueID),
                  (0, c.AdministratorCommissioning.Attributes.WindowStatus),
                  (0, opc.Attributes.NOCs), (0, opc.Attributes.TrustedRootCertificates),
                  (0, opc.Attributes.Fabrics), (0, opc.Attributes.CurrentFabricIndex)]
        read = await self.ctrl.ReadAttribute(node_id, wanted)
        ep = read[0]
        b = ep[c.BasicInformation]
        o = ep[opc]
        chain = await self._chain(node_id)
        return {
            "acl": [{"privilege": int(e.privilege), "auth_mode": int(e.authMode),
                     "subjects": None if not isinstance(e.subjects, list)
                     else [int(s) for s in e.subjects],
                     "targets": None if not isinstance(e.targets, list) else len(e.targets),
                     "fabric_index": int(e.fabricIndex)}
                    for e in ep[c.AccessControl][c.AccessControl.Attributes.Acl]],
            "vendor_id": int(b[basic.VendorID]), "product_id": int(b[basic.ProductID]),
            "vendor_name": str(b[basic.VendorName]), "product_name": str(b[basic.ProductName]),
            "serial": str(b[basic.SerialNumber]),
            "software_version": int(b[basic.SoftwareVersion]),
            "software_version_string": str(b[basic.SoftwareVersionString]),
            "unique_id": str(b[basic.UniqueID]),
            "window_status": int(ep[c.AdministratorCommissioning][
                c.AdministratorCommissioning.Attributes.WindowStatus]),
            "nocs": [base64.b64encode(bytes(n.noc)).decode() for n in o[opc.Attributes.NOCs]],
            "trusted_roots": [base64.b64encode(bytes(r)).decode()
                              for r in o[opc.Attributes.TrustedRootCertificates]],
            "fabrics": [{"fabric_id": int(f.fabricID), "node_id": int(f.nodeID),
                         "vendor_id": int(f.vendorID), "fabric_index": int(f.fabricIndex),
                         "root_public_key": base64.b64encode(bytes(f.rootPublicKey)).decode()}
                        for f in o[opc.Attributes.Fabrics]],
            "current_fabric_index": int(o[opc.Attributes.CurrentFabricIndex]),
            **chain,
        }


def _stack_fault(err: BaseException, reason: str = "stack-error") -> WorkerFault:
    code = getattr(err, "code", None)
    text = str(err) or type(err).__name__
    return WorkerFault(reason, text, code=int(code) if isinstance(code, int) else None)


async def _serve(reader: BinaryIO, writer: BinaryIO, isolation: str | None) -> None:
    ctl = Controller(isolation is None)
    loop = asyncio.get_running_loop()

    def reply(msg: dict[str, Any]) -> None:
        writer.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        writer.flush()

    reply({"hello": PROTOCOL_VERSION, "pid": os.getpid(), "isolated": isolation is None,
           "isolation_problem": isolation})
    while True:
        line = await loop.run_in_executor(None, reader.readline)
        if not line:
            break
        req_id: Any = None
        try:
            req = json.loads(line)
            RECENT.lines.clear()
            req_id = req.get("id")
            op = req.get("op")
            if op == "start":
                result = ctl.start(req)
            elif op == "pase":
                result = await ctl.pase(req)
            elif op == "identify":
                result = await ctl.identify(req)
            elif op == "abandon":
                result = await ctl.abandon(req)
            elif op == "commission":
                result = await ctl.commission(req)
            elif op == "write_acl":
                result = await ctl.write_acl(req)
            elif op == "close_window":
                result = await ctl.close_window(req)
            elif op == "read_back":
                result = await ctl.read_back(req)
            elif op == "export":
                result = ctl.export()
            elif op == "shutdown":
                result = ctl.shutdown()
                reply({"id": req_id, "ok": True, "result": result})
                break
            else:
                raise WorkerFault("unknown-op", f"unknown request {op!r}")
            reply({"id": req_id, "ok": True, "result": result})
        except WorkerFault as fault:
            reply({"id": req_id, "ok": False, "error": fault.to_json()})
        except Exception as err:  # noqa: BLE001 - nothing may escape into the SDK's callbacks
            traceback.print_exc(file=sys.stderr)
            reply({"id": req_id, "ok": False, "error": _stack_fault(err).to_json()})
    with contextlib.suppress(Exception):
        ctl.shutdown()


def main() -> None:
    proto_fd = os.dup(1)
    os.dup2(2, 1)  # the native library's prints go to stderr, never into the protocol
    logging.basicConfig(level=os.environ.get("COMMISSIONER_MATTER_LOG", "WARNING"),
                        stream=sys.stderr)
    logging.getLogger().addHandler(RECENT)
    isolation = _isolate() if os.environ.get("COMMISSIONER_MATTER_NO_ISOLATION") != "1" \
        else "disabled by COMMISSIONER_MATTER_NO_ISOLATION"
    with os.fdopen(proto_fd, "wb", buffering=0) as writer:
        asyncio.run(_serve(sys.stdin.buffer, writer, isolation))
    sys.stdout.flush()
    os._exit(0)  # the SDK's threads and atexit hooks must not run after its shutdown


if __name__ == "__main__":
    main()
