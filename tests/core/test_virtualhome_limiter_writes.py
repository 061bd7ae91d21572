"""The virtual device writes its rate limiter's file only when the limiter's state changed: a
right proof on a clean limiter (every login of a verification) leaves the file alone; a wrong
one is on disk before the refusal is answered, and so is the reset that follows it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vh_fixtures import running_virtual_home

from commissioner.protocol.client import TrustStore, open_session
from commissioner.protocol.errors import SetupCodeRejectedError
from commissioner.protocol.label import Label
from commissioner.virtualhome.homefile import HomeFile
from commissioner.virtualhome.labels import read_label_file
from commissioner.virtualhome.state import RATE_LIMITER_FILE

pytestmark = pytest.mark.timeout(60)


def _written(path: Path) -> tuple[int, int, dict[str, object]] | None:
    """(inode, mtime, content): an atomic write always replaces the inode."""
    if not path.exists():
        return None
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, json.loads(path.read_text())


def test_limiter_file_is_written_only_when_its_state_changes(tmp_path: Path) -> None:
    with running_virtual_home(tmp_path / "home", scenario="standard", devices=2) as home:
        asyncio.run(_check(home))


async def _check(home: HomeFile) -> None:
    trust = TrustStore.from_pem(home.trust_roots_path.read_bytes())
    device = home.devices[0]
    good = read_label_file(home.label_path(device.device_id))
    wrong = Label(good.device_id, good.manufacturer, good.model, good.serial,
                  f"{(int(good.setup_code) + 1) % 10**8:08d}", good.kind)
    path = home.directory / "devices" / device.device_id / RATE_LIMITER_FILE
    start = _written(path)
    for _ in range(3):  # right proofs on a clean limiter: nothing written
        async with await open_session("127.0.0.1", device.port, trust) as s:
            await s.authenticate(good)
        assert _written(path) == start
    async with await open_session("127.0.0.1", device.port, trust) as s:
        with pytest.raises(SetupCodeRejectedError):
            await s.authenticate(wrong)
    failed = _written(path)
    assert failed is not None and failed[2]["failures"] == 1
    assert start is None or failed[0] != start[0]
    async with await open_session("127.0.0.1", device.port, trust) as s:
        await s.authenticate(good)  # resets a non-empty state: written
    reset = _written(path)
    assert reset is not None and reset[2]["failures"] == 0 and reset[0] != failed[0]
    async with await open_session("127.0.0.1", device.port, trust) as s:
        await s.authenticate(good)
    assert _written(path) == reset
