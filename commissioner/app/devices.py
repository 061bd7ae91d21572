"""One device of a job: mark a blocked device to be replaced (there is no override)."""

from __future__ import annotations

from commissioner.app.context import AppContext, open_job
from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState
from commissioner.jobs.store import DeviceNotBlockedError, DeviceNotInJobError


class NotInJobError(UserError):
    """The device is not part of the job."""


class NotBlockedError(UserError):
    """The device was not blocked by the gate: there is nothing to replace."""


def mark_to_replace(
    ctx: AppContext, job_ref: str, device_id: str, reason: str
) -> tuple[DeviceGateState, tuple[DeviceGateState, ...]]:
    """Record that a blocked device will be replaced, with the reason; the device's new state
    and the whole job's gate."""
    with ctx.store() as store:
        job = open_job(store, job_ref)
        try:
            state = store.mark_to_replace(job.id, device_id, reason)
        except DeviceNotInJobError:
            raise NotInJobError(
                code="device.not-in-job", params={"device_id": device_id}) from None
        except DeviceNotBlockedError:
            raise NotBlockedError(
                code="device.not-blocked", params={"device_id": device_id}) from None
        except ValueError as err:
            raise UserError(code="value.invalid", params={"detail": err}) from None
        return state, tuple(store.gate_states(job.id))
