"""The async bridge: work on the loop thread, results and failures as Qt signals, clean stop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.bridge import AsyncBridge, BridgeNotRunningError


def test_submit_returns_result_and_calls_back_on_gui_thread(
    qtbot: QtBot, bridge: AsyncBridge
) -> None:
    seen: list[tuple[int, str]] = []

    async def answer() -> tuple[int, str]:
        await asyncio.sleep(0.01)
        return 42, threading.current_thread().name

    future = bridge.submit(
        answer(), on_result=lambda r: seen.append((r[0], threading.current_thread().name))
    )
    value, loop_thread = future.result(timeout=5)
    assert value == 42
    assert loop_thread == bridge.thread_name
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [(42, threading.main_thread().name)]


def test_exception_surfaces_through_task_failed(qtbot: QtBot, bridge: AsyncBridge) -> None:
    errors: list[str] = []

    async def boom() -> None:
        raise ValueError("the device said no")

    with qtbot.waitSignal(bridge.task_failed, timeout=5000) as blocker:
        future = bridge.submit(boom(), name="boom-task", on_error=errors.append)
    assert blocker.args == ["boom-task", "ValueError: the device said no"]
    with pytest.raises(ValueError, match="the device said no"):
        future.result(timeout=1)
    qtbot.waitUntil(lambda: errors == ["ValueError: the device said no"], timeout=5000)


def test_call_soon_runs_on_loop_thread_and_reports_errors(
    qtbot: QtBot, bridge: AsyncBridge
) -> None:
    ran_on: list[str] = []
    bridge.call_soon(lambda: ran_on.append(threading.current_thread().name))

    def broken() -> None:
        raise RuntimeError("bad callback")

    with qtbot.waitSignal(bridge.task_failed, timeout=5000) as blocker:
        bridge.call_soon(broken)
    assert blocker.args[1] == "RuntimeError: bad callback"
    assert ran_on == [bridge.thread_name]


def test_stop_cancels_tasks_runs_cleanups_and_joins(qapp: QApplication) -> None:
    del qapp
    bridge = AsyncBridge(name="bridge-under-test")
    bridge.start()
    assert bridge.running
    assert "bridge-under-test" in {t.name for t in threading.enumerate()}
    events: list[str] = []
    started = threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async def cleanup() -> None:
        await asyncio.sleep(0.01)
        events.append("cleanup")

    future = bridge.submit(forever())
    assert started.wait(5)
    bridge.add_cleanup(cleanup)
    start = time.monotonic()
    assert bridge.stop()
    assert time.monotonic() - start < 30  # not hung: the task sleeps an hour, a cleanup forever
    assert events == ["cancelled", "cleanup"]  # tasks are cancelled before cleanups run
    assert future.cancelled()
    assert "bridge-under-test" not in {t.name for t in threading.enumerate()}
    assert not bridge.running
    with pytest.raises(BridgeNotRunningError):
        bridge.submit(asyncio.sleep(0))
    assert bridge.stop()  # idempotent


def test_stop_does_not_hang_on_a_stuck_cleanup(qapp: QApplication) -> None:
    del qapp
    bridge = AsyncBridge(name="bridge-stuck-cleanup")
    bridge.start()
    after: list[str] = []

    async def stuck() -> None:
        await asyncio.Event().wait()

    async def later() -> None:
        after.append("ran")

    start = time.monotonic()
    assert bridge.stop([stuck, later], cleanup_timeout=0.2)
    assert time.monotonic() - start < 30  # not hung: the task sleeps an hour, a cleanup forever
    assert after == ["ran"]  # one stuck cleanup does not skip the others
    assert "bridge-stuck-cleanup" not in {t.name for t in threading.enumerate()}
