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

This module holds the device itself: power and TLS, connection handling and routing, access
control, fault hooks, the read-only endpoints and persistence. The endpoints live beside it:
:mod:`.device_session` (challenge, proofs, login), :mod:`.device_commissioning` (provisioning
steps, control, gateway challenge) and :mod:`.firmware_slots` (firmware update); the HTTP
vocabulary they share (sessions, replies, routes, field checks) is :mod:`.device_http`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commissioner.protocol import tls
from commissioner.protocol.advertisement import Advertisement
from commissioner.protocol.errors import WeakTlsError
from commissioner.protocol.http11 import (
    HttpFramingError,
    Request,
    write_error,
    write_response,
)
from commissioner.protocol.http11 import read_request as read_http_request
from commissioner.protocol.spec import (
    COMMISSIONING_OPEN,
    COMMISSIONING_PREFIX,
    CONTROL_ROLES,
    DEVICE_ID_RE,
    MANAGEMENT_ROLES,
    PROTOCOL_VERSION,
    CertRole,
    CommissioningState,
    Endpoint,
    ErrorCode,
    ProvisioningEndpoint,
)
from commissioner.virtualhome import homepki, lies
from commissioner.virtualhome import personal_data as resale_data
from commissioner.virtualhome.device_commissioning import CommissioningEndpoints
from commissioner.virtualhome.device_http import (
    Access,
    Auth,
    BadField,
    Route,
    _Drop,
    _err,
    _Reply,
    _Session,
    forbidden,
)
from commissioner.virtualhome.device_session import SessionEndpoints
from commissioner.virtualhome.firmware_slots import FirmwareSlots
from commissioner.virtualhome.fsutil import SECRET_MODE, write_atomic
from commissioner.virtualhome.provisioning_state import (
    DROP_VARIANTS,
    FAULT_CLEAR,
    FAULT_DROP,
    FAULT_FOREIGN_CSR,
    FAULT_WEAK_CSR,
    INJECTABLE_FAULTS,
    OPERATIONAL_KEY_FILE,
    WEAK_CSR_VARIANTS,
)
from commissioner.virtualhome.state import (
    DeviceState,
    load_device,
    save_state,
)
from commissioner.virtualhome.timing import management_processing_s
from commissioner.virtualhome.wrong_code_counter import SharedWrongCodeCounter

HOST: Final = "127.0.0.1"
IDLE_TIMEOUT_S: Final = 120.0
HANDSHAKE_TIMEOUT_S: Final = 10.0
MAX_DROP_COUNT: Final = 1000

log = logging.getLogger(__name__)

Clock = Callable[[], float]
DeviceHook = Callable[["VirtualDevice"], Awaitable[None]]


class VirtualDevice(SessionEndpoints, CommissioningEndpoints):
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
        self._limiter: SharedWrongCodeCounter
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
        self._limiter = SharedWrongCodeCounter(self.directory, files.rate_limiter)
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
            **resale_data.routes(self),
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
                **resale_data.config_extra(self),
            },
        )

    async def _personal_data(self, session: _Session, request: Request) -> _Reply:
        return _Reply(200, {"counts": resale_data.inventory(self)})

    async def after_wipe(self, *, announce: bool) -> None:
        """Back in factory state: TLS without a home CA; announce ``st=factory``."""
        self._op_key = None
        self._weak_csr = None
        await self._rebuild_tls()
        if announce and self.on_state_changed is not None:
            await self.on_state_changed(self)

    # --- persistence ----------------------------------------------------------------------

    async def persist_state(self) -> None:
        async with self._persist_lock:
            snapshot = DeviceState.from_json(self.state.to_json(), self.device_id)
            await asyncio.to_thread(save_state, self.directory, snapshot)

    async def _write_secret(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(write_atomic, self.directory / name, data, mode=SECRET_MODE)
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

