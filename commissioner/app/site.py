"""Where the work happens: a real home (:class:`FieldSite`) or a training home
(:class:`TrainingSite`).

This is the one place the product knows that training mode exists. A use case asks its site:

* which interfaces mDNS may use (a training home's are loopback; a field site's come from the
  command line or ``settings.toml``);
* where the signed catalog comes from (URL, cache folder, trust root);
* which devices belong to the home and where they are when they were not heard (training only:
  ``home.json``; in the field, only what discovery heard counts);
* the box labels it may read without a scan (training only), the home network for BLE
  onboarding, the BLE transport, and where a rebooted device is now.

A training home is read through :mod:`commissioner.app.training_home` (format:
``docs/training-home.md``), never by importing the simulator.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from commissioner.app.training_home import (
    HOME_FILE,
    TrainingHome,
    TrainingHomeError,
    read_training_home,
)
from commissioner.errors import UserError
from commissioner.protocol.ble_pake import NetworkConfig
from commissioner.protocol.echonet import ECHONET_PORT
from commissioner.protocol.errors import DeviceProtocolError
from commissioner.protocol.label import Label, decode_label
from commissioner.resources import resources_dir
from commissioner.settings import Settings, validate_interfaces

PRODUCTION_ROOT: Final = resources_dir() / "trust" / "root.json"
MAX_SMALL_FILE: Final = 64 * 1024

SiteKind = Literal["field", "training"]


@dataclass(frozen=True, slots=True)
class CatalogSource:
    """Where a site's signed catalog comes from."""

    url: str | None  # None: the URL of the last successful sync
    cache_dir: Path
    root_file: Path


@dataclass(frozen=True, slots=True)
class ListedDevice:
    """A device the site knows of without hearing it (training: listed in home.json)."""

    device_id: str
    role: str
    kind: str
    manufacturer: str
    model: str
    host: str
    port: int
    family: str = "shc"  # the device backend that reaches it


class Site(ABC):
    """What a use case may ask of the place it works on."""

    kind: SiteKind

    @abstractmethod
    def mdns_interfaces(
        self, settings: Settings, explicit: Sequence[str] | None
    ) -> tuple[str, ...]:
        """The interfaces mDNS may use (explicit ones first)."""

    @abstractmethod
    def catalog_source(self, data_dir: Path, settings: Settings) -> CatalogSource: ...

    def echonet_interfaces(self, settings: Settings, mdns: Sequence[str]) -> tuple[str, ...]:
        """The IPv4 interfaces ECHONET Lite discovery may use: ``echonet_interfaces`` from the
        settings, else the IPv4 ones among the mDNS interfaces in use (``mdns``)."""
        if settings.echonet_interfaces is not None:
            return settings.echonet_interfaces
        return tuple(a for a in mdns if ":" not in a)

    def echonet_unavailable(self) -> str | None:
        """Why the site's ECHONET Lite equipment cannot be reached (None: nothing to say)."""
        return None

    def own_device_ids(self) -> frozenset[str] | None:
        """The ids that belong to this home, or None when whatever is heard may belong."""
        return None

    def listed_devices(self) -> tuple[ListedDevice, ...]:
        """Devices known without a scan (to check at their listed address if not heard)."""
        return ()

    def expected_count(self) -> int | None:
        """How many devices a scan should find (None: unknown)."""
        return None

    def endpoints(self) -> dict[str, tuple[str, int]]:
        """Where the site says each device is now (training: home.json; field: nothing)."""
        return {}

    def box_labels(self, device_ids: Sequence[str]) -> dict[str, Label]:
        """Labels readable without scanning a box (training, only when the trainer enabled
        it: a field site never reads a label it was not shown)."""
        return {}

    @property
    def box_labels_enabled(self) -> bool:
        """Does :meth:`box_labels` read labels (a training option; never in the field)?"""
        return False

    def network_config(self) -> NetworkConfig | None:
        """The home network for BLE onboarding, when the site knows it."""
        return None

    def ble_transport(self) -> str | None:
        """The BLE transport to open (None: the platform's Bluetooth)."""
        return None

    def trust_roots_pem(self) -> bytes | None:
        """Manufacturer roots to trust without a catalog (training only)."""
        return None

    async def locate(self, device_id: str) -> tuple[str, int] | None:
        """Where a device is now, after a reboot (None: the site cannot say)."""
        return None

    @property
    def training(self) -> bool:
        return self.kind == "training"


