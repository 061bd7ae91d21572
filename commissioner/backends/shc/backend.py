"""This project's own device protocol behind the device-protocol seam (docs/device-protocol.md).

Identity is attested by the TLS handshake itself: the device proves the key of its attestation
certificate, whose chain must lead to a manufacturer root of the signed catalog. Sessions are
authenticated with the setup-code proof (factory state) or the admin-credential proof with the
commissioner's client certificate (commissioned).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from typing import ClassVar

from commissioner.backends.base import (
    FAMILY_SHC,
    AclIntent,
    AddressResolver,
    ClientCredentials,
    Credentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    FactoryEvidence,
    FirmwareImage,
    FirmwareProgress,
    FirmwareTarget,
    Identification,
    IdentifiedSession,
    OwnerInvitationGrant,
    PersonalDataInventory,
    Probe,
    ProvisioningReadback,
    TransferLimits,
    TransferReport,
    WipeReport,
)
from commissioner.backends.errors import (
    DeviceProtocolError,
    DeviceUnreachableError,
    ForeignHomeError,
    NoCredentialError,
    WeakTlsError,
)
from commissioner.backends.shc import device_ops as ops
from commissioner.backends.shc import firmware, resale_ops
from commissioner.protocol import client
from commissioner.protocol.client import IdentifyResult, TrustStore
from commissioner.protocol.spec import CommissioningState

__all__ = ["ShcBackend", "ShcSession", "identification_from"]


def identification_from(result: IdentifyResult) -> Identification:
    """The seam's :class:`Identification` from this protocol's identify result."""
    ident = result.identity
    boot = result.firmware.get("boot_count")
    last = result.firmware.get("last_update")
    note = last.get("reason") if isinstance(last, dict) else None
    return Identification(
        device_id=ident.device_id,
        family=FAMILY_SHC,
        attested=True,
        manufacturer=ident.manufacturer,
        model=ident.model,
        serial=ident.serial,
        kind=ident.kind,
        role=str(result.info.get("role", "")),
        firmware_version=str(result.firmware["version"]),
        host=result.address,
        port=result.port,
        fingerprint=ident.fingerprint_sha256,
        chain_subjects=tuple(result.chain.subjects),
        root_fingerprint=result.chain.root_fingerprint,
        commissioning_state=str(result.state.get("state")),
        default_login_enabled=bool(result.state.get("default_credential_enabled")),
        boot_count=boot if isinstance(boot, int) and not isinstance(boot, bool) else None,
        last_update_note=note if isinstance(note, str) else None,
        valid_from=ident.not_before,
        valid_until=ident.not_after,
        key_type=ident.public_key_type,
    )


class ShcSession(DeviceSession):
    """An authenticated session of this protocol (wraps :class:`client.DeviceSession`)."""

    family: ClassVar[str] = FAMILY_SHC

    def __init__(self, wire: client.DeviceSession, state_at_open: str) -> None:
        self.wire = wire
        self._state_at_open = state_at_open

    @property
    def device_id(self) -> str:
        return self.wire.identity.device_id

    @property
    def fingerprint(self) -> str | None:
        return self.wire.identity.fingerprint_sha256

    @property
    def state_at_open(self) -> str:
        return self._state_at_open

    @property
    def closed(self) -> bool:
        return self.wire.closed

    async def aclose(self) -> None:
        await self.wire.aclose()

    async def set_admin_credential(self, credential: bytes) -> None:
        await ops.put_admin_credential(self.wire, credential)

    async def request_csr(self, subject: str) -> bytes:
        return await ops.request_csr(self.wire, subject)

    async def install_operational_certificate(
        self, certificate_pem: str, chain_pems: Sequence[str], fingerprint: str
    ) -> None:
        await ops.put_certificate(self.wire, certificate_pem, chain_pems, fingerprint)

    async def set_acl(self, acl: AclIntent) -> None:
        await ops.put_acl(self.wire, acl)

    async def disable_default_login(self) -> None:
        await ops.disable_default_credential(self.wire)

    async def complete(self) -> None:
        await ops.complete(self.wire)

    async def read_back(self) -> ProvisioningReadback:
        return ops.parse_readback(await ops.read_summary(self.wire))

    async def install_issuing_ca(self, certificate_pem: str, key_pem: str) -> str:
        return await ops.put_issuing_ca(self.wire, certificate_pem, key_pem)

    async def set_allow_list(self, entries: Sequence[Mapping[str, str]]) -> None:
        await ops.put_allow_list(self.wire, entries)

    async def set_owner_invitation(self, grant: OwnerInvitationGrant) -> None:
        await ops.put_invitation(
            self.wire, invitation_id=grant.invitation_id, token_sha256=grant.token_sha256,
            expires_at=grant.expires_at, epoch=grant.epoch, code_verifier=grant.code_verifier,
        )

    async def read_allow_list(self) -> tuple[Mapping[str, str], ...]:
        return ops.parse_allow_list(await ops.read_summary(self.wire))

    async def gateway_authenticate(self, device_id: str) -> tuple[bool, str]:
        return await ops.gateway_authenticate(self.wire, device_id)

    async def personal_data_inventory(self) -> PersonalDataInventory:
        return await resale_ops.session_inventory(self.wire)

    async def default_login_works(self) -> bool:
        return await ops.try_default_login(self.wire)

    async def wipe(self) -> WipeReport:
        return await resale_ops.wipe(self.wire)


_CERT_REFUSED = frozenset({"connection-closed", "tls-failed", "tls-handshake-failed"})


def _foreign_or(err: NoCredentialError, address: DeviceAddress
                ) -> NoCredentialError | ForeignHomeError:
    """A commissioned device this job holds no admin credential for belongs to another home."""
    if err.needed == "admin-credential":
        return ForeignHomeError(
            f"{address.device_id} is commissioned for another home and this job holds "
            "none of its credentials")
    return err


class ShcBackend(DeviceBackend):
    """This project's protocol: TLS 1.2+ with attestation, HTTP/1.1 JSON requests."""

    family: ClassVar[str] = FAMILY_SHC
    transports: ClassVar[frozenset[str]] = frozenset({"mdns", "ble"})
    attests_identity: ClassVar[bool] = True

    def __init__(self, trust: TrustStore) -> None:
        self.trust = trust
        self._client_trust: dict[ClientCredentials, TrustStore] = {}

    def _trust_for(self, credentials: ClientCredentials | None) -> TrustStore:
        if credentials is None:
            return self.trust
        found = self._client_trust.get(credentials)
        if found is None:
            found = self._client_trust[credentials] = ops.client_trust(self.trust, credentials)
        return found

    def ssl_context(self) -> ssl.SSLContext:
        return self.trust.ssl_context()

    async def identify(
        self,
        address: DeviceAddress,
        *,
        advertised_model: str | None = None,
        timeout: float,  # noqa: ASYNC109 - per network step
    ) -> Identification:
        result = await client.identify(
            address.host, address.port, self.trust, advertised_model=advertised_model,
            advertised_id=address.device_id or None, timeout=timeout,
        )
        return identification_from(result)

    async def open_session(
        self,
        address: DeviceAddress,
        credentials: Credentials,
        *,
        timeout: float,  # noqa: ASYNC109 - per network step, kept by the session
        expected_fingerprint: str | None = None,
        check_identity: bool = False,
    ) -> ShcSession:
        client_creds = credentials.client_credentials()
        trust = self._trust_for(client_creds)
        try:
            if check_identity:
                wire = await ops.connect(
                    address.host, address.port, trust, expected_device_id=address.device_id,
                    expected_fingerprint=expected_fingerprint, timeout=timeout,
                )
            else:
                wire = await client.open_session(address.host, address.port, trust,
                                                 timeout=timeout)
            try:
                state = await self._authenticate(wire, credentials)
            except BaseException:
                await wire.aclose()
                raise
        except NoCredentialError as err:
            raise _foreign_or(err, address) from None
        except (DeviceUnreachableError, WeakTlsError) as err:
            if client_creds is not None and err.reason in _CERT_REFUSED \
                    and await self._commissioned_elsewhere(address, timeout):
                raise ForeignHomeError(
                    f"{address.device_id} is commissioned for another home: it refuses this "
                    "job's certificate") from None
            raise
        return ShcSession(wire, state)

    async def identify_and_open_session(
        self,
        address: DeviceAddress,
        credentials: Credentials | None,
        *,
        timeout: float,  # noqa: ASYNC109 - per network step, kept by the session
        expected_fingerprint: str | None = None,
    ) -> IdentifiedSession:
        """Identify and authenticate on one TLS connection that already presents the job's
        client certificate (a device of this home accepts it, a factory device ignores it).
        A device that refuses the certificate gets the two-connection path, which identifies
        it without the certificate and names a foreign home."""
        client_creds = None if credentials is None else credentials.client_credentials()
        if credentials is None:
            return IdentifiedSession(await self.identify(address, timeout=timeout))
        try:
            wire = await client.open_session(address.host, address.port,
                                             self._trust_for(client_creds), timeout=timeout)
        except (DeviceUnreachableError, WeakTlsError) as err:
            if client_creds is not None and err.reason in _CERT_REFUSED:
                return await super().identify_and_open_session(
                    address, credentials, timeout=timeout,
                    expected_fingerprint=expected_fingerprint)
            raise
        try:
            result = await client.read_identity(wire, self.trust,
                                                advertised_id=address.device_id or None)
            identity = identification_from(result)
            if expected_fingerprint is not None and identity.fingerprint != expected_fingerprint:
                await wire.aclose()  # another unit answers: nothing of this job's is tried
                return IdentifiedSession(identity)
            try:
                state = await self._authenticate(wire, credentials,
                                                 state=str(result.state["state"]))
            except NoCredentialError as err:
                await wire.aclose()
                found = _foreign_or(err, address)
                return IdentifiedSession(identity, error=found)
            except DeviceProtocolError as err:
                await wire.aclose()
                return IdentifiedSession(identity, error=err)
        except BaseException:
            await wire.aclose()
            raise
        return IdentifiedSession(identity, ShcSession(wire, state))

    async def _commissioned_elsewhere(self, address: DeviceAddress, step: float) -> bool:
        """Does the device answer without a client certificate, as commissioned?"""
        try:
            async with await client.open_session(address.host, address.port, self.trust,
                                                 timeout=step) as plain:
                return await ops.get_state(plain) == CommissioningState.COMMISSIONED.value
        except DeviceProtocolError:
            return False

    async def _authenticate(self, wire: client.DeviceSession, credentials: Credentials, *,
                            state: str | None = None) -> str:
        """Authenticate on ``wire``; ``state`` when it was just read on this connection."""
        device_id = wire.identity.device_id
        if state is None:
            state = await ops.get_state(wire)
        if state == CommissioningState.FACTORY.value:
            label = credentials.setup_label(device_id)
            if label is None:
                raise NoCredentialError(
                    device_id, "setup-code",
                    f"no label (setup code) for {device_id}; scan its label",
                )
            await wire.authenticate(label)
            return state
        credential = credentials.admin_credential(device_id)
        if credential is None:
            raise NoCredentialError(
                device_id, "admin-credential",
                f"{device_id} is commissioned but this job holds no admin credential for it",
            )
        await ops.admin_authenticate(wire, credential)
        return state

    async def default_login_works(
        self, address: DeviceAddress, *, timeout: float,  # noqa: ASYNC109
        expected_fingerprint: str | None = None,
    ) -> bool:
        return await ops.default_login_works(address.host, address.port, self.trust,
                                             timeout=timeout,
                                             expected_fingerprint=expected_fingerprint)

    async def read_personal_data(
        self, address: DeviceAddress, *, timeout: float  # noqa: ASYNC109
    ) -> PersonalDataInventory:
        return await resale_ops.read_personal_data(address.host, address.port, self.trust,
                                                   timeout=timeout)

    async def read_factory_evidence(
        self, address: DeviceAddress, *, timeout: float  # noqa: ASYNC109
    ) -> FactoryEvidence:
        return await resale_ops.read_factory_evidence(address.host, address.port, self.trust,
                                                      timeout=timeout)

    async def probe_management(
        self, address: DeviceAddress, *, admin_credential: bytes | None,
        client: ClientCredentials | None, timeout: float,  # noqa: ASYNC109
    ) -> tuple[Probe, ...]:
        return await resale_ops.probe_management(
            address.host, address.port, self.trust, admin_credential=admin_credential,
            client=client, timeout=timeout)

    async def probe_owner(
        self, address: DeviceAddress, owner: ClientCredentials, *,
        timeout: float,  # noqa: ASYNC109
    ) -> Probe:
        return await resale_ops.probe_owner(address.host, address.port, self.trust, owner,
                                            timeout=timeout)

    async def probe_invitation(
        self, address: DeviceAddress, invitation_id: str, token: str, *,
        timeout: float,  # noqa: ASYNC109
    ) -> Probe:
        return await resale_ops.probe_invitation(address.host, address.port, self.trust,
                                                 invitation_id, token, timeout=timeout)

    async def push_firmware(
        self,
        address: DeviceAddress,
        image: FirmwareImage,
        credentials: Credentials,
        *,
        target: FirmwareTarget,
        limits: TransferLimits,
        report: TransferReport,
        resolve: AddressResolver,
        on_progress: FirmwareProgress,
    ) -> None:
        async def open_wire(where: DeviceAddress) -> client.DeviceSession:
            session = await self.open_session(where, credentials, timeout=limits.timeout)
            return session.wire

        await firmware.push_image(
            address, image, open_wire, target=target, limits=limits, report=report,
            resolve=resolve, on_progress=on_progress,
        )

    async def confirm_firmware(
        self,
        address: DeviceAddress,
        *,
        report: TransferReport,
        reboot_timeout: float,
        poll_interval: float,
        timeout: float,  # noqa: ASYNC109 - per network step
        resolve: AddressResolver,
        on_progress: FirmwareProgress,
    ) -> Identification | None:
        async def identify(where: DeviceAddress, step: float) -> Identification:
            return await self.identify(where, timeout=step)

        return await firmware.confirm_reboot(
            address, identify, report=report, reboot_timeout=reboot_timeout,
            poll_interval=poll_interval, timeout=timeout, resolve=resolve,
            on_progress=on_progress,
        )

