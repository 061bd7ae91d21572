"""This project's protocol: the provisioning requests on one device (docs/provisioning-design.md,
steps 1-8, and the gateway's extra steps), over :class:`commissioner.protocol.client.DeviceSession`.

Every function does one request and checks the answer; failures are
:class:`ProvisioningStepError` (or the protocol's own errors) with a machine ``reason`` and a
message that never contains a secret. :func:`is_transient` tells the orchestrator which
failures are worth retrying (connection drops, time-outs) and which are security failures
that need the installer (wrong setup code, refused CSR, unknown admin credential...).
"""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

from commissioner.backends.base import AclIntent, ClientCredentials, ProvisioningReadback
from commissioner.backends.errors import (
    AdminCredentialRejectedError,
    DeviceProtocolError,
    DeviceUnreachableError,
    IdentityMismatchError,
    MalformedReplyError,
    ProvisioningStepError,
    ReadbackMismatchError,
    is_transient,
)
from commissioner.protocol.admin_proof import make_admin_proof
from commissioner.protocol.client import (
    DEFAULT_TIMEOUT,
    DeviceSession,
    TrustStore,
    open_session,
    rate_limited_error,
)
from commissioner.protocol.http11 import Response
from commissioner.protocol.spec import (
    DEFAULT_LOGIN_PASSWORD,
    DEFAULT_LOGIN_USERNAME,
    NONCE_BYTES,
    CommissioningState,
    Endpoint,
    ProvisioningEndpoint,
)
from commissioner.protocol.tls import client_context

__all__ = [
    "AclIntent",
    "AdminCredentialRejectedError",
    "ClientCredentials",
    "ProvisioningStepError",
    "ReadbackMismatchError",
    "admin_authenticate",
    "client_trust",
    "complete",
    "connect",
    "control_status",
    "default_login_works",
    "disable_default_credential",
    "gateway_authenticate",
    "get_state",
    "is_transient",
    "parse_readback",
    "put_acl",
    "put_admin_credential",
    "put_allow_list",
    "put_certificate",
    "put_invitation",
    "put_issuing_ca",
    "read_summary",
    "request_csr",
]

PE = ProvisioningEndpoint


class _ContextTrust(TrustStore):
    """A trust store whose TLS context also presents a client certificate."""

    def __init__(self, base: TrustStore, context: ssl.SSLContext) -> None:
        super().__init__(base.roots)
        self._context = context

    def ssl_context(self) -> ssl.SSLContext:
        return self._context


def client_trust(trust: TrustStore, credentials: ClientCredentials | None) -> TrustStore:
    """``trust`` with the commissioner's client certificate presented when a device asks."""
    if credentials is None:
        return trust
    ctx = client_context(
        trust.pem, cert_chain_pem=credentials.certificate_pem, key_pem=credentials.key_pem
    )
    return _ContextTrust(trust, ctx)


async def connect(
    host: str,
    port: int,
    trust: TrustStore,
    *,
    expected_device_id: str,
    expected_fingerprint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step, kept by the session
) -> DeviceSession:
    """Open a TLS session and check it reaches the attested device the gate certified."""
    session = await open_session(host, port, trust, timeout=timeout)
    ident = session.identity
    problem = None
    if ident.device_id != expected_device_id:
        problem = f"the device at {host}:{port} is {ident.device_id}, not {expected_device_id}"
    elif expected_fingerprint is not None and ident.fingerprint_sha256 != expected_fingerprint:
        problem = "its attestation certificate is not the one the gate certified"
    if problem is not None:
        await session.aclose()
        raise ProvisioningStepError("identity-changed", problem + "; certify the home again")
    return session


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _reply_json(response: Response) -> dict[str, Any]:
    try:
        return response.json()
    except MalformedReplyError:
        return {}


def _refused(response: Response, what: str) -> ProvisioningStepError:
    body = _reply_json(response)
    code = body.get("reason") or body.get("error")
    code_text = str(code)[:40] if isinstance(code, str) else f"http-{response.status}"
    if response.status == 500:
        code_text = "internal-error"
    return ProvisioningStepError(
        code_text,
        f"the device refused {what} ({response.status} {code_text})",
        status=response.status,
    )


async def _call(
    session: DeviceSession, method: str, path: str, payload: Mapping[str, Any] | None, what: str
) -> dict[str, Any]:
    response = await session.request(method, path, payload)
    if response.status != 200:
        raise _refused(response, what)
    try:
        return response.json()
    except MalformedReplyError:
        raise ProvisioningStepError(
            "malformed-reply", f"the device's answer to {what} is not a JSON object"
        ) from None


# --------------------------------------------------------------------------- session


async def get_state(session: DeviceSession) -> str:
    state = await session.get_json(Endpoint.STATE.value)
    value = state.get("state")
    if value not in {s.value for s in CommissioningState}:
        raise ProvisioningStepError("malformed-reply", "the device reports an unknown state")
    return str(value)


