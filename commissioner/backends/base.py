"""The device-protocol seam: what the app asks of a device family (docs/device-backends.md).

A *backend* implements :class:`DeviceBackend` for one device family (this project's own
protocol, later Matter, ECHONET Lite...). The gate, provisioning and firmware features talk to
devices only through it, in the family's own terms hidden behind these steps:

* :meth:`DeviceBackend.identify` - who is this device, and can it *prove* it? The result
  (:class:`Identification`) says whether the identity is attested (a verified chain to a
  trusted root) or merely reported (identify-only families).
* :meth:`DeviceBackend.open_session` - an authenticated session: the setup code before
  commissioning, the job's credentials after (:class:`Credentials` supplies both).
* :meth:`DeviceBackend.identify_and_open_session` - both, on one connection where the family
  allows it (verification asks every device this, so one handshake fewer counts).
* :class:`DeviceSession` - provisioning on that session: admin credential, operational
  certificate from a CSR, ACL, default login off, complete, read back; the gateway role's
  extra steps; and the places where wipe and the personal-data inventory go.
* :meth:`DeviceBackend.push_firmware` / :meth:`DeviceBackend.confirm_firmware` - the firmware
  push and its confirmation over a freshly verified connection (the plan reads the running
  version from :meth:`identify`).

Everything a backend cannot do raises :class:`NotSupportedByFamilyError`; every device
failure is a :class:`~commissioner.protocol.errors.DeviceProtocolError` subclass
(:mod:`commissioner.backends.errors`).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, Protocol

from commissioner.backends.errors import (
    DeviceProtocolError,
    NoCredentialError,
    NotSupportedByFamilyError,
)
from commissioner.protocol.label import Label

__all__ = [
    "FAMILY_SHC",
    "AclIntent",
    "ClientCredentials",
    "Credentials",
    "DeviceAddress",
    "DeviceBackend",
    "DeviceSession",
    "FactoryEvidence",
    "FirmwareImage",
    "FirmwareProgress",
    "FirmwareTarget",
    "Identification",
    "IdentifiedSession",
    "OwnerInvitationGrant",
    "PersonalDataInventory",
    "Probe",
    "ProvisioningReadback",
    "TransferLimits",
    "TransferReport",
    "WipeReport",
]

FAMILY_SHC = "shc"

# --------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class DeviceAddress:
    """Where to reach one device: its id and network endpoint, and its family."""

    device_id: str
    host: str
    port: int
    family: str = FAMILY_SHC


# --------------------------------------------------------------------------- identify


@dataclass(frozen=True, slots=True)
class Identification:
    """What :meth:`DeviceBackend.identify` learned from the device itself.

    ``attested`` is True only when manufacturer, model, serial and kind come from an identity
    the device proved (a chain to a trusted root, checked on this connection); an
    identify-only family reports them with ``attested=False`` and no fingerprint or chain.
    """

    device_id: str
    family: str
    attested: bool
    manufacturer: str
    model: str
    serial: str
    kind: str
    role: str
    firmware_version: str
    host: str
    port: int
    fingerprint: str | None = None  # SHA-256 (hex) of the attestation certificate
    chain_subjects: tuple[str, ...] = ()  # leaf, intermediate(s), root
    root_fingerprint: str | None = None  # SHA-256 (hex) of the root the chain leads to
    commissioning_state: str | None = None  # e.g. factory / commissioned
    default_login_enabled: bool | None = None
    boot_count: int | None = None  # changes on every boot: how a reboot is recognised
    last_update_note: str | None = None  # the device's own words on its last update
    valid_from: dt.datetime | None = None  # the attestation certificate's validity
    valid_until: dt.datetime | None = None
    key_type: str | None = None  # e.g. "EC P-256"

    @property
    def address(self) -> DeviceAddress:
        return DeviceAddress(self.device_id, self.host, self.port, self.family)


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """The commissioner's own operational client certificate and key (both PEM), issued by
    the home CA: presented when a commissioned device asks who is managing it."""

    certificate_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:
        return "ClientCredentials(<certificate>, <key>)"


class Credentials(Protocol):
    """What the caller holds to open an authenticated session to a device.

    A backend asks for the setup payload only while the device is in factory state, and for
    the admin credential only once it is commissioned; ``None`` means "the job holds none"
    and ends in :class:`~commissioner.backends.errors.NoCredentialError`.
    """

    def setup_label(self, device_id: str) -> Label | None: ...

    def admin_credential(self, device_id: str) -> bytes | None: ...

    def client_credentials(self) -> ClientCredentials | None: ...


@dataclass(frozen=True, slots=True)
class AclIntent:
    """The access the job grants on a device: the home CA it trusts, and who may manage it
    (the home gateway, the owner of the current epoch, the commissioner)."""

    home_ca_pem: str
    home_ca_fingerprint: str
    owner_epoch: int

    def entries(self) -> list[dict[str, Any]]:
        return [
            {"role": "gateway"},
            {"role": "owner", "epoch": self.owner_epoch},
            {"role": "commissioner"},
        ]

    def grants(self) -> tuple[tuple[str, int | None], ...]:
        """``(role, epoch)`` pairs sorted by role: what a read-back must show."""
        return tuple(sorted(((str(e["role"]), e.get("epoch")) for e in self.entries()),
                            key=lambda t: t[0]))


@dataclass(frozen=True, slots=True)
class ProvisioningReadback:
    """What a provisioned device reports about itself (read back, never remembered)."""

    state: str | None
    default_login_enabled: bool | None
    admin_credential_set: bool | None
    operational_fingerprint: str | None
    home_ca_fingerprint: str | None
    acl_home_ca_fingerprint: str | None  # None when the device reports no readable ACL
    acl_grants: tuple[tuple[str, int | None], ...] | None  # sorted by role; None: unreadable


@dataclass(frozen=True, slots=True)
class OwnerInvitationGrant:
    """What the gateway needs to accept the owner's invitation (never the token itself)."""

    invitation_id: str
    token_sha256: str
    expires_at: int
    epoch: int
    code_verifier: str | None = None  # of the typed takeover code (protocol.takeover_code)


