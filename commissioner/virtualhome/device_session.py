"""The session endpoints of a virtual device (docs/device-protocol.md sections 9 and 13.1).

Challenge, setup-code proof, admin-credential proof and the factory default login, with the
persisted rate limiter on wrong credentials. A mixin of :class:`.device.VirtualDevice`.

The limiter is the device's one wrong-code counter (:mod:`.wrong_code_counter`); it is the only
writer of its file and writes it (atomically, with fsync) before the answer, only when its state
changed: a wrong credential, a success that resets a non-empty state, or a lockout clamped after
the clock went back. A right credential on a clean limiter (every admin login of a
verification) writes nothing.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from commissioner.protocol.admin_proof import verify_admin_proof
from commissioner.protocol.http11 import (
    Request,
)
from commissioner.protocol.setup_code import verify_proof
from commissioner.protocol.spec import (
    CHALLENGE_TTL_S,
    DEFAULT_LOGIN_PASSWORD,
    DEFAULT_LOGIN_USERNAME,
    NONCE_BYTES,
    CommissioningState,
    ErrorCode,
    ProvisioningError,
)
from commissioner.virtualhome.device_http import (
    Auth,
    BadField,
    _b64_field,
    _err,
    _Reply,
    _Session,
)
from commissioner.virtualhome.state import DeviceState
from commissioner.virtualhome.wrong_code_counter import SharedWrongCodeCounter


class SessionEndpoints:
    """Per-connection authentication of a device (setup code, admin proof, default login)."""

    if TYPE_CHECKING:  # provided by VirtualDevice (device.py)
        directory: Path
        state: DeviceState
        _limiter: SharedWrongCodeCounter
        _leaf_der: bytes
        _wall: Callable[[], float]
        _mono: Callable[[], float]

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
        retry_after = self._limiter.check(self._wall())  # writes a cleared or clamped lockout
        if retry_after is None:
            return None
        return _err(
            429,
            ErrorCode.RATE_LIMITED,
            "too many wrong credentials",
            retry_after_s=max(1, round(retry_after)),
        )

    async def _proof_result(self, session: _Session, ok: bool, auth: Auth) -> _Reply:
        # The counter writes its file itself, before the answer, and only when it changed.
        if not ok:
            self._limiter.record_failure(self._wall())
            return _err(401, ErrorCode.BAD_PROOF, f"the {auth.value} proof is wrong")
        self._limiter.record_success()
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
            self._limiter.record_failure(self._wall())  # on disk before the refusal
            return refused
        self._limiter.record_success()
        session.auth = Auth.DEFAULT_LOGIN
        return _Reply(200, {"authenticated": True, "account": DEFAULT_LOGIN_USERNAME})

