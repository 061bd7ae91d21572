"""Recording scanned labels in a job: pair each with its device, log the outcome, keep the
setup code (a secret) encrypted in the job's vault for provisioning, and turn a label that
contradicts a certified device's certificate into an identity-mismatch verdict (blocked).

The job store itself only ever holds a label's public fields and their fingerprint
(see :mod:`commissioner.trust.labels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from commissioner.jobs.models import DeviceGateState, Job, JobDevice
from commissioner.jobs.store import JobStore
from commissioner.protocol.label import Label
from commissioner.secrets.vault import SecretVault
from commissioner.trust.gate import DeviceVerdict, LabelFacts, Verdict
from commissioner.trust.labels import label_fingerprint, pair_label

__all__ = ["add_labels", "refresh_labels", "setup_code_name"]


def setup_code_name(device_id: str) -> str:
    """The vault entry holding a scanned label's setup code."""
    return f"label/{device_id}/setup-code"


def add_labels(
    store: JobStore, job: Job, labels: Sequence[Label], *, vault: SecretVault | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Pair and record ``labels``; a label that contradicts a certified device's certificate
    turns its verdict into identity-mismatch (blocked). With ``vault``, the setup code of a
    label that belongs to a device of the job (``paired`` or ``pending``) is kept encrypted for
    provisioning; a proof is then never made for the wrong device. Scanning the same label
    again records nothing new; ``source`` (scanned, typed, image, training-auto) is recorded
    with each label. Returns one summary per label (never the setup code)."""
    results: list[dict[str, Any]] = []
    for label in labels:
        devices = {d.device_id: d for d in store.devices(job.id)}
        gate = {g.device_id: g for g in store.gate_states(job.id)}
        pairing = pair_label(label, devices, gate)
        fingerprint = label_fingerprint(label)
        known = {lab.device_id: lab for lab in store.labels(job.id)}
        record = known.get(label.device_id)
        if record is None or (record.label_sha256, record.status) != (fingerprint, pairing.status):
            record = store.record_label(
                job.id, device_id=label.device_id, manufacturer=label.manufacturer,
                model=label.model, serial=label.serial, kind=label.kind,
                label_sha256=fingerprint, status=pairing.status, reason=pairing.reason,
                source=source,
            )
        if vault is not None and pairing.status in ("paired", "pending"):
            vault.put(job.id, setup_code_name(label.device_id), label.setup_code.encode("ascii"))
        state = gate.get(label.device_id)
        if pairing.status == "mismatch" and state is not None and state.verdict is not None:
            store.record_verdict(job.id, _mismatch_verdict(state, devices[label.device_id],
                                                           pairing.reason))
        results.append({
            "device_id": record.device_id,
            "manufacturer": record.manufacturer,
            "model": record.model,
            "serial": record.serial,
            "kind": record.kind,
            "status": record.status,
            "reason": record.reason,
            "label_sha256": record.label_sha256,
        })
    return results


def _mismatch_verdict(state: DeviceGateState, device: JobDevice, reason: str) -> DeviceVerdict:
    attested = state.attested_model is not None
    return DeviceVerdict(
        device_id=state.device_id,
        verdict=Verdict.IDENTITY_MISMATCH,
        reason=reason,
        blocked=True,
        manufacturer=state.attested_manufacturer or device.manufacturer,
        model=state.attested_model or device.model,
        serial=state.serial,
        advertised_model=state.advertised_model or device.model,
        chain=list(state.chain) if state.chain is not None else None,
        cert_fingerprint=state.cert_fingerprint,
        catalog_version=int(state.catalog_version or 0),
        checked_at=dt.datetime.now(dt.UTC),
        role=device.role,
        kind=device.kind,
        reason_code="label-mismatch",
        attested=attested,
    )


def refresh_labels(store: JobStore, job_id: str) -> None:
    """Re-pair stored labels after the gate ran; log only labels whose status changed."""
    devices = {d.device_id: d for d in store.devices(job_id)}
    gate = {g.device_id: g for g in store.gate_states(job_id)}
    for lab in store.labels(job_id):
        lf = LabelFacts(lab.device_id, lab.manufacturer, lab.model, lab.serial, lab.kind)
        result = pair_label(lf, devices, gate)
        if result.status != lab.status:
            store.record_label(
                job_id, device_id=lab.device_id, manufacturer=lab.manufacturer,
                model=lab.model, serial=lab.serial, kind=lab.kind,
                label_sha256=lab.label_sha256, status=result.status, reason=result.reason,
            )
