"""Run an impostor of a virtual home's device (virtualhome/impostor.py) alongside a test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncZeroconf

from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.impostor import Impostor


@contextmanager
def impostor_of(home: HomeFile, device_id: str) -> Iterator[Impostor]:
    """Run an impostor of ``device_id`` on its own loop and zeroconf (another host, really)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, object] = {}

    async def run() -> None:
        stop = asyncio.Event()
        box["stop"] = stop
        zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        impostor = Impostor(home.directory, device_id)
        try:
            await impostor.start(zc)
            box["impostor"] = impostor
        except Exception as err:  # noqa: BLE001 - handed to the test thread
            box["error"] = err
        ready.set()
        await stop.wait()
        await impostor.stop()
        await zc.async_close()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        if "error" in box:
            raise AssertionError(f"impostor did not start: {box['error']}")
        impostor = box["impostor"]
        assert isinstance(impostor, Impostor)
        yield impostor
    finally:
        stop = box.get("stop")
        if isinstance(stop, asyncio.Event):
            loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
