"""The GUI's adapter to the application layer's field operations: keyring check, BLE onboarding,
"Commission home" and "Update firmware".

Each function runs one use case of :mod:`commissioner.app` on the bridge's asyncio loop and only
turns what the window needs: the feature's progress records (``Event.detail``) go to the
window's callbacks (which emit Qt signals, queued to the GUI thread), and expected problems
(:class:`~commissioner.errors.UserError`) come back as :class:`ui.job_service.Failure` values
(kinds "keyring", "ble", "provisioning", "firmware", "catalog", "no-devices"...). Nothing here
decides anything about the work itself: the CLI runs the very same functions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from commissioner.app import commission as commission_app
from commissioner.app import device_changes, device_labels
from commissioner.app import firmware as firmware_app
from commissioner.app import onboard as onboard_app
from commissioner.app.context import AppContext, make_context
from commissioner.app.device_labels import DeviceLabelResult
from commissioner.app.errors import KeyringRefusedError, NoDevicesError
from commissioner.app.events import Event
from commissioner.app.firmware import DEFAULT_REBOOT_TIMEOUT, FirmwareRun
from commissioner.app.keyring import KeyringStatus, check_keyring
from commissioner.app.onboard import OnboardRun, close_ble
from commissioner.app.site import make_site
from commissioner.errors import UserError
from commissioner.jobs.models import DeviceGateState
from commissioner.jobs.store import JobStoreError
from commissioner.trust.catalog import CatalogError
from ui.job_service import Failure, FailureKind

if TYPE_CHECKING:
    from commissioner.ble.discovery_transport import BleTransport
    from commissioner.ble.onboarding import OnboardingProgress
    from commissioner.discovery.manager import DiscoveryManager
    from commissioner.firmware.plan import PlanItem
    from commissioner.firmware.push import UpdateProgress, UpdateResult
    from commissioner.protocol.ble_pake import NetworkConfig
    from commissioner.provisioning.run import ProgressEvent, RunSummary
    from ui.job_service import JobService

__all__ = [
    "DEFAULT_REBOOT_TIMEOUT",
    "NO_ACCESS",
    "FirmwareRun",
    "KeyringStatus",
    "OnboardRun",
    "add_device_label",
    "change_device",
    "check_keyring",
    "close_ble",
    "commission",
    "context_for",
    "onboard",
    "open_ble",
    "update_firmware",
]

NO_ACCESS: Final = "no-credential"  # the job holds no credential for the device
T = TypeVar("T")


def context_for(service: JobService, mdns_interfaces: Sequence[str] | None = None
                ) -> AppContext:
    """The application context of the window's job service (its own, when it carries one)."""
    own = getattr(service, "context", None)
    if isinstance(own, AppContext) and not mdns_interfaces:
        return own
    return make_context(data_dir=service.data_dir, virtual_home=service.virtual_home,
                        mdns_interfaces=mdns_interfaces or None,
                        read_box_labels=bool(getattr(service, "read_box_labels", False)))


async def _guarded(
    kind: FailureKind, service: JobService, work: Callable[[AppContext], Awaitable[T]],
    mdns_interfaces: Sequence[str] | None = None,
) -> T | Failure:
    """Run ``work`` in the service's context; expected problems become a Failure."""
    try:
        ctx = await asyncio.to_thread(context_for, service, mdns_interfaces)
        return await work(ctx)
    except KeyringRefusedError as err:
        return Failure.of("keyring", err)
    except NoDevicesError as err:
        return Failure.of("no-devices", err)
    except CatalogError as err:
        return Failure.of("catalog", err, err.reason_code)
    except UserError as err:
        return Failure.of(kind, err)
    except (JobStoreError, OSError, ValueError) as err:
        return Failure(kind, f"{type(err).__name__}: {err}")


def _details(*callbacks: tuple[type, Callable[[Any], None]]) -> Callable[[Event], None]:
    """A sink handing each event's feature record to the callback for its type."""

    def sink(event: Event) -> None:
        for kind, callback in callbacks:
            if isinstance(event.detail, kind):
                callback(event.detail)
                return

    return sink


# --------------------------------------------------------------------------- BLE


async def open_ble(virtual_home: Path | None) -> BleTransport:
    """The BLE discovery transport of the site, its adapter opened (UserError if Bluetooth is
    not available)."""
    return await onboard_app.open_ble(make_site(virtual_home))


async def onboard(
    service: JobService,
    job_id: str | None,
    manager: DiscoveryManager,
    ble: BleTransport,
    device_ids: Sequence[str],
    progress: Callable[[OnboardingProgress], None],
    *,
    network: NetworkConfig | None = None,
    concurrency: int = onboard_app.DEFAULT_CONCURRENCY,
    join_wait: float = onboard_app.DEFAULT_JOIN_WAIT,
) -> OnboardRun | Failure:
    """:func:`commissioner.app.onboard.onboard` on the window's scan session."""
    from commissioner.ble.onboarding import OnboardingProgress

    return await _guarded("ble", service, lambda ctx: onboard_app.onboard(
        ctx, job_id, manager, ble, device_ids,
        sink=_details((OnboardingProgress, progress)), network=network,
        concurrency=concurrency, join_wait=join_wait,
    ))


