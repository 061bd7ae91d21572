"""One virtual device (or the gateway): a TLS server speaking the device protocol.

Every power-on reads the device's state directory afresh (see :mod:`.state`), so a power cycle
behaves like a real one: whatever was persisted survives, everything in memory (open
connections, sessions, outstanding challenges) is lost.

Provisioning (docs/device-protocol.md sections 13-17): admin credential, CSR / operational
certificate, ACL, default credential, completion, read-back, control endpoints with
client-certificate roles, and the answer to the gateway's authentication challenge. Once an
ACL names a home CA, the TLS server requests an optional client certificate verified against
that home CA; the listener is restarted on the same port with a new context whenever the home
CA changes (open connections keep their context). The server certificate stays the
attestation certificate.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import enum
import functools
import hmac
import logging
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.protocol import tls
from commissioner.protocol.admin_proof import admin_verifier, verify_admin_proof
from commissioner.protocol.advertisement import Advertisement
from commissioner.protocol.errors import WeakTlsError
from commissioner.protocol.http11 import (
    HttpFramingError,
    Request,
    write_error,
    write_response,
)
from commissioner.protocol.http11 import read_request as read_http_request
from commissioner.protocol.setup_code import ProofRateLimiter, verify_proof
from commissioner.protocol.spec import (
    ACL_ROLES,
    ADMIN_CREDENTIAL_MAX_BYTES,
    ADMIN_CREDENTIAL_MIN_BYTES,
    AUTH_NONCE_BYTES,
    CHALLENGE_TTL_S,
    COMMISSIONING_OPEN,
    COMMISSIONING_PREFIX,
    CONTROL_COMMAND_RE,
    CONTROL_ROLES,
    DEFAULT_LOGIN_PASSWORD,
    DEFAULT_LOGIN_USERNAME,
    DEVICE_ID_RE,
    MANAGEMENT_ROLES,
    MAX_ACL_ENTRIES,
    MAX_CHAIN_PEMS,
    MAX_OWNER_EPOCH,
    NONCE_BYTES,
    PROTOCOL_VERSION,
    CertRole,
    CommissioningState,
    Endpoint,
    ErrorCode,
    ProvisioningEndpoint,
    ProvisioningError,
    Role,
)
from commissioner.virtualhome import homepki, lies
from commissioner.virtualhome.firmware_slots import FirmwareSlots
from commissioner.virtualhome.fsutil import SECRET_MODE, write_atomic
from commissioner.virtualhome.provisioning_state import (
    DROP_VARIANTS,
    FAULT_CLEAR,
    FAULT_DROP,
    FAULT_FOREIGN_CSR,
    FAULT_MALFORMED_CSR,
    FAULT_WEAK_CSR,
    INJECTABLE_FAULTS,
    OPERATIONAL_KEY_FILE,
    WEAK_CSR_VARIANTS,
)
from commissioner.virtualhome.state import (
    DeviceState,
    load_device,
    save_rate_limiter,
    save_state,
)
from commissioner.virtualhome.timing import management_processing_s

HOST: Final = "127.0.0.1"
IDLE_TIMEOUT_S: Final = 120.0
HANDSHAKE_TIMEOUT_S: Final = 10.0
MAX_DROP_COUNT: Final = 1000

log = logging.getLogger(__name__)

Clock = Callable[[], float]
DeviceHook = Callable[["VirtualDevice"], Awaitable[None]]


class Auth(enum.StrEnum):
    """How a session authenticated (per TLS connection)."""

    SETUP_CODE = "setup-code"
    ADMIN = "admin"
    DEFAULT_LOGIN = "default-login"  # the factory admin/admin account: admin rights


class Access(enum.Enum):
    PUBLIC = "public"
    MANAGEMENT = "management"  # commissioning: session auth (+ role once commissioned)
    CONTROL = "control"  # client certificate with role gateway/owner in the ACL
    GATEWAY_PEER = "gateway-peer"  # client certificate with role gateway in the ACL
    OWNER_OR_COMMISSIONER = "owner-or-commissioner"


@dataclass(slots=True)
class _Session:
    """Per-TLS-connection session state (nothing of it survives the connection)."""

    client_nonce: bytes | None = None
    device_nonce: bytes | None = None
    challenge_expires: float = 0.0
    auth: Auth | None = None
    peer_der: bytes | None = None  # client certificate, verified by the TLS handshake
    peer_home_ca: str | None = None  # fingerprint of the home CA the handshake trusted

    @property
    def authenticated(self) -> bool:
        return self.auth is not None


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    payload: dict[str, Any]


Handler = Callable[[_Session, Request], Awaitable[_Reply]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    access: Access
    handler: Handler


class _Drop(Exception):
    """Fault hook: abort the connection without an answer."""


class BadField(Exception):
    """A request field is missing, of the wrong type, malformed or too large (400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _err(status: int, code: ErrorCode | str, message: str, **extra: Any) -> _Reply:
    return _Reply(status, {"error": str(code), "message": message, **extra})


def conflict(reason: str, message: str) -> _Reply:
    return _err(409, ProvisioningError.CONFLICT, message, reason=reason)


def forbidden(reason: str, message: str) -> _Reply:
    return _err(403, ProvisioningError.FORBIDDEN, message, reason=reason)


def _b64_field(body: dict[str, Any], name: str, length: int | None) -> bytes | None:
    value = body.get(name)
    if not isinstance(value, str) or len(value) > 4096:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if length is not None and len(raw) != length:
        return None
    return raw


def only_keys(body: dict[str, Any], allowed: set[str]) -> None:
    """Unknown members are ignored (spec 12); this only bounds their number."""
    if len(body) > len(allowed) + 16:
        raise BadField("body", "too many members")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class VirtualDevice:
    """A device whose state lives in ``directory`` (``DIR/devices/<device_id>``)."""

    def __init__(
        self,
        directory: Path,
        *,
        wall_clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.directory = directory
        self.device_id = directory.name
        self._wall = wall_clock
        self._mono = monotonic
        self._processing_s = management_processing_s()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._persist_lock = asyncio.Lock()
        self._op_lock = asyncio.Lock()
        self._powered_at = 0.0
        self.port = 0
        self.state: DeviceState
        self._limiter: ProofRateLimiter
        self._leaf_der = b""
        self._chain_pem = b""
        self._key_pem = b""
        self._chain_pems: list[str] = []
        self._own_attestation = (b"", b"")
        self._ssl: ssl.SSLContext | None = None
        self._tls_home_ca: str | None = None  # fingerprint of the home CA in self._ssl
        self._op_key: ec.EllipticCurvePrivateKey | None = None
        self._weak_csr: tuple[str, str] | None = None  # (variant, PEM), in memory only
        self.control_commands = 0
        # Set by the home: re-announce mDNS after a state change; new port after a relisten.
        self.on_state_changed: DeviceHook | None = None
        self.on_moved: DeviceHook | None = None
        self.firmware = FirmwareSlots(self)  # firmware update: A/B slots (firmware_slots.py)
        self._load()

    # --- power ----------------------------------------------------------------------------

    def _load(self) -> None:
        files = load_device(self.directory)
        self.state = files.state
        self.firmware.on_boot(self.state)  # boots a pending firmware slot (or falls back)
        self._own_attestation = (files.chain_pem, files.key_pem)
        self._present_attestation()
        self._limiter = (
            ProofRateLimiter.from_state(files.rate_limiter)
            if files.rate_limiter is not None
            else ProofRateLimiter()
        )
        self._op_key = self._read_key(OPERATIONAL_KEY_FILE)
        self._weak_csr = None
        self._ssl, self._tls_home_ca = self._make_ssl_context()

    def _present_attestation(self) -> None:
        """Its own attestation chain, or the forged one of a fault hook (lies.py)."""
        chain_pem, key_pem = lies.attestation(
            self.directory, self.state.injected_faults, *self._own_attestation
        )
        certs = x509.load_pem_x509_certificates(chain_pem)
        self._leaf_der = certs[0].public_bytes(serialization.Encoding.DER)
        self._chain_pems = [
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs
        ]
        self._chain_pem, self._key_pem = chain_pem, key_pem

    def _read_key(self, name: str) -> ec.EllipticCurvePrivateKey | None:
        path = self.directory / name
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("%s: %s is unreadable; treated as absent", self.device_id, name)
            return None
        return key if isinstance(key, ec.EllipticCurvePrivateKey) else None

    def home_ca(self) -> x509.Certificate | None:
        pem = self.state.provisioning.acl_home_ca_pem
        return homepki.load_one_cert(pem) if pem else None

    def _make_ssl_context(self) -> tuple[ssl.SSLContext, str | None]:
        home_ca = self.home_ca()
        if home_ca is None:
            return tls.server_context(self._chain_pem, self._key_pem), None
        ctx = tls.server_context_optional_client(
            self._chain_pem,
            self._key_pem,
            client_roots_pem=home_ca.public_bytes(serialization.Encoding.PEM),
        )
        return ctx, homepki.fingerprint(home_ca)

    async def _rebuild_tls(self) -> None:
        """New server context (the home CA changed); restart the listener on the same port."""
        self._ssl, self._tls_home_ca = self._make_ssl_context()
        old = self._server
        if old is None:
            return
        old.close()  # open connections keep running with the context they shook hands with
        old_port = self.port
        try:
            server = await self._listen(old_port)
        except OSError:
            server = await self._listen(0)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        if self.port != old_port and self.on_moved is not None:
            await self.on_moved(self)

    @property
    def powered(self) -> bool:
        return self._server is not None

    @property
    def leaf_der(self) -> bytes:
        return self._leaf_der

    async def power_on(self, port: int = 0, *, reload: bool = True) -> int:
        """Read the persisted state and start serving; returns the TLS port.

        ``port`` 0 picks an ephemeral port; if a requested port is taken, an ephemeral one is
        used instead (like a device getting a new address after a reboot).
        """
        if self._server is not None:
            return self.port
        if reload:
            self._load()
        try:
            server = await self._listen(port)
        except OSError:
            if port == 0:
                raise
            server = await self._listen(0)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        self._powered_at = self._mono()
        return self.port

    async def _listen(self, port: int) -> asyncio.Server:
        return await asyncio.start_server(
            functools.partial(self._serve, self._tls_home_ca),
            host=HOST,
            port=port,
            ssl=self._ssl,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT_S,
            reuse_address=True,
        )

    async def power_off(self) -> None:
        """Cut the power: stop listening and abort every open connection at once."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)

    def advertisement(self) -> Advertisement:
        s = self.state
        return Advertisement(
            device_id=s.device_id,
            role=s.role,
            kind=s.kind,
            manufacturer=s.manufacturer,
            model=s.advertised_model,
            firmware=s.firmware,
            state=s.state,
            protocol_version=PROTOCOL_VERSION,
        )

    # --- connections ----------------------------------------------------------------------

    async def _serve(
        self,
        tls_home_ca: str | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if self._server is None:
            writer.transport.abort()
            return
        self._writers.add(writer)
        session = _Session()
        aborted = False
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            tls.check_negotiated(ssl_object)
            if tls_home_ca is not None and ssl_object is not None:
                peer = ssl_object.getpeercert(binary_form=True)
                if peer:
                    session.peer_der = peer
                    session.peer_home_ca = tls_home_ca
            while True:
                try:
                    async with asyncio.timeout(IDLE_TIMEOUT_S):
                        request = await read_http_request(
                            reader, body_limit=self.firmware.body_limit
                        )
                except HttpFramingError as exc:
                    status = exc.status or 400
                    code = ErrorCode.PAYLOAD_TOO_LARGE if status == 413 else ErrorCode.BAD_REQUEST
                    await write_error(
                        writer, status, code, exc.message, extra_headers={"Connection": "close"}
                    )
                    break
                if request is None:
                    break
                reply = await self._dispatch(session, request)
                headers = None if request.keep_alive else {"Connection": "close"}
                await write_response(writer, reply.status, reply.payload, extra_headers=headers)
                if not request.keep_alive:
                    break
        except _Drop:
            aborted = True
            writer.transport.abort()
        except (WeakTlsError, TimeoutError, ConnectionError, ssl.SSLError, OSError):
            pass
        except Exception:
            log.exception("%s: connection handler failed", self.device_id)
        finally:
            self._writers.discard(writer)
            if not aborted:
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 2)

    def routes(self) -> dict[str, Route]:
        pe = ProvisioningEndpoint
        pub, mgmt = Access.PUBLIC, Access.MANAGEMENT
        return {
            Endpoint.IDENTITY.value: Route("GET", pub, self._identity),
            Endpoint.STATE.value: Route("GET", pub, self._state),
            Endpoint.FIRMWARE.value: Route("GET", pub, self._firmware),
            Endpoint.CONFIG.value: Route("GET", pub, self._config),
            Endpoint.PERSONAL_DATA.value: Route("GET", pub, self._personal_data),
            Endpoint.SESSION_CHALLENGE.value: Route("POST", pub, self._challenge),
            Endpoint.SESSION_PROOF.value: Route("POST", pub, self._proof),
            pe.SESSION_ADMIN_PROOF.value: Route("POST", pub, self._admin_proof),
            pe.SESSION_LOGIN.value: Route("POST", pub, self._login),
            COMMISSIONING_OPEN: Route("POST", mgmt, self._commissioning_open),
            pe.ADMIN_CREDENTIAL.value: Route("PUT", mgmt, self._put_admin_credential),
            pe.CSR.value: Route("POST", mgmt, self._post_csr),
            pe.OPERATIONAL_CERTIFICATE.value: Route("PUT", mgmt, self._put_certificate),
            pe.ACL.value: Route("PUT", mgmt, self._put_acl),
            pe.DEFAULT_CREDENTIAL.value: Route("PUT", mgmt, self._put_default_credential),
            pe.COMPLETE.value: Route("POST", mgmt, self._complete),
            pe.SUMMARY.value: Route("GET", mgmt, self._summary),
            pe.CONTROL_STATUS.value: Route("GET", Access.CONTROL, self._control_status),
            pe.CONTROL_COMMAND.value: Route("POST", Access.CONTROL, self._control_command),
            pe.AUTH_CHALLENGE.value: Route("POST", Access.GATEWAY_PEER, self._auth_challenge),
            **self._firmware_routes(),
        }

    def _firmware_routes(self) -> dict[str, Route]:
        """The firmware-update endpoints (firmware_slots.py), all management-only."""

        def route(method: str, fn: Callable[[Request], Awaitable[tuple[int, dict[str, Any]]]]) -> (
            Route
        ):
            async def handler(session: _Session, request: Request) -> _Reply:
                status, payload = await fn(request)
                return _Reply(status, payload)

            return Route(method, Access.MANAGEMENT, handler)

        return {path: route(m, fn) for path, (m, fn) in self.firmware.routes().items()}

    async def _dispatch(self, session: _Session, request: Request) -> _Reply:
        path = request.path.split("?", 1)[0]
        if path.startswith(COMMISSIONING_PREFIX):
            denied = self._check_access(session, Access.MANAGEMENT)
            if denied is not None:
                return denied
        route = self.routes().get(path)
        if route is None:
            return _err(404, ErrorCode.NOT_FOUND, f"no such endpoint {path[:64]}")
        if request.method != route.method:
            return _err(405, ErrorCode.METHOD_NOT_ALLOWED, f"use {route.method} for {path}")
        denied = self._check_access(session, route.access)
        if denied is not None:
            return denied
        drop_after = False
        if route.access is Access.MANAGEMENT:
            drop_after = await self._drop_fault()
            if self._processing_s:
                await asyncio.sleep(self._processing_s)
        try:
            faked = lies.unapplied_reply(self.state.injected_faults, path, request.json)
            reply = _Reply(200, faked) if faked is not None else await route.handler(
                session, request
            )
        except HttpFramingError as exc:
            reply = _err(exc.status or 400, ErrorCode.BAD_REQUEST, exc.message)
        except BadField as exc:
            reply = _err(400, ErrorCode.BAD_REQUEST, str(exc), field=exc.field)
        if drop_after:
            raise _Drop
        return reply

    # --- access control -------------------------------------------------------------------

    def peer_role(self, session: _Session) -> tuple[CertRole, int | None] | str:
        """The client certificate's role under the current home CA, or why there is none."""
        if session.peer_der is None:
            return "no-client-certificate"
        home_ca = self.home_ca()
        if home_ca is None or session.peer_home_ca != homepki.fingerprint(home_ca):
            return "untrusted-client-certificate"
        return homepki.client_role(session.peer_der, home_ca)

    def _role_denied(self, session: _Session, allowed: frozenset[CertRole]) -> _Reply | None:
        resolved = self.peer_role(session)
        if isinstance(resolved, str):
            return forbidden(resolved, "a client certificate from the home CA is required")
        role, epoch = resolved
        prov = self.state.provisioning
        if role not in allowed or role.value not in prov.acl_roles():
            return forbidden("role-not-allowed", f"role {role.value!r} may not use this endpoint")
        if role is CertRole.OWNER and epoch != prov.owner_epoch:
            return forbidden(
                "stale-owner-epoch", "this owner certificate was revoked (old owner epoch)"
            )
        return None

    def _check_access(self, session: _Session, access: Access) -> _Reply | None:
        if access is Access.PUBLIC:
            return None
        if access is Access.MANAGEMENT:
            commissioned = self.state.state is CommissioningState.COMMISSIONED
            if not session.authenticated or (commissioned and session.auth is Auth.SETUP_CODE):
                return _err(
                    401,
                    ErrorCode.NOT_AUTHENTICATED,
                    "authenticate with the admin credential first"
                    if commissioned
                    else "prove the setup code first",
                )
            if commissioned:
                return self._role_denied(session, MANAGEMENT_ROLES)
            return None
        if access is Access.CONTROL:
            return self._role_denied(session, CONTROL_ROLES)
        if access is Access.GATEWAY_PEER:
            return self._role_denied(session, frozenset({CertRole.GATEWAY}))
        return self._role_denied(session, frozenset({CertRole.OWNER, CertRole.COMMISSIONER}))

    # --- fault hooks ----------------------------------------------------------------------

    async def _drop_fault(self) -> bool:
        """Consume one ``drop-during-provisioning``; raise _Drop (before) or return True."""
        fault = self.state.injected_faults.get(FAULT_DROP)
        if fault is None:
            return False
        remaining = int(fault.get("remaining") or 0)
        if remaining <= 1:
            self.state.injected_faults.pop(FAULT_DROP, None)
        else:
            fault["remaining"] = remaining - 1
        await self.persist_state()
        if fault.get("variant") == "after":
            return True
        raise _Drop

    async def set_fault(
        self, name: str, *, count: int | None = None, variant: str | None = None
    ) -> dict[str, Any]:
        """Set (or ``clear``) a fault hook; persisted. ValueError for a bad name or option."""
        if name == FAULT_CLEAR:
            self.state.injected_faults.clear()
            self._weak_csr = None
        elif name not in INJECTABLE_FAULTS:
            raise ValueError(f"unknown fault {name[:40]!r}")
        elif name == FAULT_DROP:
            n = 1 if count is None else count
            if not 1 <= n <= MAX_DROP_COUNT:
                raise ValueError(f"count must be 1..{MAX_DROP_COUNT}")
            v = variant or DROP_VARIANTS[0]
            if v not in DROP_VARIANTS:
                raise ValueError(f"variant must be one of {', '.join(DROP_VARIANTS)}")
            self.state.injected_faults[name] = {"remaining": n, "variant": v}
        elif name == FAULT_WEAK_CSR:
            v = variant or WEAK_CSR_VARIANTS[0]
            if v not in WEAK_CSR_VARIANTS:
                raise ValueError(f"variant must be one of {', '.join(WEAK_CSR_VARIANTS)}")
            self.state.injected_faults[name] = {"remaining": None, "variant": v}
        elif name == FAULT_FOREIGN_CSR:
            v = variant or f"{self.device_id[:50]}-foreign"
            if not DEVICE_ID_RE.fullmatch(v) or v == self.device_id:
                raise ValueError("variant must be another device id")
            self.state.injected_faults[name] = {"remaining": None, "variant": v}
        elif name in lies.LIES:
            self.state.injected_faults[name] = lies.fault_entry(name, variant)
        else:
            self.state.injected_faults[name] = {"remaining": None, "variant": None}
        await self.persist_state()
        if name == FAULT_CLEAR or lies.changes_attestation(name):
            self._present_attestation()
            await self._rebuild_tls()
        return {"device_id": self.device_id, "faults": self.injected_faults()}

    def injected_faults(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.state.injected_faults.items()}

    # --- read-only endpoints --------------------------------------------------------------

    async def _identity(self, session: _Session, request: Request) -> _Reply:
        s = self.state
        return _Reply(
            200,
            {
                "protocol_version": PROTOCOL_VERSION,
                "device_id": s.device_id,
                "role": s.role.value,
                "kind": s.kind,
                "manufacturer": s.manufacturer,
                "model": s.advertised_model,
                "serial": s.serial,
                "firmware": s.firmware,
                "certificate_chain": list(self._chain_pems),
            },
        )

    async def _state(self, session: _Session, request: Request) -> _Reply:
        return _Reply(
            200,
            {
                "state": self.state.state.value,
                "default_credential_enabled": self.state.default_credential_enabled,
                "uptime_s": round(max(0.0, self._mono() - self._powered_at), 3),
            },
        )

    async def _firmware(self, session: _Session, request: Request) -> _Reply:
        return _Reply(
            200,
            {
                "version": self.state.firmware,
                "active_slot": self.state.active_slot,
                "slots": dict(self.state.firmware_slots),
                **self.firmware.public_status(),  # boot_count, last_update
            },
        )

    async def _config(self, session: _Session, request: Request) -> _Reply:
        s = self.state
        return _Reply(
            200,
            {
                "network": {"configured": s.network_configured},
                "admin_credential_set": s.admin_credential_set,
                "operational_certificate": s.operational_certificate,
                "acl_entries": s.acl_entries,
                "settings": dict(s.settings),
            },
        )

    async def _personal_data(self, session: _Session, request: Request) -> _Reply:
        return _Reply(200, {"counts": dict(self.state.personal_data)})

    # --- session --------------------------------------------------------------------------

    async def _challenge(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        client_nonce = _b64_field(body, "client_nonce", NONCE_BYTES)
        if client_nonce is None:
            return _err(
                400, ErrorCode.BAD_REQUEST, f"client_nonce must be {NONCE_BYTES} bytes, base64"
            )
        session.client_nonce = client_nonce
        session.device_nonce = secrets.token_bytes(NONCE_BYTES)
        session.challenge_expires = self._mono() + CHALLENGE_TTL_S
        session.auth = None
        return _Reply(200, {"device_nonce": base64.b64encode(session.device_nonce).decode("ascii")})

    async def _take_challenge(
        self, session: _Session, request: Request
    ) -> tuple[bytes, bytes, bytes] | _Reply:
        """Common part of both proofs: the proof, then the live nonces (consumed) and the
        rate limiter, in the order of spec section 9."""
        body = request.json()
        proof = _b64_field(body, "proof", None)
        if proof is None:
            return _err(400, ErrorCode.BAD_REQUEST, "proof must be base64")
        device_nonce, client_nonce = session.device_nonce, session.client_nonce
        expired = self._mono() > session.challenge_expires
        # Single use: whatever happens next, this challenge is spent.
        session.device_nonce = session.client_nonce = None
        if device_nonce is None or client_nonce is None or expired:
            return _err(409, ErrorCode.NO_CHALLENGE, "ask for a fresh challenge first")
        locked = await self._locked_reply()
        if locked is not None:
            return locked
        return proof, device_nonce, client_nonce

    async def _locked_reply(self) -> _Reply | None:
        retry_after = self._limiter.check(self._wall())
        if retry_after is None:
            return None
        await self._persist_limiter()  # check() may clamp after a clock change
        return _err(
            429,
            ErrorCode.RATE_LIMITED,
            "too many wrong credentials",
            retry_after_s=max(1, round(retry_after)),
        )

    async def _proof_result(self, session: _Session, ok: bool, auth: Auth) -> _Reply:
        if not ok:
            self._limiter.record_failure(self._wall())
            await self._persist_limiter()
            return _err(401, ErrorCode.BAD_PROOF, f"the {auth.value} proof is wrong")
        self._limiter.record_success()
        await self._persist_limiter()
        session.auth = auth
        return _Reply(200, {"authenticated": True})

    async def _proof(self, session: _Session, request: Request) -> _Reply:
        taken = await self._take_challenge(session, request)
        if isinstance(taken, _Reply):
            return taken
        if self.state.state is CommissioningState.COMMISSIONED:
            return _err(
                403,
                ProvisioningError.SETUP_CODE_DISABLED,
                "the device is commissioned; the setup code is no longer accepted",
            )
        proof, device_nonce, client_nonce = taken
        ok = verify_proof(
            self.state.setup_code,
            self.state.serial,
            device_nonce,
            client_nonce,
            self._leaf_der,
            proof,
        )
        return await self._proof_result(session, ok, Auth.SETUP_CODE)

    async def _admin_proof(self, session: _Session, request: Request) -> _Reply:
        taken = await self._take_challenge(session, request)
        if isinstance(taken, _Reply):
            return taken
        proof, device_nonce, client_nonce = taken
        stored = self.state.provisioning.admin_verifier
        verifier = base64.b64decode(stored) if stored else b""
        ok = bool(verifier) and verify_admin_proof(
            verifier, device_nonce, client_nonce, self._leaf_der, proof
        )
        return await self._proof_result(session, ok, Auth.ADMIN)

    async def _login(self, session: _Session, request: Request) -> _Reply:
        body = request.json()
        user, password = body.get("username"), body.get("password")
        if not isinstance(user, str) or not isinstance(password, str):
            raise BadField("username", "username and password must be strings")
        if len(user) > 64 or len(password) > 128:
            raise BadField("password", "username or password is too long")
        refused = _err(401, ProvisioningError.BAD_CREDENTIAL, "login refused")
        if not self.state.default_credential_enabled:
            session.auth = None
            return refused
        locked = await self._locked_reply()
        if locked is not None:
            return locked
        ok = hmac.compare_digest(user.encode(), DEFAULT_LOGIN_USERNAME.encode()) & (
            hmac.compare_digest(password.encode(), DEFAULT_LOGIN_PASSWORD.encode())
        )
        if not ok:
            session.auth = None
            self._limiter.record_failure(self._wall())
            await self._persist_limiter()
            return refused
        self._limiter.record_success()
        await self._persist_limiter()
        session.auth = Auth.DEFAULT_LOGIN
        return _Reply(200, {"authenticated": True, "account": DEFAULT_LOGIN_USERNAME})

    async def _persist_limiter(self) -> None:
        async with self._persist_lock:
            snapshot = self._limiter.state()
            await asyncio.to_thread(save_rate_limiter, self.directory, dict(snapshot))

    async def persist_state(self) -> None:
        async with self._persist_lock:
            snapshot = DeviceState.from_json(self.state.to_json(), self.device_id)
            await asyncio.to_thread(save_state, self.directory, snapshot)

    async def _write_secret(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(write_atomic, self.directory / name, data, mode=SECRET_MODE)

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

    def status(self) -> dict[str, Any]:
        s = self.state
        return {
            "device_id": s.device_id,
            "role": s.role.value,
            "kind": s.kind,
            "manufacturer": s.manufacturer,
            "model": s.advertised_model,
            "host": HOST,
            "port": self.port,
            "powered": self.powered,
            "state": s.state.value,
            "faults": list(s.faults),
            "injected_faults": self.injected_faults(),
            "rate_limiter": self._limiter.state(),
        }


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
