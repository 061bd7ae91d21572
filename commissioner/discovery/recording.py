"""Record what discovery saw into a job: the devices (upserted) and one step per new sighting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from commissioner.discovery.events import DeviceRecord
from commissioner.errors import UserError
from commissioner.jobs.models import JSON, JobDevice
from commissioner.jobs.store import JobStore


def job_device(record: DeviceRecord, *, at: str, status: str = "seen") -> JobDevice:
    """A job device from a discovery record; ``at`` (UTC ISO-8601) becomes first and last seen.

    The store keeps the earliest ``first_seen`` when the device is upserted again.
    """
    latest = record.latest
    network = record.network
    source = network if network is not None else latest
    return JobDevice(
        device_id=record.device_id,
        role=str(latest.role),
        kind=latest.kind,
        manufacturer=latest.manufacturer,
        model=latest.model,
        firmware=latest.firmware,
        state=str(latest.state),
        transports=record.transports,
        address=source.address,
        port=network.port if network is not None else None,
        first_seen=at,
        last_seen=at,
        status=status,
        family=family_of(record),
    )


def family_of(record: DeviceRecord) -> str:
    """The device family whose backend speaks to what discovery heard."""
    if record.network is None and "echonet" in record.sightings:
        return "echonet-lite"  # identify-only equipment heard over ECHONET Lite (UDP 3610)
    return "shc"


def record_scan(
    store_path: object,
    job_ref: str,
    devices: Sequence[DeviceRecord],
    malformed: Sequence[Mapping[str, JSON]],
) -> int:
    """Upsert ``devices`` into the job and log each one not seen before; returns how many new."""
    with JobStore.open(Path(str(store_path))) as store:
        return record_devices(store, job_ref, devices, malformed)


def record_devices(
    store: JobStore,
    job_ref: str,
    devices: Sequence[DeviceRecord],
    malformed: Sequence[Mapping[str, JSON]] = (),
) -> int:
    """:func:`record_scan` on an already open store (the GUI keeps one open); returns how many
    devices were new to the job. Each write is committed before this returns."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    job = store.find_job(job_ref)
    if job.is_closed:
        raise UserError(code="job.sealed", params={"job_id": job.id, "job_number": job.job_number})
    known = {d.device_id for d in store.devices(job.id)}
    new = 0
    for record in devices:
        store.upsert_device(job.id, job_device(record, at=at))
        if record.device_id not in known:
            new += 1
            known.add(record.device_id)
            latest = record.latest
            store.append_step(
                job.id,
                "discovery.seen",
                {
                    "kind": latest.kind,
                    "manufacturer": latest.manufacturer,
                    "model": latest.model,
                    "firmware": latest.firmware,
                    "state": str(latest.state),
                    "transports": list(record.transports),
                },
                device_id=record.device_id,
            )
    for entry in malformed:
        store.append_step(job.id, "discovery.malformed", dict(entry))
    return new
