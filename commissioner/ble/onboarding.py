"""Onboarding over GATT: give a factory device the home network configuration (spec 18.3, 18.4).

Public API (framework-free; call on the event loop that owns the :class:`BleAdapter`)::

    result = await onboard_device(adapter, ble_device, label, network, progress=cb)
    results = await onboard_devices(adapter, [(ble_device, label), ...], network,
                                    concurrency=4, progress=cb)

``ble_device`` is a bleak ``BLEDevice`` (from :meth:`BleTransport.ble_device`) or an address.
``progress`` is called with :class:`OnboardingProgress` at every step; a result never raises for
a per-device failure: :class:`OnboardingResult` carries ``ok``, ``reason`` and ``message``.

Order of checks, and what is sent when:

1. connect (bounded by ``connect_timeout``: an absent device times out, never hangs);
2. read the info characteristic and compare device id, manufacturer, model, serial and kind with
   the scanned label — a mismatch stops here (``label-mismatch``) with nothing written;
3. SPAKE2: write pA, read pB ‖ cB; if cB does not verify (wrong setup code or an impostor)
   stop (``bad-setup-code``): pA reveals nothing about the code and nothing else was written;
4. only then write cA ‖ AES-GCM(network configuration), and poll the status until the device
   reports it joined the network (``join_timeout``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError, BleakGATTProtocolError

from commissioner.ble.adapter import BleAdapter
from commissioner.protocol.ble_errors import BleError, MalformedBleError
from commissioner.protocol.ble_pake import NetworkConfig, Spake2App, confirm_equal, seal_config
from commissioner.protocol.ble_spec import (
    CONFIG_CHAR_UUID,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_OP_TIMEOUT,
    INFO_CHAR_UUID,
    MAC_BYTES,
    MAX_INFO_BYTES,
    ONBOARDING_SERVICE_UUID,
    PAKE_CHAR_UUID,
    POINT_BYTES,
    STATUS_CHAR_UUID,
    AttAppError,
    OnboardingStatus,
)
from commissioner.protocol.label import Label
from commissioner.protocol.spec import (
    DEVICE_ID_RE,
    SUPPORTED_PROTOCOL_VERSIONS,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DeviceInfo",
    "OnboardingProgress",
    "OnboardingResult",
    "OnboardingStep",
    "ProgressCallback",
    "onboard_device",
    "onboard_devices",
    "parse_info",
]

_LOGGER = logging.getLogger(__name__)

DEFAULT_CONCURRENCY: Final = 4
DEFAULT_JOIN_TIMEOUT: Final = 10.0
STATUS_POLL_S: Final = 0.05

_ATT_REASONS: Final[dict[int, tuple[str, str]]] = {
    AttAppError.OUT_OF_ORDER: ("malformed-reply", "the device refused a step out of order"),
    AttAppError.MALFORMED: ("malformed-reply", "the device refused a malformed message"),
    AttAppError.RATE_LIMITED: (
        "rate-limited", "too many failed sessions; the device accepts another attempt later"),
    AttAppError.BAD_CONFIRMATION: ("bad-setup-code", "key confirmation failed"),
    AttAppError.BUSY: ("busy", "another app is onboarding this device"),
    AttAppError.BAD_CONFIG: ("config-rejected", "the device refused the network configuration"),
    AttAppError.JOIN_FAILED: (
        "join-failed", "the device could not join the network with this configuration"),
}


class OnboardingStep(StrEnum):
    CONNECTING = "connecting"
    READING_INFO = "reading-info"
    PAKE = "pake"
    SENDING_CONFIG = "sending-config"
    JOINING = "joining"
    JOINED = "joined"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OnboardingProgress:
    device_id: str
    step: OnboardingStep
    message: str = ""


@dataclass(frozen=True, slots=True)
class OnboardingResult:
    device_id: str
    ok: bool
    reason: str | None = None  # BleError reason when not ok
    message: str = ""
    elapsed: float = 0.0
    config_sent: bool = False  # True once the sealed configuration was written
    claimants: tuple[str, ...] = ()  # duplicate-device: the BLE addresses claiming the id

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "ok": self.ok,
            "reason": self.reason,
            "message": self.message,
            "elapsed_s": round(self.elapsed, 3),
            "config_sent": self.config_sent,
            **({"claimants": list(self.claimants)} if self.claimants else {}),
        }


ProgressCallback = Callable[[OnboardingProgress], None]


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """The info characteristic, as the device reports it (self-asserted; checked by PAKE)."""

    protocol_version: str
    device_id: str
    kind: str
    manufacturer: str
    model: str
    serial: str
    firmware: str
    state: str
    on_network: bool


_INFO_KEYS: Final = frozenset({"pv", "id", "k", "mf", "mn", "sn", "fw", "st", "net"})


def parse_info(raw: bytes) -> DeviceInfo:
    """Strict parse of the info characteristic; MalformedBleError otherwise."""
    if len(raw) > MAX_INFO_BYTES:
        raise MalformedBleError("malformed-reply", "device info is too long")
    try:
        body = json.loads(bytes(raw).decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedBleError("malformed-reply", "device info is not ASCII JSON") from None
    if not isinstance(body, dict) or set(body) != _INFO_KEYS:
        raise MalformedBleError("malformed-reply", "device info has the wrong members")
    text = {k: v for k, v in body.items() if k != "net"}
    if not all(isinstance(v, str) for v in text.values()) or not isinstance(body["net"], bool):
        raise MalformedBleError("malformed-reply", "device info has values of the wrong type")
    if body["pv"] not in SUPPORTED_PROTOCOL_VERSIONS:
        raise MalformedBleError("malformed-reply", f"unsupported protocol {body['pv'][:8]!r}")
    if not DEVICE_ID_RE.fullmatch(body["id"]):
        raise MalformedBleError("malformed-reply", "device info has an invalid device id")
    return DeviceInfo(
        body["pv"], body["id"], body["k"], body["mf"], body["mn"], body["sn"], body["fw"],
        body["st"], body["net"],
    )


def _check_label(info: DeviceInfo, label: Label) -> None:
    for name, reported, expected in (
        ("device-id", info.device_id, label.device_id),
        ("manufacturer", info.manufacturer, label.manufacturer),
        ("model", info.model, label.model),
        ("serial", info.serial, label.serial),
        ("kind", info.kind, label.kind),
    ):
        if reported != expected:
            raise BleError(
                "label-mismatch",
                f"the label is for another device: {name} {expected!r} on the label, "
                f"{reported[:40]!r} reported by the device; nothing was sent",
            )


class _Session:
    def __init__(self, device_id: str, op_timeout: float) -> None:
        self.device_id = device_id
        self.op_timeout = op_timeout
        self.lost = False

    def on_disconnect(self, client: BleakClient) -> None:
        self.lost = True

    async def op(self, what: str, coro: Any) -> Any:
        try:
            async with asyncio.timeout(self.op_timeout):
                return await coro
        except BleakGATTProtocolError as exc:
            code = int(exc.args[0]) if exc.args else 0
            reason, message = _ATT_REASONS.get(
                code, ("gatt-error", f"the device answered GATT error 0x{code:02X} to {what}")
            )
            raise BleError(reason, message) from None
        except TimeoutError:
            if self.lost:
                raise BleError("device-lost", f"the device disappeared during {what}") from None
            raise BleError(
                "op-timeout", f"{what} did not complete within {self.op_timeout:g} s"
            ) from None
        except BleakError as exc:
            if self.lost or "disconnected" in str(exc).lower():
                raise BleError("device-lost", f"the device disappeared during {what}") from None
            raise BleError("backend", f"{what} failed: {exc}") from None


async def onboard_device(
    adapter: BleAdapter,
    device: BLEDevice | str,
    label: Label,
    network: NetworkConfig,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    op_timeout: float = DEFAULT_OP_TIMEOUT,
    join_timeout: float = DEFAULT_JOIN_TIMEOUT,
    progress: ProgressCallback | None = None,
) -> OnboardingResult:
    """Onboard one device; never raises for a device failure (see the module docstring)."""
    network.validate()
    started = time.monotonic()
    device_id = label.device_id
    sent = False

    def report(step: OnboardingStep, message: str = "") -> None:
        if progress is not None:
            try:
                progress(OnboardingProgress(device_id, step, message))
            except Exception:
                _LOGGER.exception("onboarding progress callback failed")

    session = _Session(device_id, op_timeout)
    client: BleakClient | None = None
    try:
        report(OnboardingStep.CONNECTING)
        client = adapter.client(
            device, timeout=connect_timeout, disconnected_callback=session.on_disconnect
        )
        try:
            async with asyncio.timeout(connect_timeout + 2.0):
                await client.connect()
        except (TimeoutError, BleakError) as exc:
            raise BleError(
                "connect-timeout",
                f"could not connect within {connect_timeout:g} s (device absent or out of range)",
            ) from exc
        if client.services.get_service(ONBOARDING_SERVICE_UUID) is None:
            raise BleError("not-onboardable", "the device offers no onboarding service")

        report(OnboardingStep.READING_INFO)
        info_raw = bytes(await session.op("reading the device info",
                                          client.read_gatt_char(INFO_CHAR_UUID)))
        try:
            info = parse_info(info_raw)
        except MalformedBleError as exc:
            raise BleError("malformed-reply", exc.message) from None
        _check_label(info, label)

        report(OnboardingStep.PAKE)
        pake = Spake2App(label.setup_code, label.serial, label.device_id, info_raw)
        await session.op("the key exchange",
                         client.write_gatt_char(PAKE_CHAR_UUID, pake.pa, response=True))
        reply = bytes(await session.op("the key exchange", client.read_gatt_char(PAKE_CHAR_UUID)))
        if len(reply) != POINT_BYTES + MAC_BYTES:
            raise BleError("malformed-reply", "the key exchange reply has the wrong length")
        try:
            keys = pake.finish(reply[:POINT_BYTES])
        except MalformedBleError as exc:
            raise BleError("malformed-reply", exc.message) from None
        if not confirm_equal(keys.confirm_b, reply[POINT_BYTES:]):
            raise BleError(
                "bad-setup-code",
                "the device could not prove the setup code (wrong code, or not the labelled "
                "device); nothing sensitive was sent",
            )

        report(OnboardingStep.SENDING_CONFIG)
        message = keys.confirm_a + seal_config(keys, network)
        sent = True
        await session.op("sending the network configuration",
                         client.write_gatt_char(CONFIG_CHAR_UUID, message, response=True))

        report(OnboardingStep.JOINING)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + join_timeout
        while True:
            status = bytes(await session.op("reading the status",
                                            client.read_gatt_char(STATUS_CHAR_UUID)))
            code = status[0] if len(status) == 1 else -1
            if code == OnboardingStatus.JOINED:
                break
            if code == OnboardingStatus.FAILED:
                raise BleError("join-failed", "the device could not join the network")
            if code != OnboardingStatus.JOINING:
                raise BleError("malformed-reply", f"unexpected status {status[:4].hex()}")
            if loop.time() > deadline:
                raise BleError("join-timeout", f"not joined within {join_timeout:g} s")
            await asyncio.sleep(STATUS_POLL_S)
        report(OnboardingStep.JOINED)
        return OnboardingResult(
            device_id, True, None, "joined the network", time.monotonic() - started, True
        )
    except BleError as exc:
        report(OnboardingStep.FAILED, exc.message)
        return OnboardingResult(
            device_id, False, exc.reason, exc.message, time.monotonic() - started, sent
        )
    except ValueError as exc:  # a label whose setup code is unusable
        report(OnboardingStep.FAILED, str(exc))
        return OnboardingResult(
            device_id, False, "bad-label", str(exc), time.monotonic() - started, sent
        )
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(3.0):
                    await client.disconnect()


async def onboard_devices(
    adapter: BleAdapter,
    targets: Sequence[tuple[BLEDevice | str, Label]],
    network: NetworkConfig,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    op_timeout: float = DEFAULT_OP_TIMEOUT,
    join_timeout: float = DEFAULT_JOIN_TIMEOUT,
    progress: ProgressCallback | None = None,
) -> list[OnboardingResult]:
    """Onboard several devices, at most ``concurrency`` at a time; results in input order.

    One device's failure never stops the others.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    gate = asyncio.Semaphore(concurrency)

    async def one(device: BLEDevice | str, label: Label) -> OnboardingResult:
        async with gate:
            return await onboard_device(
                adapter, device, label, network,
                connect_timeout=connect_timeout, op_timeout=op_timeout,
                join_timeout=join_timeout, progress=progress,
            )

    return list(await asyncio.gather(*(one(d, lbl) for d, lbl in targets)))
