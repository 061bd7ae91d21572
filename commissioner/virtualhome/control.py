"""Control channel of a running virtual home (training-mode power switch and status).

The home listens on ``127.0.0.1:<ephemeral>`` and writes ``DIR/control.json``
(``{"format": 1, "host", "port", "token"}``, mode 0600). The protocol is one JSON line per
request and one JSON line per reply over plain TCP on loopback::

    -> {"token": "...", "command": "status"}
    <- {"ok": true, "devices": [...]}
    -> {"token": "...", "command": "power-cycle", "device_id": "...", "downtime_s": 5}
    <- {"ok": true, "device_id": "...", "powered": false, "back_in_s": 5}
    <- {"ok": false, "error": "unknown-device", "message": "..."}
    -> {"token": "...", "command": "fault", "device_id": "...", "name": "weak-csr",
        "count": null, "variant": "p-384"}
    <- {"ok": true, "device_id": "...", "faults": {"weak-csr": {"remaining": null, ...}}}

Fault hooks (persisted in the device's state, so they survive power cycles; see
docs/device-protocol.md section 17): ``drop-during-provisioning`` (``count`` N, default 1;
``variant`` ``before`` (default) or ``after`` handling the request), ``malformed-csr``,
``foreign-csr`` (``variant``: the CN to use), ``weak-csr`` (``variant`` ``rsa-2048``
(default) or ``p-384``), ``clear`` (removes every fault hook of the device).

The token is compared in constant time; it is never printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from commissioner.errors import UserError
from commissioner.virtualhome.fsutil import SECRET_MODE, read_json, write_json_atomic

CONTROL_FILE: Final = "control.json"
CONTROL_HOST: Final = "127.0.0.1"
MAX_LINE: Final = 64 * 1024
DEFAULT_DOWNTIME_S: Final = 5.0
MAX_DOWNTIME_S: Final = 3600.0

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlError(UserError):
    """The control request failed (home not running, bad token, unknown device...)."""

    def __init__(
        self, message: str, *, code: str = "control-error", hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code  # the control protocol's reason, not a message-catalog code

    def localized(self, language: str) -> tuple[str, str | None]:
        """The simulator (a training and test tool) speaks English only."""
        return str(self), self.hint


class CommandError(Exception):
    """Raised by a command handler; becomes ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ControlServer:
    def __init__(self, directory: Path, handler: Handler) -> None:
        self._directory = directory
        self._handler = handler
        self._token = secrets.token_urlsafe(32)
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, host=CONTROL_HOST, port=0, limit=MAX_LINE
        )
        self.port = self._server.sockets[0].getsockname()[1]
        write_json_atomic(
            self._directory / CONTROL_FILE,
            {"format": 1, "host": CONTROL_HOST, "port": self.port, "token": self._token},
            mode=SECRET_MODE,
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        with contextlib.suppress(OSError):
            (self._directory / CONTROL_FILE).unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    async with asyncio.timeout(300):
                        line = await reader.readline()
                except (ValueError, TimeoutError, ConnectionError):
                    break
                if not line:
                    break
                reply = await self._one(line)
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        except Exception:
            log.exception("control connection failed")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"ok": False, "error": "bad-request", "message": "not a JSON line"}
        if not isinstance(request, dict):
            return {"ok": False, "error": "bad-request", "message": "not a JSON object"}
        token = request.get("token")
        if not isinstance(token, str) or not hmac.compare_digest(
            token.encode(), self._token.encode()
        ):
            return {"ok": False, "error": "bad-token", "message": "wrong control token"}
        try:
            result = await self._handler(request)
        except CommandError as exc:
            return {"ok": False, "error": exc.code, "message": str(exc)}
        except Exception as exc:
            log.exception("control command failed")
            return {"ok": False, "error": "internal-error", "message": type(exc).__name__}
        return {"ok": True, **result}


def _read_control_file(directory: Path) -> tuple[str, int, str]:
    path = Path(directory) / CONTROL_FILE
    try:
        raw = read_json(path, "control file")
    except ValueError as exc:
        raise ControlError(
            str(exc),
            code="not-running",
            hint="start it with: commissioner virtual-home --state-dir DIR",
        ) from None
    if not isinstance(raw, dict):
        raise ControlError(f"{path} is not a JSON object", code="bad-control-file")
    host, port, token = raw.get("host"), raw.get("port"), raw.get("token")
    if (
        host != CONTROL_HOST
        or isinstance(port, bool)
        or not isinstance(port, int)
        or not 1 <= port <= 65535
        or not isinstance(token, str)
    ):
        raise ControlError(f"{path} is malformed", code="bad-control-file")
    return host, port, token


async def control(
    directory: Path,
    command: str,
    device_id: str | None = None,
    downtime: float = DEFAULT_DOWNTIME_S,
    *,
    io_timeout_s: float = 10.0,
    fault: str | None = None,
    count: int | None = None,
    variant: str | None = None,
    drift: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """Send one command to the virtual home running in ``directory``; returns the reply.

    Commands: ``"status"``, ``"power-cycle"`` (needs ``device_id``; ``downtime`` seconds) and
    ``"fault"`` (needs ``device_id`` and ``fault``, the hook's name; optional ``count`` and
    ``variant``). Raises :class:`ControlError` if the home is not running or refuses the
    command.
    """
    host, port, token = _read_control_file(directory)
    request: dict[str, Any] = {"token": token, "command": command}
    if device_id is not None:
        request["device_id"] = device_id
    if command in ("fault", "wipe-fault"):
        if fault is None or device_id is None:
            raise ControlError("the fault command needs a device id and a fault name")
        request.update({"name": fault, "count": count, "variant": variant})
    if command == "drift":
        request["kind"] = drift
    if command == "swap" and model is not None:
        request["model"] = model
    if command == "power-cycle":
        if not math.isfinite(downtime) or not 0 <= downtime <= MAX_DOWNTIME_S:
            raise ControlError(f"downtime must be 0..{MAX_DOWNTIME_S:.0f} seconds")
        request["downtime_s"] = downtime
    try:
        async with asyncio.timeout(io_timeout_s):
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_LINE * 16)
            try:
                writer.write(json.dumps(request).encode() + b"\n")
                await writer.drain()
                line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
    except (OSError, TimeoutError) as exc:
        raise ControlError(
            f"cannot reach the virtual home control port {host}:{port} ({exc})",
            code="not-running",
            hint="is the virtual home still running?",
        ) from None
    try:
        reply = json.loads(line)
    except json.JSONDecodeError:
        raise ControlError("the virtual home sent an unreadable reply") from None
    if not isinstance(reply, dict):
        raise ControlError("the virtual home sent an unreadable reply")
    if not reply.get("ok"):
        raise ControlError(
            str(reply.get("message", "command failed")), code=str(reply.get("error", "failed"))
        )
    return reply
