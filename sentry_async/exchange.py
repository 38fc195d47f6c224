"""One HTTP exchange: the seam between the request pipeline and the network.

An :class:`Exchange` sends one request and returns ``(status, headers, body, truncated)``;
it follows no redirect, retries nothing and knows nothing of Sentry. Everything above it
(retries, the rate-limit gate, redirects, decoding, error messages) is the pipeline's.

Two implementations: :class:`AiohttpExchange` (the default; the only module importing
aiohttp's client) and :class:`MockExchange`, which hands each request to a function of yours,
for unit tests without a server::

    def handler(request: MockRequest) -> MockResponse:
        assert request.url.path == "/api/0/organizations/acme/"
        return MockResponse.json({"id": "1", "slug": "acme", "name": "Acme"})

    async with SentryClient("token", exchange=MockExchange(handler), regions=False) as sentry:
        org = await sentry.organizations.get("acme")

Failures to exchange at all are :class:`ExchangeError` with a ``reason``; the pipeline turns
them into :class:`~sentry_async.errors.TransportError` with the request's context.
"""

from __future__ import annotations

import asyncio
import inspect
import json as _json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, NamedTuple, Protocol

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .errors import snippet

__all__ = [
    "ERROR_BODY_LIMIT",
    "AiohttpExchange",
    "Exchange",
    "ExchangeError",
    "Exchanged",
    "MockExchange",
    "MockRequest",
    "MockResponse",
]

#: Of an error answer (not 2xx) only this many bytes are read: enough for any JSON detail.
ERROR_BODY_LIMIT = 64 * 1024

Reason = Literal["connect", "tls", "timeout", "connection lost", "undecompressable"]
Query = Sequence[tuple[str, str]]


class Exchanged(NamedTuple):
    """What came back: status, case-insensitive headers, body (at most the limit) and
    whether the server sent more than the limit (``body`` then holds only a prefix)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    truncated: bool


class ExchangeError(Exception):
    """No answer: ``reason`` is "connect", "tls", "timeout", "connection lost" or
    "undecompressable" (a body that cannot be decompressed: a bomb or a broken encoding);
    ``detail`` a short text of the cause (never an exception object: aiohttp's hold the
    request, Authorization header included)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason
        self.detail = detail


class Exchange(Protocol):
    """Sends one request; returns :class:`Exchanged` or raises :class:`ExchangeError`.

    ``url`` is absolute and already percent-encoded; ``params`` are query pairs to append;
    ``timeout`` (seconds, or None) bounds the whole exchange; a 2xx body is read up to
    ``max_body_size`` bytes (a declared larger Content-Length is not read at all), any other
    body up to :data:`ERROR_BODY_LIMIT`.
    """

    async def __call__(
        self,
        method: str,
        url: URL,
        *,
        params: Query | None,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float | None,
        max_body_size: int,
    ) -> Exchanged: ...

    async def close(self) -> None:
        """Release what the exchange holds (connections); it is not used afterwards."""


def body_limit(status: int, max_body_size: int) -> int:
    """How much of an answer's body to read: all of a success, a prefix of anything else."""
    return max_body_size if 200 <= status <= 299 else ERROR_BODY_LIMIT


class AiohttpExchange:
    """The default exchange over aiohttp; creates its pool on first use unless given one
    (a session you pass stays yours: :meth:`close` leaves it open)."""

    def __init__(self, session: aiohttp.ClientSession | None = None, *, pool_size: int = 100):
        self._http = session
        self._owns = session is None
        self._pool_size = pool_size
        # The same few timeouts (the per-attempt one) recur: one ClientTimeout each.
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._pool_size), auto_decompress=True
        )
        return self._http

    async def __call__(
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
        http = self._http or self._open()
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            if len(self._timeouts) >= 16:
                self._timeouts.clear()  # a deadline cut gives each call its own value
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        failure: ExchangeError
        try:
            async with http.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=client_timeout,
            ) as response:
                status = response.status
                ok = 200 <= status <= 299
                limit = max_body_size if ok else ERROR_BODY_LIMIT
                data, over = await _read_bounded(response, limit, refuse_early=ok)
                return Exchanged(status, response.headers, data, over)
        # Only the reason and a string of the cause leave: the error is raised outside the
        # except block, so aiohttp's exception is neither its __cause__ nor __context__.
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = aiohttp_failure(exc)
        raise failure

    async def close(self) -> None:
        if self._owns and self._http is not None:
            http, self._http = self._http, None
            await http.close()

    def forget(self) -> None:
        """Drop the pool without closing it (its event loop is gone, and it with it)."""
        self._http = None


