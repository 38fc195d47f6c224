"""AiohttpExchange on its own, against small servers on 127.0.0.1: limits and failures."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from sentry_async.exchange import ERROR_BODY_LIMIT, AiohttpExchange, ExchangeError

from .test_hostile_server import hostile, stream

AUTH = {"Authorization": "Bearer sntryu_secret"}


async def call(exchange: AiohttpExchange, url: str, **options: object) -> tuple[int, bytes, bool]:
    kwargs: dict[str, object] = {
        "params": None,
        "headers": AUTH,
        "body": None,
        "timeout": 5.0,
        "max_body_size": 1024,
    }
    kwargs.update(options)
    status, _, body, truncated = await exchange("GET", URL(url), **kwargs)  # type: ignore[arg-type]
    return status, body, truncated


async def test_answers_within_limits_and_cuts_the_rest() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/small":
            return web.json_response({"q": request.query.get("q")})
        if request.path == "/declared":
            return web.Response(body=b"x" * 5000)  # Content-Length: 5000
        if request.path == "/error":
            return await stream(request, 4 * ERROR_BODY_LIMIT, status=500)
        return await stream(request, 5000)

    exchange = AiohttpExchange()
    async with hostile(handler) as base:
        status, body, truncated = await call(exchange, f"{base}/small", params=[("q", "a b")])
        assert (status, body, truncated) == (200, b'{"q": "a b"}', False)
        assert await call(exchange, f"{base}/declared") == (200, b"", True)
        status, body, truncated = await call(exchange, f"{base}/chunked")
        assert (status, len(body), truncated) == (200, 1024, True)
        status, body, truncated = await call(exchange, f"{base}/error", max_body_size=10**9)
        assert (status, len(body), truncated) == (500, ERROR_BODY_LIMIT, True)
        await exchange.close()


async def test_failures_are_exchange_errors_with_a_reason_and_no_cause() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    exchange = AiohttpExchange()
    async with hostile(slow) as base:
        with pytest.raises(ExchangeError) as info:
            await call(exchange, f"{base}/", timeout=0.2)
    assert info.value.reason == "timeout"
    assert info.value.__context__ is None and info.value.__cause__ is None

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ExchangeError) as info:
        await call(exchange, f"http://127.0.0.1:{port}/")
    assert info.value.reason == "connect"
    assert "sntryu_secret" not in str(info.value)
    await exchange.close()


async def test_a_given_session_stays_open_an_own_pool_is_closed() -> None:
    async def empty(request: web.Request) -> web.Response:
        return web.json_response({})

    async with hostile(empty) as base:
        async with aiohttp.ClientSession() as http:
            given = AiohttpExchange(http)
            assert (await call(given, f"{base}/"))[0] == 200
            await given.close()
            assert not http.closed
        own = AiohttpExchange()
        assert (await call(own, f"{base}/"))[0] == 200
        pool = own._http
        await own.close()
        assert pool is not None and pool.closed
