"""The commissioning endpoints of a virtual device (docs/device-protocol.md sections 13-14).

Admin credential, CSR and operational certificate, ACL, default credential, completion and
read-back; then what the ACL grants: the control endpoints and the answer to the gateway's
authentication challenge. A mixin of :class:`.device.VirtualDevice`.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.protocol.admin_proof import admin_verifier
from commissioner.protocol.http11 import (
    Request,
)
from commissioner.protocol.spec import (
    ACL_ROLES,
    ADMIN_CREDENTIAL_MAX_BYTES,
    ADMIN_CREDENTIAL_MIN_BYTES,
    AUTH_NONCE_BYTES,
    CONTROL_COMMAND_RE,
    DEVICE_ID_RE,
    MAX_ACL_ENTRIES,
    MAX_CHAIN_PEMS,
    MAX_OWNER_EPOCH,
    CertRole,
    CommissioningState,
    ErrorCode,
    Role,
)
from commissioner.virtualhome import homepki, lies
from commissioner.virtualhome.device_http import (
    BadField,
    _b64_field,
    _err,
    _Reply,
    _Session,
    conflict,
    now_utc,
    only_keys,
)
from commissioner.virtualhome.provisioning_state import (
    FAULT_FOREIGN_CSR,
    FAULT_MALFORMED_CSR,
    FAULT_WEAK_CSR,
    OPERATIONAL_KEY_FILE,
    WEAK_CSR_VARIANTS,
)
from commissioner.virtualhome.state import (
    DeviceState,
)


class CommissioningEndpoints:
    """Provisioning steps 2-8 and the role-based endpoints of a provisioned device."""

    if TYPE_CHECKING:  # provided by VirtualDevice (device.py)
        device_id: str
        state: DeviceState
        control_commands: int
        on_state_changed: Callable[[Any], Awaitable[None]] | None
        _op_lock: asyncio.Lock
        _op_key: ec.EllipticCurvePrivateKey | None
        _weak_csr: tuple[str, str] | None

        async def persist_state(self) -> None: ...

        async def _write_secret(self, name: str, data: bytes) -> None: ...

        async def _rebuild_tls(self) -> None: ...

        def home_ca(self) -> x509.Certificate | None: ...

        def peer_role(self, session: _Session) -> tuple[CertRole, int | None] | str: ...

    # --- commissioning --------------------------------------------------------------------

    async def _commissioning_open(self, session: _Session, request: Request) -> _Reply:
        if request.body:
            request.json()  # must be a JSON object if present
        self.state.commissioning_opened += 1
        await self.persist_state()
        return _Reply(200, {"ok": True})

    @property
    def commissioned(self) -> bool:
        return self.state.state is CommissioningState.COMMISSIONED

    async def _put_admin_credential(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        raw = body.get("credential")
        if not isinstance(raw, str) or len(raw) > 4 * ADMIN_CREDENTIAL_MAX_BYTES:
            raise BadField("credential", "credential must be base64 text")
        credential = _b64_field(body, "credential", None)
        if credential is None or not (
            ADMIN_CREDENTIAL_MIN_BYTES <= len(credential) <= ADMIN_CREDENTIAL_MAX_BYTES
        ):
            raise BadField(
                "credential",
                f"credential must be {ADMIN_CREDENTIAL_MIN_BYTES}-{ADMIN_CREDENTIAL_MAX_BYTES} "
                "bytes, base64",
            )
        verifier = base64.b64encode(admin_verifier(credential, self.state.serial)).decode("ascii")
        async with self._op_lock:
            prov = self.state.provisioning
            current = prov.admin_verifier
            differs = current is not None and not hmac.compare_digest(current, verifier)
            if differs and self.commissioned:
                return conflict(
                    "admin-credential-differs",
                    "a different admin credential is set on this commissioned device",
                )
            if current != verifier:
                prov.admin_verifier = verifier
                self.state.admin_credential_set = True
                await self.persist_state()
        return _Reply(200, {"admin_credential_set": True})

    async def _post_csr(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"subject_cn"})
        cn = body.get("subject_cn")
        if not isinstance(cn, str) or len(cn) > 64 or not DEVICE_ID_RE.fullmatch(cn):
            raise BadField("subject_cn", "subject_cn must be a device id")
        if cn != self.device_id:
            raise BadField("subject_cn", "subject_cn must be this device's id")
        faults = self.state.injected_faults
        if FAULT_MALFORMED_CSR in faults:
            return _Reply(200, {"csr": homepki.malformed_csr()})
        if FAULT_WEAK_CSR in faults:
            variant = str(faults[FAULT_WEAK_CSR].get("variant") or WEAK_CSR_VARIANTS[0])
            if self._weak_csr is None or self._weak_csr[0] != variant:
                pem = await asyncio.to_thread(homepki.weak_csr, variant, cn)
                self._weak_csr = (variant, pem)
            return _Reply(200, {"csr": self._weak_csr[1]})
        async with self._op_lock:
            prov = self.state.provisioning
            if self._op_key is None or prov.csr_pem is None:
                if prov.operational_cert_pem is not None and self._op_key is None:
                    # The installed certificate's key is gone (corrupt file): start over.
                    prov.operational_cert_pem = None
                    prov.cert_chain_pems = []
                    self.state.operational_certificate = False
                key = self._op_key or ec.generate_private_key(ec.SECP256R1())
                key_bytes = key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                # Key first, then the state that refers to it (a crash in between only
                # leaves an unused key that the next CSR request overwrites).
                await self._write_secret(OPERATIONAL_KEY_FILE, key_bytes)
                self._op_key = key
                prov.csr_pem = homepki.make_csr(key, self.device_id)
                await self.persist_state()
            csr_pem = prov.csr_pem
            pending = prov.operational_cert_pem is None
        if FAULT_FOREIGN_CSR in faults and self._op_key is not None:
            other = str(faults[FAULT_FOREIGN_CSR].get("variant") or f"{self.device_id}-foreign")
            return _Reply(200, {"csr": homepki.make_csr(self._op_key, other), "pending": pending})
        return _Reply(200, {"csr": csr_pem, "pending": pending})

    def _expected_cert_role(self) -> CertRole:
        return CertRole.GATEWAY if self.state.role is Role.GATEWAY else CertRole.DEVICE

    async def _put_certificate(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"certificate", "chain"})
        cert = homepki.load_one_cert(body.get("certificate"))
        if cert is None:
            raise BadField("certificate", "certificate must be one PEM certificate")
        chain_raw = body.get("chain")
        if not isinstance(chain_raw, list) or not 1 <= len(chain_raw) <= MAX_CHAIN_PEMS:
            raise BadField("chain", f"chain must list 1-{MAX_CHAIN_PEMS} PEM certificates")
        chain: list[x509.Certificate] = []
        for item in chain_raw:
            c = homepki.load_one_cert(item)
            if c is None:
                raise BadField("chain", "chain must list PEM certificates")
            chain.append(c)
        async with self._op_lock:
            prov = self.state.provisioning
            new_pem = homepki.pem_text(cert)
            if prov.operational_cert_pem == new_pem:
                return self._certificate_reply(cert)
            if self.commissioned and prov.operational_cert_pem is not None:
                return conflict(
                    "certificate-installed",
                    "this commissioned device already has a different operational certificate",
                )
            if self._op_key is None or prov.csr_pem is None:
                return conflict("no-pending-key", "request a CSR first")
            if not homepki.same_public_key(cert.public_key(), self._op_key.public_key()):
                return _err(
                    400,
                    ErrorCode.BAD_REQUEST,
                    "the certificate is not for this device's operational key",
                    field="certificate",
                    reason="key-mismatch",
                )
            problem = homepki.check_chain_to_root(cert, chain, now_utc())
            if problem is None:
                if homepki.subject_value(cert, NameOID.COMMON_NAME) != self.device_id:
                    problem = "wrong-subject"
                elif (
                    homepki.subject_value(cert, NameOID.ORGANIZATIONAL_UNIT_NAME)
                    != self._expected_cert_role().value
                ):
                    problem = "wrong-role"
            if problem is not None:
                return _err(
                    400,
                    ErrorCode.BAD_REQUEST,
                    f"the certificate was refused ({problem})",
                    field="certificate",
                    reason=problem,
                )
            prov.operational_cert_pem = new_pem
            prov.cert_chain_pems = [homepki.pem_text(c) for c in chain]
            self.state.operational_certificate = True
            await self.persist_state()
        return self._certificate_reply(cert)

    def _certificate_reply(self, cert: x509.Certificate) -> _Reply:
        return _Reply(200, {"fingerprint": homepki.fingerprint(cert)})

    def _cert_home_ca(self) -> x509.Certificate | None:
        chain = self.state.provisioning.cert_chain_pems
        return homepki.load_one_cert(chain[-1]) if chain else None

    async def _put_acl(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        only_keys(body, {"home_ca", "entries"})
        home_ca = homepki.load_one_cert(body.get("home_ca"))
        if home_ca is None or not homepki.is_self_signed_ca(home_ca):
            raise BadField("home_ca", "home_ca must be one self-signed P-256 CA certificate")
        entries = _parse_acl_entries(body.get("entries"))
        async with self._op_lock:
            prov = self.state.provisioning
            cert_ca = self._cert_home_ca()
            if prov.operational_cert_pem is None or cert_ca is None:
                return conflict(
                    "no-operational-certificate", "install the operational certificate first"
                )
            if homepki.fingerprint(cert_ca) != homepki.fingerprint(home_ca):
                return conflict(
                    "home-ca-mismatch",
                    "home_ca is not the CA that issued this device's operational certificate",
                )
            new_ca_pem = homepki.pem_text(home_ca)
            if prov.acl_home_ca_pem == new_ca_pem and prov.acl_entries == entries:
                return self._acl_reply()
            if self.commissioned:
                current, wanted = prov.owner_epoch, _owner_epoch(entries)
                if current is not None and (wanted is None or wanted < current):
                    return conflict(
                        "epoch-rollback",
                        f"the owner epoch can only go up (current {current})",
                    )
            ca_changed = prov.acl_home_ca_pem != new_ca_pem
            prov.acl_home_ca_pem = new_ca_pem
            prov.acl_entries = entries
            self.state.acl_entries = len(entries)
            await self.persist_state()
            if ca_changed:
                await self._rebuild_tls()
        return self._acl_reply()

    def _acl_reply(self) -> _Reply:
        return _Reply(200, {"acl": self._acl_json()})

    def _acl_json(self) -> dict[str, Any]:
        prov = self.state.provisioning
        ca = self.home_ca()
        return {
            "home_ca_fingerprint": homepki.fingerprint(ca) if ca else None,
            "entries": [dict(e) for e in prov.acl_entries],
        }

    async def _put_default_credential(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise BadField("enabled", "enabled must be true or false")
        async with self._op_lock:
            if enabled != self.state.default_credential_enabled:
                if self.commissioned and enabled:
                    return conflict(
                        "default-credential-locked",
                        "the factory default credential cannot be re-enabled on a "
                        "commissioned device",
                    )
                self.state.default_credential_enabled = enabled
                await self.persist_state()
        return _Reply(200, {"default_credential_enabled": self.state.default_credential_enabled})

    def missing_for_completion(self) -> list[str]:
        prov = self.state.provisioning
        missing: list[str] = []
        if prov.admin_verifier is None:
            missing.append("admin-credential")
        if prov.operational_cert_pem is None:
            missing.append("operational-certificate")
        cert_ca, acl_ca = self._cert_home_ca(), self.home_ca()
        if (
            acl_ca is None
            or not prov.acl_entries
            or cert_ca is None
            or homepki.fingerprint(cert_ca) != homepki.fingerprint(acl_ca)
        ):
            missing.append("acl")
        if self.state.default_credential_enabled:
            missing.append("default-credential")
        return missing

    async def _complete(self, session: _Session, request: Request) -> _Reply:
        if request.body:
            request.json()
        async with self._op_lock:
            if not self.commissioned:
                missing = lies.still_missing(
                    self.state.injected_faults, self.missing_for_completion()
                )
                if missing:
                    reply = conflict(
                        "incomplete", "provisioning is incomplete: " + ", ".join(missing)
                    )
                    reply.payload["missing"] = missing
                    return reply
                self.state.state = CommissioningState.COMMISSIONED
                self.state.network_configured = True
                await self.persist_state()
                if self.on_state_changed is not None:
                    await self.on_state_changed(self)
        return _Reply(200, {"state": self.state.state.value})

    def summary(self) -> dict[str, Any]:
        prov = self.state.provisioning
        op = homepki.load_one_cert(prov.operational_cert_pem) if prov.operational_cert_pem else None
        ca = self.home_ca()
        return {
            "device_id": self.device_id,
            "state": self.state.state.value,
            "default_credential_enabled": self.state.default_credential_enabled,
            "admin_credential_set": prov.admin_verifier is not None,
            "operational_certificate_fingerprint": homepki.fingerprint(op) if op else None,
            "acl": self._acl_json(),
            "home_ca_fingerprint": homepki.fingerprint(ca) if ca else None,
        }

    async def _summary(self, session: _Session, request: Request) -> _Reply:
        return _Reply(200, lies.readback(self.state.injected_faults, self.summary()))

    # --- control and gateway challenge ----------------------------------------------------

    async def _control_status(self, session: _Session, request: Request) -> _Reply:
        resolved = self.peer_role(session)
        role = resolved[0].value if isinstance(resolved, tuple) else None
        return _Reply(
            200,
            {
                "device_id": self.device_id,
                "kind": self.state.kind,
                "settings": dict(self.state.settings),
                "commands_accepted": self.control_commands,
                "client_role": role,
            },
        )

    async def _control_command(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        command = body.get("command")
        if not isinstance(command, str) or not CONTROL_COMMAND_RE.fullmatch(command):
            raise BadField("command", "command must be a short lower-case name")
        args = body.get("args", {})
        if not isinstance(args, dict) or len(args) > 16:
            raise BadField("args", "args must be an object with at most 16 members")
        self.control_commands += 1
        return _Reply(200, {"accepted": True, "command": command})

    async def _auth_challenge(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        nonce = _b64_field(body, "nonce", AUTH_NONCE_BYTES)
        if nonce is None:
            raise BadField("nonce", f"nonce must be {AUTH_NONCE_BYTES} bytes, base64")
        prov = self.state.provisioning
        if prov.operational_cert_pem is None or self._op_key is None:
            return conflict("not-provisioned", "this device has no operational certificate")
        assert session.peer_der is not None  # GATEWAY_PEER access checked it
        signature = homepki.sign_challenge(self._op_key, nonce, session.peer_der)
        return _Reply(
            200,
            {
                "certificate": prov.operational_cert_pem,
                "signature": base64.b64encode(signature).decode("ascii"),
            },
        )


def _owner_epoch(entries: list[dict[str, Any]]) -> int | None:
    for e in entries:
        if e["role"] == CertRole.OWNER.value:
            epoch = e.get("epoch")
            return epoch if isinstance(epoch, int) else None
    return None


def _parse_acl_entries(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ACL_ENTRIES:
        raise BadField("entries", f"entries must list 1-{MAX_ACL_ENTRIES} objects")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise BadField("entries", "every entry must be an object")
        role = item.get("role")
        if not isinstance(role, str) or role not in {r.value for r in ACL_ROLES}:
            raise BadField("entries", "role must be gateway, owner or commissioner")
        if role in seen:
            raise BadField("entries", f"role {role!r} appears twice")
        seen.add(role)
        entry: dict[str, Any] = {"role": role}
        if role == CertRole.OWNER.value:
            epoch = item.get("epoch")
            if (
                isinstance(epoch, bool)
                or not isinstance(epoch, int)
                or not 1 <= epoch <= MAX_OWNER_EPOCH
            ):
                raise BadField("entries", "the owner entry needs an epoch 1..2^31-1")
            entry["epoch"] = epoch
        elif "epoch" in item:
            raise BadField("entries", "only the owner entry has an epoch")
        out.append(entry)
    return out
