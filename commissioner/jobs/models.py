"""Value types of the job store: jobs, the devices found for a job, and audit-log steps.

Plain frozen dataclasses, safe to pass across threads (the GUI calls the store through
``asyncio.to_thread``) and to copy into Qt models. Times are UTC ISO-8601 strings, exactly as
stored, so that a step's hash can be recomputed from what the caller holds.

Only what handover needs is kept (SR3-SP-12): no personal data of residents beyond the site
name and address the installer typed, and never a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

JSON: TypeAlias = "bool | int | float | str | Sequence[JSON] | Mapping[str, JSON] | None"
"""A JSON-serialisable value (what a step's ``detail`` may hold)."""

JobStatus: TypeAlias = Literal["open", "closed"]
SERVICE_LEVELS = frozenset({2, 3})  # ★★ and ★★★ (guideline R2-1 / R3-2)


@dataclass(frozen=True, slots=True)
class Job:
    id: str  # "J" + 8 Crockford base32 characters, e.g. "J7K2M9Q4X"
    job_number: str  # the installer's own job number (unique, case-insensitive)
    site_name: str
    site_address: str
    service_level: int  # 2 (★★) or 3 (★★★)
    operator: str
    status: JobStatus
    created_at: str
    updated_at: str
    closed_at: str | None = None
    sealed_hash: str | None = None  # hash of the final 'job.close' step once closed
    catalog_version: str | None = None  # version of the signed catalog used (R2-8)
    catalog_refreshed_at: str | None = None
    # The basis of the level (R2-1/R3-2): None where the question was not asked.
    personal_data: bool | None = None  # does the service handle personal data?
    life_or_property: bool | None = None  # can it affect life or property?
    level_reason: str | None = None  # why the level is below the one suggested
    app_version: str | None = None  # the app that opened the job (None: before it was kept)

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    @property
    def stars(self) -> str:
        return "★" * self.service_level


@dataclass(frozen=True, slots=True)
class JobDevice:
    """A device as the job records it for handover (no secrets, no personal data)."""

    device_id: str
    role: str
    kind: str
    manufacturer: str
    model: str
    firmware: str
    state: str
    transports: tuple[str, ...]
    address: str | None
    port: int | None
    first_seen: str
    last_seen: str
    status: str = "seen"  # "removed" / "replaced": taken out of the set handed over
    serial: str | None = None
    family: str = "shc"  # the device backend that speaks to it (commissioner.backends)

    @property
    def retired(self) -> bool:
        """Removed from the home or replaced by another unit (no longer handed over)."""
        return self.status in ("removed", "replaced")


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of a job's append-only step log (also the tamper-evident audit log, R3-5).

    ``detail_json`` is the canonical JSON text exactly as stored and hashed; ``detail`` parses it.
    """

    seq: int  # database-wide insertion order
    job_id: str
    idx: int  # 0, 1, 2 ... within the job
    at: str
    operator: str
    device_id: str | None
    action: str
    detail_json: str
    prev_hash: str
    hash: str

    @property
    def detail(self) -> dict[str, JSON]:
        value = json.loads(self.detail_json)
        if not isinstance(value, dict):
            raise ValueError(f"entry {self.idx}: detail is not a JSON object")
        return value

    def to_json(self) -> dict[str, JSON]:
        """The step as one JSON Lines record (``detail`` as an object)."""
        return {
            "job_id": self.job_id,
            "idx": self.idx,
            "at": self.at,
            "operator": self.operator,
            "device_id": self.device_id,
            "action": self.action,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class DeviceGateState:
    """What the certified-model gate recorded for one job device (schema v2).

    ``verdict`` is None until the device was certified. ``blocked`` devices cannot be
    commissioned; the installer can only mark them to be replaced (there is no override).
    """

    device_id: str
    verdict: str | None
    verdict_reason: str | None
    verdict_code: str | None
    blocked: bool | None
    serial: str | None
    attested_manufacturer: str | None
    attested_model: str | None
    advertised_model: str | None
    cert_fingerprint: str | None
    chain: tuple[str, ...] | None
    checked_at: str | None
    catalog_version: str | None
    label_status: str  # none | paired | pending | mismatch
    replace_flag: bool
    replace_reason: str | None


@dataclass(frozen=True, slots=True)
class JobLabel:
    """A scanned device label as the job keeps it: public fields only, never the setup code.

    ``label_sha256`` fingerprints the label's public fields (not the setup code or the CRC,
    which both depend on the code). ``status``: paired | pending | mismatch | unmatched.
    """

    device_id: str
    manufacturer: str
    model: str
    serial: str
    kind: str
    label_sha256: str
    status: str
    reason: str | None
    scanned_at: str


@dataclass(frozen=True, slots=True)
class ProvisioningStep:
    """One provisioning step of one device (schema v4): committed as ``intent`` before the
    device is asked, ``done`` once the device confirmed. ``detail`` never holds a secret."""

    device_id: str
    step: str
    status: str  # intent | done
    attempts: int
    detail_json: str
    intent_at: str
    done_at: str | None

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def detail(self) -> dict[str, JSON]:
        value = json.loads(self.detail_json)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class ProvisioningDevice:
    """Provisioning state of one device of a job (schema v4); public data only."""

    device_id: str
    role: str  # device | gateway
    status: str  # pending | in-progress | provisioned | failed
    reason_code: str | None
    reason: str | None
    action: str | None  # what the installer should do about a failure
    operational_cert: str | None  # PEM (public)
    operational_fingerprint: str | None
    gateway_auth: bool | None  # did the gateway authenticate the device (SR2-H-2)?
    gateway_auth_reason: str | None
    updated_at: str


@dataclass(frozen=True, slots=True)
class OwnerInvitation:
    """An owner invitation of a job (the token is a job secret, not in here)."""

    invitation_id: str
    gateway_id: str
    epoch: int
    expires_at: int  # Unix seconds
    status: str  # active | revoked
    created_at: str
    revoked_at: str | None
