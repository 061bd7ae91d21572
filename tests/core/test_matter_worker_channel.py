"""The channel to the Matter SDK worker process, without devices: the worker greets, answers
errors as replies, sits in a private mount namespace with its own /data, and its death or
silence is an error for that request only (the app goes on and can start a new one)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from commissioner.backends.matter.channel import WorkerChannel, WorkerFault


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_errors_come_back_as_replies_and_the_worker_stays() -> None:
    async def go() -> None:
        async with await WorkerChannel.spawn() as worker:
            with pytest.raises(WorkerFault) as caught:
                await worker.request("format-the-disk", 10)
            assert caught.value.reason == "unknown-op"
            with pytest.raises(WorkerFault) as caught:
                await worker.request("commission", 10, node_id=1)
            assert caught.value.reason == "not-started"
            assert worker.alive
        assert not worker.alive

    _run(go())


def _mounts_of(pid: int) -> tuple[str, str, str]:
    return (Path(f"/proc/{pid}/mountinfo").read_text(), os.readlink(f"/proc/{pid}/ns/mnt"),
            os.readlink("/proc/self/ns/mnt"))


def test_the_worker_has_a_private_data_mount() -> None:
    """Where the machine allows it (root, or root in the test's user namespace), the SDK's
    fixed /data is a tmpfs only the worker sees, and /tmp/chip_kvs is a private file."""
    async def go() -> tuple[bool, str | None, tuple[str, str, str]]:
        async with await WorkerChannel.spawn() as worker:
            return (worker.hello.isolated, worker.hello.isolation_problem,
                    _mounts_of(worker.hello.pid))

    isolated, problem, (mounts, worker_ns, own_ns) = _run(go())
    if not isolated:
        pytest.skip(f"no private mount namespace here: {problem}")
    assert worker_ns != own_ns
    data = [line for line in mounts.splitlines() if line.split()[4] == "/data"]
    assert data and " - tmpfs " in data[-1]
    assert any(line.split()[4] == "/tmp/chip_kvs" for line in mounts.splitlines())


def test_a_dead_worker_is_an_error_for_that_request_only() -> None:
    async def go() -> None:
        worker = await WorkerChannel.spawn()
        os.kill(worker.hello.pid, signal.SIGKILL)
        with pytest.raises(WorkerFault) as caught:
            await worker.request("export", 10)
        assert caught.value.reason == "worker-died"
        await worker.aclose()
        async with await WorkerChannel.spawn() as again:  # the app starts a new one
            assert again.alive

    _run(go())


def test_a_silent_worker_times_out_and_is_ended() -> None:
    async def go() -> None:
        worker = await WorkerChannel.spawn()
        os.kill(worker.hello.pid, signal.SIGSTOP)
        with pytest.raises(WorkerFault) as caught:
            await worker.request("export", 0.5)
        assert caught.value.reason == "timeout"
        assert not worker.alive
        await worker.aclose()

    _run(go())
