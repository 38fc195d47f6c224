"""Canned answers by method and URL, served through the exchange seam (no aiohttp client).

The registration API the unit tests were written against (``mocked.get(url, payload=...,
status=..., headers=..., repeat=True, exception=..., callback=...)`` and ``mocked.requests``)
on top of :func:`sentry_async.exchange.bounded`: while a :class:`MockHttp` is active, every
client's default exchange answers from it, so the suite runs on every aiohttp version.
Failures given as aiohttp exceptions go through the same mapping the aiohttp exchange uses.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple
from unittest import mock
from urllib.parse import parse_qsl

import attrs
from multidict import CIMultiDict, MultiDict
from yarl import URL

from sentry_async.exchange import (
    AiohttpExchange,
    Exchanged,
    ExchangeError,
    Query,
    aiohttp_failure,
    bounded,
)

__all__ = ["CallbackResult", "MockHttp", "RequestCall"]


def _normalise(url: URL) -> URL:
    """The URL with its query sorted (blank values dropped), as registered URLs are compared."""
    return url.with_query(sorted(parse_qsl(url.query_string)))


def _merge(url: URL, params: Query | None) -> URL:
    if not params:
        return url
    query: MultiDict[str] = MultiDict(url.query)
    query.extend(params)
    return url.with_query(query)


@attrs.frozen
class CallbackResult:
    """What a callback answers; unset fields fall back to the registration's."""

    status: int = 200
    body: str | bytes = ""
    payload: Any = None
    headers: Mapping[str, str] | None = None
    content_type: str = "application/json"


class RequestCall(NamedTuple):
    """One request as sent: ``kwargs`` holds params, data (the body), headers, timeout."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


Callback = Callable[..., "CallbackResult | Awaitable[CallbackResult | None] | None"]


@attrs.define
class _Canned:
    method: str
    url: URL | re.Pattern[str]
    answer: CallbackResult
    repeat: bool
    exception: BaseException | None
    callback: Callback | None

    def matches(self, method: str, url: URL) -> bool:
        if method != self.method:
            return False
        if isinstance(self.url, re.Pattern):
            return self.url.match(str(url)) is not None
        return self.url == url


class MockHttp:
    """Register answers, then make requests; use as a context manager (or the fixture)."""

    def __init__(self) -> None:
        self._canned: list[_Canned] = []
        self.requests: dict[tuple[str, URL], list[RequestCall]] = {}
        self._patch: Any = None

    def __enter__(self) -> MockHttp:
        self._patch = mock.patch.object(AiohttpExchange, "__call__", self._exchange)
        self._patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._patch.stop()

    def add(
        self,
        url: str | URL | re.Pattern[str],
        method: str,
        *,
        status: int = 200,
        body: str | bytes = "",
        payload: Any = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        repeat: bool = False,
        exception: BaseException | None = None,
        callback: Callback | None = None,
    ) -> None:
        target = url if isinstance(url, re.Pattern) else _normalise(URL(url))
        answer = CallbackResult(status, body, payload, headers, content_type)
        self._canned.append(_Canned(method, target, answer, repeat, exception, callback))

    def get(self, url: str | URL | re.Pattern[str], **kw: Any) -> None:
        self.add(url, "GET", **kw)

    def post(self, url: str | URL | re.Pattern[str], **kw: Any) -> None:
        self.add(url, "POST", **kw)

    def put(self, url: str | URL | re.Pattern[str], **kw: Any) -> None:
        self.add(url, "PUT", **kw)

    def patch(self, url: str | URL | re.Pattern[str], **kw: Any) -> None:
        self.add(url, "PATCH", **kw)

    def delete(self, url: str | URL | re.Pattern[str], **kw: Any) -> None:
        self.add(url, "DELETE", **kw)

    async def _exchange(
        self,
        method: str,
        url: URL,
        *,
        params: Query | None,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float | None,
        max_body_size: int,
    ) -> Exchanged:
        full = _normalise(_merge(url, params))
        kwargs = {"params": params, "data": body, "headers": headers, "timeout": timeout}
        self.requests.setdefault((method, full), []).append(RequestCall((), kwargs))
        canned = next((c for c in self._canned if c.matches(method, full)), None)
        if canned is None:
            raise ExchangeError("connection lost", f"no answer registered for {method} {full}")
        if not canned.repeat:
            self._canned.remove(canned)
        if canned.exception is not None:
            failure = (
                canned.exception
                if isinstance(canned.exception, ExchangeError)
                else aiohttp_failure(canned.exception)
            )
            raise failure
        answer = canned.answer
        if canned.callback is not None:
            result = canned.callback(_merge(url, params), **kwargs)
            if inspect.isawaitable(result):
                result = await result
            answer = result or answer
        return _render(answer, max_body_size)


def _render(answer: CallbackResult, max_body_size: int) -> Exchanged:
    if answer.payload is not None:
        data = json.dumps(answer.payload).encode()
    elif isinstance(answer.body, str):
        data = answer.body.encode()
    else:
        data = answer.body
    headers: CIMultiDict[str] = CIMultiDict(answer.headers or {})
    if answer.content_type and "Content-Type" not in headers:
        headers["Content-Type"] = answer.content_type
    return bounded(answer.status, headers, data, max_body_size)


@contextmanager
def mock_http() -> Iterator[MockHttp]:
    with MockHttp() as mocked:
        yield mocked