class FieldSite(Site):
    """A real home: interfaces and catalog from the settings, devices only as heard."""

    kind: SiteKind = "field"

    def mdns_interfaces(
        self, settings: Settings, explicit: Sequence[str] | None
    ) -> tuple[str, ...]:
        if explicit:
            return validate_interfaces(list(explicit))
        return settings.mdns_interfaces

    def catalog_source(self, data_dir: Path, settings: Settings) -> CatalogSource:
        return CatalogSource(settings.catalog_url, data_dir / "catalog", PRODUCTION_ROOT)


class TrainingSite(Site):
    """A virtual home on this computer (loopback only), described by its ``home.json``."""

    kind: SiteKind = "training"

    def __init__(self, directory: Path, *, read_box_labels: bool = False) -> None:
        """``read_box_labels``: read every box label from the home's folder without a scan
        (an explicit training option; off, labels are scanned, typed or read from images)."""
        self.directory = Path(directory)
        self.read_box_labels = read_box_labels
        self._stamp = self._file_stamp()
        self._loaded = read_training_home(self.directory)

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.directory / HOME_FILE).stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    @property
    def _home(self) -> TrainingHome:
        """The home as its file says now: home.json is read again whenever it changed (a
        restarted virtual home has new ports; a trainer may edit it)."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._loaded = read_training_home(self.directory)
            self._stamp = stamp
        return self._loaded

    @property
    def home(self) -> TrainingHome:
        return self._home

    def refresh(self) -> TrainingHome:
        """Read home.json again."""
        self._loaded = read_training_home(self.directory)
        self._stamp = self._file_stamp()
        return self._loaded

    def mdns_interfaces(
        self, settings: Settings, explicit: Sequence[str] | None
    ) -> tuple[str, ...]:
        if explicit:
            return validate_interfaces(list(explicit))
        return validate_interfaces(list(self._home.mdns_interfaces))

    def catalog_source(self, data_dir: Path, settings: Settings) -> CatalogSource:
        # Training data never mixes with the production catalog's cache.
        tag = hashlib.sha256(str(self.directory.resolve()).encode()).hexdigest()[:16]
        return CatalogSource(self._home.catalog_url, data_dir / "catalog-virtual-home" / tag,
                             self.directory / "catalog" / "root.json")

    def own_device_ids(self) -> frozenset[str] | None:
        return self._home.device_ids

    def echonet_interfaces(self, settings: Settings, mdns: Sequence[str]) -> tuple[str, ...]:
        # Only the home's own loopback addresses, and only while its equipment runs.
        echonet = self._home.echonet
        return echonet.interfaces if echonet is not None and echonet.running else ()

    def echonet_unavailable(self) -> str | None:
        echonet = self._home.echonet
        if echonet is None or echonet.running:
            return None
        return echonet.reason or "the virtual home's ECHONET Lite equipment is not running"

    def listed_devices(self) -> tuple[ListedDevice, ...]:
        listed = [ListedDevice(d.device_id, d.role, d.kind, d.manufacturer, d.model, d.host,
                               d.port) for d in self._home.everything]
        echonet = self._home.echonet
        if echonet is not None and echonet.running:
            listed += [ListedDevice(e.device_id, "device", e.kind, e.manufacturer_code,
                                    e.product_code, e.host, ECHONET_PORT, "echonet-lite")
                       for e in echonet.equipment]
        return tuple(listed)

    def expected_count(self) -> int | None:
        echonet = self._home.echonet
        extra = len(echonet.equipment) if echonet is not None and echonet.running else 0
        return len(self._home.everything) + extra

    def endpoints(self) -> dict[str, tuple[str, int]]:
        return self._home.endpoints()

    @property
    def box_labels_enabled(self) -> bool:
        return self.read_box_labels

    def box_labels(self, device_ids: Sequence[str]) -> dict[str, Label]:
        if not self.read_box_labels:
            return {}
        out: dict[str, Label] = {}
        for device_id in device_ids:
            path = self._home.label_path(device_id)
            if path is None:
                continue
            label = read_label_file(path)
            if label is not None and label.device_id == device_id:
                out[device_id] = label
        return out

    def network_config(self) -> NetworkConfig | None:
        ble = self._home.ble
        if ble is None:
            return None
        path = self.directory / ble.network
        raw = _small_json(path, "network configuration")
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k), str) for k in ("ssid", "passphrase", "home_id")
        ):
            raise UserError(code="network-file.members", params={"path": path})
        config = NetworkConfig(raw["ssid"], raw["passphrase"], raw["home_id"])
        try:
            config.validate()
        except ValueError as err:
            raise UserError(
                code="network-file.invalid", params={"path": path, "detail": err}) from None
        return config

    def ble_transport(self) -> str | None:
        if self._home.ble is None:
            raise UserError(code="training.no-ble")
        return self._home.ble.transport

    def trust_roots_pem(self) -> bytes | None:
        path = self.directory / self._home.trust_roots
        try:
            return path.read_bytes()
        except OSError as exc:
            raise UserError(
                code="training.roots-unreadable", params={"path": path, "reason": exc}) from None

    async def locate(self, device_id: str) -> tuple[str, int] | None:
        import asyncio

        try:
            home = await asyncio.to_thread(self.refresh)
        except TrainingHomeError:
            return None
        return home.endpoints().get(device_id)


def _small_json(path: Path, what: str) -> object:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SMALL_FILE + 1)
    except OSError as exc:
        raise UserError(
            code="file.cannot-read",
            params={"path": path, "reason": exc.strerror or exc}) from None
    if len(data) > MAX_SMALL_FILE:
        raise UserError(code="file.too-large", params={"path": path})
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise UserError(code="file.not-json", params={"path": path}) from None


def read_label_file(path: Path) -> Label | None:
    """A box label written as JSON with its ``qr_payload`` (training homes); None when the file
    is missing or unreadable. The QR payload is authoritative and must agree with the fields."""
    try:
        raw = _small_json(path, "label file")
    except UserError:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("qr_payload"), str):
        return None
    try:
        label = decode_label(raw["qr_payload"])
    except (DeviceProtocolError, ValueError):
        return None
    for key in ("device_id", "manufacturer", "model", "serial", "setup_code", "kind"):
        if raw.get(key) != getattr(label, key):
            return None
    return label


def read_label_folder(directory: Path, device_ids: Sequence[str] | None = None) -> list[Label]:
    """Every readable label file (``<device id>.json``) of a folder; only ``device_ids``
    if given."""
    wanted = None if device_ids is None else set(device_ids)
    out: list[Label] = []
    for path in sorted(Path(directory).glob("*.json")):
        if path.name == "index.json" or (wanted is not None and path.stem not in wanted):
            continue
        label = read_label_file(path)
        if label is not None:
            out.append(label)
    return out


def make_site(virtual_home: Path | None, *, read_box_labels: bool = False) -> Site:
    """The training site of ``virtual_home`` (``read_box_labels``: the training option that
    reads every box label without a scan), or the field site (which never does)."""
    if virtual_home is None:
        if read_box_labels:
            raise UserError(code="training.auto-labels-field")
        return FieldSite()
    return TrainingSite(virtual_home, read_box_labels=read_box_labels)
