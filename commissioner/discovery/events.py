"""Value types that discovery hands to its subscribers (CLI, GUI, jobs).

Plain frozen dataclasses: safe to pass across threads and to copy into Qt models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from commissioner.protocol.spec import CommissioningState, Role


@dataclass(frozen=True, slots=True)
class Sighting:
    """One transport's latest view of one device."""

    transport: str  # "mdns" or "ble"
    device_id: str
    role: Role
    kind: str
    manufacturer: str
    model: str
    firmware: str
    state: CommissioningState
    protocol_version: str
    address: str | None  # IP address (mDNS) or BLE address
    port: int | None  # TLS API port (mDNS only)
    rssi: int | None = None  # BLE only
    seen_at: float = 0.0  # time.monotonic() of the sighting


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device merged from every transport that has seen it, keyed by device id."""

    device_id: str
    sightings: Mapping[str, Sighting] = field(default_factory=dict)

    @property
    def latest(self) -> Sighting:
        return max(self.sightings.values(), key=lambda s: s.seen_at)

    @property
    def transports(self) -> tuple[str, ...]:
        return tuple(sorted(self.sightings))

    @property
    def network(self) -> Sighting | None:
        """The mDNS sighting (the one with a TLS endpoint), if any."""
        return self.sightings.get("mdns")


@dataclass(frozen=True, slots=True)
class MalformedAdvertisement:
    """An advertisement that could not be parsed; shown to the installer, never dropped."""

    transport: str
    source: str  # mDNS service instance name or BLE address
    reason: str
    seen_at: float = 0.0


@dataclass(frozen=True, slots=True)
class DeviceAdded:
    record: DeviceRecord


@dataclass(frozen=True, slots=True)
class DeviceUpdated:
    record: DeviceRecord


@dataclass(frozen=True, slots=True)
class DeviceRemoved:
    device_id: str


@dataclass(frozen=True, slots=True)
class MalformedSeen:
    entry: MalformedAdvertisement


@dataclass(frozen=True, slots=True)
class MalformedCleared:
    """The source of a malformed advertisement went away."""

    transport: str
    source: str


DiscoveryEvent = DeviceAdded | DeviceUpdated | DeviceRemoved | MalformedSeen | MalformedCleared
Listener = Callable[[DiscoveryEvent], None]
Unsubscribe = Callable[[], None]
