"""Strict HTTP/1.1 framing over real asyncio streams on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from commissioner.protocol.http11 import (
    HttpFramingError,
    Request,
    read_request,
    read_response,
    write_request,
    write_response,
)
from commissioner.protocol.spec import MAX_JSON_BODY


async def _pipe(
    server_side: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    client_side: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[object]],
) -> object:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            await server_side(r, w)
        finally:
            w.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(client_side(reader, writer), 5)
        finally:
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_keep_alive_round_trips() -> None:
    seen: list[Request] = []

    async def server(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while (req := await read_request(r)) is not None:
            seen.append(req)
            await write_response(w, 200, {"echo": req.json() if req.body else None,
                                          "path": req.path})

    async def client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> object:
        out = []
        for i in range(3):
            await write_request(w, "POST", "/v1/x", {"i": i, "日本": "語"})
            out.append((await read_response(r)).json())
        await write_request(w, "GET", "/v1/y")
        out.append((await read_response(r)).json())
        return out

    result = asyncio.run(_pipe(server, client))
    assert result == [{"echo": {"i": i, "日本": "語"}, "path": "/v1/x"} for i in range(3)] + [
        {"echo": None, "path": "/v1/y"}
    ]
    assert [r.method for r in seen] == ["POST", "POST", "POST", "GET"]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /v1/x HTTP/1.0\r\n\r\n", 505),
        (b"GET  /v1/x HTTP/1.1\r\n\r\n", 400),
        (b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST /v1/x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"POST /v1/x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET /v1/x HTTP/1.1\r\nA: 1\r\nA: 2\r\n\r\n", 400),
        (b"GET /v1/x HTTP/1.1\r\n folded\r\n\r\n", 400),
        (b"GET /v1/x HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(40)) + b"\r\n",
         431),
        (b"GET /v1/x HTTP/1.1\r\nX: " + b"v" * 9000 + b"\r\n\r\n", 431),
        (b"POST /v1/x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 400),
    ],
)
def test_framing_errors(raw: bytes, status: int) -> None:
    async def parse() -> int:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        with pytest.raises(HttpFramingError) as info:
            await read_request(reader)
        assert info.value.status is not None
        return info.value.status

    assert asyncio.run(parse()) == status


def test_clean_eof_gives_none() -> None:
    async def main() -> object:
        reader = asyncio.StreamReader()
        reader.feed_eof()
        return await read_request(reader)

    assert asyncio.run(main()) is None


@pytest.mark.parametrize(
    "body",
    [b"[1,2]", b'{"a":1,"a":2}', b'{"a":NaN}', b"\xff", b"[" * 5000 + b"]" * 5000, b"{"],
)
def test_json_bodies_are_strict(body: bytes) -> None:
    req = Request("POST", "/v1/x", {"content-type": "application/json"}, body)
    with pytest.raises(HttpFramingError):
        req.json()


def test_responses_need_content_length_and_limits() -> None:
    async def main(raw: bytes) -> object:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_response(reader)

    with pytest.raises(HttpFramingError):
        asyncio.run(main(b"HTTP/1.1 200 OK\r\n\r\n{}"))
    with pytest.raises(HttpFramingError):
        asyncio.run(main(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_JSON_BODY + 1)))
    with pytest.raises(HttpFramingError):
        asyncio.run(main(b"SSH-2.0-OpenSSH\r\n"))
    resp = asyncio.run(main(b"HTTP/1.1 204 No Content\r\n\r\n"))
    assert resp.status == 204  # type: ignore[attr-defined]
