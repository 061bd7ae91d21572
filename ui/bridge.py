"""The one bridge between the Qt GUI thread and the asyncio core.

An asyncio event loop runs on a dedicated worker thread (on Windows a new thread is MTA, which
keeps bleak's WinRT backend happy). The GUI hands coroutines to it with :meth:`AsyncBridge.submit`
and never waits on them; results and failures come back to the GUI thread as Qt signals, which
Qt queues across threads automatically because the bridge object lives on the GUI thread.

Nothing else in ``ui/`` touches asyncio loops or threads directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

# Also here (not only in ui/__init__) in case `ui` was imported as a namespace package.


_log = logging.getLogger(__name__)

T = TypeVar("T")
AsyncCleanup = Callable[[], Awaitable[object]]

_CANCEL_TIMEOUT = 2.0  # seconds to let cancelled tasks finish
_CLEANUP_TIMEOUT = 4.0  # seconds for each async cleanup (e.g. zeroconf goodbye packets)
_JOIN_MARGIN = 2.0
GIL_SWITCH_INTERVAL = 0.001  # seconds (see AsyncBridge.start)


class BridgeNotRunningError(RuntimeError):
    """The bridge was not started, or has been stopped."""


class AsyncBridge(QObject):
    """Runs an asyncio loop on a worker thread and reports back through Qt signals.

    Signals are emitted from the loop thread; connect GUI slots to them normally and Qt delivers
    them on the GUI thread (queued connection).
    """

    discovery_event = Signal(object)
    """A ``commissioner.discovery.events.DiscoveryEvent``; emit it from loop-side listeners."""
    task_failed = Signal(str, str)
    """(task name, message) for a submitted coroutine that raised."""
    started = Signal()
    stopped = Signal()

    # internal: (callback, value) to be called on the GUI thread
    _deliver = Signal(object, object)

    def __init__(self, parent: QObject | None = None, *, name: str = "commissioner-asyncio"):
        super().__init__(parent)
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._cleanups: list[AsyncCleanup] = []
        self._stopping = False
        # Always queued: even when a future is already done by the time its callback is added
        # (the callback then runs on the submitting thread), results arrive from the event loop.
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def thread_name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The worker loop; only for code that already runs on it (or ``call_soon_threadsafe``)."""
        if self._loop is None:
            raise BridgeNotRunningError("the async bridge is not running")
        return self._loop

    def start(self) -> None:
        """Start the worker thread and wait until its loop is running."""
        if self._thread is not None:
            raise RuntimeError("the async bridge was already started")
        self._ready.clear()
        # The GUI thread re-enters Python for every slot, model query and delegate paint; with
        # the loop thread busy in Python, each entry may wait a whole GIL switch interval
        # (5 ms by default), and a repaint needs dozens of them. A shorter interval keeps a
        # repaint within a frame.
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=False)
        self._thread.start()
        if not self._ready.wait(timeout=10.0):
            raise RuntimeError("the asyncio worker thread did not start")
        self.started.emit()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(self._loop_exception_handler)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            except Exception:  # noqa: BLE001 - never let shutdown leave the thread hanging
                _log.exception("error while shutting down the asyncio loop")
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def _loop_exception_handler(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if exc is not None:
            message = f"{message}: {type(exc).__name__}: {exc}" if message else _describe(exc)
        _log.error("asyncio loop error: %s", message)
        self.task_failed.emit("asyncio", message)

    def add_cleanup(self, cleanup: AsyncCleanup) -> Callable[[], None]:
        """Register an async cleanup run by :meth:`stop`; returns a function that removes it."""
        with self._lock:
            self._cleanups.append(cleanup)

        def remove() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._cleanups.remove(cleanup)

        return remove

    def stop(
        self,
        cleanups: Iterable[AsyncCleanup] = (),
        *,
        timeout: float = 10.0,
        cleanup_timeout: float = _CLEANUP_TIMEOUT,
    ) -> bool:
        """Cancel every task, run the async cleanups, stop and close the loop, join the thread.

        Each cleanup gets ``cleanup_timeout`` seconds. Blocks the calling thread for at most
        about ``timeout`` seconds. Returns True when the
        worker thread has ended. Safe to call more than once.
        """
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return True
        if not thread.is_alive():
            self._thread = None
            self._loop = None
            return True
        with self._lock:
            self._stopping = True
            all_cleanups = [*self._cleanups, *cleanups]
            self._cleanups.clear()
        with contextlib.suppress(RuntimeError):  # RuntimeError: the loop is already closed
            loop.call_soon_threadsafe(
                lambda: loop.create_task(
                    self._shutdown(all_cleanups, cleanup_timeout), name="bridge-shutdown"
                )
            )
        thread.join(timeout)
        if thread.is_alive():
            _log.error("asyncio worker thread did not stop in %.1f s; forcing loop stop", timeout)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
            thread.join(_JOIN_MARGIN)
        ended = not thread.is_alive()
        if ended:
            self._thread = None
            self._loop = None
            self.stopped.emit()
        return ended

    async def _shutdown(self, cleanups: list[AsyncCleanup], cleanup_timeout: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
            for task in tasks:
                task.cancel()
            if tasks:
                done, pending = await asyncio.wait(tasks, timeout=_CANCEL_TIMEOUT)
                for task in pending:
                    _log.warning("task %s did not finish after cancellation", task.get_name())
                for task in done:
                    if not task.cancelled() and task.exception() is not None:
                        _log.debug("task %s ended with %r", task.get_name(), task.exception())
            for cleanup in cleanups:
                try:
                    await asyncio.wait_for(_as_coroutine(cleanup()), cleanup_timeout)
                except TimeoutError:
                    _log.error("async cleanup %r timed out", cleanup)
                except Exception:  # noqa: BLE001 - one failing cleanup must not block the rest
                    _log.exception("async cleanup %r failed", cleanup)
        finally:
            loop.stop()

    # -- submitting work -----------------------------------------------------------------------
    def submit(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        on_result: Callable[[T], object] | None = None,
        on_error: Callable[[str], object] | None = None,
    ) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop; never blocks.

        If it raises, ``task_failed(name, message)`` is emitted, then ``on_error(message)`` is
        called on the GUI thread. ``on_result(result)`` is called on the GUI thread when it
        succeeds. Cancelled tasks call neither.
        """
        loop = self._loop
        if loop is None or self._stopping or loop.is_closed():
            coro.close()
            raise BridgeNotRunningError("the async bridge is not running")
        task_name: str = name or str(getattr(coro, "__qualname__", "task"))
        future = asyncio.run_coroutine_threadsafe(_named(coro, task_name), loop)

        def done(fut: concurrent.futures.Future[T]) -> None:
            if fut.cancelled():
                return
            exc = fut.exception()
            if exc is not None:
                if not isinstance(exc, asyncio.CancelledError):
                    _log.debug("task %s failed", task_name, exc_info=exc)
                    message = _describe(exc)
                    self.task_failed.emit(task_name, message)
                    if on_error is not None:
                        self._deliver.emit(on_error, message)
                return
            if on_result is not None:
                self._deliver.emit(on_result, fut.result())

        future.add_done_callback(done)
        return future

    def call_soon(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` on the loop thread as soon as possible; never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise BridgeNotRunningError("the async bridge is not running")

        def guarded() -> None:
            try:
                fn(*args)
            except Exception as exc:  # noqa: BLE001 - report to the GUI instead of the log only
                self.task_failed.emit(getattr(fn, "__qualname__", "call"), _describe(exc))

        loop.call_soon_threadsafe(guarded)

    @Slot(object, object)
    def _on_deliver(self, callback: Callable[[object], object], value: object) -> None:
        callback(value)


async def _named(coro: Coroutine[Any, Any, T], name: str) -> T:
    task = asyncio.current_task()
    if task is not None:
        task.set_name(name)
    return await coro


async def _as_coroutine(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
