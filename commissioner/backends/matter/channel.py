"""The request/reply channel to the Matter SDK worker process (:mod:`.worker`).

One JSON object per line in each direction over the worker's stdin/stdout. Every request
carries an ``id`` and an ``op``; every reply the same ``id`` and either ``{"ok": true,
"result": {...}}`` or ``{"ok": false, "error": {"reason", "message", "code"}}``. The worker
greets first with ``{"hello": PROTOCOL_VERSION, ...}``.

:class:`WorkerChannel` is the async client: one request at a time (the SDK commissions one
device at a time per controller anyway), each with a timeout. A timeout, a reply that is not
the protocol, or the worker's death ends the worker and raises :class:`WorkerFault` for that
request only; the app goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from commissioner.backends.matter.messages import Request, Shutdown

PROTOCOL_VERSION: Final = 1
MAX_LINE: Final = 1024 * 1024
WORKER_MODULE: Final = "commissioner.backends.matter.worker"
STDERR_TAIL: Final = 4000

__all__ = ["PROTOCOL_VERSION", "WorkerChannel", "WorkerFault", "WorkerHello"]


class WorkerFault(Exception):
    """A request failed in (or because of) the worker: ``reason`` is machine-readable
    (``stack-error``, ``timeout``, ``worker-died``...), ``code`` the SDK's error code if any."""

    def __init__(self, reason: str, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.code = code

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message, "code": self.code}

    @classmethod
    def from_json(cls, doc: Any) -> WorkerFault:
        if not isinstance(doc, dict):
            return cls("bad-reply", f"the worker sent a malformed error: {doc!r:.200}")
        code = doc.get("code")
        return cls(str(doc.get("reason", "stack-error")), str(doc.get("message", "")),
                   code=code if isinstance(code, int) else None)


@dataclass(frozen=True, slots=True)
class WorkerHello:
    pid: int
    isolated: bool  # private mount namespace with the SDK's fixed paths on a tmpfs
    isolation_problem: str | None


class WorkerChannel:
    """A running worker process and the channel to it; use as ``async with``."""

    def __init__(self, proc: asyncio.subprocess.Process, hello: WorkerHello) -> None:
        self._proc = proc
        self.hello = hello
        self._next_id = 1
        self._lock = asyncio.Lock()
        self._stderr: list[bytes] = []
        self._stderr_task = asyncio.ensure_future(self._drain_stderr())

    @classmethod
    async def spawn(cls, *, python: str | None = None, timeout: float = 20.0,  # noqa: ASYNC109
                    env: Mapping[str, str] | None = None,
                    extra_args: Sequence[str] = ()) -> WorkerChannel:
        """Start a worker and wait for its greeting."""
        proc = await asyncio.create_subprocess_exec(
            python or sys.executable, "-m", WORKER_MODULE, *extra_args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=MAX_LINE,
            env={**os.environ, **(env or {})}, start_new_session=True)
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout)
            doc = json.loads(line)
            if not isinstance(doc, dict) or doc.get("hello") != PROTOCOL_VERSION:
                raise ValueError(f"unexpected greeting {line!r:.200}")
        except (TimeoutError, ValueError) as err:
            stderr = await _kill(proc)
            raise WorkerFault("worker-start-failed",
                              f"the Matter worker did not start: {err}; {stderr}") from None
        hello = WorkerHello(int(doc.get("pid", proc.pid)), bool(doc.get("isolated")),
                            doc.get("isolation_problem"))
        return cls(proc, hello)

    @property
    def alive(self) -> bool:
        return self._proc.returncode is None

    async def call(self, req: Request, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        """Send a typed request (:mod:`.messages`) and wait for its result."""
        return await self.request(req.op, timeout, **req.params())

    async def request(self, op: str, timeout: float, **params: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """Send one request and wait up to ``timeout`` seconds for its reply."""
        async with self._lock:
            if not self.alive:
                raise WorkerFault("worker-died", "the Matter worker is not running"
                                  + self._stderr_tail())
            req_id = self._next_id
            self._next_id += 1
            assert self._proc.stdin is not None and self._proc.stdout is not None
            try:
                self._proc.stdin.write(json.dumps({"id": req_id, "op": op, **params}).encode()
                                       + b"\n")
                await self._proc.stdin.drain()
                line = await asyncio.wait_for(self._proc.stdout.readline(), timeout)
            except TimeoutError:
                await self.kill()
                raise WorkerFault("timeout", f"the Matter worker did not answer {op} within "
                                  f"{timeout:g} s") from None
            except (ConnectionError, ValueError) as err:  # ValueError: an over-long line
                await self.kill()
                raise WorkerFault("worker-died", f"the Matter worker failed during {op}: "
                                  f"{err}" + self._stderr_tail()) from None
            if not line:
                await self.kill()
                raise WorkerFault("worker-died", f"the Matter worker ended during {op} (exit "
                                  f"{self._proc.returncode})" + self._stderr_tail())
            try:
                doc = json.loads(line)
                if not isinstance(doc, dict) or doc.get("id") != req_id:
                    raise ValueError("reply for another request")
            except ValueError as err:
                await self.kill()
                raise WorkerFault("bad-reply", f"the Matter worker answered {op} outside the "
                                  f"protocol: {err}") from None
            if not doc.get("ok"):
                raise WorkerFault.from_json(doc.get("error"))
            result = doc.get("result")
            if not isinstance(result, dict):
                raise WorkerFault("bad-reply", f"the Matter worker's {op} reply has no result")
            return result

    async def aclose(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Shut the SDK stack down explicitly, then end the process (killed if it hangs)."""
        if self.alive:
            with contextlib.suppress(WorkerFault):
                await self.call(Shutdown(), timeout)
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), timeout)
            except TimeoutError:
                await self.kill()
        await self._finish_stderr()

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, 9)
            await self._proc.wait()
        await self._finish_stderr()

    async def __aenter__(self) -> WorkerChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(65536):
            self._stderr.append(chunk)
            if len(self._stderr) > 64:
                del self._stderr[:32]

    async def _finish_stderr(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._stderr_task), 2)

    def _stderr_tail(self) -> str:
        text = b"".join(self._stderr)[-STDERR_TAIL:].decode(errors="replace").strip()
        return f"; worker said: {text}" if text else ""

    def stderr_text(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")


async def _kill(proc: asyncio.subprocess.Process) -> str:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 9)
    await proc.wait()
    err = b""
    if proc.stderr is not None:
        with contextlib.suppress(Exception):
            err = await asyncio.wait_for(proc.stderr.read(), 2)
    return err[-STDERR_TAIL:].decode(errors="replace")