@dataclass(frozen=True, slots=True)
class PersonalDataInventory:
    """Per kind of personal data (recordings, face templates, lock users...), how many items
    the device reports holding. Filled in by the resale work."""

    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return all(n == 0 for n in self.counts.values())


@dataclass(frozen=True, slots=True)
class WipeReport:
    """What a wipe erased, as the device reports it."""

    erased: tuple[str, ...] = ()
    factory_state: bool = False
    inventory: PersonalDataInventory | None = None  # what the device reported right after


@dataclass(frozen=True, slots=True)
class FactoryEvidence:
    """What a device says about its own configuration (read on a fresh connection): the
    evidence that nothing of a previous home is left. Gateway members are None on devices."""

    state: str
    default_login_enabled: bool | None
    admin_credential_set: bool | None
    operational_certificate: bool | None
    acl_entries: int | None
    settings_factory: bool | None
    gateway_issuing_ca: bool | None = None
    gateway_allow_list_entries: int | None = None
    gateway_owner_bindings: int | None = None

    @property
    def factory(self) -> bool:
        return (self.state == "factory" and self.admin_credential_set is False
                and self.operational_certificate is False and self.acl_entries == 0
                and self.settings_factory is not False
                and self.gateway_issuing_ca in (None, False)
                and self.gateway_allow_list_entries in (None, 0)
                and self.gateway_owner_bindings in (None, 0))

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class Probe:
    """One attempt to use an old credential, and the device's answer: ``refused`` is True only
    when the device itself said no (a status or a refused handshake), never on silence."""

    name: str  # admin-credential, commissioner-certificate, owner-certificate, owner-invitation
    refused: bool
    evidence: str  # e.g. "401 admin-credential-rejected", "tls-handshake-refused"