# --------------------------------------------------------------------------- provisioning


async def commission(
    service: JobService,
    job_id: str,
    progress: Callable[[ProgressEvent], None],
    *,
    addresses: Mapping[str, tuple[str, int]] | None = None,
    concurrency: int | None = None,
    timeout: float = commission_app.DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
) -> RunSummary | Failure:
    """:func:`commissioner.app.commission.commission` ("Commission home")."""
    from commissioner.provisioning.run import ProgressEvent

    return await _guarded("provisioning", service, lambda ctx: commission_app.commission(
        ctx, job_id, sink=_details((ProgressEvent, progress)),
        addresses=addresses, concurrency=concurrency, timeout=timeout,
    ))


# --------------------------------------------------------------------------- firmware


async def update_firmware(
    service: JobService,
    job_id: str,
    *,
    on_plan: Callable[[PlanItem], None],
    on_progress: Callable[[UpdateProgress], None],
    on_result: Callable[[UpdateResult], None],
    addresses: Mapping[str, tuple[str, int]] | None = None,
    concurrency: int = 8,
    timeout: float = 5.0,  # noqa: ASYNC109 - per network step
    reboot_timeout: float = DEFAULT_REBOOT_TIMEOUT,
    progress_interval: float = firmware_app.PROGRESS_INTERVAL,
    mdns_interfaces: Sequence[str] | None = None,
) -> FirmwareRun | Failure:
    """:func:`commissioner.app.firmware.update_firmware` ("Update firmware"); a rebooted
    device is found again over mDNS on ``mdns_interfaces`` (default: the site's / settings')."""
    from commissioner.firmware.plan import PlanItem
    from commissioner.firmware.push import UpdateProgress, UpdateResult

    sink = _details((PlanItem, on_plan), (UpdateProgress, on_progress),
                    (UpdateResult, on_result))
    return await _guarded("firmware", service, lambda ctx: firmware_app.update_firmware(
        ctx, job_id, sink=sink, addresses=addresses, concurrency=concurrency,
        timeout=timeout, reboot_timeout=reboot_timeout, progress_interval=progress_interval,
    ), mdns_interfaces)


# --------------------------------------------------------------------------- device changes


async def change_device(
    service: JobService,
    job_id: str,
    device_id: str,
    reason: str,
    *,
    new_device_id: str | None = None,
    mdns_interfaces: Sequence[str] | None = None,
) -> tuple[DeviceGateState, ...] | Failure:
    """:func:`commissioner.app.device_changes.remove_device` (no ``new_device_id``) or
    :func:`~commissioner.app.device_changes.replace_device`; returns the job's gate states
    afterwards (the old device no longer among them). A refusal is a Failure of kind
    "device-change" whose code names it: "still-present", "new-unit" or "not-replaceable"."""
    codes: tuple[tuple[type[UserError], str], ...] = (
        (device_changes.StillPresentError, "still-present"),
        (device_changes.NewUnitError, "new-unit"),
        (device_changes.NotReplaceableError, "not-replaceable"),
    )

    async def work(ctx: AppContext) -> tuple[DeviceGateState, ...]:
        if new_device_id:
            await device_changes.replace_device(ctx, job_id, device_id, new_device_id, reason)
        else:
            await device_changes.remove_device(ctx, job_id, device_id, reason)

        def gate() -> tuple[DeviceGateState, ...]:
            with ctx.store() as store:
                return tuple(store.gate_states(job_id))

        return await asyncio.to_thread(gate)

    try:
        ctx = await asyncio.to_thread(context_for, service, mdns_interfaces)
        return await work(ctx)
    except UserError as err:
        code = next((c for cls, c in codes if isinstance(err, cls)), None)
        return Failure("device-change", str(err), err.hint, code)
    except (JobStoreError, OSError, ValueError) as err:
        return Failure("device-change", f"{type(err).__name__}: {err}")



# --------------------------------------------------------------------------- device labels


async def add_device_label(
    service: JobService, job_id: str, device_id: str, *, qr: str | None = None,
    model: str | None = None, serial: str | None = None,
) -> DeviceLabelResult | Failure:
    """:func:`commissioner.app.device_labels.add_device_label`: a JC-STAR label's QR, or the
    box label's model and serial of equipment that cannot attest its identity."""
    return await _guarded("label", service, lambda ctx: device_labels.add_device_label(
        ctx, job_id, device_id, qr=qr, model=model, serial=serial))
