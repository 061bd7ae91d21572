"""Names and limits of the firmware-update endpoints (device protocol v1, "Firmware update").

Kept apart from :mod:`commissioner.protocol.spec` only to keep parallel work separate; both
app and virtual device import these, so the two sides cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

OCTET_TYPE: Final = "application/octet-stream"
MAX_CHUNK_BYTES: Final = 256 * 1024  # largest raw body of one chunk request
DEFAULT_CHUNK_BYTES: Final = 256 * 1024  # what the app sends
TRANSFER_ID_BYTES: Final = 16  # random, hex in transport (32 characters)


class FirmwareEndpoint(StrEnum):
    """All need an authenticated management session (they live under /v1/commissioning/)."""

    BEGIN = "/v1/commissioning/firmware/begin"  # POST
    CHUNK = "/v1/commissioning/firmware/chunk"  # PUT ?transfer=<id>&offset=<n>, raw body
    TRANSFER = "/v1/commissioning/firmware/transfer"  # GET
    COMMIT = "/v1/commissioning/firmware/commit"  # POST
    ABORT = "/v1/commissioning/firmware/abort"  # POST


class FirmwareErrorCode(StrEnum):
    """``error`` codes of the firmware endpoints (HTTP status in parentheses)."""

    BAD_SIGNATURE = "bad-signature"  # 422: manifest signature does not verify
    BAD_MANIFEST = "bad-manifest"  # 400
    WRONG_MODEL = "wrong-model"  # 409
    WRONG_MANUFACTURER = "wrong-manufacturer"  # 409
    DOWNGRADE = "downgrade"  # 409
    ALREADY_INSTALLED = "already-installed"  # 409
    BELOW_MIN_VERSION = "below-min-version"  # 409
    NO_TRANSFER = "no-transfer"  # 409: chunk/commit without a transfer
    OFFSET_MISMATCH = "offset-mismatch"  # 409, with ``offset`` (where to continue)
    INCOMPLETE = "incomplete"  # 409: commit before every byte arrived
    HASH_MISMATCH = "hash-mismatch"  # 422: received bytes are not the signed image
    BUSY = "busy"  # 409: an update is already committed and rebooting
    NO_SIGNER = "no-signer-key"  # 500: the device has no manufacturer firmware key


DEVICE_REFUSALS: Final = frozenset({
    FirmwareErrorCode.BAD_SIGNATURE, FirmwareErrorCode.BAD_MANIFEST,
    FirmwareErrorCode.WRONG_MODEL, FirmwareErrorCode.WRONG_MANUFACTURER,
    FirmwareErrorCode.DOWNGRADE, FirmwareErrorCode.ALREADY_INSTALLED,
    FirmwareErrorCode.BELOW_MIN_VERSION, FirmwareErrorCode.HASH_MISMATCH,
})
