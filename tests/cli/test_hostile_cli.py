"""Issue 10 §3: for what a hostile server sends, the CLI prints a typed error, never an
"internal error", and never the token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from ..loopback import serve
from .helpers import TOKEN, audit

Answer = Callable[[web.Request], web.StreamResponse]


def redirect(location: str) -> Answer:
    return lambda request: web.Response(status=302, headers={"Location": location})


def deep_json(request: web.Request) -> web.StreamResponse:
    return web.Response(body=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")


def deep_detail(request: web.Request) -> web.StreamResponse:
    body = '{"detail": ' + '{"detail": [' * 900 + '"x"' + "]}" * 900 + "}"
    return web.Response(status=400, text=body, content_type="application/json")


def huge_reset(request: web.Request) -> web.StreamResponse:
    headers = {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": "9" * 30,
        "X-Sentry-Rate-Limit-Reset": "9" * 400,
    }
    return web.json_response({"detail": "nope"}, status=403, headers=headers)


def echo(request: web.Request) -> web.StreamResponse:
    said = request.headers.get("Authorization", "")
    return web.json_response({"detail": f"bad credentials: {said}"}, status=401)


@contextlib.asynccontextmanager
async def hostile(answer: Answer) -> AsyncIterator[str]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return answer(request)

    async with serve(handler) as url:
        yield url


@pytest.mark.parametrize(
    "answer",
    [
        redirect("file:///etc/passwd"),
        redirect("mailto:root@example.com"),
        redirect("data:,x"),
        redirect("http://["),
        redirect("http://127.0.0.1:99999/"),
        redirect("http://user:pw@127.0.0.1/"),
        redirect("https://elsewhere.example/"),
        deep_json,
        deep_detail,
        huge_reset,
        echo,
    ],
    ids=[
        "file",
        "mailto",
        "data",
        "bracket",
        "port",
        "userinfo",
        "foreign",
        "deep-json",
        "deep-detail",
        "huge-reset",
        "echo",
    ],
)
async def test_hostile_answers_give_typed_errors_in_the_cli(answer: Answer) -> None:
    async with hostile(answer) as base:
        result = await audit(None, "--base-url", base)
    assert result.code != 0
    assert "internal error" not in result.out + result.err
    assert "Traceback" not in result.out + result.err
    result.assert_no_token()
    assert TOKEN not in result.out + result.err
