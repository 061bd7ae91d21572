"""Push a firmware image to a device and confirm it booted (the core of ``commissioner update``).

Per device (:func:`update_device`), phases reported through the progress callback:

``download``  the image comes from the cache (downloaded through TUF once) and is verified:
              size + SHA-256 against the signed catalog, manufacturer signature, and the
              version rules (model, manufacturer, no downgrade, minimum version) against the
              *attested* identity and the running version. Any failure refuses the update
              before a single byte is sent.
``transfer``  authenticated management session through the device's backend (setup code in
              factory state, or whatever :data:`ManagementAccess` the caller provides, e.g.
              the admin credential once commissioned); the image is sent in chunks and a
              dropped connection or a power cut resumes from the device's offset.
``verify``    the device checks the hash and signature of what it received.
``reboot``    the device reboots into the new slot; the app waits for it to come back
              (a new boot counter), at most ``reboot_timeout`` seconds.
``confirm``   a new connection: the attestation chain and identity are verified again
              (same certificate as before the update) and the running version is read from
              the device - never taken from the mDNS advertisement.

Outcomes (:class:`Outcome`): ``updated``; ``current`` (nothing to do); ``fell-back`` (the new
image did not boot, the device runs the old one); ``timeout`` (the device did not come back:
resumable - run again later); ``refused`` (app or device refused the image); ``failed``
(anything else; resumable). The wire protocol lives in the backend
(:meth:`commissioner.backends.DeviceBackend.push_firmware`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from commissioner.backends import (
    DeviceAddress,
    DeviceBackend,
    FirmwareImage,
    FirmwareTarget,
    TransferLimits,
    TransferReport,
    TrustStore,
    backend_for,
)
from commissioner.backends.base import FirmwareStage
from commissioner.backends.errors import FirmwareTransferError
from commissioner.firmware.access import AccessError, ManagementAccess, SetupCodeAccess
from commissioner.firmware.cache import FirmwareImageError, ImageProvider, VerifiedImage
from commissioner.firmware.outcomes import (
    PHASE_WEIGHTS,
    Outcome,
    Phase,
    ProgressCallback,
    Resolver,
    UpdateOptions,
    UpdateProgress,
    UpdateResult,
)
from commissioner.firmware.plan import PlanAction, PlanItem
from commissioner.protocol.firmware_manifest import update_refusal

__all__ = [
    "DEFAULT_CONCURRENCY",
    "PHASE_WEIGHTS",
    "AccessError",
    "ManagementAccess",
    "Outcome",
    "Phase",
    "ProgressCallback",
    "Resolver",
    "SetupCodeAccess",
    "UpdateOptions",
    "UpdateProgress",
    "UpdateResult",
    "push_image",
    "update_device",
    "update_home",
]

DEFAULT_CONCURRENCY: Final = 8

log = logging.getLogger(__name__)


def _image_for_backend(image: VerifiedImage) -> FirmwareImage:
    return FirmwareImage(
        path=image.path, size=image.size, sha256=image.sha256, version=image.manifest.version,
        manifest=image.manifest.to_json(), signature=image.signature,
    )


async def update_device(
    item: PlanItem,
    provider: ImageProvider,
    trust: TrustStore,
    access: ManagementAccess,
    *,
    options: UpdateOptions | None = None,
    on_progress: ProgressCallback | None = None,
    resolver: Resolver | None = None,
    slot: asyncio.Semaphore | None = None,
    backend: DeviceBackend | None = None,
) -> UpdateResult:
    """Update one planned device to the catalog's latest firmware; never raises for what the
    device or the network does (the result says what happened). ``slot``, when given, is held
    while bytes go to the device, not while it reboots."""
    options = options or UpdateOptions()
    started = time.monotonic()
    base: dict[str, Any] = {
        "device_id": item.device_id, "from_version": item.current, "to_version": item.latest,
        "vulnerable_before": item.vulnerable, "model": item.model,
        "manufacturer": item.manufacturer, "image_sha256": item.image_sha256,
    }

    def done(outcome: Outcome, code: str, reason: str, **kw: Any) -> UpdateResult:
        fields = {**base, **kw}
        return UpdateResult(outcome=outcome, reason_code=code, reason=reason,
                            duration_s=time.monotonic() - started, **fields)

    if item.action is not PlanAction.UPDATE:
        outcome = Outcome.CURRENT if item.action is PlanAction.CURRENT else Outcome.SKIPPED
        return done(outcome, item.action.value, item.reason, running_version=item.current)
    assert item.host is not None and item.port is not None and item.model is not None
    assert item.manufacturer is not None and item.current is not None
    total = item.image_size or 0

    def emit(phase: Phase, done_bytes: int, message: str) -> None:
        if on_progress is not None:
            on_progress(UpdateProgress(item.device_id, phase, done_bytes, total, message))

    # download + verify, then the app's own refusals - before any byte goes to the device
    emit(Phase.DOWNLOAD, 0, "fetching and verifying the image")
    model = provider.index.for_model(item.model)
    if model is None or model.manufacturer != item.manufacturer:
        return done(Outcome.SKIPPED, "no-firmware", "the catalog has no firmware for this model")
    release = model.latest_release
    try:
        image = await provider.get(model, release)
    except FirmwareImageError as err:
        outcome = Outcome.REFUSED if err.reason in ("tampered", "bad-signature") else Outcome.FAILED
        return done(outcome, err.reason, f"image not used: {err.message}")
    if image.sha256 != item.image_sha256:
        return done(Outcome.FAILED, "plan-stale", "the catalog changed since the plan; plan again")
    emit(Phase.DOWNLOAD, image.size, "image verified")
    return await push_image(item, image, trust, access, options=options,
                            on_progress=on_progress, resolver=resolver, started=started,
                            slot=slot, backend=backend)


async def push_image(
    item: PlanItem,
    image: VerifiedImage,
    trust: TrustStore,
    access: ManagementAccess,
    *,
    options: UpdateOptions | None = None,
    on_progress: ProgressCallback | None = None,
    resolver: Resolver | None = None,
    started: float | None = None,
    slot: asyncio.Semaphore | None = None,
    backend: DeviceBackend | None = None,
) -> UpdateResult:
    """Push an already verified image to a planned device and confirm it. Refuses (nothing
    sent) an image for another model or manufacturer, a downgrade, a re-install or an image
    that cannot be installed over the running version."""
    options = options or UpdateOptions()
    started = time.monotonic() if started is None else started
    assert item.host is not None and item.port is not None and item.model is not None
    assert item.manufacturer is not None and item.current is not None
    base: dict[str, Any] = {
        "device_id": item.device_id, "from_version": item.current,
        "to_version": image.manifest.version, "vulnerable_before": item.vulnerable,
        "model": item.model, "manufacturer": item.manufacturer, "image_sha256": image.sha256,
    }

    def done(outcome: Outcome, code: str, reason: str, **kw: Any) -> UpdateResult:
        return UpdateResult(outcome=outcome, reason_code=code, reason=reason,
                            duration_s=time.monotonic() - started, **{**base, **kw})

    def emit(phase: Phase, done_bytes: int, message: str) -> None:
        if on_progress is not None:
            on_progress(UpdateProgress(item.device_id, phase, done_bytes, image.size, message))

    refusal = update_refusal(image.manifest, model=item.model, manufacturer=item.manufacturer,
                             current=item.current)
    if refusal is not None:
        return done(Outcome.REFUSED, refusal[0], f"refused by the app: {refusal[1]}")
    device_backend = backend_for(trust, override=backend)
    report = TransferReport()
    where = [DeviceAddress(item.device_id, item.host, item.port)]

    async def resolve() -> DeviceAddress:
        if resolver is not None:
            found = await resolver(item.device_id)
            if found is not None:
                where[0] = found
        return where[0]

    def stage(name: FirmwareStage, done_bytes: int, message: str) -> None:
        emit(Phase(name), done_bytes if name == "transfer" else image.size, message)

    def counters() -> dict[str, Any]:
        return {"bytes_sent": report.bytes_sent, "resumed_from": tuple(report.resumed_from),
                "reconnects": report.reconnects}

    limits = TransferLimits(options.chunk_bytes, options.timeout, options.stall_timeout,
                            options.max_hash_retries)
    try:
        async with slot if slot is not None else contextlib.nullcontext():
            await device_backend.push_firmware(
                where[0], _image_for_backend(image), access,
                target=FirmwareTarget(item.device_id, item.fingerprint or "", item.current),
                limits=limits, report=report, resolve=resolve, on_progress=stage,
            )
        result = await device_backend.confirm_firmware(
            where[0], report=report, reboot_timeout=options.reboot_timeout,
            poll_interval=options.poll_interval, timeout=options.timeout, resolve=resolve,
            on_progress=stage,
        )
    except FirmwareTransferError as stop:
        outcome = Outcome.REFUSED if stop.refused else Outcome.FAILED
        return done(outcome, stop.reason, stop.message, **counters())
    if result is None:
        return done(Outcome.TIMEOUT, "reboot-timeout",
                    f"the device did not come back within {options.reboot_timeout:g} s after "
                    "rebooting; the update stays pending - run the update again when it is "
                    "back (nothing is lost)", **counters())
    if result.fingerprint != item.fingerprint:
        return done(Outcome.FAILED, "identity-changed",
                    "after the reboot a different device answered; check the device",
                    **counters())
    running = result.firmware_version
    emit(Phase.DONE, image.size, running)
    if running == image.manifest.version:
        return done(Outcome.UPDATED, "updated", f"{item.current} → {running}, confirmed over the "
                    "attested connection", running_version=running, **counters())
    if running == item.current:
        why = result.last_update_note
        return done(Outcome.FELL_BACK, "fell-back",
                    f"the new firmware {image.manifest.version} did not start; the device fell "
                    f"back to {running}" + (f" ({why})" if isinstance(why, str) else ""),
                    running_version=running, **counters())
    return done(Outcome.FAILED, "unexpected-version",
                f"the device runs {running} after the update", running_version=running,
                **counters())


async def update_home(
    items: Sequence[PlanItem],
    provider: ImageProvider,
    trust: TrustStore,
    access: ManagementAccess,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    options: UpdateOptions | None = None,
    on_progress: ProgressCallback | None = None,
    on_result: Callable[[UpdateResult], None] | None = None,
    resolver: Resolver | None = None,
    backend: DeviceBackend | None = None,
) -> list[UpdateResult]:
    """Update every planned device; at most ``concurrency`` receive an image at once (a device
    rebooting into its new firmware holds no slot). Results in input order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    sem = asyncio.Semaphore(concurrency)

    async def one(item: PlanItem) -> UpdateResult:
        try:
            if item.needs_update:
                result = await update_device(item, provider, trust, access, options=options,
                                             on_progress=on_progress, resolver=resolver,
                                             slot=sem, backend=backend)
            else:
                result = await update_device(item, provider, trust, access, options=options,
                                             backend=backend)
        except Exception as exc:
            log.exception("firmware update of %s failed unexpectedly", item.device_id)
            result = UpdateResult(
                device_id=item.device_id, outcome=Outcome.FAILED, reason_code="internal-error",
                reason=f"unexpected error ({type(exc).__name__}); run the update again",
                from_version=item.current, to_version=item.latest, model=item.model,
                manufacturer=item.manufacturer,
            )
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(i) for i in items)))
