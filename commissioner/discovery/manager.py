"""The discovery manager: merges what every transport sees into one list of devices.

Framework-free and single-loop: create it, its transports and its subscribers on one asyncio
loop and call everything from that loop. Transports report raw observations
(:meth:`DiscoveryManager.report_sighting`, :meth:`~DiscoveryManager.report_lost`,
:meth:`~DiscoveryManager.report_malformed`); the manager merges them by device id and tells its
subscribers what changed with the event types of :mod:`commissioner.discovery.events`.

Merging rules:

* A device is keyed by its device id; ``DeviceRecord.sightings`` holds one sighting per
  transport name. The first sighting of an id emits :class:`DeviceAdded`; a sighting that
  changes any field (other than ``seen_at``) emits :class:`DeviceUpdated`; when the last
  transport loses the device, :class:`DeviceRemoved` is emitted.
* Within one transport, one *source* (an mDNS service instance name, a BLE address) owns a
  device id. A second source of the same transport that claims an id already owned is not
  merged: it is shown as a malformed advertisement ("duplicate device id ...") because it is
  what a spoofing device looks like. If the owner goes away, the earliest remaining claimant
  takes over (its malformed entry is cleared first). Which source came first is a race, not
  proof: :meth:`DiscoveryManager.contested` lists every claim so that a use case can ask each
  endpoint to prove the id (certify keeps the one whose attestation verifies).
* A malformed source that becomes valid emits :class:`MalformedCleared` and then the device
  event; a valid source that becomes malformed loses its sighting first and then emits
  :class:`MalformedSeen`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from commissioner.discovery.events import (
    DeviceAdded,
    DeviceRecord,
    DeviceRemoved,
    DeviceUpdated,
    DiscoveryEvent,
    Listener,
    MalformedAdvertisement,
    MalformedCleared,
    MalformedSeen,
    Sighting,
    Unsubscribe,
)

__all__ = ["DiscoveryManager", "Transport"]

_LOGGER = logging.getLogger(__name__)

_SourceKey = tuple[str, str]  # (transport name, source)


class Transport(Protocol):
    """A way of seeing devices (mDNS, BLE, ...). Reports into the manager it is started with."""

    name: str

    async def async_start(self, manager: DiscoveryManager) -> None: ...

    async def async_stop(self) -> None: ...


def _same_content(a: Sighting, b: Sighting) -> bool:
    return dataclasses.replace(a, seen_at=0.0) == dataclasses.replace(b, seen_at=0.0)


class DiscoveryManager:
    """Merges sightings from transports by device id and publishes changes to listeners."""

    def __init__(
        self,
        transports: Sequence[Transport] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._transports: list[Transport] = []
        self._listeners: dict[object, Listener] = {}
        self._running = False
        self._starting: set[asyncio.Task[None]] = set()
        # Published state.
        self._devices: dict[str, DeviceRecord] = {}
        self._malformed: dict[_SourceKey, MalformedAdvertisement] = {}
        # Bookkeeping: the latest valid sighting of each source (owner or duplicate claimant),
        # and which source owns the sighting of a device on a transport.
        self._claims: dict[_SourceKey, Sighting] = {}
        self._owners: dict[tuple[str, str], str] = {}  # (transport, device_id) -> source
        for transport in transports:
            self.add_transport(transport)

    # Transports and lifecycle ----------------------------------------------------------------

    def add_transport(self, transport: Transport) -> None:
        """Add a transport; if the manager is running, the transport is started at once."""
        if any(t.name == transport.name for t in self._transports):
            raise ValueError(f"a transport named {transport.name!r} is already added")
        self._transports.append(transport)
        if self._running:
            task = asyncio.get_running_loop().create_task(self._start_one(transport))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _start_one(self, transport: Transport) -> None:
        try:
            await transport.async_start(self)
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("discovery transport %r failed to start", transport.name)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def transports(self) -> tuple[Transport, ...]:
        return tuple(self._transports)

    async def async_start(self) -> None:
        """Start every transport. If one fails, the ones already started are stopped again."""
        if self._running:
            return
        self._running = True
        started: list[Transport] = []
        try:
            for transport in list(self._transports):
                await transport.async_start(self)
                started.append(transport)
        except BaseException:
            self._running = False
            await self._stop_all(started)
            raise

    async def async_stop(self) -> None:
        """Stop every transport (idempotent). Known devices stay readable afterwards."""
        if not self._running:
            return
        self._running = False
        for task in list(self._starting):
            task.cancel()
        if self._starting:
            await asyncio.gather(*self._starting, return_exceptions=True)
        await self._stop_all(self._transports)

    async def _stop_all(self, transports: Sequence[Transport]) -> None:
        results = await asyncio.gather(
            *(t.async_stop() for t in transports), return_exceptions=True
        )
        for transport, result in zip(transports, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                _LOGGER.error(
                    "discovery transport %r failed to stop",
                    transport.name,
                    exc_info=result,
                )

    # Subscribers ----------------------------------------------------------------------------

    def async_subscribe(self, listener: Listener, *, replay: bool = True) -> Unsubscribe:
        """Call ``listener`` with every discovery event; returns a callable that unsubscribes.

        With ``replay`` the listener is first called (synchronously, before this returns) with
        :class:`DeviceAdded` for every known device and :class:`MalformedSeen` for every
        current malformed advertisement.
        """
        token = object()
        self._listeners[token] = listener
        if replay:
            for record in list(self._devices.values()):
                if token not in self._listeners:
                    break
                self._call(listener, DeviceAdded(record))
            for entry in list(self._malformed.values()):
                if token not in self._listeners:
                    break
                self._call(listener, MalformedSeen(entry))

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    def _call(self, listener: Listener, event: DiscoveryEvent) -> None:
        try:
            listener(event)
        except Exception:
            _LOGGER.exception("discovery listener %r failed on %r", listener, event)

    def _emit(self, event: DiscoveryEvent) -> None:
        for token, listener in list(self._listeners.items()):
            if token in self._listeners:  # may have unsubscribed during this dispatch
                self._call(listener, event)

    # Published state ------------------------------------------------------------------------

    @property
    def devices(self) -> Mapping[str, DeviceRecord]:
        return MappingProxyType(self._devices)

    @property
    def malformed(self) -> Mapping[tuple[str, str], MalformedAdvertisement]:
        return MappingProxyType(self._malformed)

    def source_device(self, transport: str, source: str) -> str | None:
        """The device id a source currently claims (owner or duplicate), if any."""
        claim = self._claims.get((transport, source))
        return claim.device_id if claim is not None else None

    def claims(self, transport: str, device_id: str) -> tuple[tuple[str, Sighting], ...]:
        """Every source of ``transport`` that claims ``device_id`` now, as (source, sighting):
        the owner first, then the duplicate claimants in the order they were seen."""
        owner = self._owners.get((transport, device_id))
        found = [
            (source, sighting) for (t, source), sighting in self._claims.items()
            if t == transport and sighting.device_id == device_id
        ]
        found.sort(key=lambda c: (c[0] != owner, c[1].seen_at, c[0]))
        return tuple(found)

    def contested(self, transport: str) -> dict[str, tuple[tuple[str, Sighting], ...]]:
        """Device ids that two or more sources of ``transport`` claim, with every claim: one
        of them is not the device (a spoofing attempt) until proven otherwise."""
        ids = sorted({s.device_id for (t, _), s in self._claims.items() if t == transport})
        out = {i: self.claims(transport, i) for i in ids}
        return {i: c for i, c in out.items() if len(c) > 1}

    # Reports from transports ----------------------------------------------------------------

    def report_sighting(self, source: str, sighting: Sighting) -> None:
        """A transport saw a valid advertisement from ``source``."""
        if sighting.seen_at == 0.0:
            sighting = dataclasses.replace(sighting, seen_at=self._clock())
        key = (sighting.transport, source)
        previous = self._claims.get(key)
        if previous is not None and previous.device_id != sighting.device_id:
            # The source now advertises another id: it no longer claims the old one.
            self._drop_claim(key)
        owner_key = (sighting.transport, sighting.device_id)
        owner = self._owners.get(owner_key)
        self._claims[key] = sighting
        if owner is None or owner == source:
            self._clear_malformed(key)
            self._owners[owner_key] = source
            self._set_sighting(sighting)
        else:
            self._set_malformed(
                MalformedAdvertisement(
                    transport=sighting.transport,
                    source=source,
                    reason=(
                        f"duplicate device id {sighting.device_id!r}: also advertised by {owner!r}"
                    ),
                    seen_at=sighting.seen_at,
                )
            )

    def report_lost(self, transport: str, source: str) -> None:
        """``source`` of ``transport`` went away (goodbye, expiry, out of range)."""
        key = (transport, source)
        self._drop_claim(key)
        self._clear_malformed(key)

    def report_malformed(self, entry: MalformedAdvertisement) -> None:
        """A transport saw an advertisement from ``entry.source`` that it could not accept."""
        if entry.seen_at == 0.0:
            entry = dataclasses.replace(entry, seen_at=self._clock())
        key = (entry.transport, entry.source)
        self._drop_claim(key)
        self._set_malformed(entry)

    # Internals ------------------------------------------------------------------------------

    def _set_malformed(self, entry: MalformedAdvertisement) -> None:
        key = (entry.transport, entry.source)
        current = self._malformed.get(key)
        self._malformed[key] = entry
        if current is None or current.reason != entry.reason:
            self._emit(MalformedSeen(entry))

    def _clear_malformed(self, key: _SourceKey) -> None:
        if self._malformed.pop(key, None) is not None:
            self._emit(MalformedCleared(transport=key[0], source=key[1]))

    def _set_sighting(self, sighting: Sighting) -> None:
        record = self._devices.get(sighting.device_id)
        if record is None:
            record = DeviceRecord(sighting.device_id, {sighting.transport: sighting})
            self._devices[sighting.device_id] = record
            self._emit(DeviceAdded(record))
            return
        current = record.sightings.get(sighting.transport)
        sightings = dict(record.sightings)
        sightings[sighting.transport] = sighting
        record = DeviceRecord(sighting.device_id, sightings)
        self._devices[sighting.device_id] = record
        if current is None or not _same_content(current, sighting):
            self._emit(DeviceUpdated(record))

    def _drop_claim(self, key: _SourceKey) -> None:
        """Forget the valid sighting of ``key``; if it owned a device, hand over or remove."""
        claim = self._claims.pop(key, None)
        if claim is None:
            return
        transport, source = key
        owner_key = (transport, claim.device_id)
        if self._owners.get(owner_key) != source:
            # A duplicate claimant: its malformed entry is cleared by the caller if needed.
            return
        del self._owners[owner_key]
        successor = self._successor(transport, claim.device_id)
        if successor is not None:
            succ_source, succ_sighting = successor
            self._owners[owner_key] = succ_source
            self._clear_malformed((transport, succ_source))
            self._set_sighting(succ_sighting)
            return
        record = self._devices.get(claim.device_id)
        if record is None:  # pragma: no cover - owners and devices are kept consistent
            return
        sightings = {t: s for t, s in record.sightings.items() if t != transport}
        if sightings:
            record = DeviceRecord(claim.device_id, sightings)
            self._devices[claim.device_id] = record
            self._emit(DeviceUpdated(record))
        else:
            del self._devices[claim.device_id]
            self._emit(DeviceRemoved(claim.device_id))

    def _successor(self, transport: str, device_id: str) -> tuple[str, Sighting] | None:
        candidates = [
            (sighting.seen_at, source, sighting)
            for (t, source), sighting in self._claims.items()
            if t == transport and sighting.device_id == device_id
        ]
        if not candidates:
            return None
        _, source, sighting = min(candidates, key=lambda c: (c[0], c[1]))
        return source, sighting
