"""Resale on this project's protocol (docs/device-protocol.md section 20): the wipe on an
authenticated session, the personal-data inventory, and the probes that ask a device whether
a previous home's credentials still work. Every answer comes from the device, on a fresh
attested connection; silence (timeout, connection refused) is never taken for a refusal."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from commissioner.backends.base import (
    ClientCredentials,
    FactoryEvidence,
    PersonalDataInventory,
    Probe,
    WipeReport,
)
from commissioner.backends.errors import (
    AdminCredentialRejectedError,
    DeviceUnreachableError,
    MalformedReplyError,
    ProvisioningStepError,
    WeakTlsError,
)
from commissioner.backends.shc import device_ops as ops
from commissioner.protocol.client import DeviceSession, TrustStore, open_session
from commissioner.protocol.spec import Endpoint, ProvisioningEndpoint

PE = ProvisioningEndpoint
MAX_KINDS = 64
# Connection failures that mean "the device refused this client certificate" when they
# happen right at the handshake or the first request of a probe.
_CERT_REFUSALS = frozenset({"tls-handshake-failed", "connection-closed", "tls-failed"})


def parse_inventory(body: Mapping[str, Any]) -> PersonalDataInventory:
    counts = body.get("counts")
    if not isinstance(counts, dict) or len(counts) > MAX_KINDS or not all(
        isinstance(k, str) and 0 < len(k) <= 64 and isinstance(v, int)
        and not isinstance(v, bool) and v >= 0 for k, v in counts.items()
    ):
        raise MalformedReplyError("malformed-reply",
                                  "the device's personal-data inventory is malformed")
    return PersonalDataInventory(dict(sorted(counts.items())))


async def session_inventory(session: DeviceSession) -> PersonalDataInventory:
    return parse_inventory(await session.get_json(Endpoint.PERSONAL_DATA.value))


async def wipe(session: DeviceSession) -> WipeReport:
    response = await session.request("POST", PE.WIPE.value, {})
    if response.status != 200:
        body = ops._reply_json(response)
        code = str(body.get("reason") or body.get("error") or f"http-{response.status}")[:40]
        raise ProvisioningStepError(code, f"the device refused the wipe ({response.status} "
                                    f"{code})", status=response.status)
    body = ops._reply_json(response)
    erased = body.get("erased")
    names = tuple(str(e)[:40] for e in erased) if isinstance(erased, list) else ()
    inventory = None
    if isinstance(body.get("personal_data"), dict):
        inventory = parse_inventory({"counts": body["personal_data"]})
    return WipeReport(erased=names, factory_state=body.get("state") == "factory",
                      inventory=inventory)


async def read_personal_data(host: str, port: int, trust: TrustStore, *,
                             timeout: float) -> PersonalDataInventory:  # noqa: ASYNC109
    async with await open_session(host, port, trust, timeout=timeout) as session:
        return await session_inventory(session)


def _opt_bool(body: Mapping[str, Any], key: str) -> bool | None:
    value = body.get(key)
    return value if isinstance(value, bool) else None


def _opt_int(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def read_factory_evidence(host: str, port: int, trust: TrustStore, *,
                                timeout: float) -> FactoryEvidence:  # noqa: ASYNC109
    async with await open_session(host, port, trust, timeout=timeout) as session:
        state = await ops.get_state(session)
        state_body = await session.get_json(Endpoint.STATE.value)
        config = await session.get_json(Endpoint.CONFIG.value)
    gateway = config.get("gateway")
    gw = gateway if isinstance(gateway, dict) else {}
    return FactoryEvidence(
        state=state,
        default_login_enabled=_opt_bool(state_body, "default_credential_enabled"),
        admin_credential_set=_opt_bool(config, "admin_credential_set"),
        operational_certificate=_opt_bool(config, "operational_certificate"),
        acl_entries=_opt_int(config, "acl_entries"),
        settings_factory=_opt_bool(config, "settings_factory"),
        gateway_issuing_ca=_opt_bool(gw, "issuing_ca") if gw else None,
        gateway_allow_list_entries=_opt_int(gw, "allow_list_entries") if gw else None,
        gateway_owner_bindings=_opt_int(gw, "owner_bindings") if gw else None,
    )


def _status_evidence(status: int, body: Mapping[str, Any]) -> str:
    code = body.get("reason") or body.get("error")
    return f"{status} {str(code)[:40]}" if isinstance(code, str) else str(status)


async def _certificate_request(
    host: str, port: int, trust: TrustStore, method: str, path: str,
    payload: Mapping[str, Any] | None, *, timeout: float,  # noqa: ASYNC109
) -> tuple[int, str]:
    """``(status, evidence)`` of one request presenting ``trust``'s client certificate;
    status 0 when the device refused the certificate at the TLS layer."""
    try:
        session = await open_session(host, port, trust, timeout=timeout)
    except WeakTlsError as err:
        if err.reason in _CERT_REFUSALS:
            return 0, "tls-handshake-refused"
        raise
    async with session:
        try:
            response = await session.request(method, path, payload)
        except DeviceUnreachableError as err:
            if err.reason in _CERT_REFUSALS:
                return 0, "tls-client-certificate-refused"
            raise
    return response.status, _status_evidence(response.status, ops._reply_json(response))


async def probe_management(
    host: str, port: int, trust: TrustStore, *, admin_credential: bytes | None,
    client: ClientCredentials | None, timeout: float,  # noqa: ASYNC109
) -> tuple[Probe, ...]:
    probes: list[Probe] = []
    if admin_credential is not None:
        async with await open_session(host, port, trust, timeout=timeout) as session:
            try:
                await ops.admin_authenticate(session, admin_credential)
            except AdminCredentialRejectedError as err:
                probes.append(Probe("admin-credential", True, f"{err.status or 401} {err.reason}"))
            except ProvisioningStepError as err:
                probes.append(Probe("admin-credential", True, f"{err.status} {err.reason}"))
            else:
                response = await session.request("GET", PE.SUMMARY.value)
                body = ops._reply_json(response)
                probes.append(Probe("admin-credential", response.status != 200,
                                    "admin proof accepted; summary "
                                    + _status_evidence(response.status, body)))
    if client is not None:
        status, evidence = await _certificate_request(
            host, port, ops.client_trust(trust, client), "GET", PE.CONTROL_STATUS.value, None,
            timeout=timeout)
        # A certificate the device still trusts is refused only for its role
        # ("role-not-allowed"); anything else means the device no longer knows it.
        recognised = status == 200 or "role-not-allowed" in evidence
        probes.append(Probe("commissioner-certificate", not recognised, evidence))
    return tuple(probes)


async def probe_owner(host: str, port: int, trust: TrustStore, owner: ClientCredentials, *,
                      timeout: float) -> Probe:  # noqa: ASYNC109
    status, evidence = await _certificate_request(
        host, port, ops.client_trust(trust, owner), "GET", PE.CONTROL_STATUS.value, None,
        timeout=timeout)
    return Probe("owner-certificate", status != 200, evidence)


def _throwaway_csr() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "resale-probe")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


async def probe_invitation(host: str, port: int, trust: TrustStore, invitation_id: str,
                           token: str, *, timeout: float) -> Probe:  # noqa: ASYNC109
    payload = {"invitation_id": invitation_id, "token": token, "csr": _throwaway_csr()}
    async with await open_session(host, port, trust, timeout=timeout) as session:
        response = await session.request("POST", PE.GATEWAY_REDEEM.value, payload)
    body: dict[str, Any] = {}
    with contextlib.suppress(MalformedReplyError):
        body = ops._reply_json(response)
    return Probe("owner-invitation", response.status != 200,
                 _status_evidence(response.status, body))
