"""The simulator's lossy link (fault control for the lossy-link campaign): bytes pass intact
and in order, every chunk is delayed, lost chunks cost a retransmission stall, and a share of
connections is reset midway. Real sockets on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest

from commissioner.virtualhome.lossy_link import LossyLink


async def _echo_server() -> asyncio.Server:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(echo, "127.0.0.1", 0)


async def _through(link: LossyLink, payload: bytes) -> bytes:
    echo = await _echo_server()
    relay = await link.serve(echo.sockets[0].getsockname()[:2])
    try:
        reader, writer = await asyncio.open_connection(*relay.sockets[0].getsockname()[:2])
        got = b""
        for i in range(0, len(payload), 1000):
            writer.write(payload[i:i + 1000])
            await writer.drain()
            got += await reader.readexactly(min(1000, len(payload) - i))
        writer.close()
        return got
    finally:
        relay.close()
        echo.close()


def test_bytes_pass_intact_with_delay_and_loss() -> None:
    link = LossyLink(loss=0.3, delay=0.01, seed=7)
    payload = bytes(range(256)) * 40
    started = time.monotonic()
    assert asyncio.run(_through(link, payload)) == payload
    elapsed = time.monotonic() - started
    assert link.stats.connections == 1 and link.stats.chunks >= 2 * 11
    assert link.stats.lost > 0
    assert elapsed >= link.stats.chunks * 0.01  # every chunk waited its delay


def test_connections_are_reset_at_the_rate_asked() -> None:
    link = LossyLink(loss=0.0, delay=0.0, reset=0.999, seed=3)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        asyncio.run(_through(link, b"x" * 20000))
    assert link.stats.resets == 1


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="loss"):
        LossyLink(loss=1.5)