async def admin_authenticate(session: DeviceSession, credential: bytes) -> None:
    """Prove the admin credential on this connection (spec 13.3)."""
    client_nonce = os.urandom(NONCE_BYTES)
    body = await _call(
        session, "POST", Endpoint.SESSION_CHALLENGE.value,
        {"client_nonce": _b64(client_nonce)}, "the challenge",
    )
    try:
        device_nonce = base64.b64decode(str(body.get("device_nonce", "")), validate=True)
    except ValueError:
        device_nonce = b""
    if len(device_nonce) != NONCE_BYTES:
        raise ProvisioningStepError("malformed-reply", "the device nonce is malformed")
    proof = make_admin_proof(
        credential, session.identity.serial, device_nonce, client_nonce, session.cert_der
    )
    response = await session.request(
        "POST", PE.SESSION_ADMIN_PROOF.value, {"proof": _b64(proof)}
    )
    if response.status == 200 and _reply_json(response).get("authenticated") is True:
        session.authenticated = True
        return
    if response.status == 401:
        raise AdminCredentialRejectedError(
            "admin-credential-rejected",
            "the device refused the admin credential this job holds for it",
            status=401,
        )
    if response.status == 429:
        raise rate_limited_error(response, what="admin proofs")
    raise _refused(response, "the admin proof")


# --------------------------------------------------------------------------- steps


async def put_admin_credential(session: DeviceSession, credential: bytes) -> None:
    body = await _call(
        session, "PUT", PE.ADMIN_CREDENTIAL.value, {"credential": _b64(credential)},
        "the admin credential",
    )
    if body.get("admin_credential_set") is not True:
        raise ProvisioningStepError(
            "not-confirmed", "the device did not confirm the admin credential"
        )


async def request_csr(session: DeviceSession, device_id: str) -> bytes:
    body = await _call(
        session, "POST", PE.CSR.value, {"subject_cn": device_id}, "the certificate request"
    )
    csr = body.get("csr")
    if not isinstance(csr, str) or len(csr) > 16384:
        raise ProvisioningStepError("csr-malformed", "the device returned no readable CSR")
    try:
        return csr.encode("ascii")
    except UnicodeEncodeError:
        raise ProvisioningStepError("csr-malformed", "the device's CSR is not ASCII") from None


async def put_certificate(
    session: DeviceSession, certificate_pem: str, chain_pems: Sequence[str], fingerprint: str
) -> None:
    body = await _call(
        session, "PUT", PE.OPERATIONAL_CERTIFICATE.value,
        {"certificate": certificate_pem, "chain": list(chain_pems)},
        "the operational certificate",
    )
    if body.get("fingerprint") != fingerprint:
        raise ProvisioningStepError(
            "not-confirmed", "the device did not confirm the operational certificate"
        )


def _acl_key(entries: object) -> list[tuple[str, int | None]] | None:
    if not isinstance(entries, list):
        return None
    out: list[tuple[str, int | None]] = []
    for e in entries:
        if not isinstance(e, dict):
            return None
        epoch = e.get("epoch")
        if epoch is not None and (isinstance(epoch, bool) or not isinstance(epoch, int)):
            return None
        out.append((str(e.get("role")), epoch))
    return sorted(out, key=lambda t: t[0])


async def put_acl(session: DeviceSession, acl: AclIntent) -> None:
    body = await _call(
        session, "PUT", PE.ACL.value,
        {"home_ca": acl.home_ca_pem, "entries": acl.entries()}, "the access control list",
    )
    got = body.get("acl")
    if (
        not isinstance(got, dict)
        or got.get("home_ca_fingerprint") != acl.home_ca_fingerprint
        or _acl_key(got.get("entries")) != _acl_key(acl.entries())
    ):
        raise ProvisioningStepError("not-confirmed", "the device did not confirm the ACL")


async def disable_default_credential(session: DeviceSession) -> None:
    body = await _call(
        session, "PUT", PE.DEFAULT_CREDENTIAL.value, {"enabled": False},
        "disabling the factory default credential",
    )
    if body.get("default_credential_enabled") is not False:
        raise ProvisioningStepError(
            "not-confirmed", "the device did not confirm that the default credential is off"
        )


async def complete(session: DeviceSession) -> None:
    body = await _call(session, "POST", PE.COMPLETE.value, {}, "completion")
    if body.get("state") != CommissioningState.COMMISSIONED.value:
        raise ProvisioningStepError("not-confirmed", "the device did not confirm completion")


async def read_summary(session: DeviceSession) -> dict[str, Any]:
    return await _call(session, "GET", PE.SUMMARY.value, None, "the read-back")


def parse_readback(summary: Mapping[str, Any]) -> ProvisioningReadback:
    """``GET /v1/commissioning/summary`` as the seam's typed read-back (nothing trusted:
    anything malformed reads as unknown)."""

    def text(key: str, within: Mapping[str, Any] = summary) -> str | None:
        value = within.get(key)
        return value if isinstance(value, str) else None

    def flag(key: str) -> bool | None:
        value = summary.get(key)
        return value if isinstance(value, bool) else None

    acl = summary.get("acl")
    acl_ca = text("home_ca_fingerprint", acl) if isinstance(acl, dict) else None
    grants = _acl_key(acl.get("entries")) if isinstance(acl, dict) else None
    return ProvisioningReadback(
        state=text("state"),
        default_login_enabled=flag("default_credential_enabled"),
        admin_credential_set=flag("admin_credential_set"),
        operational_fingerprint=text("operational_certificate_fingerprint"),
        home_ca_fingerprint=text("home_ca_fingerprint"),
        acl_home_ca_fingerprint=acl_ca,
        acl_grants=tuple(grants) if grants is not None else None,
    )


