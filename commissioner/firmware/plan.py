"""Plan a firmware update: per device, the running version (read over the attested TLS
connection, never from the advertisement) → the catalog's latest for the attested model.

Actions: ``update`` (behind the latest), ``current`` (already on the latest: skipped),
``no-firmware`` (the catalog has no firmware for the model), ``ahead`` (the device runs a
version newer than the catalog knows - nothing is installed, and it is reported),
``unreachable`` (could not be identified). ``vulnerable`` marks a running version the catalog
lists as known vulnerable (R3-6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from commissioner.backends import (
    DEFAULT_TIMEOUT,
    DeviceAddress,
    DeviceBackend,
    Identification,
    TrustStore,
    backend_for,
)
from commissioner.backends.errors import DeviceProtocolError
from commissioner.protocol.firmware_index import FirmwareIndex
from commissioner.protocol.firmware_manifest import parse_version


class PlanAction(StrEnum):
    UPDATE = "update"
    CURRENT = "current"
    NO_FIRMWARE = "no-firmware"
    AHEAD = "ahead"
    UNREACHABLE = "unreachable"


DeviceEndpoint = DeviceAddress
"""Where a device is: ``DeviceEndpoint(device_id, host, port)`` (the seam's address)."""


@dataclass(frozen=True, slots=True)
class PlanItem:
    device_id: str
    action: PlanAction
    reason: str
    host: str | None = None
    port: int | None = None
    manufacturer: str | None = None  # attested
    model: str | None = None  # attested
    kind: str | None = None
    fingerprint: str | None = None  # SHA-256 of the attestation certificate
    current: str | None = None
    latest: str | None = None
    vulnerable: bool = False
    advisory: str | None = None
    release_notes: str | None = None
    image_size: int | None = None
    image_sha256: str | None = None

    @property
    def needs_update(self) -> bool:
        return self.action is PlanAction.UPDATE

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "action": self.action.value, "reason": self.reason,
            "manufacturer": self.manufacturer, "model": self.model, "kind": self.kind,
            "current": self.current, "latest": self.latest, "vulnerable": self.vulnerable,
            "advisory": self.advisory, "release_notes": self.release_notes,
            "image_size": self.image_size, "image_sha256": self.image_sha256,
        }


def plan_from_identity(result: Identification, index: FirmwareIndex | None) -> PlanItem:
    """The plan for one identified device (pure)."""
    ident = result
    current = result.firmware_version
    base: dict[str, Any] = {
        "device_id": ident.device_id, "host": result.host, "port": result.port,
        "manufacturer": ident.manufacturer, "model": ident.model, "kind": ident.kind,
        "fingerprint": ident.fingerprint, "current": current,
    }
    model = index.for_model(ident.model) if index is not None else None
    if model is None or model.manufacturer != ident.manufacturer:
        return PlanItem(action=PlanAction.NO_FIRMWARE, reason=(
            f"the catalog has no firmware for {ident.manufacturer} {ident.model}"), **base)
    release = model.latest_release
    vulnerable = model.is_vulnerable(current)
    running = model.release(current)
    base.update(latest=model.latest, vulnerable=vulnerable,
                advisory=running.advisory if running is not None else None)
    if parse_version(current) == parse_version(model.latest):
        return PlanItem(action=PlanAction.CURRENT, reason=f"already runs the latest {current}",
                        **base)
    if parse_version(current) > parse_version(model.latest):
        return PlanItem(action=PlanAction.AHEAD, reason=(
            f"runs {current}, newer than the catalog's latest {model.latest}"), **base)
    image = release.image
    assert image is not None  # the index guarantees the latest has an image
    note = " (known vulnerable)" if vulnerable else ""
    return PlanItem(
        action=PlanAction.UPDATE, reason=f"{current}{note} → {model.latest}",
        release_notes=release.notes, image_size=image.size, image_sha256=image.sha256, **base,
    )


async def plan_device(
    endpoint: DeviceEndpoint,
    index: FirmwareIndex | None,
    trust: TrustStore,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per network step
    backend: DeviceBackend | None = None,
) -> PlanItem:
    """Identify the device (full attestation check) and plan it; never raises for the device."""
    try:
        device_backend = backend_for(trust, family=endpoint.family, override=backend)
        result = await device_backend.identify(endpoint, timeout=timeout)
        if not result.attested:
            return PlanItem(device_id=endpoint.device_id, action=PlanAction.NO_FIRMWARE,
                            reason="the device's identity is not attested, so no firmware "
                            "can be chosen for it", host=endpoint.host, port=endpoint.port)
    except DeviceProtocolError as err:
        return PlanItem(device_id=endpoint.device_id, action=PlanAction.UNREACHABLE,
                        reason=f"cannot identify the device: {err.message}",
                        host=endpoint.host, port=endpoint.port)
    except OSError as err:
        return PlanItem(device_id=endpoint.device_id, action=PlanAction.UNREACHABLE,
                        reason=f"cannot identify the device: {err}",
                        host=endpoint.host, port=endpoint.port)
    return plan_from_identity(result, index)


async def plan_home(
    endpoints: Sequence[DeviceEndpoint],
    index: FirmwareIndex | None,
    trust: TrustStore,
    *,
    concurrency: int = 16,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - per device and network step
    on_item: Callable[[PlanItem], None] | None = None,
    backend: DeviceBackend | None = None,
) -> list[PlanItem]:
    """Plan every device, at most ``concurrency`` connections at once, in input order."""
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(ep: DeviceEndpoint) -> PlanItem:
        async with sem:
            item = await plan_device(ep, index, trust, timeout=timeout, backend=backend)
        if on_item is not None:
            on_item(item)
        return item

    return list(await asyncio.gather(*(one(e) for e in endpoints)))