_CONNECT_TIMEOUT: tuple[type[BaseException], ...] = tuple(
    t for t in (getattr(aiohttp, "ConnectionTimeoutError", None),) if t is not None
)


def aiohttp_failure(exc: BaseException) -> ExchangeError:
    """The :class:`ExchangeError` for an exception aiohttp raised while exchanging."""
    reason: Reason
    if isinstance(exc, _CONNECT_TIMEOUT) or (
        isinstance(exc, aiohttp.ClientConnectorError)
        and not isinstance(exc, aiohttp.ClientSSLError)
    ):
        reason = "connect"
    elif isinstance(exc, aiohttp.ClientSSLError):
        reason = "tls"
    elif isinstance(exc, asyncio.TimeoutError):
        reason = "timeout"
    elif isinstance(exc, aiohttp.ClientPayloadError) and _undecompressable(exc):
        reason = "undecompressable"
    else:
        reason = "connection lost"
    return ExchangeError(
        reason, type(exc).__name__ + (f": {snippet(str(exc))}" if str(exc) else "")
    )


def _undecompressable(exc: aiohttp.ClientPayloadError) -> bool:
    """Whether aiohttp failed to decompress the body (too large, or a broken encoding)."""
    seen: list[BaseException] = [exc]
    link: BaseException | None = exc
    while link is not None and len(seen) < 8:
        link = link.__cause__ or link.__context__
        if link is not None:
            seen.append(link)
    names = " ".join(type(e).__name__ + " " + str(e)[:200] for e in seen)
    return any(
        word in names
        for word in ("DecompressSizeError", "ContentEncodingError", "decompress", "Decompress")
    )


async def _read_bounded(
    response: aiohttp.ClientResponse, limit: int, *, refuse_early: bool
) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, read as it arrives; and whether there was more.

    With ``refuse_early``, a declared Content-Length over the limit is not read at all.
    """
    length = response.content_length
    if refuse_early and length is not None and length > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), True
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks), False


class MockRequest(NamedTuple):
    """A request as a :class:`MockExchange` handler sees it."""

    method: str
    #: The absolute URL, query included.
    url: URL
    headers: Mapping[str, str]
    #: The raw body (JSON for Sentry's writes), or None.
    body: bytes | None

    def json(self) -> Any:
        """The body decoded as JSON (None when there is no body)."""
        return None if self.body is None else _json.loads(self.body)

    def __repr__(self) -> str:
        shown = {
            k: "<redacted>" if k.lower() == "authorization" else v for k, v in self.headers.items()
        }
        return f"MockRequest({self.method} {self.url}, headers={shown!r}, body={self.body!r})"


class MockResponse(NamedTuple):
    """What a :class:`MockExchange` handler answers."""

    status: int = 200
    headers: Mapping[str, str] = {}
    body: bytes = b""

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> MockResponse:
        """A JSON answer (Content-Type ``application/json`` unless ``headers`` set one)."""
        merged = CIMultiDict({"Content-Type": "application/json"})
        merged.update(headers or {})
        return cls(status, merged, _json.dumps(payload).encode())


Handler = Callable[[MockRequest], "MockResponse | Awaitable[MockResponse]"]


class MockExchange:
    """An exchange that calls ``handler(request)`` instead of the network (unit tests).

    The handler returns a :class:`MockResponse` (or a coroutine of one) and may raise
    :class:`ExchangeError` (e.g. ``ExchangeError("timeout")``) to simulate a failure.
    Body limits apply as over a network; every request is kept in :attr:`requests`.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[MockRequest] = []

    async def __call__(
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
        if params:
            url = url.extend_query(params)
        request = MockRequest(method, url, dict(headers), body)
        self.requests.append(request)
        answer = self.handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        assert isinstance(answer, MockResponse), "a MockExchange handler returns MockResponse"
        return bounded(answer.status, answer.headers, answer.body, max_body_size)

    async def close(self) -> None:
        return None


def bounded(status: int, headers: Mapping[str, str], body: bytes, max_body_size: int) -> Exchanged:
    """An in-memory answer cut to the limits an :class:`Exchange` applies."""
    proxy = CIMultiDictProxy(CIMultiDict(headers))
    limit = body_limit(status, max_body_size)
    if len(body) <= limit:
        return Exchanged(status, proxy, body, False)
    declared = proxy.get("Content-Length")
    early = 200 <= status <= 299 and declared is not None and declared.isdigit()
    return Exchanged(status, proxy, b"" if early else body[:limit], True)
