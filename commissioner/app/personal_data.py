"""Read every device's personal-data inventory before handover (R2-5).

Each device is asked over an attested connection; what it reports is recorded as one
``personal-data.inventory`` entry of the job's audit log. A device that already holds personal
data (a show-home unit, a returned device) then blocks the handover until it is wiped
(``documents.personal_data_checks``), and the handover report states what was read.
"""

from __future__ import annotations

import asyncio
from typing import Final

from commissioner.app.context import AppContext, open_job
from commissioner.app.trust_roots import manufacturer_trust
from commissioner.backends import DeviceAddress, backend_for
from commissioner.backends.errors import NotSupportedByFamilyError
from commissioner.documents.personal_data_checks import INVENTORY
from commissioner.errors import UserError
from commissioner.protocol.errors import DeviceProtocolError

DEFAULT_TIMEOUT: Final = 5.0


async def read_inventories(
    ctx: AppContext, job_ref: str, *, timeout: float = DEFAULT_TIMEOUT  # noqa: ASYNC109
) -> dict[str, dict[str, int] | str]:
    """Per device: the counts it reported, or why none could be read (also recorded)."""
    with ctx.store() as store:
        job = open_job(store, job_ref)
        # Another run changing the job refuses this one before anything is asked or written.
        with store.job_lock(job.id, "inventory"):
            devices = store.devices(job.id)
    try:
        backend = backend_for(await asyncio.to_thread(manufacturer_trust, ctx))
    except UserError as err:  # no verified roots here: no device can be asked who it is
        reason = f"unreadable: {err}"
        out: dict[str, dict[str, int] | str] = {d.device_id: reason for d in devices}
        await asyncio.to_thread(_record, ctx, job.id, out)
        return out

    async def one(device_id: str, host: str | None, port: int | None) -> dict[str, int] | str:
        found = await ctx.site.locate(device_id)
        if found is not None:
            host, port = found
        if host is None or port is None:
            return "no address"
        try:
            inventory = await backend.read_personal_data(
                DeviceAddress(device_id, host, port), timeout=timeout)
        except (DeviceProtocolError, NotSupportedByFamilyError) as err:
            return f"unreadable: {getattr(err, 'reason', err)}"
        return dict(inventory.counts)

    results = await asyncio.gather(*(one(d.device_id, d.address, d.port) for d in devices))
    out = {d.device_id: r for d, r in zip(devices, results, strict=True)}

    await asyncio.to_thread(_record, ctx, job.id, out)
    return out


def _record(ctx: AppContext, job_id: str, out: dict[str, dict[str, int] | str]) -> None:
    with ctx.store() as store, store.job_lock(job_id, "inventory"):
        for device_id, r in out.items():
            detail = {"counts": r} if isinstance(r, dict) else {"error": r}
            store.append_step(job_id, INVENTORY, detail, device_id=device_id)
