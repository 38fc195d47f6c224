"""Issue 10 against a hostile HTTP server on 127.0.0.1: sizes, slowness, broken HTTP, echoes.

The server here is not the fake Sentry: it is deliberately wrong, in the ways the fake never
is. Each test starts it, points a real SentryClient at it and checks the typed outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from sentry_async import (
    AmbiguousWriteError,
    RateLimited,
    RetryPolicy,
    SentryClient,
    SentryError,
    ServerError,
    TransportError,
)
from sentry_async.errors import ResponseTooLarge

TOKEN = "sntryu_" + "beef" * 16
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def hostile(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def client(base: str, **options: Any) -> SentryClient:
    options.setdefault("retry", RetryPolicy(attempts=2, initial_backoff=0.01, deadline=30.0))
    return SentryClient(TOKEN, base, **options)


async def stream(request: web.Request, total: int | None, status: int = 200) -> web.StreamResponse:
    """``total`` bytes of JSON-looking text (None: without end), chunked."""
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    await response.prepare(request)
    chunk = b"[" + b"1," * 32_767 + b"1"
    sent = 0
    with contextlib.suppress(ConnectionError, RuntimeError):
        while total is None or sent < total:
            await response.write(chunk)
            sent += len(chunk)
    return response


async def test_a_body_over_max_body_size_is_refused_typed() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await stream(request, 8 * 1024 * 1024)

    async with hostile(handler) as base, client(base, max_body_size=1024 * 1024) as sentry:
        with pytest.raises(ResponseTooLarge, match="max_body_size") as info:
            await sentry.request("GET", "/x/")
    assert info.value.limit == 1024 * 1024
    assert info.value.snippet.startswith("[1,1,")


async def test_an_endless_body_is_refused_not_buffered() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await stream(request, None)

    async with hostile(handler) as base, client(base, max_body_size=2 * 1024 * 1024) as sentry:
        with pytest.raises(ResponseTooLarge):
            await sentry.request("GET", "/x/")


async def test_a_declared_content_length_over_the_limit_is_refused_unread() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"[" + b"0," * 600_000 + b"0]", content_type="application/json")

    async with hostile(handler) as base, client(base, max_body_size=100_000) as sentry:
        with pytest.raises(ResponseTooLarge):
            await sentry.request("GET", "/x/")


async def test_a_huge_html_error_page_gives_a_short_snippet() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        page = b"<html><body>" + b"Bad gateway. " * 400_000 + b"</body></html>"
        return web.Response(status=502, body=page, content_type="text/html")

    async with (
        hostile(handler) as base,
        client(base, retry=RetryPolicy.disabled()) as sentry,
    ):
        with pytest.raises(ServerError) as info:
            await sentry.request("GET", "/x/")
    assert isinstance(info.value.body, str) and len(info.value.body) <= 200


async def test_timeout_none_is_still_bounded_by_the_deadline() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(60)
        return web.json_response({})

    retry = RetryPolicy(attempts=3, initial_backoff=0.01, deadline=0.5)
    async with hostile(handler) as base, client(base, timeout=None, retry=retry) as sentry:
        with pytest.raises(TransportError, match="deadline") as info:
            await sentry.request("GET", "/x/")
    assert info.value.reason == "timeout"


async def test_a_write_cut_by_the_deadline_is_ambiguous() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(60)
        return web.json_response({})

    retry = RetryPolicy(attempts=3, deadline=0.3)
    async with hostile(handler) as base, client(base, timeout=10, retry=retry) as sentry:
        with pytest.raises(AmbiguousWriteError, match="check whether it took effect"):
            await sentry.request("POST", "/x/", json={})


async def test_time_queued_for_a_slot_counts_against_the_deadline() -> None:
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({})

    async with hostile(handler) as base, client(base, max_concurrency=1) as sentry:
        first = asyncio.create_task(sentry.request("GET", "/slow/"))
        await asyncio.sleep(0.05)
        quick = sentry.with_options(retry=RetryPolicy(deadline=0.2))
        with pytest.raises(RateLimited, match="no request slot"):
            await quick.request("GET", "/other/")
        release.set()
        assert await first == {}


async def test_an_unparseable_answer_leaves_no_token_reachable() -> None:
    async def raw(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(raw, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client(f"http://127.0.0.1:{port}", retry=RetryPolicy.disabled()) as sentry:
            with pytest.raises(TransportError) as info:
                await sentry.request("GET", "/x/")
    finally:
        server.close()
        await server.wait_closed()
    error: BaseException | None = info.value
    while error is not None:  # the whole chain: before, aiohttp's error with the headers
        assert TOKEN not in repr(error) and TOKEN not in repr(vars(error))
        assert not type(error).__module__.startswith("aiohttp")
        error = error.__cause__ or error.__context__


async def test_a_server_echoing_authorization_has_it_redacted() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        said = request.headers.get("Authorization", "")
        return web.json_response({"detail": f"invalid: {said}"}, status=401)

    async with hostile(handler) as base, client(base) as sentry:
        with pytest.raises(SentryError) as info:
            await sentry.request("GET", "/x/")
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(vars(info.value))
    assert "Bearer <redacted>" in str(info.value)
