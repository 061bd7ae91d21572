"""Labels the installer pairs with one named device: a JC-STAR label's QR (the URL of the
product's registration page; recorded as evidence, never fetched, never proof alone) and the
model and serial read off the box of equipment that cannot attest its identity (ECHONET
Lite), which the catalog's policy may require at ★★★ before such equipment is handed over.

The box label only counts once certify runs again: the gate compares it with what the
equipment reports (:mod:`commissioner.trust.unattested`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from commissioner.app.context import AppContext, open_job
from commissioner.errors import UserError
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.jcstar import looks_like_jcstar, parse_jcstar_qr
from commissioner.trust.jcstar import record_jcstar

__all__ = ["DeviceLabelResult", "add_device_label", "is_jcstar"]

MAX_FIELD: Final = 64


@dataclass(frozen=True, slots=True)
class DeviceLabelResult:
    device_id: str
    kind: str  # "jcstar" | "equipment"
    model: str
    registration_number: str | None = None
    url: str | None = None
    catalog_number: str | None = None
    finding: str | None = None  # a JC-STAR number that contradicts the catalog
    serial: str | None = None


def is_jcstar(text: str) -> bool:
    """True when ``text`` is meant as a JC-STAR label QR (a URL on IPA's registration site)."""
    return looks_like_jcstar(text.strip())


def _field(value: str, what: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_FIELD or not text.isprintable():
        raise UserError(code="label.field-invalid", params={"field": what, "max": MAX_FIELD})
    return text


async def add_device_label(
    ctx: AppContext, job_ref: str, device_id: str, *, qr: str | None = None,
    model: str | None = None, serial: str | None = None,
) -> DeviceLabelResult:
    """Record a JC-STAR QR (``qr``) or a box label's ``model`` and ``serial`` for
    ``device_id`` of the job."""
    import asyncio

    if (qr is None) == (model is None and serial is None):
        raise UserError(code="label.jcstar-or-box")
    label = None
    if qr is not None:
        try:
            label = parse_jcstar_qr(qr.strip())
        except (DeviceProtocolError, ValueError) as err:
            raise UserError(
                code="label.not-jcstar", params={"detail": getattr(err, "message", err)}) from None
    catalog = None
    if label is not None:
        catalog = await asyncio.to_thread(ctx.catalog, online=False)

    def record() -> DeviceLabelResult:
        with ctx.store() as store:
            job = open_job(store, job_ref)
            devices = {d.device_id: d for d in store.devices(job.id)}
            device = devices.get(device_id)
            if device is None:
                raise UserError(code="device.not-in-job", params={"device_id": device_id[:64]})
            gate = {g.device_id: g for g in store.gate_states(job.id)}.get(device_id)
            known_model = (gate.attested_model if gate is not None else None) or device.model
            if label is not None and catalog is not None:
                ev = record_jcstar(store, job.id, device_id, known_model, label, catalog)
                return DeviceLabelResult(device_id, "jcstar", known_model,
                                         ev.registration_number, ev.url, ev.catalog_number,
                                         ev.finding)
            m = _field(model or "", "model")
            s = _field(serial or "", "serial")
            fingerprint = hashlib.sha256(f"{device_id}\n{m}\n{s}".encode()).hexdigest()
            store.record_label(job.id, device_id=device_id, manufacturer=device.manufacturer,
                               model=m, serial=s, kind=device.kind, label_sha256=fingerprint,
                               status="pending",
                               reason="box label typed for equipment without attestation; "
                               "certify again to compare it with the equipment")
            store.append_step(job.id, "label.equipment", {"model": m, "serial": s},
                              device_id=device_id)
            return DeviceLabelResult(device_id, "equipment", m, serial=s)

    return await asyncio.to_thread(record)
