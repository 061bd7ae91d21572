"""Minimal strict HTTP/1.1 over asyncio streams (spec section 6).

Keep-alive, JSON bodies (plus raw ``application/octet-stream`` bodies where a server allows a
larger body for a path: firmware chunks), ``Content-Length`` framing only (no chunked
encoding), limits from :mod:`commissioner.protocol.spec`. Framing errors raise
:class:`HttpFramingError`, whose ``status`` is what a server should answer before closing the
connection.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from commissioner.protocol.errors import MalformedReplyError
from commissioner.protocol.spec import (
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_JSON_BODY,
    MAX_REQUEST_LINE,
    ErrorCode,
)

JSON_TYPE = "application/json"
_TOKEN_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_METHOD_RE = re.compile(r"^[A-Z]{1,16}$")
_PATH_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/%?-]*$")
_STATUS_LINE_RE = re.compile(r"^HTTP/1\.1 ([1-5][0-9]{2})(?: ([\t -~]*))?$")
_DIGITS_RE = re.compile(r"^[0-9]{1,10}$")


class HttpFramingError(MalformedReplyError):
    """The peer broke HTTP/1.1 framing or a limit; ``status`` is the answer a server gives."""

    def __init__(self, message: str, *, status: int = 400, reason: str = "bad-framing") -> None:
        super().__init__(reason, message, status=status)


class _JsonDecodeError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _JsonDecodeError(f"JSON constant {name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonDecodeError(f"duplicate JSON key {key[:20]!r}")
        out[key] = value
    return out


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Strict JSON object from ``body``: UTF-8, no duplicate keys, no NaN/Infinity."""
    if len(body) > MAX_JSON_BODY:
        raise HttpFramingError("JSON body is too large", status=413, reason="bad-json")
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise HttpFramingError(
            f"body is not valid JSON ({type(exc).__name__})", reason="bad-json"
        ) from None
    if not isinstance(value, dict):
        raise HttpFramingError("JSON body is not an object", reason="bad-json")
    return value


