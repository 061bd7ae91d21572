"""This project's protocol: push a verified firmware image to a device and confirm it booted
(spec: docs/firmware-update.md). The policy around it - which image, the app's own refusals,
outcomes - stays in :mod:`commissioner.firmware.push`; this module only speaks the wire.

``begin`` returns the device's offset, then chunks of at most 256 KiB are read from the file
and sent (never the whole image in memory); a dropped connection or a power cut resumes from
the device's offset. ``commit`` has the device check hash and signature; then the device
reboots and a new, fully verified ``identify`` confirms the running version.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from commissioner.backends.base import (
    AddressResolver,
    DeviceAddress,
    FirmwareImage,
    FirmwareProgress,
    FirmwareTarget,
    Identification,
    TransferLimits,
    TransferReport,
)
from commissioner.backends.errors import (
    DeviceProtocolError,
    DeviceUnreachableError,
    FirmwareTransferError,
    LabelMismatchError,
    MalformedReplyError,
    NoCredentialError,
    RateLimitedError,
    SetupCodeRejectedError,
)
from commissioner.protocol.client import DeviceSession
from commissioner.protocol.firmware_spec import (
    DEVICE_REFUSALS,
    OCTET_TYPE,
    FirmwareEndpoint,
    FirmwareErrorCode,
)
from commissioner.protocol.http11 import Response
from commissioner.protocol.spec import Endpoint

__all__ = ["confirm_reboot", "push_image"]

OpenSession = Callable[[DeviceAddress], Awaitable[DeviceSession]]
Identify = Callable[[DeviceAddress, float], Awaitable[Identification]]


def _stop(refused: bool, code: str, reason: str) -> FirmwareTransferError:
    return FirmwareTransferError(code, reason, refused=refused)


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
                raise _stop(False, "cache-changed", "the cached image shrank")
            self._hash.update(block)
            self._upto += len(block)

    def add(self, offset: int, data: bytes) -> None:
        if offset == self._upto:
            self._hash.update(data)
            self._upto += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


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
class _Push:
    target: FirmwareTarget
    image: FirmwareImage
    open_session: OpenSession
    options: TransferLimits
    emit: FirmwareProgress
    resolver: AddressResolver
    endpoint: DeviceAddress
    report: TransferReport

    async def resolve(self) -> DeviceAddress:
        self.endpoint = await self.resolver()
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
                session = await self.open_session(self.endpoint)
            except (SetupCodeRejectedError, RateLimitedError, LabelMismatchError) as err:
                raise _stop(False, err.reason, f"authentication failed: {err}") from None
            except NoCredentialError as err:
                raise _stop(False, "no-credential", str(err)) from None
            except DeviceUnreachableError as err:
                if committing:
                    return boot_before
                if loop.time() - last_progress > self.options.stall_timeout:
                    raise _stop(False, "transfer-stalled",
                                f"no progress for {self.options.stall_timeout:.0f} s "
                                f"({err.message}); run the update again to resume") from None
                self.report.reconnects += 1
                await asyncio.sleep(min(1.0, 0.1 * self.report.reconnects))
                await self.resolve()
                continue
            except DeviceProtocolError as err:  # refused or garbled authentication
                raise _stop(False, err.reason or "authentication-failed",
                            f"authentication failed: {err}") from None
            try:
                if session.identity.fingerprint_sha256 != self.target.fingerprint:
                    raise _stop(True, "identity-changed",
                                "a different device answers at this address; nothing was sent")
                fw = await session.get_json(Endpoint.FIRMWARE.value)
                if not committing and fw.get("version") != self.target.running_version:
                    # The version checks (downgrade, minimum version) were made against the
                    # plan; a device that changed since then is planned again, not guessed at.
                    raise _stop(True, "plan-stale",
                                f"the device now runs {str(fw.get('version'))[:20]!r}, not "
                                f"{self.target.running_version} as planned; run the update again")
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
                        raise _stop(False, FirmwareErrorCode.HASH_MISMATCH.value,
                                    "the device received a corrupted image twice")
                    continue
                committing = True
                self.emit("verify", self.image.size, "the device verifies the image")
                resp = await session.request(
                    "POST", FirmwareEndpoint.COMMIT.value, {"transfer_id": outcome})
                if resp.status == 200:
                    announced = resp.json().get("downtime_s")
                    if isinstance(announced, int | float) and not isinstance(announced, bool):
                        self.report.downtime_s = max(0.0, min(float(announced), 600.0))
                    return boot_before
                committing = False
                code, msg, _ = _error_code(resp)
                if code == FirmwareErrorCode.HASH_MISMATCH.value:
                    hash_retries += 1
                    if hash_retries > self.options.max_hash_retries:
                        raise _stop(False, code, f"the device refused the image: {msg}")
                    continue
                if code == FirmwareErrorCode.INCOMPLETE.value:
                    continue
                raise _stop(code in DEVICE_REFUSALS,
                            code, f"the device refused the commit: {msg}")
            except (DeviceUnreachableError, MalformedReplyError) as err:
                if isinstance(err, MalformedReplyError) and err.reason not in (
                    "connection-closed", "bad-framing"
                ):
                    raise _stop(False, err.reason, err.message) from None
                if not committing and loop.time() - last_progress > self.options.stall_timeout:
                    raise _stop(False, "transfer-stalled",
                                f"no progress for {self.options.stall_timeout:.0f} s; run the "
                                "update again to resume") from None
                self.report.reconnects += 1
                last_progress = max(last_progress, loop.time() - self.options.stall_timeout / 2)
                await asyncio.sleep(min(1.0, 0.1 * self.report.reconnects))
                await self.resolve()
            finally:
                await session.aclose()

    async def _send(self, session: DeviceSession, loop: asyncio.AbstractEventLoop) -> str:
        """begin + chunks; returns the transfer id, or "restart"."""
        image = self.image
        resp = await session.request(
            "POST", FirmwareEndpoint.BEGIN.value,
            {"manifest": dict(image.manifest), "signature": image.signature})
        if resp.status != 200:
            code, msg, _ = _error_code(resp)
            raise _stop(code in DEVICE_REFUSALS,
                        code, f"the device refused the image: {msg}")
        body = resp.json()
        tid = body.get("transfer_id")
        if not isinstance(tid, str) or len(tid) != 32:
            raise MalformedReplyError("bad-field", "begin: transfer_id is malformed")
        if body.get("size") != image.size:
            raise _stop(False, "size-mismatch", "the device expects another size")
        offset = _int(body.get("offset"), 0, image.size, "begin.offset")
        if offset:
            self.report.resumed_from.append(offset)
        self.emit("transfer", offset, "resuming" if offset else "sending")
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
                    raise _stop(False, "cache-changed", "the cached image shrank")
                digest.add(offset, data)
                resp = await session.request_bytes("PUT", f"{path}{offset}", data, OCTET_TYPE)
                if resp.status == 200:
                    new = _int(resp.json().get("offset"), 0, image.size, "chunk.offset")
                    if new != offset + n:
                        raise MalformedReplyError("bad-field", "chunk: unexpected offset")
                    self.report.bytes_sent += n
                    offset = new
                    self.emit("transfer", offset, "")
                    continue
                code, msg, err_body = _error_code(resp)
                if code == FirmwareErrorCode.OFFSET_MISMATCH.value:
                    offset = _int(err_body.get("offset"), 0, image.size, "offset")
                    continue
                if code == FirmwareErrorCode.NO_TRANSFER.value:
                    return "restart"
                raise _stop(False, code, f"the device refused a chunk: {msg}")
            digest.catch_up(image.size)
            if digest.hexdigest() != image.sha256:
                await session.request("POST", FirmwareEndpoint.ABORT.value, {})
                raise _stop(True, "cache-changed",
                            "the cached image changed after it was verified; nothing was "
                            "installed - preload the firmware again")
        return tid



async def push_image(
    address: DeviceAddress,
    image: FirmwareImage,
    open_session: OpenSession,
    *,
    target: FirmwareTarget,
    limits: TransferLimits,
    report: TransferReport,
    resolve: AddressResolver,
    on_progress: FirmwareProgress,
) -> None:
    """Send and commit ``image``; ``report.boot_before`` is the boot counter seen before the
    commit (None if the device reported none)."""
    push = _Push(target, image, open_session, limits, on_progress, resolve, address, report)
    report.boot_before = await push.transfer_and_commit()


async def confirm_reboot(
    address: DeviceAddress,
    identify: Identify,
    *,
    report: TransferReport,
    reboot_timeout: float,
    poll_interval: float,
    timeout: float,  # noqa: ASYNC109 - per network step
    resolve: AddressResolver,
    on_progress: FirmwareProgress,
) -> Identification | None:
    """Wait for the new boot (boot counter), then confirm over a fully verified connection;
    the same ``identify`` serves as both, so the confirmation costs no extra handshake."""
    del address  # where to knock comes from ``resolve`` on every attempt
    loop = asyncio.get_running_loop()
    deadline = loop.time() + reboot_timeout
    on_progress("reboot", 0, "waiting for the device to restart")
    # No point knocking while the device said it would be down.
    await asyncio.sleep(min(report.downtime_s * 0.9, reboot_timeout))
    boot_before = report.boot_before
    seen_down = False
    while True:
        if loop.time() > deadline:
            return None
        ep = await resolve()
        try:
            step = min(timeout, max(0.5, deadline - loop.time()))
            result = await identify(ep, step)
        except (DeviceProtocolError, OSError):
            seen_down = True
            await asyncio.sleep(poll_interval)
            continue
        boot = result.boot_count
        rebooted = boot > boot_before if boot_before is not None and boot is not None else (
            seen_down
        )
        if rebooted:
            on_progress("confirm", 0, "verifying the device and its version")
            return result
        await asyncio.sleep(poll_interval)
