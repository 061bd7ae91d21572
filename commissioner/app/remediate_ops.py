"""What a remediation does to the devices, through the device-protocol seam.

Each operation is one device-level action with the job's own credentials and the same checks
commissioning uses (:func:`~commissioner.provisioning.engine.compare_readback`, attested
identity on every connection, the home CA issuing the operational certificate). Nothing here
writes to the job store: :mod:`commissioner.app.remediate` records every step in the job's
follow-up log, before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization

from commissioner.backends.base import (
    AclIntent,
    ClientCredentials,
    Credentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    Identification,
)
from commissioner.backends.errors import NoCredentialError
from commissioner.errors import UserError
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.label import Label
from commissioner.provisioning.engine import compare_readback
from commissioner.provisioning.home_ca import HomeCA, fingerprint


class RemediationFailedError(UserError):
    """The device did not end up as the record says; nothing is claimed."""


@dataclass(frozen=True)
class UnitCredentials:
    """The credentials one remediation step may use on one device."""

    client: ClientCredentials | None = field(default=None, repr=False)
    admin: bytes | None = field(default=None, repr=False)
    label: Label | None = field(default=None, repr=False)

    def setup_label(self, device_id: str) -> Label | None:
        return self.label

    def admin_credential(self, device_id: str) -> bytes | None:
        return self.admin

    def client_credentials(self) -> ClientCredentials | None:
        return self.client


def _why(err: BaseException) -> str:
    return f"{getattr(err, 'reason', type(err).__name__)}: {str(err)[:200]}"


async def _session(backend: DeviceBackend, address: DeviceAddress, creds: Credentials,
                   fp: str | None, timeout: float) -> DeviceSession:  # noqa: ASYNC109
    try:
        return await backend.open_session(address, creds, timeout=timeout,
                                          expected_fingerprint=fp, check_identity=True)
    except NoCredentialError as err:
        raise RemediationFailedError(
            code="remediate.credential-refused",
            params={"device_id": address.device_id, "detail": err}) from None
    except DeviceProtocolError as err:
        raise RemediationFailedError(
            code="remediate.unreachable",
            params={"device_id": address.device_id, "detail": _why(err)}) from None


async def provision_unit(session: DeviceSession, device_id: str, admin: bytes, ca: HomeCA,
                         acl: AclIntent) -> tuple[str, str]:
    """A factory-state unit gets the job's admin credential, an operational certificate from
    the home CA, the job's ACL, the default login off; returns (certificate PEM, its
    fingerprint)."""
    await session.set_admin_credential(admin)
    csr = await session.request_csr(device_id)
    cert = ca.issue_operational(csr, device_id=device_id, role="device")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    fp = fingerprint(cert)
    await session.install_operational_certificate(pem, [acl.home_ca_pem], fp)
    await session.set_acl(acl)
    await session.disable_default_login()
    await session.complete()
    return pem, fp


async def confirm(backend: DeviceBackend, address: DeviceAddress, creds: Credentials,
                  attestation_fp: str | None, operational_fp: str, acl: AclIntent,
                  timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    """Read the device back on a new session and compare with the job's intent."""
    session = await _session(backend, address, creds, attestation_fp, timeout)
    async with session:
        rb = await session.read_back()
    diffs = compare_readback(rb, operational_fp, acl)
    if await backend.default_login_works(address, timeout=timeout):
        diffs.append("the factory default login still works")
    if diffs:
        raise RemediationFailedError(
            code="remediate.readback-differs",
            params={"device_id": address.device_id, "detail": "; ".join(diffs)})
    return {"state": rb.state, "default_login_enabled": rb.default_login_enabled,
            "operational_fingerprint": rb.operational_fingerprint,
            "home_ca_fingerprint": rb.home_ca_fingerprint,
            "acl": [{"role": r, "epoch": e} for r, e in rb.acl_grants or ()]}


async def reapply(backend: DeviceBackend, address: DeviceAddress, creds: UnitCredentials,
                  attestation_fp: str | None, operational_fp: str, acl: AclIntent,
                  timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    """A commissioned device: the job's ACL and the default login off again, read back."""
    session = await _session(backend, address, creds, attestation_fp, timeout)
    async with session:
        await session.set_acl(acl)
        await session.disable_default_login()
    return await confirm(backend, address, creds, attestation_fp, operational_fp, acl,
                         timeout)


async def fix_gateway_entry(
    backend: DeviceBackend, gateway: DeviceAddress, creds: Credentials, gateway_fp: str | None,
    change: Callable[[list[dict[str, str]]], list[dict[str, str]]],
    timeout: float,  # noqa: ASYNC109
    authenticate: str | None = None,
) -> dict[str, Any]:
    """Read the gateway's allow-list, write ``change(list)`` if it differs, read it back;
    then let the gateway authenticate ``authenticate`` (a device id) if given."""
    session = await _session(backend, gateway, creds, gateway_fp, timeout)
    async with session:
        before = [{"device_id": str(e.get("device_id")), "fingerprint": str(e.get("fingerprint"))}
                  for e in await session.read_allow_list()]
        wanted = change([dict(e) for e in before])
        if wanted != before:
            await session.set_allow_list(wanted)
        after = [dict(e) for e in await session.read_allow_list()]
        if sorted(after, key=_key) != sorted(wanted, key=_key):
            raise RemediationFailedError(code="remediate.allow-list-differs")
        auth: tuple[bool, str] | None = None
        if authenticate is not None:
            auth = await session.gateway_authenticate(authenticate)
    out: dict[str, Any] = {"before": len(before), "after": len(after),
                           "changed": wanted != before}
    if auth is not None:
        out["authenticated"], out["auth_reason"] = auth
        if not auth[0]:
            raise RemediationFailedError(
                code="remediate.gateway-auth-failed",
                params={"device_id": authenticate, "detail": auth[1]})
    return out


def _key(entry: Mapping[str, str]) -> str:
    return str(entry.get("device_id"))


async def identify_unit(backend: DeviceBackend, address: DeviceAddress,
                        timeout: float) -> Identification:  # noqa: ASYNC109
    try:
        return await backend.identify(address, timeout=timeout)
    except DeviceProtocolError as err:
        raise RemediationFailedError(
            code="remediate.unit-not-genuine",
            params={"address": f"{address.host}:{address.port}", "detail": _why(err)}) from None
