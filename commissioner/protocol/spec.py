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
