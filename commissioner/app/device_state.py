"""Where a device's state in ``job show`` comes from, and when (issue 12).

The newest of: the last advertisement heard (mDNS/BLE: what the device announced, not what it
says when asked), the provisioning read-back (asked of the device over its authenticated
session), a verification or remediation after handover (asked of the device, from the
follow-up log), and the job record alone (provisioned, never read back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from commissioner.jobs.models import JobDevice, ProvisioningDevice, ProvisioningStep, Step

Source = Literal["advertisement", "device", "record"]
SOURCES: Final = ("advertisement", "device", "record")


@dataclass(frozen=True, slots=True)
class DeviceState:
    state: str | None
    source: Source
    at: str | None
    how: str  # e.g. "last advertisement", "read back at commissioning", "verification"

    def to_json(self) -> dict[str, str | None]:
        return {"state": self.state, "source": self.source, "at": self.at, "how": self.how}


def _when(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def device_states(devices: Sequence[JobDevice], provisioning: Iterable[ProvisioningDevice],
                  steps: Iterable[ProvisioningStep], followup: Iterable[Step]
                  ) -> dict[str, DeviceState]:
    found: dict[str, list[DeviceState]] = {}
    for d in devices:
        found.setdefault(d.device_id, []).append(
            DeviceState(d.state, "advertisement", d.last_seen, "last advertisement"))
    readback: dict[str, ProvisioningStep] = {}
    for ps in steps:
        if ps.step == "readback" and ps.done:
            readback[ps.device_id] = ps
            state = ps.detail.get("state")
            found.setdefault(ps.device_id, []).append(DeviceState(
                state if isinstance(state, str) else "commissioned", "device", ps.done_at,
                "read back at commissioning"))
    for p in provisioning:
        if p.device_id not in readback and p.status == "provisioned":
            found.setdefault(p.device_id, []).append(
                DeviceState("commissioned", "record", p.updated_at, "provisioning record"))
    for step in followup:
        if step.action == "verify.completed":
            states = step.detail.get("states")
            if isinstance(states, dict):
                for device_id, state in states.items():
                    found.setdefault(str(device_id), []).append(DeviceState(
                        state if isinstance(state, str) else None, "device", step.at,
                        "verification" if isinstance(state, str) else
                        "verification (no answer)"))
        elif step.action.startswith("remediate.") and step.device_id:
            rb = step.detail.get("readback")
            if isinstance(rb, dict) and isinstance(rb.get("state"), str):
                found.setdefault(step.device_id, []).append(DeviceState(
                    str(rb["state"]), "device", step.at, step.action))
    return {k: max(v, key=lambda s: (_when(s.at), s.source == "device"))
            for k, v in sorted(found.items())}
