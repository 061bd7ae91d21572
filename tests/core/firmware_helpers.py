"""Helpers for the firmware-update tests: an in-process virtual home (real TLS, real TUF
catalog over HTTP on 127.0.0.1, real files), its synced catalog, labels and endpoints."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from commissioner.firmware.cache import FirmwareCache, ImageProvider
from commissioner.firmware.plan import DeviceEndpoint, PlanItem, plan_device
from commissioner.firmware.push import SetupCodeAccess, UpdateOptions
from commissioner.protocol.catalog_format import Catalog
from commissioner.protocol.client import DeviceSession, TrustStore, open_session
from commissioner.protocol.label import Label
from commissioner.trust.catalog import CatalogConfig, async_sync
from commissioner.trust.gate import trust_store_for
from commissioner.virtualhome.device import VirtualDevice
from commissioner.virtualhome.firmware_catalog import SIZE_ENV
from commissioner.virtualhome.home import VirtualHome, prepare_home
from commissioner.virtualhome.labels import read_label_file

FAST = UpdateOptions(timeout=3.0, stall_timeout=15.0, reboot_timeout=10.0, poll_interval=0.05)


@contextmanager
def image_size(size: int) -> Iterator[None]:
    old = os.environ.get(SIZE_ENV)
    os.environ[SIZE_ENV] = str(size)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(SIZE_ENV, None)
        else:
            os.environ[SIZE_ENV] = old


@dataclass
class FwHome:
    home: VirtualHome
    directory: Path
    catalog: Catalog
    config: CatalogConfig
    trust: TrustStore
    cache: FirmwareCache

    def device(self, device_id: str) -> VirtualDevice:
        return self.home.devices[device_id]

    @property
    def device_ids(self) -> list[str]:
        return [d.device_id for d in self.home.manifest.devices]

    def endpoint(self, device_id: str) -> DeviceEndpoint:
        return DeviceEndpoint(device_id, "127.0.0.1", self.device(device_id).port)

    def label(self, device_id: str) -> Label:
        return read_label_file(self.directory / "labels" / f"{device_id}.json")

    def access(self) -> SetupCodeAccess:
        ids = [*self.device_ids, self.home.manifest.gateway.device_id]
        return SetupCodeAccess({i: self.label(i) for i in ids})

    async def wire_session(self, device_id: str) -> DeviceSession:
        """A raw, setup-code authenticated session of the protocol (device-side tests)."""
        ep = self.endpoint(device_id)
        session = await open_session(ep.host, ep.port, self.trust, timeout=3.0)
        try:
            await session.authenticate(self.label(device_id))
        except BaseException:
            await session.aclose()
            raise
        return session

    def provider(self) -> ImageProvider:
        assert self.catalog.firmware is not None
        return ImageProvider(self.cache, self.catalog.firmware, self.config)

    async def plan(self, device_id: str) -> PlanItem:
        return await plan_device(self.endpoint(device_id), self.catalog.firmware, self.trust)

    async def resolve(self, device_id: str) -> DeviceEndpoint | None:
        return self.endpoint(device_id)


@asynccontextmanager
async def fw_home(
    tmp_path: Path,
    *,
    scenario: str = "standard",
    devices: int = 1,
    size: int = 256 * 1024,
    reboot_s: float = 0.2,
) -> AsyncIterator[FwHome]:
    directory = tmp_path / "home"
    with image_size(size):
        manifest = await asyncio.to_thread(prepare_home, directory, scenario, devices)
        home = VirtualHome(directory, manifest)
        home_file = await home.start()
    try:
        for d in home.devices.values():
            d.firmware.reboot_downtime_s = reboot_s
        config = CatalogConfig(
            url=home_file.catalog_url, cache_dir=tmp_path / "catalog-cache",
            trusted_root=(directory / "catalog" / "root.json").read_bytes(),
        )
        catalog = await async_sync(config)
        trust = trust_store_for(catalog)
        assert trust is not None
        yield FwHome(home, directory, catalog, config, trust,
                     FirmwareCache(tmp_path / "data" / "firmware-cache"))
    finally:
        await home.stop()


class DroppingRelay:
    """A loopback TCP relay in front of a device that cuts the connection once, after
    ``drop_after`` bytes went from the app to the device (a dropped Wi-Fi link). TLS passes
    through untouched: the app still verifies the device end to end."""

    def __init__(self, target_port: int, drop_after: int) -> None:
        self.target_port = target_port
        self.drop_after = drop_after
        self.dropped = 0
        self._sent = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> DroppingRelay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, count: bool) -> None:
            try:
                while data := await r.read(65536):
                    if count and not self.dropped:
                        self._sent += len(data)
                        if self._sent >= self.drop_after:
                            self.dropped += 1
                            writer.transport.abort()
                            up_w.transport.abort()
                            return
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_w, True), pipe(up_r, writer, False))
