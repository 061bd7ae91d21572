"""What keeps a job from being closed because of personal data (R2-5, R2-9): a device of a
resale job that is not verified wiped, or - at any handover - a device whose personal-data
inventory, as the device reported it (``personal-data.inventory`` entries), is not empty.
Read from the job's audit log only; the evidence in it was asked of the devices."""

from __future__ import annotations

from typing import Any, Final

from commissioner.jobs.store import JobStore

WIPE_DEVICE: Final = "wipe.device"
RESALE_LINK: Final = "resale.link"
INVENTORY: Final = "personal-data.inventory"


def latest_wipes(store: JobStore, job_id: str) -> dict[str, dict[str, Any]]:
    """The latest ``wipe.device`` evidence of each device, with its log position."""
    out: dict[str, dict[str, Any]] = {}
    for step in store.steps(job_id):
        if step.action == WIPE_DEVICE and step.device_id:
            out[step.device_id] = {**step.detail, "step": step.idx, "hash": step.hash}
    return out


def latest_inventories(store: JobStore, job_id: str) -> dict[str, dict[str, int]]:
    """The latest personal-data inventory each device reported before handover."""
    out: dict[str, dict[str, int]] = {}
    present = {d.device_id for d in store.devices(job_id)}  # removed / replaced units left
    for step in store.steps(job_id):
        if step.action == INVENTORY and step.device_id in present:
            counts = step.detail.get("counts")
            if isinstance(counts, dict):
                out[step.device_id] = {str(k): v for k, v in counts.items()
                                       if isinstance(v, int) and not isinstance(v, bool)}
    return out


def wipe_blockers(store: JobStore, job_id: str) -> list[tuple[str, str]]:
    """``(device_id, reason)`` for every device of a resale job that is not verified wiped;
    empty for a job that is not a resale job."""
    if not any(s.action == RESALE_LINK for s in store.steps(job_id)):
        return []
    wipes = latest_wipes(store, job_id)
    out: list[tuple[str, str]] = []
    for device in store.devices(job_id):
        w = wipes.get(device.device_id)
        if w is None:
            out.append((device.device_id, "never wiped and verified"))
        elif not w.get("verified"):
            problems = w.get("problems") or []
            out.append((device.device_id, "wipe unverified: " + "; ".join(
                str(p) for p in problems)[:300]))
    return out


def personal_data_blockers(store: JobStore, job_id: str) -> list[tuple[str, str]]:
    """``(device_id, reason)`` for every device that reported personal data."""
    out = []
    for device_id, counts in sorted(latest_inventories(store, job_id).items()):
        held = {k: n for k, n in counts.items() if n}
        if held:
            items = ", ".join(f"{k} {n}" for k, n in sorted(held.items()))
            out.append((device_id, f"the device already holds personal data ({items}); wipe "
                        "it (a resale job, or its factory reset) before handing over"))
    return out