def _encode_json(payload: Mapping[str, Any] | Sequence[Any] | None) -> bytes:
    if payload is None:
        return b""
    data = json.dumps(
        payload if not isinstance(payload, Mapping) else dict(payload),
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8")
    if len(data) > MAX_JSON_BODY:
        raise ValueError(f"JSON body is {len(data)} bytes (limit {MAX_JSON_BODY})")
    return data


def _content_type_ok(headers: Mapping[str, str]) -> bool:
    ctype = headers.get("content-type")
    return ctype is not None and ctype.split(";", 1)[0].strip().lower() == JSON_TYPE


@dataclass(slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; HttpFramingError (400) if it is not one."""
        if self.body and not _content_type_ok(self.headers):
            raise HttpFramingError("request body is not application/json", reason="bad-json")
        return parse_json_object(self.body)

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; HttpFramingError if it is not one."""
        if not _content_type_ok(self.headers):
            raise HttpFramingError("reply is not application/json", reason="bad-json")
        return parse_json_object(self.body)

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


async def _read_line(reader: asyncio.StreamReader, limit: int, what: str) -> bytes | None:
    """One CRLF-terminated line without the CRLF; None for EOF before any byte."""
    try:
        line = await reader.readuntil(b"\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise HttpFramingError(f"connection closed inside the {what}") from None
    except asyncio.LimitOverrunError:
        raise HttpFramingError(f"{what} is too long", status=431) from None
    if len(line) - 2 > limit:
        raise HttpFramingError(f"{what} is too long", status=414 if what == "request line" else 431)
    return line[:-2]


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    total = 0
    while True:
        line = await _read_line(reader, MAX_HEADER_BYTES, "header section")
        if line is None:
            raise HttpFramingError("connection closed inside the header section")
        total += len(line) + 2
        if total > MAX_HEADER_BYTES:
            raise HttpFramingError("header section is too large", status=431)
        if line == b"":
            return headers
        if line[:1] in (b" ", b"\t"):
            raise HttpFramingError("folded header lines are not allowed")
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError:
            raise HttpFramingError("header is not ASCII") from None
        name, sep, value = text.partition(":")
        if not sep or not _TOKEN_RE.fullmatch(name):
            raise HttpFramingError("malformed header line")
        value = value.strip(" \t")
        if any((ord(ch) < 0x20 and ch != "\t") or ord(ch) == 0x7F for ch in value):
            raise HttpFramingError("control character in a header value")
        key = name.lower()
        if key in headers:
            raise HttpFramingError(f"header {key!r} appears twice")
        if len(headers) >= MAX_HEADERS:
            raise HttpFramingError("too many headers", status=431)
        headers[key] = value


async def _read_body(
    reader: asyncio.StreamReader, headers: Mapping[str, str], limit: int = MAX_JSON_BODY
) -> bytes:
    if "transfer-encoding" in headers:
        raise HttpFramingError("transfer encodings are not supported", status=501)
    length_text = headers.get("content-length")
    if length_text is None:
        return b""
    if not _DIGITS_RE.fullmatch(length_text):
        raise HttpFramingError("bad Content-Length")
    length = int(length_text)
    if length > limit:
        raise HttpFramingError(
            f"body of {length} bytes exceeds the limit", status=413, reason="too-large"
        )
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise HttpFramingError("connection closed inside the body") from None


BodyLimit = Callable[[str, str, Mapping[str, str]], int]
"""``(method, path, headers) -> largest body`` a server accepts for that request."""


async def read_request(
    reader: asyncio.StreamReader, *, body_limit: BodyLimit | None = None
) -> Request | None:
    """The next request, or None if the peer closed the connection cleanly between requests.

    ``body_limit`` lets a server accept a larger body than ``MAX_JSON_BODY`` for some requests
    (firmware chunks); JSON bodies are still parsed with the JSON limit."""
    line = await _read_line(reader, MAX_REQUEST_LINE, "request line")
    if line is None:
        return None
    if line == b"":
        raise HttpFramingError("empty request line")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise HttpFramingError("request line is not ASCII") from None
    parts = text.split(" ")
    if len(parts) != 3:
        raise HttpFramingError("malformed request line")
    method, path, version = parts
    if version != "HTTP/1.1":
        raise HttpFramingError("only HTTP/1.1 is supported", status=505)
    if not _METHOD_RE.fullmatch(method):
        raise HttpFramingError("malformed method")
    if not _PATH_RE.fullmatch(path):
        raise HttpFramingError("malformed path")
    headers = await _read_headers(reader)
    if method in ("GET", "HEAD", "DELETE") and headers.get("content-length", "0") != "0":
        raise HttpFramingError(f"{method} requests carry no body")
    limit = MAX_JSON_BODY if body_limit is None else body_limit(method, path, headers)
    body = await _read_body(reader, headers, max(limit, 0))
    return Request(method=method, path=path, headers=headers, body=body)


async def read_response(reader: asyncio.StreamReader) -> Response:
    """The next response; HttpFramingError if the framing is wrong or the peer closed."""
    line = await _read_line(reader, MAX_REQUEST_LINE, "status line")
    if line is None:
        raise HttpFramingError("the device closed the connection", reason="connection-closed")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise HttpFramingError("status line is not ASCII") from None
    match = _STATUS_LINE_RE.fullmatch(text)
    if match is None:
        raise HttpFramingError("malformed status line")
    status = int(match.group(1))
    headers = await _read_headers(reader)
    if status >= 200 and status not in (204, 304) and "content-length" not in headers:
        raise HttpFramingError("response without Content-Length")
    body = await _read_body(reader, headers)
    return Response(status=status, headers=headers, body=body)


def _header_block(start: str, headers: Mapping[str, str]) -> bytes:
    lines = [start]
    for name, value in headers.items():
        if not _TOKEN_RE.fullmatch(name) or any(c in value for c in "\r\n\0"):
            raise ValueError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def write_response(
    writer: asyncio.StreamWriter,
    status: int,
    payload: Mapping[str, Any] | list[Any] | None,
    *,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    body = _encode_json(payload)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    headers: dict[str, str] = {"Content-Length": str(len(body))}
    if payload is not None:
        headers["Content-Type"] = JSON_TYPE
    headers["Cache-Control"] = "no-store"
    if extra_headers:
        headers.update(extra_headers)
    writer.write(_header_block(f"HTTP/1.1 {status} {phrase}", headers) + body)
    await writer.drain()


async def write_error(
    writer: asyncio.StreamWriter,
    status: int,
    code: str | ErrorCode,
    message: str,
    *,
    extra: Mapping[str, Any] | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    """An error reply ``{"error": code, "message": text, **extra}``."""
    payload: dict[str, Any] = {"error": str(code), "message": message}
    if extra:
        payload.update(extra)
    await write_response(writer, status, payload, extra_headers=extra_headers)


async def write_request(
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    payload: Mapping[str, Any] | list[Any] | None = None,
    *,
    host: str = "device",
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    if not _METHOD_RE.fullmatch(method) or not _PATH_RE.fullmatch(path):
        raise ValueError("invalid method or path")
    if len(method) + len(path) + 10 > MAX_REQUEST_LINE:
        raise ValueError("request line too long")
    body = _encode_json(payload)
    headers: dict[str, str] = {"Host": host}
    if payload is not None or method not in ("GET", "HEAD", "DELETE"):
        headers["Content-Length"] = str(len(body))
    if payload is not None:
        headers["Content-Type"] = JSON_TYPE
    headers["Accept"] = JSON_TYPE
    if extra_headers:
        headers.update(extra_headers)
    writer.write(_header_block(f"{method} {path} HTTP/1.1", headers) + body)
    await writer.drain()


async def write_request_bytes(
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    body: bytes | bytearray | memoryview,
    *,
    content_type: str,
    host: str = "device",
) -> None:
    """A request with a raw body (e.g. ``application/octet-stream`` firmware chunks)."""
    if not _METHOD_RE.fullmatch(method) or not _PATH_RE.fullmatch(path):
        raise ValueError("invalid method or path")
    if len(method) + len(path) + 10 > MAX_REQUEST_LINE:
        raise ValueError("request line too long")
    headers = {
        "Host": host,
        "Content-Length": str(len(body)),
        "Content-Type": content_type,
        "Accept": JSON_TYPE,
    }
    writer.write(_header_block(f"{method} {path} HTTP/1.1", headers))
    writer.write(body)
    await writer.drain()
