"""The app side of the device protocol: connect, identify, authenticate (spec sections 5-8).

Every network wait has a timeout. Failures surface as :class:`DeviceProtocolError`
subclasses with a machine ``reason`` and a message for the installer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from commissioner.protocol.attestation import (
    AttestedIdentity,
    ChainSummary,
    check_root,
    load_pem_bundle,
    parse_attestation_certificate,
    verify_chain,
)
from commissioner.protocol.errors import (
    AttestationError,
    DeviceProtocolError,
    DeviceUnreachableError,
    IdentityMismatchError,
    LabelMismatchError,
    MalformedReplyError,
    RateLimitedError,
    SetupCodeRejectedError,
    UntrustedDeviceError,
    WeakTlsError,
)
from commissioner.protocol.http11 import (
    HttpFramingError,
    Response,
    read_response,
    write_request,
    write_request_bytes,
)
from commissioner.protocol.label import Label
from commissioner.protocol.setup_code import make_proof
from commissioner.protocol.spec import (
    FIRMWARE_VERSION_RE,
    NONCE_BYTES,
    SUPPORTED_PROTOCOL_VERSIONS,
    CommissioningState,
    DeviceKind,
    Endpoint,
    ErrorCode,
    Role,
)
from commissioner.protocol.tls import check_negotiated, client_context

DEFAULT_TIMEOUT = 5.0
MAX_RETRY_AFTER_S = 24 * 3600.0

# OpenSSL reasons that mean "the peer wants a TLS version or cipher outside our profile".
_WEAK_TLS_REASONS = frozenset(
    {
        "UNSUPPORTED_PROTOCOL",
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "WRONG_SSL_VERSION",
        "NO_PROTOCOLS_AVAILABLE",
        "NO_SHARED_CIPHER",
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
        "NO_CIPHERS_AVAILABLE",
        "WRONG_CIPHER_RETURNED",
        "VERSION_TOO_LOW",
        "UNSUPPORTED_PROTOCOL_VERSION",
    }
)


class TrustStore:
    """Manufacturer attestation roots the app trusts (from the signed catalog)."""

    def __init__(self, roots: Sequence[x509.Certificate]) -> None:
        if not roots:
            raise AttestationError("no-trusted-roots", "the trust store holds no roots")
        for root in roots:
            check_root(root)
        self.roots: list[x509.Certificate] = list(roots)
        self.pem: bytes = b"".join(r.public_bytes(serialization.Encoding.PEM) for r in roots)
        self._ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_pem(cls, data: bytes) -> TrustStore:
        return cls(load_pem_bundle(data))

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = client_context(self.pem)
        return self._ssl_context


def _b64decode(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > 1024:
        raise MalformedReplyError("bad-field", f"{what} is not base64 text")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise MalformedReplyError("bad-field", f"{what} is not valid base64") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _error_code(response: Response) -> str | None:
    try:
        code = response.json().get("error")
    except MalformedReplyError:
        return None
    return code[:40] if isinstance(code, str) else None


def _unexpected(response: Response, path: str) -> MalformedReplyError:
    code = _error_code(response)
    return MalformedReplyError(
        code or f"http-{response.status}",
        f"the device answered {response.status} to {path}" + (f" ({code})" if code else ""),
        status=response.status,
    )


def _map_ssl_error(exc: ssl.SSLError, host: str, port: int) -> DeviceProtocolError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or exc.reason or "verification failed"
        return UntrustedDeviceError(
            "untrusted-chain",
            "certificate chain does not lead to a trusted manufacturer root "
            f"({detail}; device at {host}:{port})",
        )
    if (exc.reason or "") in _WEAK_TLS_REASONS:
        return WeakTlsError(
            "weak-tls",
            f"the device at {host}:{port} offers no TLS version or cipher of the CRYPTREC "
            f"profile ({exc.reason})",
        )
    return DeviceUnreachableError(
        "tls-failed", f"TLS handshake with {host}:{port} failed ({exc.reason or exc})"
    )


class DeviceSession:
    """One TLS connection to a device (keep-alive); requests are serialized."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        identity: AttestedIdentity,
        cert_der: bytes,
        *,
        host: str,
        port: int,
        timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.identity = identity
        self.cert_der = cert_der
        self.host = host
        self.port = port
        self.timeout = timeout
        self.authenticated = False
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> DeviceSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.authenticated = False
        self._writer.close()
        try:
            async with asyncio.timeout(min(self.timeout, 2.0)):
                await self._writer.wait_closed()
        except (OSError, TimeoutError, ssl.SSLError):
            pass

    async def request(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> Response:
        """Send one request and read its response (any status)."""
        return await self._exchange(method, path, payload, None, "")

    async def request_bytes(
        self, method: str, path: str, body: bytes | bytearray | memoryview, content_type: str
    ) -> Response:
        """Send one request with a raw body (firmware chunks) and read its response."""
        return await self._exchange(method, path, None, body, content_type)

    async def _exchange(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        raw: bytes | bytearray | memoryview | None,
        content_type: str,
    ) -> Response:
        async with self._lock:
            if self._closed:
                raise DeviceUnreachableError(
                    "connection-closed", "the connection to the device is closed"
                )
            try:
                async with asyncio.timeout(self.timeout):
                    if raw is None:
                        await write_request(self._writer, method, path, payload, host=self.host)
                    else:
                        await write_request_bytes(
                            self._writer, method, path, raw, content_type=content_type,
                            host=self.host,
                        )
                    response = await read_response(self._reader)
            except TimeoutError:
                await self.aclose()
                raise DeviceUnreachableError(
                    "timeout", f"the device did not answer {method} {path} in {self.timeout} s"
                ) from None
            except HttpFramingError as exc:
                await self.aclose()
                if exc.reason == "connection-closed":
                    raise DeviceUnreachableError("connection-closed", exc.message) from None
                raise MalformedReplyError(
                    exc.reason, f"malformed reply to {method} {path}: {exc.message}"
                ) from None
            except (OSError, ssl.SSLError) as exc:
                await self.aclose()
                raise DeviceUnreachableError(
                    "connection-lost", f"connection lost during {method} {path} ({exc})"
                ) from None
            if not response.keep_alive:
                await self.aclose()
            return response

    async def _json_call(
        self, method: str, path: str, payload: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        response = await self.request(method, path, payload)
        if response.status != 200:
            raise _unexpected(response, path)
        try:
            return response.json()
        except MalformedReplyError as exc:
            raise MalformedReplyError(
                exc.reason, f"reply to {path} is not a JSON object ({exc.message})", status=200
            ) from None

    async def get_json(self, path: str) -> dict[str, Any]:
        """GET ``path``; MalformedReplyError unless 200 with a JSON object."""
        return await self._json_call("GET", path, None)

    async def post_json(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path``; MalformedReplyError unless 200 with a JSON object."""
        return await self._json_call("POST", path, payload)

    def check_label(self, label: Label) -> None:
        """LabelMismatchError if ``label`` is not the label of the attested device."""
        ident = self.identity
        for field, on_label, attested in (
            ("serial", label.serial, ident.serial),
            ("device-id", label.device_id, ident.device_id),
            ("manufacturer", label.manufacturer, ident.manufacturer),
            ("model", label.model, ident.model),
            ("kind", label.kind, ident.kind),
        ):
            if on_label != attested:
                raise LabelMismatchError(
                    f"{field}-mismatch",
                    f"the scanned label is for {field.replace('-', ' ')} {on_label!r} but this "
                    f"device's certificate says {attested!r}; scan the label of this device "
                    "(the setup code was not sent)",
                )

    async def authenticate(self, label: Label) -> None:
        """Prove knowledge of the setup code on this connection.

        Refuses (LabelMismatchError) before sending anything unless the label matches the
        attested certificate, so a proof only ever goes to the device the label belongs to.
        """
        self.check_label(label)
        client_nonce = os.urandom(NONCE_BYTES)
        response = await self.request(
            "POST", Endpoint.SESSION_CHALLENGE.value, {"client_nonce": _b64(client_nonce)}
        )
        if response.status == 429:
            raise rate_limited_error(response)
        if response.status != 200:
            raise _unexpected(response, Endpoint.SESSION_CHALLENGE.value)
        device_nonce = _b64decode(response.json().get("device_nonce"), "device_nonce")
        if len(device_nonce) != NONCE_BYTES:
            raise MalformedReplyError("bad-field", "device_nonce has the wrong length")
        proof = make_proof(
            label.setup_code, self.identity.serial, device_nonce, client_nonce, self.cert_der
        )
        response = await self.request("POST", Endpoint.SESSION_PROOF.value, {"proof": _b64(proof)})
        if response.status == 200:
            if response.json().get("authenticated") is not True:
                raise MalformedReplyError("bad-field", "the device did not confirm the proof")
            self.authenticated = True
            return
        if response.status == 401:
            raise SetupCodeRejectedError(
                _error_code(response) or ErrorCode.BAD_PROOF.value,
                "the device rejected the setup code; check the label",
            )
        if response.status == 429:
            raise rate_limited_error(response)
        raise _unexpected(response, Endpoint.SESSION_PROOF.value)


def rate_limited_error(response: Response, *, what: str = "setup codes") -> RateLimitedError:
    """The device's 429 as an error; its retry-after is checked and capped, never trusted."""
    retry: object = None
    with contextlib.suppress(MalformedReplyError):
        retry = response.json().get("retry_after_s")
    if retry is None:
        header = response.headers.get("retry-after", "")
        retry = int(header) if header.isdigit() and len(header) < 7 else None
    if isinstance(retry, bool) or not isinstance(retry, int | float) or not retry >= 0:
        retry = 60.0
    seconds = min(float(retry), MAX_RETRY_AFTER_S)
    return RateLimitedError(
        seconds,
        f"too many wrong {what}; the device accepts another attempt in {seconds:.0f} s",
    )


async def open_session(
    host: str,
    port: int,
    trust: TrustStore,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per-step limit, kept by the session
) -> DeviceSession:
    """Connect with TLS, check the negotiated parameters and parse the attested identity.

    Use as ``async with await open_session(...) as session:``.
    """
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=trust.ssl_context(), ssl_handshake_timeout=timeout
            )
    except ssl.SSLCertVerificationError as exc:
        raise _map_ssl_error(exc, host, port) from None
    except TimeoutError:
        raise DeviceUnreachableError(
            "timeout", f"no TLS connection to {host}:{port} within {timeout} s"
        ) from None
    except ConnectionRefusedError:
        raise DeviceUnreachableError(
            "connection-refused", f"the device at {host}:{port} refused the connection"
        ) from None
    except (ssl.SSLError, ConnectionResetError, ConnectionAbortedError) as exc:
        # The app never offers anything below TLS 1.2, not even to diagnose: a device that
        # only speaks older TLS shows up as a failed handshake, named as such.
        raise WeakTlsError(
            "tls-handshake-failed",
            f"the TLS handshake with {host}:{port} failed ({type(exc).__name__}): the device "
            "may only offer TLS older than 1.2 or ciphers outside the CRYPTREC list; "
            "update its firmware or replace it",
        ) from None
    except OSError as exc:
        raise DeviceUnreachableError(
            "unreachable", f"cannot reach {host}:{port} ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        check_negotiated(ssl_object)
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            raise UntrustedDeviceError("no-certificate", "the device presented no certificate")
        identity = parse_attestation_certificate(der)
    except BaseException:
        writer.close()
        raise
    return DeviceSession(reader, writer, identity, der, host=host, port=port, timeout=timeout)


@dataclass(frozen=True, slots=True)
class IdentifyResult:
    identity: AttestedIdentity
    info: dict[str, Any]  # the /v1/identity JSON
    state: dict[str, Any]  # the /v1/state JSON
    firmware: dict[str, Any]  # the /v1/firmware JSON
    chain: ChainSummary
    address: str
    port: int


def _pem_to_der(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > 16384:
        raise MalformedReplyError("bad-chain", f"{what} is not PEM text")
    try:
        certs = load_pem_bundle(value.encode("ascii"))
    except (AttestationError, UnicodeEncodeError):
        raise MalformedReplyError(
            "bad-chain", f"{what} is not a readable PEM certificate"
        ) from None
    if len(certs) != 1:
        raise MalformedReplyError("bad-chain", f"{what} must hold exactly one certificate")
    return certs[0].public_bytes(serialization.Encoding.DER)


def _check_identity_info(info: Mapping[str, Any], identity: AttestedIdentity) -> None:
    pv = info.get("protocol_version")
    if pv not in SUPPORTED_PROTOCOL_VERSIONS:
        raise MalformedReplyError(
            "unsupported-protocol", f"the device speaks protocol version {str(pv)[:16]!r}"
        )
    for key, attested in (
        ("device_id", identity.device_id),
        ("manufacturer", identity.manufacturer),
        ("model", identity.model),
        ("serial", identity.serial),
        ("kind", identity.kind),
    ):
        reported = info.get(key)
        if reported != attested:
            raise IdentityMismatchError(
                f"{key.replace('_', '-')}-mismatch",
                f"the device reports {key} {str(reported)[:40]!r} but its certificate says "
                f"{attested!r}",
            )
    role = info.get("role")
    expected_role = Role.GATEWAY if identity.kind == DeviceKind.GATEWAY.value else Role.DEVICE
    if role != expected_role.value:
        raise IdentityMismatchError(
            "role-mismatch", f"the device reports role {str(role)[:20]!r} for a {identity.kind}"
        )
    firmware = info.get("firmware")
    if not isinstance(firmware, str) or not FIRMWARE_VERSION_RE.fullmatch(firmware):
        raise MalformedReplyError("bad-field", "identity.firmware is not a version")


def _check_state(state: Mapping[str, Any]) -> None:
    if state.get("state") not in {s.value for s in CommissioningState}:
        raise MalformedReplyError("bad-field", "state.state is not a known state")
    if not isinstance(state.get("default_credential_enabled"), bool):
        raise MalformedReplyError("bad-field", "state.default_credential_enabled is not boolean")
    uptime = state.get("uptime_s")
    if isinstance(uptime, bool) or not isinstance(uptime, int | float):
        raise MalformedReplyError("bad-field", "state.uptime_s is not a number")


def _check_firmware(fw: Mapping[str, Any], reported: str) -> None:
    version = fw.get("version")
    if not isinstance(version, str) or not FIRMWARE_VERSION_RE.fullmatch(version):
        raise MalformedReplyError("bad-field", "firmware.version is not a version")
    slots = fw.get("slots")
    if not isinstance(slots, dict) or fw.get("active_slot") not in slots:
        raise MalformedReplyError("bad-field", "firmware slots are malformed")
    for value in slots.values():
        if value is not None and (
            not isinstance(value, str) or not FIRMWARE_VERSION_RE.fullmatch(value)
        ):
            raise MalformedReplyError("bad-field", "firmware slot holds no version")
    if slots[fw["active_slot"]] != version:
        raise MalformedReplyError("bad-field", "active firmware slot disagrees with the version")
    if version != reported:
        raise IdentityMismatchError(
            "firmware-mismatch", "the device reports two different firmware versions"
        )


async def identify(
    host: str,
    port: int,
    trust: TrustStore,
    *,
    advertised_model: str | None = None,
    advertised_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - applies to every network step
) -> IdentifyResult:
    """Connect, verify the attestation chain and read identity, state and firmware."""
    session = await open_session(host, port, trust, timeout=timeout)
    async with session:
        return await read_identity(session, trust, advertised_model=advertised_model,
                                   advertised_id=advertised_id)


async def read_identity(
    session: DeviceSession,
    trust: TrustStore,
    *,
    advertised_model: str | None = None,
    advertised_id: str | None = None,
) -> IdentifyResult:
    """On an open ``session``: verify the attestation chain against ``trust``'s roots and read
    identity, state and firmware (the session stays open, e.g. to authenticate next)."""
    host, port = session.host, session.port
    identity = session.identity
    info = await session.get_json(Endpoint.IDENTITY.value)
    chain_pems = info.get("certificate_chain")
    if not isinstance(chain_pems, list) or not 2 <= len(chain_pems) <= 4:
        raise MalformedReplyError("bad-chain", "identity.certificate_chain is malformed")
    chain_ders = [_pem_to_der(p, f"certificate_chain[{i}]") for i, p in enumerate(chain_pems)]
    if chain_ders[0] != session.cert_der:
        raise IdentityMismatchError(
            "certificate-mismatch",
            "the certificate the device reports is not the one it uses for TLS",
        )
    summary = verify_chain(
        session.cert_der, chain_ders[1:], trust.roots, now=dt.datetime.now(dt.UTC)
    )
    _check_identity_info(info, identity)
    if advertised_model is not None and advertised_model != identity.model:
        raise IdentityMismatchError(
            "model-mismatch",
            f"the device advertises model {advertised_model[:40]!r} but its certificate "
            f"says {identity.model!r}",
        )
    if advertised_id is not None and advertised_id != identity.device_id:
        raise IdentityMismatchError(
            "device-id-mismatch",
            f"the device advertises id {advertised_id[:64]!r} but its certificate says "
            f"{identity.device_id!r}",
        )
    state = await session.get_json(Endpoint.STATE.value)
    _check_state(state)
    firmware = await session.get_json(Endpoint.FIRMWARE.value)
    _check_firmware(firmware, info["firmware"])
    return IdentifyResult(
        identity=identity,
        info=info,
        state=state,
        firmware=firmware,
        chain=summary,
        address=host,
        port=port,
    )
