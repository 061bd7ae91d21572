"""One virtual device (or the gateway): a TLS server speaking the device protocol.

Every power-on reads the device's state directory afresh (see :mod:`.state`), so a power cycle
behaves like a real one: whatever was persisted survives, everything in memory (open
connections, sessions, outstanding challenges) is lost.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
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
from commissioner.protocol.setup_code import ProofRateLimiter, verify_proof
from commissioner.protocol.spec import (
    CHALLENGE_TTL_S,
    COMMISSIONING_OPEN,
    COMMISSIONING_PREFIX,
    NONCE_BYTES,
    PROTOCOL_VERSION,
    Endpoint,
    ErrorCode,
)
from commissioner.virtualhome.state import (
    DeviceState,
    load_device,
    save_rate_limiter,
    save_state,
)

HOST: Final = "127.0.0.1"
IDLE_TIMEOUT_S: Final = 120.0
HANDSHAKE_TIMEOUT_S: Final = 10.0

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(slots=True)
class _Session:
    """Per-TLS-connection session state (nothing of it survives the connection)."""

    client_nonce: bytes | None = None
    device_nonce: bytes | None = None
    challenge_expires: float = 0.0
    authenticated: bool = False


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    payload: dict[str, Any]


def _err(status: int, code: ErrorCode | str, message: str, **extra: Any) -> _Reply:
    return _Reply(status, {"error": str(code), "message": message, **extra})


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
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._persist_lock = asyncio.Lock()
        self._powered_at = 0.0
        self.port = 0
        self.state: DeviceState
        self._limiter: ProofRateLimiter
        self._leaf_der = b""
        self._chain_pems: list[str] = []
        self._ssl: ssl.SSLContext | None = None
        self._load()

    # --- power ----------------------------------------------------------------------------

    def _load(self) -> None:
        files = load_device(self.directory)
        self.state = files.state
        certs = x509.load_pem_x509_certificates(files.chain_pem)
        self._leaf_der = certs[0].public_bytes(serialization.Encoding.DER)
        self._chain_pems = [
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs
        ]
        self._limiter = (
            ProofRateLimiter.from_state(files.rate_limiter)
            if files.rate_limiter is not None
            else ProofRateLimiter()
        )
        self._ssl = tls.server_context(files.chain_pem, files.key_pem)

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
            self._serve,
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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            writer.transport.abort()
            return
        self._writers.add(writer)
        session = _Session()
        try:
            tls.check_negotiated(writer.get_extra_info("ssl_object"))
            while True:
                try:
                    async with asyncio.timeout(IDLE_TIMEOUT_S):
                        request = await read_http_request(reader)
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
        except (WeakTlsError, TimeoutError, ConnectionError, ssl.SSLError, OSError):
            pass
        except Exception:
            log.exception("%s: connection handler failed", self.device_id)
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)

    async def _dispatch(self, session: _Session, request: Request) -> _Reply:
        path = request.path.split("?", 1)[0]
        routes: dict[str, tuple[str, Callable[[_Session, Request], Awaitable[_Reply]]]] = {
            Endpoint.IDENTITY.value: ("GET", self._identity),
            Endpoint.STATE.value: ("GET", self._state),
            Endpoint.FIRMWARE.value: ("GET", self._firmware),
            Endpoint.CONFIG.value: ("GET", self._config),
            Endpoint.PERSONAL_DATA.value: ("GET", self._personal_data),
            Endpoint.SESSION_CHALLENGE.value: ("POST", self._challenge),
            Endpoint.SESSION_PROOF.value: ("POST", self._proof),
            COMMISSIONING_OPEN: ("POST", self._commissioning_open),
        }
        if path.startswith(COMMISSIONING_PREFIX) and not session.authenticated:
            return _err(401, ErrorCode.NOT_AUTHENTICATED, "prove the setup code first")
        route = routes.get(path)
        if route is None:
            return _err(404, ErrorCode.NOT_FOUND, f"no such endpoint {path[:64]}")
        method, handler = route
        if request.method != method:
            return _err(405, ErrorCode.METHOD_NOT_ALLOWED, f"use {method} for {path}")
        try:
            return await handler(session, request)
        except HttpFramingError as exc:
            return _err(exc.status or 400, ErrorCode.BAD_REQUEST, exc.message)

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
        session.authenticated = False
        return _Reply(200, {"device_nonce": base64.b64encode(session.device_nonce).decode("ascii")})

    async def _proof(self, session: _Session, request: Request) -> _Reply:
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
        now = self._wall()
        retry_after = self._limiter.check(now)
        if retry_after is not None:
            await self._persist_limiter()  # check() may clamp after a clock change
            return _err(
                429,
                ErrorCode.RATE_LIMITED,
                "too many wrong setup codes",
                retry_after_s=max(1, round(retry_after)),
            )
        ok = verify_proof(
            self.state.setup_code,
            self.state.serial,
            device_nonce,
            client_nonce,
            self._leaf_der,
            proof,
        )
        if not ok:
            self._limiter.record_failure(now)
            await self._persist_limiter()
            return _err(401, ErrorCode.BAD_PROOF, "the setup-code proof is wrong")
        self._limiter.record_success()
        await self._persist_limiter()
        session.authenticated = True
        return _Reply(200, {"authenticated": True})

    async def _persist_limiter(self) -> None:
        async with self._persist_lock:
            snapshot = self._limiter.state()
            await asyncio.to_thread(save_rate_limiter, self.directory, dict(snapshot))

    async def persist_state(self) -> None:
        async with self._persist_lock:
            snapshot = DeviceState.from_json(self.state.to_json(), self.device_id)
            await asyncio.to_thread(save_state, self.directory, snapshot)

    # --- commissioning --------------------------------------------------------------------

    async def _commissioning_open(self, session: _Session, request: Request) -> _Reply:
        if request.body:
            request.json()  # must be a JSON object if present
        self.state.commissioning_opened += 1
        await self.persist_state()
        return _Reply(200, {"ok": True})

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
            "rate_limiter": self._limiter.state(),
        }
