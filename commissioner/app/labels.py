"""Labels: what the box labels say (typed, scanned with a USB QR scanner, or read from a photo),
paired with the job's devices. The setup code is kept only in the job's encrypted vault."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from commissioner.app.context import AppContext, find_job, open_job
from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState, JobLabel
from commissioner.messages import Text
from commissioner.protocol.label import Label
from commissioner.protocol.matter_payload import (
    MatterPayload,
    MatterPayloadError,
    decode_matter_payload,
)
from commissioner.protocol.spec import MAX_LABEL_CHARS
from commissioner.secrets.job_vault import open_vault
from commissioner.secrets.vault import SecretVault
from commissioner.trust.label_records import add_labels
from commissioner.trust.labels import LabelInputError, parse_payload, read_label_image
from commissioner.trust.matter_labels import resolve_matter_label

MAX_SCANNED_LABELS: Final = 500
LabelSource = Literal["scanned", "typed", "image", "training-auto"]

__all__ = ["LabelInputError", "LabelList", "LabelOutcome", "LabelSource", "add_scanned_labels",
           "decode_matter", "list_labels", "parse_lines", "parse_payload", "read_label_image"]


@dataclass(frozen=True, slots=True)
class LabelOutcome:
    device_id: str
    model: str
    serial: str
    status: str  # paired | pending | mismatch | unmatched
    reason: str

    @property
    def flagged(self) -> bool:
        return self.status in ("mismatch", "unmatched")

    @classmethod
    def from_json(cls, r: dict[str, Any]) -> LabelOutcome:
        return cls(str(r["device_id"]), str(r["model"]), str(r["serial"]), str(r["status"]),
                   str(r["reason"] or ""))


@dataclass(frozen=True, slots=True)
class LabelList:
    labels: tuple[JobLabel, ...]
    missing: tuple[str, ...]  # device ids the job has no label for yet
    gate: tuple[DeviceGateState, ...]


def parse_lines(lines: Iterable[str]) -> list[Label]:
    """Labels from a USB QR scanner (keyboard wedge) or a file: one payload per line."""
    out: list[Label] = []
    for n, line in enumerate(lines, start=1):
        if n > MAX_SCANNED_LABELS:
            raise LabelInputError(code="label.too-many", params={"max": MAX_SCANNED_LABELS})
        if not line.strip():
            continue
        if len(line) > MAX_LABEL_CHARS + 64:
            raise LabelInputError(code="label.line-too-long", params={"line": n})
        try:
            out.append(parse_payload(line))
        except LabelInputError as err:
            raise LabelInputError(code="label.line-invalid", params={
                "line": n, "detail": Text(err.code, err.params) if err.code else str(err)
            }) from None
    if not out:
        raise LabelInputError(code="label.none-read")
    return out


def add_scanned_labels(
    ctx: AppContext, job_ref: str, labels: Sequence[Label], *, require_vault: bool = True,
    source: LabelSource | None = None,
) -> tuple[list[LabelOutcome], tuple[DeviceGateState, ...]]:
    """Pair and record labels; keep their setup codes encrypted for provisioning. ``source``
    (scanned, typed, image) is recorded with each label.

    Without ``require_vault`` a refused keyring records only the public fields."""
    ctx.require("labels")
    with ctx.store() as store:
        job = open_job(store, job_ref)
        vault: SecretVault | None
        try:
            vault = open_vault(store)
        except UserError:
            if require_vault:
                raise
            vault = None
        device_ids = [d.device_id for d in store.devices(job.id)]
        labels = [resolve_matter_label(lab, device_ids) for lab in labels]
        results = add_labels(store, job, labels, vault=vault, source=source)
        return [LabelOutcome.from_json(r) for r in results], tuple(store.gate_states(job.id))


def list_labels(ctx: AppContext, job_ref: str) -> LabelList:
    with ctx.store() as store:
        job = find_job(store, job_ref)
        gate = tuple(store.gate_states(job.id))
        return LabelList(tuple(store.labels(job.id)),
                         tuple(g.device_id for g in gate if g.label_status == "none"), gate)


def decode_matter(text: str) -> MatterPayload:
    """A Matter onboarding payload (QR text or manual pairing code), checked."""
    try:
        return decode_matter_payload(text)
    except MatterPayloadError as err:
        raise LabelInputError(
            code="label.bad-matter-code", params={"detail": err.message}) from None
