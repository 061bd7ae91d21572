"""Constants of the device protocol, version 1 (see docs/device-protocol.md).

This module is the single source of the protocol's names and limits: the app and the
virtual home both import it, so the two sides cannot drift apart.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

PROTOCOL_VERSION: Final = "1"
SUPPORTED_PROTOCOL_VERSIONS: Final = frozenset({"1"})

# mDNS ---------------------------------------------------------------------------------------
SERVICE_TYPE: Final = "_shcommission._tcp.local."


class TxtKey(StrEnum):
    """TXT record keys. Every key is required unless noted in the spec."""

    PROTOCOL_VERSION = "pv"
    DEVICE_ID = "id"
    ROLE = "role"
    KIND = "kind"
    MANUFACTURER = "mf"
    MODEL = "mn"
    FIRMWARE = "fw"
    STATE = "st"


class Role(StrEnum):
    DEVICE = "device"
    GATEWAY = "gateway"


class CommissioningState(StrEnum):
    FACTORY = "factory"
    COMMISSIONED = "commissioned"


class DeviceKind(StrEnum):
    AIR_CONDITIONER = "air-conditioner"
    WATER_HEATER = "water-heater"
    ELECTRIC_LOCK = "electric-lock"
    SHUTTER = "shutter"
    HEMS_CONTROLLER = "hems-controller"
    CAMERA = "camera"
    LIGHTING = "lighting"
    STORAGE_BATTERY = "storage-battery"
    GATEWAY = "gateway"


# Limits and syntax of advertised values -----------------------------------------------------
MAX_TXT_VALUE_BYTES: Final = 255  # one DNS TXT string
MAX_TXT_TOTAL_BYTES: Final = 1300  # whole TXT record, well inside one mDNS packet
MAX_NAME_CHARS: Final = 64  # manufacturer and model names
DEVICE_ID_RE: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_VERSION_PART = r"(0|[1-9][0-9]{0,5})"
FIRMWARE_VERSION_RE: Final = re.compile(rf"^{_VERSION_PART}\.{_VERSION_PART}\.{_VERSION_PART}$")
# Manufacturer and model: printable, no control characters or markup-significant characters.
NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/+()-]{0,63}$")

# TLS API ------------------------------------------------------------------------------------
API_PREFIX: Final = "/v1"


class Endpoint(StrEnum):
    IDENTITY = "/v1/identity"
    STATE = "/v1/state"
    FIRMWARE = "/v1/firmware"
    CONFIG = "/v1/config"
    PERSONAL_DATA = "/v1/personal-data"
    SESSION_CHALLENGE = "/v1/session/challenge"
    SESSION_PROOF = "/v1/session/proof"


# HTTP/1.1 framing limits (both sides enforce them)
MAX_REQUEST_LINE: Final = 1024
MAX_HEADER_BYTES: Final = 8192
MAX_HEADERS: Final = 32
MAX_JSON_BODY: Final = 64 * 1024

# Setup-code proof ---------------------------------------------------------------------------
PROOF_CONTEXT: Final = b"shcommission/v1/setup-code-proof"
KEY_CONTEXT: Final = b"shcommission/v1/setup-code-key"
NONCE_BYTES: Final = 32
SETUP_CODE_RE: Final = re.compile(r"^[0-9]{8}$")

# Attestation certificate: subject attributes under the service's private OID arc.
# 1.3.6.1.4.1.64128 is a placeholder private-enterprise arc for the service platform.
OID_ARC: Final = "1.3.6.1.4.1.64128.1"
OID_MODEL_NUMBER: Final = OID_ARC + ".1"
OID_DEVICE_KIND: Final = OID_ARC + ".2"

# Device label (QR code printed on the device) -----------------------------------------------
LABEL_PREFIX: Final = "SHC1"
MAX_LABEL_CHARS: Final = 512
SERIAL_RE: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")

# Session endpoints beyond the read-only ones (Endpoint above) -------------------------------
COMMISSIONING_PREFIX: Final = "/v1/commissioning/"
COMMISSIONING_OPEN: Final = "/v1/commissioning/open"
CHALLENGE_TTL_S: Final = 60.0  # a device nonce is single use and expires after this


class ErrorCode(StrEnum):
    """The ``error`` member of every error body ``{"error": code, "message": text}``."""

    BAD_REQUEST = "bad-request"
    NOT_FOUND = "not-found"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    PAYLOAD_TOO_LARGE = "payload-too-large"
    BAD_PROOF = "bad-proof"
    RATE_LIMITED = "rate-limited"
    NO_CHALLENGE = "no-challenge"
    NOT_AUTHENTICATED = "not-authenticated"
    INTERNAL = "internal-error"


# Provisioning (spec sections 13-16, docs/provisioning-design.md) ----------------------------
# Admin-credential proof: the setup-code construction with its own context strings.
ADMIN_PROOF_CONTEXT: Final = b"shcommission/v1/admin-proof"
ADMIN_KEY_CONTEXT: Final = b"shcommission/v1/admin-key"
ADMIN_CREDENTIAL_MIN_BYTES: Final = 16  # >= 128 bits of entropy
ADMIN_CREDENTIAL_MAX_BYTES: Final = 64
ADMIN_CREDENTIAL_BYTES: Final = 32  # what the app generates
# Factory default login every device ships with until provisioning disables it.
DEFAULT_LOGIN_USERNAME: Final = "admin"
DEFAULT_LOGIN_PASSWORD: Final = "admin"  # noqa: S105 - the documented factory default
# Device <-> gateway authentication (SR2-H-2, SR2-D-2).
AUTH_NONCE_BYTES: Final = 32
# Limits on provisioning fields.
MAX_PEM_CHARS: Final = 16384
MAX_CHAIN_PEMS: Final = 3
MAX_ACL_ENTRIES: Final = 8
MAX_ALLOW_LIST: Final = 1000
MAX_OWNER_EPOCH: Final = 2**31 - 1
INVITATION_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SHA256_HEX_RE: Final = re.compile(r"^[0-9a-f]{64}$")
CONTROL_COMMAND_RE: Final = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


class CertRole(StrEnum):
    """Role of a home-CA certificate, carried in its subject's OU."""

    DEVICE = "device"
    GATEWAY = "gateway"
    OWNER = "owner"
    COMMISSIONER = "commissioner"


