"""Value types of the job store's firmware records (schema v5): the update history per
device (R2-8) and the version each device was last verified running."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

FIRMWARE_RESULTS: Final = frozenset({"updated", "fell-back", "timeout", "refused", "failed"})


@dataclass(frozen=True, slots=True)
class FirmwareHistoryEntry:
    seq: int
    device_id: str
    model: str
    from_version: str
    to_version: str
    result: str  # updated | fell-back | timeout | refused | failed
    reason: str | None
    image_sha256: str
    catalog_version: str
    operator: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "model": self.model,
            "from_version": self.from_version, "to_version": self.to_version,
            "result": self.result, "reason": self.reason, "image_sha256": self.image_sha256,
            "catalog_version": self.catalog_version, "operator": self.operator, "at": self.at,
        }


@dataclass(frozen=True, slots=True)
class FirmwareStatus:
    """The version a device was last seen running over its attested TLS connection."""

    device_id: str
    model: str
    version: str
    latest: str | None
    vulnerable: bool
    verified_at: str
