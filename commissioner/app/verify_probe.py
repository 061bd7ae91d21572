"""Asking the devices, read-only: what each device says about itself now.

Every question goes through the device-protocol seam (:mod:`commissioner.backends`):
identify (attested) and an authenticated session with the job's credentials (one connection
where the family allows it), the provisioning read-back, the gateway's allow-list, the
personal-data inventory and last the factory default login on that same connection (on a
connection of its own when there is no session; a refusal changes nothing). Nothing is
written to any device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from commissioner.backends.base import (
    Credentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    Identification,
    ProvisioningReadback,
)
from commissioner.backends.errors import NotSupportedByFamilyError
from commissioner.protocol.errors import DeviceProtocolError


@dataclass
class DeviceProbe:
    """What one device answered (None: not asked or no answer; ``errors`` say why)."""

    device_id: str
    address: DeviceAddress | None
    heard: bool
    identity: Identification | None = None
    default_login_works: bool | None = None
    session_ok: bool | None = None  # the job's admin credential was accepted
    readback: ProvisioningReadback | None = None
    allow_list: tuple[Mapping[str, str], ...] | None = None
    personal_data: Mapping[str, int] | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def evidence(self) -> dict[str, object]:
        ident = self.identity
        rb = self.readback
        return {
            "heard": self.heard,
            "address": None if self.address is None else f"{self.address.host}:"
                                                         f"{self.address.port}",
            "attested": None if ident is None else ident.attested,
            "model": None if ident is None else ident.model,
            "serial": None if ident is None else ident.serial,
            "attestation_fingerprint": None if ident is None else ident.fingerprint,
            "firmware": None if ident is None else ident.firmware_version,
            "state": None if ident is None else ident.commissioning_state,
            "default_login_works": self.default_login_works,
            "admin_credential_accepted": self.session_ok,
            "operational_fingerprint": None if rb is None else rb.operational_fingerprint,
            "home_ca_fingerprint": None if rb is None else rb.home_ca_fingerprint,
            "acl": None if rb is None or rb.acl_grants is None else [
                {"role": r, "epoch": e} for r, e in rb.acl_grants],
            "errors": dict(self.errors),
        }


def _why(err: BaseException) -> str:
    return f"{type(err).__name__}: {str(err)[:160]}"


async def probe_device(
    backend: DeviceBackend, device_id: str, address: DeviceAddress | None, *, heard: bool,
    credentials: Credentials | None, expected_fingerprint: str | None, gateway: bool,
    timeout: float,  # noqa: ASYNC109 - per network step
) -> DeviceProbe:
    """Identify and authenticate on one connection where the family allows it, read
    everything on that session, and try the factory default login last on the same
    connection (one TLS handshake and one attestation check per device). Without a session
    (no credentials, or the job's credential refused), the default login is tried on a
    connection of its own. It is tried only on the recorded unit, once the device has
    identified as that unit."""
    probe = DeviceProbe(device_id, address, heard)
    if address is None:
        probe.errors["identify"] = "no address: not heard and none recorded"
        return probe
    try:
        opened = await backend.identify_and_open_session(
            address, credentials, timeout=timeout, expected_fingerprint=expected_fingerprint)
    except DeviceProtocolError as err:
        probe.errors["identify"] = _why(err)
        return probe
    probe.identity = opened.identity
    if expected_fingerprint is not None and opened.identity.fingerprint != expected_fingerprint:
        return probe  # another unit answers: nothing of this job's may be tried on it
    later: dict[str, str] = {}  # session errors, reported after the default login's
    tried = False
    if opened.session is not None:
        probe.session_ok = True
        tried = await _read_session(probe, opened.session, gateway, later)
    elif credentials is None:
        later["session"] = "the job's credentials are not on this laptop"
    else:
        probe.session_ok = False
        later["session"] = _why(opened.error) if opened.error is not None else "not opened"
    if not tried:
        try:
            probe.default_login_works = await backend.default_login_works(
                address, timeout=timeout, expected_fingerprint=expected_fingerprint)
        except DeviceProtocolError as err:
            probe.errors["default-login"] = _why(err)
    probe.errors.update(later)
    return probe


async def _read_session(probe: DeviceProbe, session: DeviceSession, gateway: bool,
                        errors: dict[str, str]) -> bool:
    """Read everything on the session, then try the default login on it; False when the
    default login is still to be tried (the family cannot, or the connection broke)."""
    async with session:
        try:
            probe.readback = await session.read_back()
        except DeviceProtocolError as err:
            errors["read-back"] = _why(err)
        if gateway:
            try:
                probe.allow_list = await session.read_allow_list()
            except DeviceProtocolError as err:
                errors["allow-list"] = _why(err)
        try:
            probe.personal_data = dict((await session.personal_data_inventory()).counts)
        except NotSupportedByFamilyError:
            pass
        except DeviceProtocolError as err:
            errors["personal-data"] = _why(err)
        try:
            probe.default_login_works = await session.default_login_works()
        except (NotSupportedByFamilyError, DeviceProtocolError):
            return False
        return True


async def probe_all(
    backend: DeviceBackend,
    targets: Mapping[str, tuple[DeviceAddress | None, bool, str | None, bool]],
    *, credentials: Credentials | None, timeout: float,  # noqa: ASYNC109
    concurrency: int,
) -> dict[str, DeviceProbe]:
    """Probe ``targets`` (``device_id -> (address, heard, expected fingerprint, gateway)``)
    at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(device_id: str) -> DeviceProbe:
        address, heard, fp, gw = targets[device_id]
        async with gate:
            return await probe_device(backend, device_id, address, heard=heard,
                                      credentials=credentials, expected_fingerprint=fp,
                                      gateway=gw, timeout=timeout)

    results = await asyncio.gather(*(one(d) for d in targets))
    return {p.device_id: p for p in results}
