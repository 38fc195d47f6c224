"""Issue 10 against a hostile HTTP server on 127.0.0.1: sizes, slowness, broken HTTP, echoes.

The server here is not the fake Sentry: it is deliberately wrong, in the ways the fake never
is. Each test starts it, points a real SentryClient at it and checks the typed outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import pickle
import traceback
from collections.abc import Awaitable, Callable
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

from ..loopback import serve

TOKEN = "sntryu_" + "beef" * 16
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


hostile = serve  # every test here serves one hostile handler


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
        with pytest.raises(RateLimited, match="max_concurrency slots"):
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


# -- second review: the token at the source, sizes by value count, undecompressable bodies ---

SECRET = TOKEN[len("sntryu_") :]


def _holds_token(root: object, limit: int = 50_000) -> list[str]:
    """Paths to strings holding the token (or 12 characters of it) among what ``root``
    reaches: attributes, args, cause/context, traceback frames' locals, and the dicts,
    lists and sentry_async objects those hold (what error reporters walk)."""
    pieces = [SECRET[i : i + 12] for i in range(0, len(SECRET) - 11, 4)]
    found: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[object, str, int]] = [(root, "error", 0)]
    while stack and len(seen) < limit:
        value, path, depth = stack.pop()
        if id(value) in seen or depth > 12:
            continue
        seen.add(id(value))
        if isinstance(value, (str, bytes)):
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            if any(piece in text for piece in pieces):
                found.append(path)
            continue
        children: list[tuple[object, str]] = []
        if isinstance(value, BaseException):
            children += [(value.args, ".args"), (value.__cause__, ".__cause__")]
            children += [(value.__context__, ".__context__"), (vars(value), ".__dict__")]
            tb = value.__traceback__
            while tb is not None:
                frame = tb.tb_frame
                children.append((dict(frame.f_locals), f"<{frame.f_code.co_name} locals>"))
                tb = tb.tb_next
        elif isinstance(value, dict) or (
            hasattr(value, "items") and type(value).__module__.startswith("multidict")
        ):
            for key, item in list(value.items())[:1000]:  # type: ignore[attr-defined]
                children += [(key, f"[{key!r:.20}]"), (item, f"[{key!r:.20}]")]
        elif isinstance(value, (list, tuple, set, frozenset)):
            children += [(item, f"[{n}]") for n, item in enumerate(list(value)[:1000])]
        elif type(value).__module__.startswith("sentry_async"):
            names = list(getattr(value, "__dict__", {}))
            for cls in type(value).__mro__:
                names += [n for n in getattr(cls, "__slots__", ()) if isinstance(n, str)]
            for name in names:
                with contextlib.suppress(AttributeError):
                    children.append((getattr(value, name), f".{name}"))
        stack.extend((child, path + step, depth + 1) for child, step in children)
    return found


def _echo(template: str, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        said = request.headers.get("Authorization", "")
        body = template.replace("{auth}", said).replace("{escaped}", _escape(said))
        return web.Response(status=status, body=body.encode(), content_type="application/json")

    return handler


def _escape(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if n % 2 else c for n, c in enumerate(text))


@pytest.mark.parametrize(
    "template",
    [
        '["{auth}"]',  # a list where an organization is expected
        '{"id": ["{auth}"], "slug": {"a": "{auth}"}}',
        '["{escaped}"]',  # the echo JSON-escaped: still the token once decoded
    ],
)
async def test_a_wrongly_shaped_2xx_echoing_the_token_leaves_it_nowhere(template: str) -> None:
    async with hostile(_echo(template)) as base, client(base) as sentry:
        with pytest.raises(SentryError) as info:
            await sentry.organizations.get("acme")
    assert _holds_token(info.value) == []
    assert SECRET[:12] not in repr(pickle.loads(pickle.dumps(info.value)).__dict__)
    assert info.value.__cause__ is None


async def test_undecodable_items_echoing_the_token_hold_it_nowhere() -> None:
    page = '[{"id": "1", "slug": "a", "name": "A"}, "{auth}", ["{auth}"]]'
    async with hostile(_echo(page)) as base, client(base) as sentry:
        with pytest.raises(SentryError) as info:
            async for _ in sentry.organizations.list():
                pass
    assert _holds_token(info.value) == []


async def test_a_token_cut_by_a_snippet_leaves_no_prefix() -> None:
    # The token straddles the 200-character cut of the error snippet.
    handler = _echo("x" * 180 + " {auth} and more", status=401)
    async with hostile(handler) as base, client(base) as sentry:
        with pytest.raises(SentryError) as info:
            await sentry.request("GET", "/x/")
    assert _holds_token(info.value) == []


async def test_no_traceback_frame_of_a_raised_error_holds_the_token() -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response({})

    too_large = _echo('{"big": "' + "x" * 5000 + '"}')
    for handler, options in ((slow, {"timeout": 0.2}), (too_large, {"max_body_size": 1024})):
        async with (
            hostile(handler) as base,
            client(base, retry=RetryPolicy.disabled(), **options) as sentry,
        ):
            with pytest.raises(SentryError) as info:
                await sentry.request("GET", "/x/")
        assert _holds_token(info.value) == []
        shown = traceback.TracebackException.from_exception(info.value, capture_locals=True)
        assert SECRET not in "".join(shown.format())


async def test_a_body_of_too_many_values_is_refused_before_decoding() -> None:
    # 30 000 empty lists in 90 KB: under max_body_size, over its value budget (1/16 byte).
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"[" + b"[]," * 29_999 + b"[]]", content_type="application/json")

    async with hostile(handler) as base, client(base, max_body_size=256 * 1024) as sentry:
        with pytest.raises(ResponseTooLarge, match="JSON values"):
            await sentry.request("GET", "/x/")


async def test_a_gzip_bomb_is_refused_typed_and_not_fetched_again() -> None:
    bomb = gzip.compress(b"\0" * (40 * 1024 * 1024), compresslevel=9)
    hits = []

    async def handler(request: web.Request) -> web.StreamResponse:
        hits.append(request.method)
        return web.Response(
            body=bomb,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    # Some aiohttp releases (3.13) refuse to decompress it past their own limit; others
    # inflate it as it is read, and the read stops at max_body_size. Either way: typed,
    # bounded, never fetched again.
    async with hostile(handler) as base, client(base, max_body_size=16 * 1024 * 1024) as sentry:
        with pytest.raises(ResponseTooLarge, match=r"decompress|max_body_size"):
            await sentry.request("GET", "/x/")
        with pytest.raises(ResponseTooLarge):  # a write: refused, not ambiguous
            await sentry.request("POST", "/x/", json={"a": 1})
    assert hits == ["GET", "POST"]