class DeviceSession(ABC):
    """One authenticated session to one device; use as ``async with``.

    Every provisioning step is idempotent on the device and checks the device's confirmation;
    a refusal raises :class:`~commissioner.backends.errors.ProvisioningStepError`.
    """

    family: ClassVar[str] = ""

    @property
    @abstractmethod
    def device_id(self) -> str: ...

    @property
    @abstractmethod
    def fingerprint(self) -> str | None:
        """SHA-256 of the attestation certificate this session was opened against."""

    @property
    @abstractmethod
    def state_at_open(self) -> str:
        """The commissioning state the device reported before authentication."""

    @property
    @abstractmethod
    def closed(self) -> bool: ...

    @abstractmethod
    async def aclose(self) -> None: ...

    async def __aenter__(self) -> DeviceSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- provisioning -------------------------------------------------------------------

    @abstractmethod
    async def set_admin_credential(self, credential: bytes) -> None: ...

    @abstractmethod
    async def request_csr(self, subject: str) -> bytes:
        """A PEM certificate signing request for the device's operational key."""

    @abstractmethod
    async def install_operational_certificate(
        self, certificate_pem: str, chain_pems: Sequence[str], fingerprint: str
    ) -> None: ...

    @abstractmethod
    async def set_acl(self, acl: AclIntent) -> None: ...

    @abstractmethod
    async def disable_default_login(self) -> None: ...

    @abstractmethod
    async def complete(self) -> None: ...

    @abstractmethod
    async def read_back(self) -> ProvisioningReadback: ...

    # --- the gateway role (the home's hub) --------------------------------------------

    async def install_issuing_ca(self, certificate_pem: str, key_pem: str) -> str:
        """Install the owner-issuing CA; returns the fingerprint the gateway confirms."""
        raise NotSupportedByFamilyError(self.family, "installing an owner-issuing CA")

    async def set_allow_list(self, entries: Sequence[Mapping[str, str]]) -> None:
        raise NotSupportedByFamilyError(self.family, "a gateway allow-list")

    async def set_owner_invitation(self, grant: OwnerInvitationGrant) -> None:
        raise NotSupportedByFamilyError(self.family, "an owner invitation")

    async def read_allow_list(self) -> tuple[Mapping[str, str], ...]:
        """The gateway's allow-list as it reports it now (read back, never remembered)."""
        raise NotSupportedByFamilyError(self.family, "reading a gateway allow-list")

    async def gateway_authenticate(self, device_id: str) -> tuple[bool, str]:
        """Ask the gateway to authenticate ``device_id``: ``(authenticated, reason)``."""
        raise NotSupportedByFamilyError(self.family, "gateway device authentication")

    # --- resale (issue 11 fills these in) ---------------------------------------------

    async def personal_data_inventory(self) -> PersonalDataInventory:
        """How much personal data of each kind the device holds (R2-5)."""
        raise NotSupportedByFamilyError(self.family, "reading the personal-data inventory")

    async def default_login_works(self) -> bool:
        """Try the factory default login on this connection, as the last request of the
        session (a refusal may end the session's authentication). Families that cannot
        raise NotSupportedByFamilyError; :meth:`DeviceBackend.default_login_works` then
        tries it on a connection of its own."""
        raise NotSupportedByFamilyError(self.family, "the default login on a session")

    async def wipe(self) -> WipeReport:
        """Erase personal data, settings, operational certificate, ACL and local
        credentials; keep only the attestation identity and firmware (R2-9)."""
        raise NotSupportedByFamilyError(self.family, "wiping the device")


@dataclass(frozen=True, slots=True)
class IdentifiedSession:
    """What :meth:`DeviceBackend.identify_and_open_session` got: the identity, and the
    authenticated session when one was opened (``None`` with the reason in ``error``, or with
    no error when none was tried: no credentials, or another unit answers)."""

    identity: Identification
    session: DeviceSession | None = None
    error: DeviceProtocolError | NoCredentialError | None = None


# --------------------------------------------------------------------------- firmware


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    """A firmware image the app has already verified (catalog hash, manufacturer signature,
    version rules); the backend only carries it to the device."""

    path: Path
    size: int
    sha256: str
    version: str
    manifest: Mapping[str, Any]  # the signed manifest, as the catalog gives it
    signature: str


@dataclass(frozen=True, slots=True)
class FirmwareTarget:
    """The device the image was planned for: identity and running version at plan time."""

    device_id: str
    fingerprint: str
    running_version: str


@dataclass(frozen=True, slots=True)
class TransferLimits:
    chunk_bytes: int
    timeout: float  # per network step
    stall_timeout: float  # give up after this long without progress
    max_hash_retries: int  # restart a transfer the device found corrupted


@dataclass
class TransferReport:
    """Filled in while an image is pushed (also when the push stops)."""

    bytes_sent: int = 0
    reconnects: int = 0
    resumed_from: list[int] = field(default_factory=list)
    boot_before: int | None = None  # boot counter seen before the commit
    downtime_s: float = 0.0  # what the device announced for its restart


FirmwareStage = Literal["transfer", "verify", "reboot", "confirm"]
FirmwareProgress = Callable[[FirmwareStage, int, str], None]
"""``(stage, image bytes the device holds, message)``."""

AddressResolver = Callable[[], Awaitable[DeviceAddress]]
"""The device's current address (it may move across a reboot)."""


# --------------------------------------------------------------------------- the backend