def parse_allow_list(summary: Mapping[str, Any]) -> tuple[Mapping[str, str], ...]:
    """The gateway's allow-list from its read-back summary (malformed entries dropped)."""
    gateway = summary.get("gateway")
    entries = gateway.get("allow_list") if isinstance(gateway, dict) else None
    if not isinstance(entries, list):
        raise ProvisioningStepError("not-confirmed", "the gateway reported no allow-list")
    return tuple({str(k): str(v) for k, v in e.items() if isinstance(v, str)}
                 for e in entries if isinstance(e, dict))


# --------------------------------------------------------------------------- gateway


async def put_issuing_ca(session: DeviceSession, certificate_pem: str, key_pem: str) -> str:
    """Install the gateway's owner-issuing CA (the key travels inside the authenticated TLS
    session only); returns the fingerprint the gateway confirms."""
    body = await _call(
        session, "PUT", PE.GATEWAY_ISSUING_CA.value,
        {"certificate": certificate_pem, "key": key_pem}, "the owner-issuing CA",
    )
    fp = body.get("fingerprint")
    if not isinstance(fp, str):
        raise ProvisioningStepError("not-confirmed", "the gateway did not confirm the issuing CA")
    return fp


async def put_allow_list(session: DeviceSession, entries: Sequence[Mapping[str, str]]) -> None:
    body = await _call(
        session, "PUT", PE.GATEWAY_ALLOW_LIST.value,
        {"devices": [dict(e) for e in entries]}, "the allow-list",
    )
    if body.get("devices") != len(entries):
        raise ProvisioningStepError("not-confirmed", "the gateway did not confirm the allow-list")


async def put_invitation(
    session: DeviceSession, *, invitation_id: str, token_sha256: str, expires_at: int, epoch: int,
    code_verifier: str | None = None,
) -> None:
    grant: dict[str, object] = {"invitation_id": invitation_id, "token_sha256": token_sha256,
                                "expires_at": expires_at, "epoch": epoch}
    if code_verifier is not None:
        grant["code_verifier"] = code_verifier
    body = await _call(
        session, "PUT", PE.GATEWAY_INVITATION.value,
        grant,
        "the owner invitation",
    )
    if body.get("invitation_id") != invitation_id or body.get("epoch") != epoch:
        raise ProvisioningStepError(
            "not-confirmed", "the gateway did not confirm the owner invitation"
        )


async def gateway_authenticate(session: DeviceSession, device_id: str) -> tuple[bool, str]:
    """Ask the gateway to authenticate ``device_id`` (SR2-H-2): ``(authenticated, reason)``."""
    body = await _call(
        session, "POST", PE.GATEWAY_AUTHENTICATE.value, {"device_id": device_id},
        "device authentication",
    )
    ok = body.get("authenticated") is True
    reason = body.get("reason")
    return ok, ("authenticated" if ok else str(reason)[:64] if reason else "refused")


# --------------------------------------------------------------------------- checks


async def default_login_works(
    host: str, port: int, trust: TrustStore, *, timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    expected_fingerprint: str | None = None,
) -> bool:
    """Try the factory default login (``admin`` / ``admin``) on a fresh connection; with
    ``expected_fingerprint``, only on the device holding that attestation certificate."""
    session = await open_session(host, port, trust, timeout=timeout)
    async with session:
        if (expected_fingerprint is not None
                and session.identity.fingerprint_sha256 != expected_fingerprint):
            raise IdentityMismatchError(
                "fingerprint-mismatch",
                "its attestation certificate is not the one recorded; the default login was "
                "not tried")
        return await try_default_login(session)


async def try_default_login(session: DeviceSession) -> bool:
    """Try the factory default login on an open connection (last: a refusal ends whatever
    authentication the connection had)."""
    response = await session.request(
        "POST", PE.SESSION_LOGIN.value,
        {"username": DEFAULT_LOGIN_USERNAME, "password": DEFAULT_LOGIN_PASSWORD},
    )
    return response.status == 200


async def control_status(
    host: str, port: int, trust: TrustStore, *, timeout: float = DEFAULT_TIMEOUT  # noqa: ASYNC109
) -> int:
    """HTTP status of ``GET /v1/control/status`` with ``trust``'s client certificate (if any);
    0 if the TLS handshake itself was refused."""
    try:
        session = await open_session(host, port, trust, timeout=timeout)
    except DeviceProtocolError:
        return 0
    async with session:
        with contextlib.suppress(DeviceUnreachableError):
            return (await session.request("GET", PE.CONTROL_STATUS.value)).status
    return 0
