"""A lossy link between the app and a running virtual home (fault control; the kernel here
has no ``netem``): a userspace TCP relay per device on loopback that delays every chunk, adds
the stall of a retransmission to a share of them (``loss``: what a lost segment costs a TCP
stream) and resets a share of connections midway (``reset``).

    commissioner virtual-home ctl DIR lossy-link OUT_DIR --loss 0.1 --delay 0.2

``OUT_DIR`` becomes a view of the home whose ``home.json`` points at the relays (every other
entry links back to ``DIR``); point the app at it (``--virtual-home OUT_DIR``). The relay runs
until interrupted and prints one line when ready. The link does not change what a device
says: TLS runs end to end through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from commissioner.atomic_file import write_atomic

READY_PREFIX: Final = "lossy link ready:"
HOME_FILE: Final = "home.json"
CHUNK: Final = 4096
RETRANSMIT_S: Final = 0.2  # the minimum TCP retransmission timeout


@dataclass
class LinkStats:
    connections: int = 0
    chunks: int = 0
    lost: int = 0
    resets: int = 0


@dataclass
class LossyLink:
    """Per-chunk ``delay`` seconds each way, ``loss`` share of chunks stalled for a
    retransmission, ``reset`` share of connections cut after a random number of chunks."""

    loss: float = 0.1
    delay: float = 0.2
    reset: float = 0.0
    seed: int | None = None
    stats: LinkStats = field(default_factory=LinkStats)

    def __post_init__(self) -> None:
        if not (0 <= self.loss < 1 and 0 <= self.reset < 1 and 0 <= self.delay <= 10):
            raise ValueError("loss and reset must be in [0, 1), delay in [0, 10] s")
        self._rng = random.Random(self.seed)  # noqa: S311 - a fault pattern, not a secret

    def _pause(self) -> float:
        self.stats.chunks += 1
        pause = self.delay
        while self._rng.random() < self.loss:  # each lost try costs a retransmission
            self.stats.lost += 1
            pause += max(RETRANSMIT_S, 2 * self.delay)
        return pause

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    cut_after: int | None) -> None:
        sent = 0
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await asyncio.sleep(self._pause())
                if cut_after is not None and sent >= cut_after:
                    self.stats.resets += 1
                    transport = writer.transport
                    transport.abort()  # an RST, not an orderly close
                    return
                writer.write(data)
                await writer.drain()
                sent += 1
            with contextlib.suppress(OSError):
                if writer.can_write_eof():
                    writer.write_eof()
        except (OSError, asyncio.IncompleteReadError):
            writer.transport.abort()

    async def serve(self, target: tuple[str, int], host: str = "127.0.0.1"
                    ) -> asyncio.Server:
        """A relay to ``target`` on ``host`` (a free port)."""

        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
                         ) -> None:
            self.stats.connections += 1
            try:
                device_r, device_w = await asyncio.open_connection(*target)
            except OSError:
                client_w.transport.abort()
                return
            cut = self._rng.randint(0, 6) if self._rng.random() < self.reset else None
            up = asyncio.ensure_future(self._pump(client_r, device_w, cut))
            down = asyncio.ensure_future(self._pump(device_r, client_w, None))
            try:
                await asyncio.gather(up, down)
            finally:
                for w in (client_w, device_w):
                    w.close()

        return await asyncio.start_server(handle, host, 0)


def _relay_targets(home: dict[str, Any]) -> list[dict[str, Any]]:
    out = [home["gateway"]]
    out += [d for d in home.get("devices", []) if isinstance(d, dict)]
    return out


def _prepare_view(home_dir: Path, out_dir: Path) -> dict[str, Any]:
    home: dict[str, Any] = json.loads((home_dir / HOME_FILE).read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry in home_dir.iterdir():
        if entry.name != HOME_FILE and not (out_dir / entry.name).exists():
            os.symlink(entry.resolve(), out_dir / entry.name)
    return home


async def run_view(home_dir: Path, out_dir: Path, link: LossyLink,
                   stop: asyncio.Event | None = None) -> None:
    """Serve ``out_dir``: a view of ``home_dir`` whose devices are reached through ``link``."""
    home = await asyncio.to_thread(_prepare_view, home_dir, out_dir)
    servers = []
    for entry in _relay_targets(home):
        server = await link.serve((entry["host"], int(entry["port"])), entry["host"])
        servers.append(server)
        entry["port"] = server.sockets[0].getsockname()[1]
    await asyncio.to_thread(write_atomic, out_dir / HOME_FILE,
                            json.dumps(home, indent=2).encode("utf-8"))
    print(f"{READY_PREFIX} {out_dir} ({len(servers)} relays, loss {link.loss:g}, delay "
          f"{link.delay:g} s, resets {link.reset:g})", flush=True)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        for server in servers:
            server.close()
        s = link.stats
        print(f"lossy link: {s.connections} connections, {s.chunks} chunks, {s.lost} lost, "
              f"{s.resets} resets", flush=True)