# Roles an ACL entry may name, and what each one grants.
ACL_ROLES: Final = frozenset({CertRole.GATEWAY, CertRole.OWNER, CertRole.COMMISSIONER})
CONTROL_ROLES: Final = frozenset({CertRole.GATEWAY, CertRole.OWNER})
MANAGEMENT_ROLES: Final = frozenset({CertRole.COMMISSIONER, CertRole.GATEWAY})


class ProvisioningEndpoint(StrEnum):
    SESSION_LOGIN = "/v1/session/login"
    SESSION_ADMIN_PROOF = "/v1/session/admin-proof"
    ADMIN_CREDENTIAL = "/v1/commissioning/admin-credential"  # PUT
    CSR = "/v1/commissioning/csr"  # POST
    OPERATIONAL_CERTIFICATE = "/v1/commissioning/operational-certificate"  # PUT
    ACL = "/v1/commissioning/acl"  # PUT
    DEFAULT_CREDENTIAL = "/v1/commissioning/default-credential"  # PUT
    COMPLETE = "/v1/commissioning/complete"  # POST
    SUMMARY = "/v1/commissioning/summary"  # GET
    CONTROL_STATUS = "/v1/control/status"  # GET
    CONTROL_COMMAND = "/v1/control/command"  # POST
    AUTH_CHALLENGE = "/v1/auth/challenge"  # POST (the gateway asks, the device answers)
    GATEWAY_ISSUING_CA = "/v1/gateway/issuing-ca"  # PUT
    GATEWAY_ALLOW_LIST = "/v1/gateway/allow-list"  # PUT
    GATEWAY_INVITATION = "/v1/gateway/invitation"  # PUT
    GATEWAY_AUTHENTICATE = "/v1/gateway/authenticate"  # POST
    GATEWAY_REDEEM = "/v1/gateway/redeem"  # POST
    WIPE = "/v1/commissioning/wipe"  # POST (resale: back to factory state, section 20)


CONTROL_PREFIX: Final = "/v1/control/"
GATEWAY_PREFIX: Final = "/v1/gateway/"


class ProvisioningError(StrEnum):
    """Extra ``error`` codes of the provisioning endpoints (the HTTP status is in the spec)."""

    FORBIDDEN = "forbidden"  # 403, with ``reason``
    CONFLICT = "conflict"  # 409, with ``reason``
    BAD_CREDENTIAL = "bad-credential"  # 401, default login refused
    SETUP_CODE_DISABLED = "setup-code-disabled"  # 403, device is commissioned
    INVITATION_REFUSED = "invitation-refused"  # 403/409/410, with ``reason``
