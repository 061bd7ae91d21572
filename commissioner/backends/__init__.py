"""The device-protocol seam: one backend per device family (docs/device-backends.md).

Features (the gate, provisioning, firmware) reach devices only through
:class:`~commissioner.backends.base.DeviceBackend`; only backends speak a wire protocol.
:class:`TrustStore` is the set of manufacturer attestation roots from the signed catalog that
every attesting backend is built with.
"""

from __future__ import annotations

from commissioner.backends.base import (
    FAMILY_SHC,
    AclIntent,
    ClientCredentials,
    Credentials,
    DeviceAddress,
    DeviceBackend,
    DeviceSession,
    FactoryEvidence,
    FirmwareImage,
    FirmwareTarget,
    Identification,
    OwnerInvitationGrant,
    PersonalDataInventory,
    Probe,
    ProvisioningReadback,
    TransferLimits,
    TransferReport,
    WipeReport,
)
from commissioner.backends.registry import backend_for, family_for_transport, register
from commissioner.protocol.client import DEFAULT_TIMEOUT, TrustStore

__all__ = [
    "DEFAULT_TIMEOUT",
    "FAMILY_SHC",
    "AclIntent",
    "ClientCredentials",
    "Credentials",
    "DeviceAddress",
    "DeviceBackend",
    "DeviceSession",
    "FactoryEvidence",
    "FirmwareImage",
    "FirmwareTarget",
    "Identification",
    "OwnerInvitationGrant",
    "PersonalDataInventory",
    "Probe",
    "ProvisioningReadback",
    "TransferLimits",
    "TransferReport",
    "TrustStore",
    "WipeReport",
    "backend_for",
    "family_for_transport",
    "register",
]
