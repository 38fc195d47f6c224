"""The one request pipeline. The only module that talks to aiohttp's client.

Each step has one concern::

    Session.send        body/query encoding, then retrying (retry.decide)
    _follow_redirects   same-origin GET redirects; Authorization never leaves the origin
    _send_once          rate/concurrency gate around exactly one HTTP exchange
    wire.decipher       (status, headers, body) -> Answer or typed error

A :class:`Transport` (connection pool, gate, token) is shared by a client and every
``with_options`` view of it; a :class:`Session` adds per-view options (timeout, retry).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from ._version import __version__
from .clock import Clock
from .errors import (
    AmbiguousWriteError,
    ConfigurationError,
    RateLimited,
    SentryError,
    TransportError,
)
from .gate import RateGate
from .hosts import Host, origin_of
from .ratelimit import RateSnapshot, parse_rate_headers
from .regions import Region, RegionDirectory, org_of
from .retry import IDEMPOTENT_METHODS, RetryPolicy, classify, decide
from .route import Route
from .stores import RateLimitStore, token_fingerprint
from .wire import Answer, decipher, dumps

__all__ = ["Session", "Transport", "normalise_base_url"]

log = logging.getLogger("sentry_async")

USER_AGENT = f"sentry-async/{__version__}"
MAX_REDIRECTS = 5
_PATH_CACHE = 4096
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONNECT_TIMEOUT: tuple[type[BaseException], ...] = tuple(
    t for t in (getattr(aiohttp, "ConnectionTimeoutError", None),) if t is not None
)

Query = list[tuple[str, str]]


def normalise_base_url(base_url: str) -> URL:
    """``https://sentry.io`` or ``https://host/prefix[/api/0]`` -> the ``/api/0`` root URL."""
    url = URL(base_url.strip())
    if not url.is_absolute() or url.scheme not in ("http", "https"):
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL like https://sentry.io, not {base_url!r}"
        )
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not carry credentials; pass token= instead")
    path = url.path.rstrip("/")
    if not path.endswith("/api/0"):
        path += "/api/0"
    return url.with_path(path).with_query(None).with_fragment(None)


class _Headers(dict[str, str]):
    """Request headers whose repr hides the Authorization value (tracebacks show locals)."""

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k == "Authorization" else v) for k, v in self.items()}
        return repr(shown)