class DeviceBackend(ABC):
    """One device family. Stateless between calls apart from caches; safe to share."""

    family: ClassVar[str]
    transports: ClassVar[frozenset[str]] = frozenset()  # discovery transports it serves
    attests_identity: ClassVar[bool] = True  # False: an identify-only family

    @abstractmethod
    async def identify(
        self,
        address: DeviceAddress,
        *,
        advertised_model: str | None = None,
        timeout: float,  # noqa: ASYNC109 - per network step
    ) -> Identification:
        """Identify the device; with attestation where the family has it. Raises a
        :class:`~commissioner.protocol.errors.DeviceProtocolError` subclass."""

    async def open_session(
        self,
        address: DeviceAddress,
        credentials: Credentials,
        *,
        timeout: float,  # noqa: ASYNC109 - per network step, kept by the session
        expected_fingerprint: str | None = None,
        check_identity: bool = False,
    ) -> DeviceSession:
        """An authenticated session: setup code in factory state, the job's admin credential
        (with its client certificate) once commissioned. With ``check_identity`` the device
        must be ``address.device_id`` (and, if given, hold ``expected_fingerprint``)."""
        raise NotSupportedByFamilyError(self.family, "an authenticated session",
                                        "the family is identify-only")

    async def identify_and_open_session(
        self,
        address: DeviceAddress,
        credentials: Credentials | None,
        *,
        timeout: float,  # noqa: ASYNC109 - per network step, kept by the session
        expected_fingerprint: str | None = None,
    ) -> IdentifiedSession:
        """:meth:`identify`, then, if ``credentials`` are given and the device holds
        ``expected_fingerprint`` (when given), an authenticated session checked against that
        identity (as :meth:`open_session` with ``check_identity``). A failed identify raises;
        a failed session is returned in :attr:`IdentifiedSession.error`.

        This default uses two connections; a family that can authenticate on the connection
        it identified on overrides it (one handshake fewer per device)."""
        identity = await self.identify(address, timeout=timeout)
        if credentials is None or (expected_fingerprint is not None
                                   and identity.fingerprint != expected_fingerprint):
            return IdentifiedSession(identity)
        try:
            session = await self.open_session(address, credentials, timeout=timeout,
                                              expected_fingerprint=expected_fingerprint,
                                              check_identity=True)
        except (DeviceProtocolError, NoCredentialError) as err:
            return IdentifiedSession(identity, error=err)
        return IdentifiedSession(identity, session)

    async def default_login_works(
        self, address: DeviceAddress, *, timeout: float,  # noqa: ASYNC109
        expected_fingerprint: str | None = None,
    ) -> bool:
        """Does the factory default login still work (on a fresh, anonymous connection)?
        With ``expected_fingerprint`` nothing is tried unless the device holds that
        attestation certificate (an identity error is raised instead)."""
        raise NotSupportedByFamilyError(self.family, "checking the factory default login")

    # --- resale: evidence asked of the device on fresh connections (issue 11) ----------

    async def read_personal_data(
        self, address: DeviceAddress, *, timeout: float  # noqa: ASYNC109
    ) -> PersonalDataInventory:
        """The personal-data inventory, without a session (counts only)."""
        raise NotSupportedByFamilyError(self.family, "reading the personal-data inventory")

    async def read_factory_evidence(
        self, address: DeviceAddress, *, timeout: float  # noqa: ASYNC109
    ) -> FactoryEvidence:
        raise NotSupportedByFamilyError(self.family, "reading the device's configuration")

    async def probe_management(
        self, address: DeviceAddress, *, admin_credential: bytes | None,
        client: ClientCredentials | None, timeout: float,  # noqa: ASYNC109
    ) -> tuple[Probe, ...]:
        """Try a previous home's admin credential and commissioner certificate."""
        raise NotSupportedByFamilyError(self.family, "probing old management credentials")

    async def probe_owner(
        self, address: DeviceAddress, owner: ClientCredentials, *,
        timeout: float,  # noqa: ASYNC109
    ) -> Probe:
        """Try an owner certificate on the control endpoint."""
        raise NotSupportedByFamilyError(self.family, "probing an owner certificate")

    async def probe_invitation(
        self, address: DeviceAddress, invitation_id: str, token: str, *,
        timeout: float,  # noqa: ASYNC109
    ) -> Probe:
        """Try to redeem an owner invitation at the gateway."""
        raise NotSupportedByFamilyError(self.family, "probing an owner invitation")

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
        """Send ``image`` and have the device commit it (resuming across dropped connections);
        fills ``report``. Raises :class:`~commissioner.backends.errors.FirmwareTransferError`
        when the push stops."""
        raise NotSupportedByFamilyError(self.family, "pushing firmware")

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
        """Wait for the device to boot the new image, then identify it again over a fully
        verified connection. None when it did not come back within ``reboot_timeout``."""
        raise NotSupportedByFamilyError(self.family, "confirming a firmware update")
