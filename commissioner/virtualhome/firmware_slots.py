"""Device side of the firmware update: A/B slots, resumable transfer, verified commit, reboot.

One :class:`FirmwareSlots` per virtual device. Endpoints (all under ``/v1/commissioning/``,
so the device's management-session check applies before any of them runs):

* ``POST begin {"manifest": {...}, "signature": b64}`` - checks the manufacturer's signature
  with the firmware key the device got at manufacture, then model, manufacturer, downgrade and
  minimum version (:func:`commissioner.protocol.firmware_manifest.update_refusal`).
  Starts a transfer
  into the inactive slot, or - same manifest again - returns the transfer in progress
  (resume): ``{"transfer_id", "offset", "size", "slot"}``.
* ``PUT chunk?transfer=<id>&offset=<n>`` raw ``application/octet-stream`` body of at most
  ``MAX_CHUNK_BYTES``: appended when ``offset`` is exactly the bytes received so far, else 409
  ``offset-mismatch`` with the right ``offset``. Bytes go straight to the slot's partial file.
* ``GET transfer`` - the transfer in progress (``null`` if none), the last update's outcome
  and the boot counter.
* ``POST commit {"transfer_id"}`` - every byte received? SHA-256 of the received bytes equal
  to the signed manifest? Signature and version rules still hold? Then the slot is written,
  a boot into it is scheduled and the device reboots after ``reboot_downtime_s``.
* ``POST abort`` - drops the transfer in progress.

Persistence (``DIR/devices/<id>/``): ``firmware-update.json`` (transfer, pending boot, last
outcome, boot counter, fault hooks) and ``firmware-slot-<s>.partial`` / ``.bin``. A power cut
mid-transfer keeps the old slot active (nothing switches before a verified commit) and the
transfer resumes from the bytes on disk. At every power-on :meth:`on_boot` boots the pending
slot - or, with the ``fail-boot`` fault hook, "fails to boot" it and falls back to the old slot.
Fault hooks: ``fail-boot`` (the new image does not boot: fall back) and ``no-return``
(the reboot takes ``boot_delay_s``, default one hour: the device does not come back in time).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Final, Protocol

from commissioner.protocol.firmware_manifest import (
    FirmwareManifest,
    ManifestError,
    file_sha256,
    update_refusal,
    verify_manifest,
)
from commissioner.protocol.firmware_spec import (
    MAX_CHUNK_BYTES,
    OCTET_TYPE,
    FirmwareEndpoint,
    FirmwareErrorCode,
)
from commissioner.protocol.http11 import Request
from commissioner.protocol.spec import MAX_JSON_BODY
from commissioner.virtualhome.firmware_catalog import device_signer_key
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_json_atomic
from commissioner.virtualhome.state import DeviceState, save_state

UPDATE_FILE: Final = "firmware-update.json"
REBOOT_ENV: Final = "COMMISSIONER_VH_FIRMWARE_REBOOT_S"
DEFAULT_REBOOT_S: Final = 3.0
FAULT_FAIL_BOOT: Final = "fail-boot"
FAULT_NO_RETURN: Final = "no-return"
FIRMWARE_FAULTS: Final = frozenset({FAULT_FAIL_BOOT, FAULT_NO_RETURN})
DEFAULT_NO_RETURN_S: Final = 3600.0
_TRANSFER_RE: Final = re.compile(r"^[0-9a-f]{32}$")
_OFFSET_RE: Final = re.compile(r"^[0-9]{1,12}$")

log = logging.getLogger(__name__)

Reply = tuple[int, dict[str, Any]]
RebootHook = Callable[[float], Awaitable[Any]]


class DeviceLike(Protocol):
    directory: Path
    device_id: str
    state: DeviceState
    port: int

    async def persist_state(self) -> None: ...
    async def power_off(self) -> None: ...
    async def power_on(self, port: int = 0, *, reload: bool = True) -> int: ...


def _err(status: int, code: str, message: str, **extra: Any) -> Reply:
    return status, {"error": code, "message": message, **extra}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_reboot_downtime() -> float:
    text = os.environ.get(REBOOT_ENV, "")
    try:
        value = float(text) if text else DEFAULT_REBOOT_S
    except ValueError:
        value = DEFAULT_REBOOT_S
    return min(max(value, 0.0), 600.0)


class FirmwareSlots:
    """The firmware-update side of one virtual device."""

    def __init__(self, device: DeviceLike) -> None:
        self._device = device
        self.reboot_downtime_s = default_reboot_downtime()
        # Set by the virtual home: how to reboot (power cycle with mDNS re-announce).
        self.reboot_hook: RebootHook | None = None
        self._doc: dict[str, Any] = {}
        self._rebooting = False
        self._reboot_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- persistence ------------------------------------------------------------------------

    @property
    def _path(self) -> Path:
        return self._device.directory / UPDATE_FILE

    def _partial(self, slot: str) -> Path:
        return self._device.directory / f"firmware-slot-{slot}.partial"

    def _slot_file(self, slot: str) -> Path:
        return self._device.directory / f"firmware-slot-{slot}.bin"

    def _read(self) -> dict[str, Any]:
        try:
            raw = read_json(self._path, "firmware update state")
        except ValueError:
            raw = None
        if not isinstance(raw, dict) or raw.get("format") != 1:
            raw = {"format": 1, "boot_count": 0, "transfer": None, "pending_boot": None,
                   "last_update": None, "faults": {}}
        return raw

    def _save(self) -> None:
        write_json_atomic(self._path, self._doc, mode=SECRET_MODE)

    # --- boot -------------------------------------------------------------------------------

    def on_boot(self, state: DeviceState) -> None:
        """Called at every power-on after the device state was read: boot the pending slot,
        or fall back to the old one if the new image does not start (``fail-boot``)."""
        self._doc = self._read()
        self._rebooting = False
        self._doc["boot_count"] = int(self._doc.get("boot_count") or 0) + 1
        pending = self._doc.get("pending_boot")
        if isinstance(pending, dict):
            slot, version = pending.get("slot"), pending.get("version")
            faults = self._doc.get("faults") or {}
            outcome: dict[str, Any] = {
                "version": version, "from": pending.get("from"), "sha256": pending.get("sha256"),
                "at": _now(), "boot_count": self._doc["boot_count"],
            }
            if (
                isinstance(slot, str) and state.firmware_slots.get(slot) == version
                and FAULT_FAIL_BOOT not in faults
            ):
                state.active_slot = slot
                outcome["result"] = "installed"
            else:
                outcome["result"] = "fell-back"
                outcome["reason"] = "the new image failed to boot; the previous slot is active"
            self._doc["pending_boot"] = None
            self._doc["last_update"] = outcome
            save_state(self._device.directory, state)
        self._save()

    # --- HTTP plumbing ----------------------------------------------------------------------

    def body_limit(self, method: str, path: str, headers: Mapping[str, str]) -> int:
        """Largest body the device reads for a request: chunk bodies may be larger."""
        if method == "PUT" and path.split("?", 1)[0] == FirmwareEndpoint.CHUNK.value:
            return MAX_CHUNK_BYTES
        return MAX_JSON_BODY

    def routes(self) -> dict[str, tuple[str, Callable[[Request], Awaitable[Reply]]]]:
        e = FirmwareEndpoint
        return {
            e.BEGIN.value: ("POST", self.begin),
            e.CHUNK.value: ("PUT", self.chunk),
            e.TRANSFER.value: ("GET", self.transfer),
            e.COMMIT.value: ("POST", self.commit),
            e.ABORT.value: ("POST", self.abort),
        }

    def public_status(self) -> dict[str, Any]:
        """Extra members of ``GET /v1/firmware``: boot counter and the last update's outcome."""
        return {"boot_count": int(self._doc.get("boot_count") or 0),
                "last_update": self._doc.get("last_update")}

    # --- endpoints --------------------------------------------------------------------------

    def _transfer_json(self) -> dict[str, Any] | None:
        t = self._doc.get("transfer")
        if not isinstance(t, dict):
            return None
        return {"transfer_id": t["transfer_id"], "version": t["manifest"]["version"],
                "size": t["manifest"]["size"], "sha256": t["manifest"]["sha256"],
                "slot": t["slot"], "offset": self._offset(t)}

    def _offset(self, t: Mapping[str, Any]) -> int:
        try:
            return self._partial(str(t["slot"])).stat().st_size
        except OSError:
            return 0

    def _check(self, manifest: FirmwareManifest, signature: str) -> Reply | None:
        key = device_signer_key(self._device.directory)
        if key is None:
            return _err(500, FirmwareErrorCode.NO_SIGNER, "this device has no firmware key")
        try:
            verify_manifest(manifest, signature, key)
        except ManifestError as err:
            return _err(422, FirmwareErrorCode.BAD_SIGNATURE, str(err))
        s = self._device.state
        refusal = update_refusal(manifest, model=s.model, manufacturer=s.manufacturer,
                                 current=s.firmware)
        if refusal is not None:
            code, why = refusal
            return _err(409, code, why)
        return None

    async def begin(self, request: Request) -> Reply:
        body = request.json()
        try:
            manifest = FirmwareManifest.from_json(body.get("manifest"))
        except ManifestError as err:
            return _err(400, FirmwareErrorCode.BAD_MANIFEST, str(err))
        signature = body.get("signature")
        if not isinstance(signature, str):
            return _err(400, FirmwareErrorCode.BAD_MANIFEST, "signature must be base64 text")
        async with self._lock:
            if self._rebooting or self._doc.get("pending_boot"):
                return _err(409, FirmwareErrorCode.BUSY, "an update is being installed")
            refused = self._check(manifest, signature)
            if refused is not None:
                return refused
            current = self._doc.get("transfer")
            if (
                isinstance(current, dict) and current.get("manifest") == manifest.to_json()
                and current.get("signature") == signature
            ):
                info = self._transfer_json()
                assert info is not None
                return 200, {**info, "resumed": True}
            s = self._device.state
            slot = next((k for k in sorted(s.firmware_slots) if k != s.active_slot), None)
            if slot is None:
                return _err(500, "no-slot", "the device has no inactive slot")
            self._discard_files()
            transfer = {"transfer_id": secrets.token_hex(16), "manifest": manifest.to_json(),
                        "signature": signature, "slot": slot, "started_at": _now()}
            self._partial(slot).touch(mode=0o600)
            self._doc["transfer"] = transfer
            await asyncio.to_thread(self._save)
            info = self._transfer_json()
            assert info is not None
            return 200, {**info, "resumed": False}

    def _discard_files(self) -> None:
        for slot in self._device.state.firmware_slots:
            if slot != self._device.state.active_slot:
                with contextlib.suppress(OSError):
                    self._partial(slot).unlink()

    async def chunk(self, request: Request) -> Reply:
        ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != OCTET_TYPE:
            return _err(400, "bad-request", f"chunk bodies are {OCTET_TYPE}")
        query = request.path.partition("?")[2]
        params: dict[str, str] = {}
        for part in query.split("&") if query else []:
            name, _, value = part.partition("=")
            if name in params:
                return _err(400, "bad-request", f"query parameter {name[:20]!r} repeats")
            params[name] = value
        tid, off = params.get("transfer", ""), params.get("offset", "")
        if not _TRANSFER_RE.fullmatch(tid) or not _OFFSET_RE.fullmatch(off):
            return _err(400, "bad-request", "need ?transfer=<32 hex>&offset=<n>")
        offset = int(off)
        t = self._doc.get("transfer")
        if not isinstance(t, dict) or t.get("transfer_id") != tid:
            return _err(409, FirmwareErrorCode.NO_TRANSFER, "no such transfer; begin again")
        have = self._offset(t)
        if offset != have:
            return _err(409, FirmwareErrorCode.OFFSET_MISMATCH,
                        f"the device has {have} bytes; continue there", offset=have)
        size = int(t["manifest"]["size"])
        if offset + len(request.body) > size:
            return _err(400, "bad-request", "the chunk goes past the end of the image")
        if not request.body:
            return _err(400, "bad-request", "empty chunk")
        fd = os.open(self._partial(str(t["slot"])), os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(request.body)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        finally:
            os.close(fd)
        return 200, {"offset": offset + len(request.body)}

    async def transfer(self, request: Request) -> Reply:
        return 200, {"transfer": self._transfer_json(), **self.public_status()}

    async def abort(self, request: Request) -> Reply:
        async with self._lock:
            if self._doc.get("transfer") is not None:
                self._discard_files()
                self._doc["transfer"] = None
                await asyncio.to_thread(self._save)
        return 200, {"transfer": None}

    async def commit(self, request: Request) -> Reply:
        body = request.json()
        async with self._lock:
            t = self._doc.get("transfer")
            if not isinstance(t, dict) or body.get("transfer_id") != t.get("transfer_id"):
                return _err(409, FirmwareErrorCode.NO_TRANSFER, "no such transfer")
            manifest = FirmwareManifest.from_json(t["manifest"])
            have = self._offset(t)
            if have != manifest.size:
                return _err(409, FirmwareErrorCode.INCOMPLETE,
                            f"{have} of {manifest.size} bytes received", offset=have)
            slot = str(t["slot"])
            size, digest = await asyncio.to_thread(file_sha256, self._partial(slot))
            if size != manifest.size or digest != manifest.sha256:
                self._discard_files()
                self._doc["transfer"] = None
                await asyncio.to_thread(self._save)
                return _err(422, FirmwareErrorCode.HASH_MISMATCH,
                            "the received image is not the signed image; transfer discarded")
            refused = self._check(manifest, str(t["signature"]))
            if refused is not None:
                return refused
            s = self._device.state
            previous = s.firmware
            os.replace(self._partial(slot), self._slot_file(slot))
            s.firmware_slots[slot] = manifest.version
            await self._device.persist_state()
            self._doc["transfer"] = None
            self._doc["pending_boot"] = {"slot": slot, "version": manifest.version,
                                         "from": previous, "sha256": manifest.sha256}
            await asyncio.to_thread(self._save)
            self._rebooting = True
            faults = self._doc.get("faults") or {}
            downtime = self.reboot_downtime_s
            if FAULT_NO_RETURN in faults:
                downtime = float(faults[FAULT_NO_RETURN].get("boot_delay_s") or DEFAULT_NO_RETURN_S)
            self._reboot_task = asyncio.create_task(self._reboot(downtime))
            return 200, {"rebooting": True, "downtime_s": downtime, "version": manifest.version,
                         "slot": slot, "boot_count": int(self._doc.get("boot_count") or 0)}

    async def _reboot(self, downtime: float) -> None:
        await asyncio.sleep(0.05)  # let the commit reply leave
        try:
            if self.reboot_hook is not None:
                await self.reboot_hook(downtime)
                return
            port = self._device.port
            await self._device.power_off()
            await asyncio.sleep(downtime)
            await self._device.power_on(port)
        except Exception:
            log.exception("%s: reboot after the firmware update failed", self._device.device_id)

    # --- fault hooks ------------------------------------------------------------------------

    def set_fault(self, name: str, enabled: bool = True, *, boot_delay_s: float | None = None) -> (
        dict[str, Any]
    ):
        """Set or clear a firmware fault hook (persisted); ValueError for an unknown one."""
        if name not in FIRMWARE_FAULTS:
            raise ValueError(f"unknown firmware fault {name[:40]!r}")
        faults = dict(self._doc.get("faults") or {})
        if enabled:
            entry: dict[str, Any] = {}
            if name == FAULT_NO_RETURN:
                delay = DEFAULT_NO_RETURN_S if boot_delay_s is None else float(boot_delay_s)
                if not 0 <= delay <= 24 * 3600:
                    raise ValueError("boot_delay_s must be 0..86400")
                entry["boot_delay_s"] = delay
            faults[name] = entry
        else:
            faults.pop(name, None)
        self._doc["faults"] = faults
        self._save()
        return {"device_id": self._device.device_id, "firmware_faults": faults}


async def handle_control(devices: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The virtual home's ``firmware-fault`` control command::

        {"command": "firmware-fault", "device_id", "fault": "fail-boot"|"no-return",
         "enabled": true, "boot_delay_s": 5}
    """
    from commissioner.virtualhome.control import CommandError

    device = devices.get(str(request.get("device_id")))
    firmware = getattr(device, "firmware", None)
    if not isinstance(firmware, FirmwareSlots):
        raise CommandError("unknown-device", "no such device in this home")
    enabled = request.get("enabled", True)
    delay = request.get("boot_delay_s")
    if not isinstance(enabled, bool) or (
        delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float))
    ):
        raise CommandError("bad-request", "enabled must be boolean, boot_delay_s a number")
    try:
        return firmware.set_fault(str(request.get("fault")), enabled, boot_delay_s=delay)
    except ValueError as err:
        raise CommandError("bad-request", str(err)) from None
