"""Push a firmware image to a device and confirm it booted (the core of ``commissioner update``).

Per device (:func:`update_device`), phases reported through the progress callback:

``download``  the image comes from the cache (downloaded through TUF once) and is verified:
              size + SHA-256 against the signed catalog, manufacturer signature, and the
              version rules (model, manufacturer, no downgrade, minimum version) against the
              *attested* identity and the running version. Any failure refuses the update
              before a single byte is sent.
``transfer``  authenticated management session (setup code in factory state, or whatever
              :class:`ManagementAccess` the caller provides, e.g. the admin credential once
              commissioned); ``begin`` returns the device's offset, then chunks of at most
              256 KiB are read from the file and sent (never the whole image in memory). A
              dropped connection or a power cut resumes from the device's offset.
``verify``    ``commit``: the device checks the hash and signature of what it received.
``reboot``    the device reboots into the new slot; the app waits for it to come back
              (a new boot counter), at most ``reboot_timeout`` seconds.
``confirm``   a new TLS connection: the attestation chain and identity are verified again
              (same certificate as before the update) and the running version is read from
              ``/v1/firmware`` - never taken from the mDNS advertisement.

Outcomes (:class:`Outcome`): ``updated``; ``current`` (nothing to do); ``fell-back`` (the new
image did not boot, the device runs the old one); ``timeout`` (the device did not come back:
resumable - run again later); ``refused`` (app or device refused the image); ``failed``
(anything else; resumable).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO, Final, Protocol

from commissioner.firmware.cache import FirmwareImageError, ImageProvider, VerifiedImage
from commissioner.firmware.plan import DeviceEndpoint, PlanAction, PlanItem
from commissioner.protocol.client import (
    DeviceSession,
    IdentifyResult,
    TrustStore,
    identify,
    open_session,
)
from commissioner.protocol.errors import (
    DeviceProtocolError,
    DeviceUnreachableError,
    LabelMismatchError,
    MalformedReplyError,
    RateLimitedError,
    SetupCodeRejectedError,
)
from commissioner.protocol.firmware_manifest import update_refusal
from commissioner.protocol.firmware_spec import (
    DEFAULT_CHUNK_BYTES,
    DEVICE_REFUSALS,
    MAX_CHUNK_BYTES,
    OCTET_TYPE,
    FirmwareEndpoint,
    FirmwareErrorCode,
)
from commissioner.protocol.http11 import Response
from commissioner.protocol.label import Label
from commissioner.protocol.spec import Endpoint

DEFAULT_CONCURRENCY: Final = 8

log = logging.getLogger(__name__)


class Phase(StrEnum):
    DOWNLOAD = "download"
    TRANSFER = "transfer"
    VERIFY = "verify"
    REBOOT = "reboot"
    CONFIRM = "confirm"
    DONE = "done"


# Share of a device's progress bar each phase fills (for a single per-device fraction).
PHASE_WEIGHTS: Final = {
    Phase.DOWNLOAD: 0.05, Phase.TRANSFER: 0.75, Phase.VERIFY: 0.05, Phase.REBOOT: 0.10,
    Phase.CONFIRM: 0.05,
}


@dataclass(frozen=True, slots=True)
class UpdateProgress:
    """One progress report for one device. ``bytes_done``/``bytes_total`` count image bytes
    (download: cached/verified bytes; transfer: bytes the device holds)."""

    device_id: str
    phase: Phase
    bytes_done: int
    bytes_total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        """0..1 for the device as a whole (phases weighted by :data:`PHASE_WEIGHTS`)."""
        if self.phase is Phase.DONE:
            return 1.0
        order = list(PHASE_WEIGHTS)
        before = sum(PHASE_WEIGHTS[p] for p in order[: order.index(self.phase)])
        within = self.bytes_done / self.bytes_total if self.bytes_total else 0.0
        if self.phase in (Phase.REBOOT, Phase.CONFIRM, Phase.VERIFY):
            within = 0.0
        return min(1.0, before + PHASE_WEIGHTS[self.phase] * max(0.0, min(1.0, within)))


ProgressCallback = Callable[[UpdateProgress], None]
Resolver = Callable[[str], Awaitable[DeviceEndpoint | None]]
"""``device_id -> current endpoint`` (the address may change across a reboot); None = keep."""


class Outcome(StrEnum):
    UPDATED = "updated"
    CURRENT = "current"
    FELL_BACK = "fell-back"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class UpdateResult:
    device_id: str
    outcome: Outcome
    reason: str
    reason_code: str = ""
    from_version: str | None = None
    to_version: str | None = None
    running_version: str | None = None  # what the device runs at the end, when known
    image_sha256: str | None = None
    vulnerable_before: bool = False
    model: str | None = None
    manufacturer: str | None = None
    bytes_sent: int = 0
    resumed_from: tuple[int, ...] = ()
    reconnects: int = 0
    duration_s: float = 0.0

    @property
    def resumable(self) -> bool:
        return self.outcome in (Outcome.TIMEOUT, Outcome.FAILED)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.UPDATED, Outcome.CURRENT)

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "outcome": self.outcome.value, "reason": self.reason,
            "reason_code": self.reason_code, "from_version": self.from_version,
            "to_version": self.to_version, "running_version": self.running_version,
            "image_sha256": self.image_sha256, "vulnerable_before": self.vulnerable_before,
            "model": self.model, "manufacturer": self.manufacturer,
            "bytes_sent": self.bytes_sent, "resumed_from": list(self.resumed_from),
            "reconnects": self.reconnects, "duration_s": round(self.duration_s, 3),
            "resumable": self.resumable,
        }


@dataclass(frozen=True, slots=True)
class UpdateOptions:
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    timeout: float = 5.0  # per network step
    stall_timeout: float = 60.0  # transfer: give up after this long without progress
    reboot_timeout: float = 180.0  # the device must be back (new boot) within this
    poll_interval: float = 0.2  # while waiting for the reboot
    max_hash_retries: int = 1  # restart a transfer the device found corrupted

    def __post_init__(self) -> None:
        if not 1 <= self.chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk_bytes must be 1..{MAX_CHUNK_BYTES}")


class ManagementAccess(Protocol):
    """Opens an *authenticated* management session to a device (connect + prove)."""

    async def open(
        self, endpoint: DeviceEndpoint, trust: TrustStore, timeout: float  # noqa: ASYNC109
    ) -> DeviceSession: ...


class AccessError(Exception):
    """No way to authenticate to the device (no label / credential for it)."""


@dataclass
class SetupCodeAccess:
    """Factory-state devices: the setup-code proof with the device's scanned label (the label
    must match the attested certificate before anything is sent)."""

    labels: Mapping[str, Label]

    async def open(
        self, endpoint: DeviceEndpoint, trust: TrustStore, timeout: float  # noqa: ASYNC109
    ) -> DeviceSession:
        label = self.labels.get(endpoint.device_id)
        if label is None:
            raise AccessError(f"no label (setup code) for {endpoint.device_id}; scan its label")
        session = await open_session(endpoint.host, endpoint.port, trust, timeout=timeout)
        try:
            await session.authenticate(label)
        except BaseException:
            await session.aclose()
            raise
        return session


class _RunningDigest:
    """SHA-256 of a file's bytes in order, fed by the chunks as they are sent; gaps (a resume
    from an offset) are read from the same open file, a step back starts over."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._hash = hashlib.sha256()
        self._upto = 0

    def catch_up(self, offset: int) -> None:
        if offset < self._upto:
            self._hash, self._upto = hashlib.sha256(), 0
        while self._upto < offset:
            self._fh.seek(self._upto)
            block = self._fh.read(min(1 << 20, offset - self._upto))
            if not block:
                raise _Stop(Outcome.FAILED, "cache-changed", "the cached image shrank")
            self._hash.update(block)
            self._upto += len(block)

    def add(self, offset: int, data: bytes) -> None:
        if offset == self._upto:
            self._hash.update(data)
            self._upto += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Stop(Exception):
    def __init__(self, outcome: Outcome, code: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome, self.code, self.reason = outcome, code, reason


def _error_code(resp: Response) -> tuple[str, str, dict[str, Any]]:
    try:
        body = resp.json()
    except MalformedReplyError:
        return f"http-{resp.status}", f"HTTP {resp.status}", {}
    code = body.get("error")
    msg = body.get("message")
    return (str(code)[:40] if isinstance(code, str) else f"http-{resp.status}",
            str(msg)[:300] if isinstance(msg, str) else f"HTTP {resp.status}", body)


def _int(value: object, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise MalformedReplyError("bad-field", f"{what} is out of range")
    return value


@dataclass
class _Run:
    item: PlanItem
    image: VerifiedImage
    trust: TrustStore
    access: ManagementAccess
    options: UpdateOptions
    emit: Callable[[Phase, int, str], None]
    resolver: Resolver | None
    endpoint: DeviceEndpoint
    bytes_sent: int = 0
    reconnects: int = 0
    resumed: list[int] = field(default_factory=list)
    downtime: float = 0.0  # what the device announced at commit

    async def resolve(self) -> DeviceEndpoint:
        if self.resolver is not None:
            found = await self.resolver(self.item.device_id)
            if found is not None:
                self.endpoint = found
        return self.endpoint

    # --- transfer + commit -----------------------------------------------------------------

    async def transfer_and_commit(self) -> int | None:
        """Send the image and commit it; returns the boot counter seen before the commit."""
        loop = asyncio.get_running_loop()
        last_progress = loop.time()
        hash_retries = 0
        boot_before: int | None = None
        committing = False
        while True:
            try:
                session = await self.access.open(self.endpoint, self.trust, self.options.timeout)
            except (SetupCodeRejectedError, RateLimitedError, LabelMismatchError) as err:
                raise _Stop(Outcome.FAILED, err.reason, f"authentication failed: {err}") from None
            except AccessError as err:
                raise _Stop(Outcome.FAILED, "no-credential", str(err)) from None
            except DeviceUnreachableError as err:
                if committing:
                    return boot_before
                if loop.time() - last_progress > self.options.stall_timeout:
                    raise _Stop(Outcome.FAILED, "transfer-stalled",
                                f"no progress for {self.options.stall_timeout:.0f} s "
                                f"({err.message}); run the update again to resume") from None
                self.reconnects += 1
                await asyncio.sleep(min(1.0, 0.1 * self.reconnects))
                await self.resolve()
                continue
            except DeviceProtocolError as err:  # refused or garbled authentication
                raise _Stop(Outcome.FAILED, err.reason or "authentication-failed",
                            f"authentication failed: {err}") from None
            try:
                if session.identity.fingerprint_sha256 != self.item.fingerprint:
                    raise _Stop(Outcome.REFUSED, "identity-changed",
                                "a different device answers at this address; nothing was sent")
                fw = await session.get_json(Endpoint.FIRMWARE.value)
                if not committing and fw.get("version") != self.item.current:
                    # The version checks (downgrade, minimum version) were made against the
                    # plan; a device that changed since then is planned again, not guessed at.
                    raise _Stop(Outcome.REFUSED, "plan-stale",
                                f"the device now runs {str(fw.get('version'))[:20]!r}, not "
                                f"{self.item.current} as planned; run the update again")
                boot = fw.get("boot_count")
                boot_before = boot if isinstance(boot, int) and not isinstance(boot, bool) else None
                if committing:
                    # The commit reply was lost: did the device take it?
                    state = await session.get_json(FirmwareEndpoint.TRANSFER.value)
                    if state.get("transfer") is None:
                        return boot_before
                    committing = False
                outcome = await self._send(session, loop)
                if outcome == "restart":
                    hash_retries += 1
                    if hash_retries > self.options.max_hash_retries:
                        raise _Stop(Outcome.FAILED, FirmwareErrorCode.HASH_MISMATCH.value,
                                    "the device received a corrupted image twice")
                    continue
                committing = True
                self.emit(Phase.VERIFY, self.image.size, "the device verifies the image")
                resp = await session.request(
                    "POST", FirmwareEndpoint.COMMIT.value, {"transfer_id": outcome})
                if resp.status == 200:
                    announced = resp.json().get("downtime_s")
                    if isinstance(announced, int | float) and not isinstance(announced, bool):
                        self.downtime = max(0.0, min(float(announced), 600.0))
                    return boot_before
                committing = False
                code, msg, _ = _error_code(resp)
                if code == FirmwareErrorCode.HASH_MISMATCH.value:
                    hash_retries += 1
                    if hash_retries > self.options.max_hash_retries:
                        raise _Stop(Outcome.FAILED, code, f"the device refused the image: {msg}")
                    continue
                if code == FirmwareErrorCode.INCOMPLETE.value:
                    continue
                raise _Stop(Outcome.REFUSED if code in DEVICE_REFUSALS else Outcome.FAILED,
                            code, f"the device refused the commit: {msg}")
            except (DeviceUnreachableError, MalformedReplyError) as err:
                if isinstance(err, MalformedReplyError) and err.reason not in (
                    "connection-closed", "bad-framing"
                ):
                    raise _Stop(Outcome.FAILED, err.reason, err.message) from None
                if not committing and loop.time() - last_progress > self.options.stall_timeout:
                    raise _Stop(Outcome.FAILED, "transfer-stalled",
                                f"no progress for {self.options.stall_timeout:.0f} s; run the "
                                "update again to resume") from None
                self.reconnects += 1
                last_progress = max(last_progress, loop.time() - self.options.stall_timeout / 2)
                await asyncio.sleep(min(1.0, 0.1 * self.reconnects))
                await self.resolve()
            finally:
                await session.aclose()

    async def _send(self, session: DeviceSession, loop: asyncio.AbstractEventLoop) -> str:
        """begin + chunks; returns the transfer id, or "restart"."""
        image = self.image
        resp = await session.request(
            "POST", FirmwareEndpoint.BEGIN.value,
            {"manifest": image.manifest.to_json(), "signature": image.signature})
        if resp.status != 200:
            code, msg, _ = _error_code(resp)
            raise _Stop(Outcome.REFUSED if code in DEVICE_REFUSALS else Outcome.FAILED,
                        code, f"the device refused the image: {msg}")
        body = resp.json()
        tid = body.get("transfer_id")
        if not isinstance(tid, str) or len(tid) != 32:
            raise MalformedReplyError("bad-field", "begin: transfer_id is malformed")
        if body.get("size") != image.size:
            raise _Stop(Outcome.FAILED, "size-mismatch", "the device expects another size")
        offset = _int(body.get("offset"), 0, image.size, "begin.offset")
        if offset:
            self.resumed.append(offset)
        self.emit(Phase.TRANSFER, offset, "resuming" if offset else "sending")
        chunk = self.options.chunk_bytes
        path = f"{FirmwareEndpoint.CHUNK.value}?transfer={tid}&offset="
        fh = await asyncio.to_thread(open, image.path, "rb")
        with fh:
            # What goes out is hashed from the same open file as it is read, and must equal the
            # verified image's SHA-256 before the transfer may be committed: a cache file
            # changed after verification is never installed.
            digest = _RunningDigest(fh)
            while offset < image.size:
                n = min(chunk, image.size - offset)
                digest.catch_up(offset)
                fh.seek(offset)
                data = fh.read(n)
                if len(data) != n:
                    raise _Stop(Outcome.FAILED, "cache-changed", "the cached image shrank")
                digest.add(offset, data)
                resp = await session.request_bytes("PUT", f"{path}{offset}", data, OCTET_TYPE)
                if resp.status == 200:
                    new = _int(resp.json().get("offset"), 0, image.size, "chunk.offset")
                    if new != offset + n:
                        raise MalformedReplyError("bad-field", "chunk: unexpected offset")
                    self.bytes_sent += n
                    offset = new
                    self.emit(Phase.TRANSFER, offset, "")
                    continue
                code, msg, err_body = _error_code(resp)
                if code == FirmwareErrorCode.OFFSET_MISMATCH.value:
                    offset = _int(err_body.get("offset"), 0, image.size, "offset")
                    continue
                if code == FirmwareErrorCode.NO_TRANSFER.value:
                    return "restart"
                raise _Stop(Outcome.FAILED, code, f"the device refused a chunk: {msg}")
            digest.catch_up(image.size)
            if digest.hexdigest() != image.sha256:
                await session.request("POST", FirmwareEndpoint.ABORT.value, {})
                raise _Stop(Outcome.REFUSED, "cache-changed",
                            "the cached image changed after it was verified; nothing was "
                            "installed - preload the firmware again")
        return tid

    # --- reboot + confirm ------------------------------------------------------------------

    async def wait_and_confirm(
        self, boot_before: int | None
    ) -> tuple[str, IdentifyResult | None]:
        """Wait for the new boot (boot counter), then confirm over a fully verified connection;
        the same ``identify`` serves as both, so the confirmation costs no extra handshake."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.reboot_timeout
        self.emit(Phase.REBOOT, self.image.size, "waiting for the device to restart")
        # No point knocking while the device said it would be down.
        await asyncio.sleep(min(self.downtime * 0.9, self.options.reboot_timeout))
        seen_down = False
        while True:
            if loop.time() > deadline:
                return ("timeout", None)
            ep = await self.resolve()
            try:
                step = min(self.options.timeout, max(0.5, deadline - loop.time()))
                result = await identify(ep.host, ep.port, self.trust,
                                        advertised_id=self.item.device_id, timeout=step)
            except (DeviceProtocolError, OSError):
                seen_down = True
                await asyncio.sleep(self.options.poll_interval)
                continue
            boot = result.firmware.get("boot_count")
            rebooted = (
                boot > boot_before
                if boot_before is not None and isinstance(boot, int)
                and not isinstance(boot, bool)
                else seen_down
            )
            if rebooted:
                self.emit(Phase.CONFIRM, self.image.size, "verifying the device and its version")
                return ("confirmed", result)
            await asyncio.sleep(self.options.poll_interval)


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
                            slot=slot)


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
    run = _Run(item, image, trust, access, options, emit, resolver,
               DeviceEndpoint(item.device_id, item.host, item.port))

    def counters() -> dict[str, Any]:
        return {"bytes_sent": run.bytes_sent, "resumed_from": tuple(run.resumed),
                "reconnects": run.reconnects}

    try:
        async with slot if slot is not None else contextlib.nullcontext():
            boot_before = await run.transfer_and_commit()
        status, result = await run.wait_and_confirm(boot_before)
    except _Stop as stop:
        return done(stop.outcome, stop.code, stop.reason, **counters())
    if status == "timeout" or result is None:
        return done(Outcome.TIMEOUT, "reboot-timeout",
                    f"the device did not come back within {options.reboot_timeout:g} s after "
                    "rebooting; the update stays pending - run the update again when it is "
                    "back (nothing is lost)", **counters())
    ident = result.identity
    if ident.fingerprint_sha256 != item.fingerprint:
        return done(Outcome.FAILED, "identity-changed",
                    "after the reboot a different device answered; check the device",
                    **counters())
    running = str(result.firmware.get("version"))
    emit(Phase.DONE, image.size, running)
    if running == image.manifest.version:
        return done(Outcome.UPDATED, "updated", f"{item.current} → {running}, confirmed over the "
                    "attested connection", running_version=running, **counters())
    if running == item.current:
        last = result.firmware.get("last_update")
        why = last.get("reason") if isinstance(last, dict) else None
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
                                             slot=sem)
            else:
                result = await update_device(item, provider, trust, access, options=options)
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