class _Token:
    """Holds the token so that no repr, log or traceback local shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def bearer(self) -> str:
        return f"Bearer {self._value}"

    def __repr__(self) -> str:
        return "<token redacted>"

    __str__ = __repr__


def encode_query(params: Mapping[str, Any] | None) -> Query | None:
    """Query parameters as pairs: None dropped, sequences repeated, bools as 1/0."""
    if not params:
        return None
    pairs: Query = []
    for name, value in params.items():
        if value is None:
            continue
        values: Iterable[Any] = (
            value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
        )
        for item in values:
            if isinstance(item, bool):
                pairs.append((name, "1" if item else "0"))
            else:
                pairs.append((name, str(item)))
    return pairs or None


class Transport:
    """What every view of one client shares: base URL, token, connection pool, gate."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        session: aiohttp.ClientSession | None,
        clock: Clock,
        max_concurrency: int | None,
        rate_limit_store: RateLimitStore | None = None,
        regions: bool = True,
    ) -> None:
        self.api = normalise_base_url(base_url)
        self.home = Host(self.api)
        self.origin = self.api.origin()
        #: Which host each org's calls go to (sentry.io's regions); see regions.
        self.directory = RegionDirectory(self.api, token=token, enabled=regions)
        self._hosts: dict[str, Host] = {self.directory.base.url: self.home}
        self._orgs: dict[str, str | None] = {}  # path -> the org it is routed by
        self.clock = clock
        # The store sees a fingerprint of the token, never the token.
        self.gate = RateGate(
            clock, max_concurrency, store=rate_limit_store, scope=token_fingerprint(token)
        )
        token_ = _Token(token)
        base = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        json_ = {"Content-Type": "application/json"}
        self.headers_anonymous = _Headers(base)
        self.headers = _Headers(base, Authorization=token_.bearer())
        self.json_headers = _Headers(self.headers, **json_)
        self.json_headers_anonymous = _Headers(base, **json_)
        self._http = session
        self._owns_http = session is None
        self._pool_size = max(100, max_concurrency or 0)
        self.closed = False

    def url_for(self, path: str) -> URL:
        """The absolute URL of an already-encoded path relative to the base ``/api/0``."""
        return self.home.url_for(path)

    def host(self, region: Region) -> Host:
        """The host serving ``region`` (the base host for an unrouted one)."""
        host = self._hosts.get(region.url)
        if host is None:
            host = self._hosts[region.url] = Host(region.api)
        return host

    def org_of(self, path: str) -> str | None:
        """The org whose region serves ``path`` (None: the base host serves it)."""
        orgs = self._orgs
        try:
            return orgs[path]
        except KeyError:
            pass
        if len(orgs) >= _PATH_CACHE:
            orgs.clear()
        org = orgs[path] = org_of(path)
        return org

    def http(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use (inside the running loop)."""
        if self.closed:
            raise SentryError("this SentryClient is closed; create a new one")
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                auto_decompress=True,
            )
        return self._http

    async def close(self) -> None:
        """Close the connection pool if this transport created it."""
        self.closed = True
        await self.directory.aclose()
        if self._owns_http and self._http is not None:
            http, self._http = self._http, None
            await http.close()


class Session:
    """One view of a transport, with its own timeout and retry policy."""

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float | None,
        retry: RetryPolicy,
        rng: random.Random | None = None,
        region: Region | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive seconds, or None for no timeout")
        self.transport = transport
        self.timeout = timeout
        self.retry = retry
        self._client_timeout = aiohttp.ClientTimeout(total=timeout)
        self._rng = rng or random.Random()
        #: Every call of this view goes to this region's host (None: routed per org).
        self.region = region

    def with_options(self, *, timeout: float | None, retry: RetryPolicy) -> Session:
        return Session(
            self.transport, timeout=timeout, retry=retry, rng=self._rng, region=self.region
        )

    def at(self, region: Region) -> Session:
        """A view of this session whose every call goes to ``region``'s host."""
        return Session(
            self.transport, timeout=self.timeout, retry=self.retry, rng=self._rng, region=region
        )

    async def region_for(self, org: str) -> Region:
        """The region whose host serves ``org``'s calls (learned at most once per org)."""
        return await self.transport.directory.region_for(org, self._lookup)

    async def regions(self) -> tuple[Region, ...]:
        """Every region holding the user's orgs (just the base host when not routing)."""
        return await self.transport.directory.regions(self._lookup)

    async def _lookup(self, route: Route, params: Mapping[str, Any] | None) -> Any:
        # One attempt, on the base host: a lookup that fails leaves the org's calls there
        # (the main host proxies them) and is asked again by the next call.
        once = attrs.evolve(self.retry, attempts=1, retry_rate_limited=False)
        lookup = Session(self.transport, timeout=self.timeout, retry=once, rng=self._rng)
        return (
            await lookup.send(route, params=params, region=self.transport.directory.base)
        ).payload

    def _known_host(self, route: Route, region: Region | None) -> Host | None:
        """The host ``route`` goes to, if known without a lookup (the common case)."""
        transport = self.transport
        if region is None:
            region = self.region
        if region is None:
            directory = transport.directory
            if not directory.enabled:
                return transport.home
            org = transport.org_of(route.path)
            if org is None:
                return transport.home
            region = directory.known(org)
            if region is None:
                return None
        return transport.host(region)

    async def _looked_up_host(self, route: Route) -> Host:
        transport = self.transport
        org = transport.org_of(route.path)
        assert org is not None
        return transport.host(await transport.directory.region_for(org, self._lookup))

    async def send(
        self,
        route: Route,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        region: Region | None = None,
    ) -> Answer:
        """Send ``route`` with retries; return the decoded answer or raise a typed error.

        It goes to ``region``'s host if given, else to its org's region (org-scoped paths,
        when routing), else to the base URL.
        """
        body = dumps(json) if json is not None else None
        query = encode_query(params)
        clock = self.transport.clock
        started = clock.monotonic()
        host = self._known_host(route, region) or await self._looked_up_host(route)
        errors = limited = 0
        while True:
            try:
                return await self._follow_redirects(route, query, body, host)
            except SentryError as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                wait_hint = None
                if isinstance(exc, RateLimited):
                    limited += 1
                    attempt = limited
                    wait_hint = exc.retry_after
                    if exc.rate is None and wait_hint is not None:
                        self.transport.gate.note_blocked(host.key(route), wait_hint)
                else:
                    errors += 1
                    attempt = errors
                delay = decide(
                    self.retry,
                    route.method,
                    failure,
                    attempt=attempt,
                    elapsed=clock.monotonic() - started,
                    wait_hint=wait_hint,
                    jitter=self._rng.random(),
                )
                if delay is None:
                    if failure.server_may_have_acted and route.method not in IDEMPOTENT_METHODS:
                        raise AmbiguousWriteError(
                            f"{route.method} {route.template} may or may not have been applied: "
                            f"{exc} — it was not re-sent; check whether it took effect before "
                            "trying again",
                            method=route.method,
                            route=route.template,
                            url=getattr(exc, "url", ""),
                        ) from exc
                    raise
                log.info(
                    "%s %s: %s; retrying in %.2fs (attempt %d)",
                    route.method,
                    route.template,
                    failure.value,
                    delay,
                    attempt + 1,
                )
                await clock.sleep(delay)

    async def _follow_redirects(
        self, route: Route, query: Query | None, body: bytes | None, host: Host
    ) -> Answer:
        transport = self.transport
        url = host.url_for(route.path)
        same_origin = True
        hops = 0
        while True:
            status, headers, data, rate = await self._send_once(
                route, url, query, body, same_origin, host
            )
            location = headers.get("Location")
            follow = status in _REDIRECTS and route.method in ("GET", "HEAD")
            if not location or not follow or hops == MAX_REDIRECTS:
                break  # an unfollowed 3xx surfaces from decipher as ResourceMoved
            hops += 1
            url = url.join(URL(location, encoded=True))
            query = None  # the Location carries the query it wants
            # Credentials never travel to another origin, even if a redirect asks.
            same_origin = same_origin and origin_of(url) == host.origin
        return decipher(
            method=route.method,
            route=route.template,
            url=str(url),
            status=status,
            headers=headers,
            body=data,
            now=transport.clock.time(),
            rate=rate,
        )

    async def _send_once(
        self,
        route: Route,
        url: URL,
        query: Query | None,
        body: bytes | None,
        authorised: bool,
        host: Host,
    ) -> tuple[int, CIMultiDictProxy[str], bytes, RateSnapshot | None]:
        transport = self.transport
        http = transport.http()
        if body is None:
            headers = transport.headers if authorised else transport.headers_anonymous
        else:
            headers = transport.json_headers if authorised else transport.json_headers_anonymous
        gate = transport.gate
        key = host.key(route)
        await gate.acquire(key)
        rate: RateSnapshot | None = None
        answered = False
        try:
            async with http.request(
                route.method,
                url,
                params=query,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=self._client_timeout,
            ) as response:
                data = await response.read()
                status, answer_headers = response.status, response.headers
            answered = True
            rate = parse_rate_headers(answer_headers)
        except _CONNECT_TIMEOUT as exc:
            raise self._transport_error(route, url, "connect", exc) from None
        except aiohttp.ClientSSLError as exc:
            raise self._transport_error(route, url, "tls", exc) from None
        except aiohttp.ClientConnectorError as exc:
            raise self._transport_error(route, url, "connect", exc) from None
        except asyncio.TimeoutError as exc:
            raise self._transport_error(route, url, "timeout", exc) from None
        except aiohttp.ClientError as exc:
            raise self._transport_error(route, url, "connection lost", exc) from None
        finally:
            gate.release(key, rate, answered=answered)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %d", route.method, route.template, status)
        return status, answer_headers, data, rate

    def _transport_error(
        self, route: Route, url: URL, reason: str, exc: BaseException
    ) -> TransportError:
        what = {
            "connect": "could not connect",
            "tls": "TLS failed",
            "timeout": f"no answer within {self.timeout}s",
            "connection lost": "the connection broke before a full answer",
        }[reason]
        cause = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        hint = (
            "check base_url / SENTRY_URL and the network"
            if reason in ("connect", "tls")
            else "raise the timeout with with_options(timeout=...) or retry later"
        )
        return TransportError(
            f"{route.method} {route.template}: {what} ({cause}; {hint}; url: {url})",
            method=route.method,
            route=route.template,
            url=str(url),
            reason=reason,
        )
