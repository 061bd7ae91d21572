"""Constants of the device protocol's BLE part, version 1 (docs/device-protocol.md, section 18).

The BLE advertisement and the onboarding GATT service. Like :mod:`.spec`, this module is the
single source of names and limits for both sides (the app and the virtual home).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Final

from commissioner.protocol.spec import DeviceKind

# Advertisement --------------------------------------------------------------------------------
# 0xFFFF is the Bluetooth SIG company identifier reserved for internal use and testing: a
# PLACEHOLDER until the service platform registers its own company identifier.
COMPANY_ID: Final = 0xFFFF
ADV_FORMAT_VERSION: Final = 1
ADV_HEADER_BYTES: Final = 4  # version, state, flags, kind
MAX_ADV_PAYLOAD: Final = 191  # manufacturer data after the company id (extended advertising)
MAX_ADV_FIELD_BYTES: Final = 64  # device id and model each


class AdvState(IntEnum):
    FACTORY = 0
    COMMISSIONED = 1


class AdvFlags(IntFlag):
    """Bit flags of advertisement byte 2; the other bits are reserved and MUST be zero."""

    ON_NETWORK = 0x01  # the device has a network configuration and is on the home LAN
    ONBOARDING = 0x02  # the onboarding GATT service accepts a session


ADV_FLAGS_MASK: Final = int(AdvFlags.ON_NETWORK | AdvFlags.ONBOARDING)

# Device kind codes (byte 3). Stable numbers: never reuse or renumber.
KIND_CODES: Final[dict[int, str]] = {
    1: DeviceKind.AIR_CONDITIONER.value,
    2: DeviceKind.WATER_HEATER.value,
    3: DeviceKind.ELECTRIC_LOCK.value,
    4: DeviceKind.SHUTTER.value,
    5: DeviceKind.HEMS_CONTROLLER.value,
    6: DeviceKind.CAMERA.value,
    7: DeviceKind.LIGHTING.value,
    8: DeviceKind.STORAGE_BATTERY.value,
    9: DeviceKind.GATEWAY.value,
}
KIND_NUMBERS: Final[dict[str, int]] = {v: k for k, v in KIND_CODES.items()}

# Onboarding GATT service ------------------------------------------------------------------------
# Random (version 4) UUIDs under one base; placeholders like the company id.
ONBOARDING_SERVICE_UUID: Final = "5c3a0001-7e2b-4c8e-9a51-6f1d2c3b4a50"
INFO_CHAR_UUID: Final = "5c3a0002-7e2b-4c8e-9a51-6f1d2c3b4a50"  # read: identity JSON
PAKE_CHAR_UUID: Final = "5c3a0003-7e2b-4c8e-9a51-6f1d2c3b4a50"  # write pA, read pB || cB
CONFIG_CHAR_UUID: Final = "5c3a0004-7e2b-4c8e-9a51-6f1d2c3b4a50"  # write cA || sealed config
STATUS_CHAR_UUID: Final = "5c3a0005-7e2b-4c8e-9a51-6f1d2c3b4a50"  # read: status byte

MAX_INFO_BYTES: Final = 512
MAX_CONFIG_PLAINTEXT: Final = 384
POINT_BYTES: Final = 65  # uncompressed SEC1 P-256 point
MAC_BYTES: Final = 32
GCM_NONCE_BYTES: Final = 12
GCM_TAG_BYTES: Final = 16


class AttAppError(IntEnum):
    """Application ATT error codes (0x80-0x9F) of the onboarding service."""

    OUT_OF_ORDER = 0x80  # a write that the session's state does not allow
    MALFORMED = 0x81  # a message of the wrong length or form
    RATE_LIMITED = 0x82  # too many failed sessions; try again later
    BAD_CONFIRMATION = 0x83  # key confirmation failed (wrong setup code)
    BUSY = 0x84  # another session is running on this device
    BAD_CONFIG = 0x85  # the decrypted configuration is not acceptable
    JOIN_FAILED = 0x86  # the device could not join the network with this configuration


class OnboardingStatus(IntEnum):
    """Value of the status characteristic."""

    IDLE = 0
    PAKE_DONE = 1
    JOINING = 2
    JOINED = 3
    FAILED = 4


# PAKE (SPAKE2 over P-256, RFC 9382) ---------------------------------------------------------------
PAKE_CONTEXT: Final = b"shcommission/v1/ble-onboarding"
PAKE_W_INFO: Final = b"shcommission/v1/ble-spake2-w"
PAKE_IDENTITY_APP: Final = b"shcommission-app"
CONFIG_KEY_INFO: Final = b"shcommission/v1/ble-config-key"
CONFIG_AAD: Final = b"shcommission/v1/ble-network-config"

# Network configuration (the plaintext inside AES-GCM) -------------------------------------------
MAX_SSID_BYTES: Final = 32
MIN_PASSPHRASE_CHARS: Final = 8
MAX_PASSPHRASE_CHARS: Final = 63

# Timeouts the app uses by default (seconds) -------------------------------------------------------
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_OP_TIMEOUT: Final = 5.0
