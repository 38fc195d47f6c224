"""The one request pipeline, around one HTTP exchange (:mod:`sentry_async.exchange`).

Each step has one concern::

    Pipeline.send       body/query encoding, then retrying (retry.decide)
    _follow_redirects   same-origin GET redirects; Authorization never leaves the origin;
                        then wire.decipher: (status, headers, body) -> Answer or typed error
    _send_once          rate/concurrency gate around exactly one exchange
    _exchange           the one frame that holds the Authorization header

Limits (what no server answer can get past): every wait, queueing and pacing included, ends
by the call's deadline; each attempt's timeout is the smaller of ``timeout`` and the time
left; a body is read incrementally up to ``max_body_size`` (error bodies: a short prefix);
redirects are followed only within the base URL's origin (or its https upgrade); every
error raised is a :class:`~sentry_async.errors.SentryError` with the token redacted and no
HTTP library's exception (aiohttp's carry the request, token included) attached.

A :class:`ClientState` (base URL, token, connection pool, rate-limit gate, region
directory) is shared by a client and every ``with_options`` view of it; a
:class:`Pipeline` runs calls through it with one view's options (timeout, retry, region).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import os
import random
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._version import __version__
from .clock import Clock
from .errors import (
    MIN_REDACTED_LENGTH,
    AmbiguousWriteError,
    APIError,
    ConfigurationError,
    DecodeError,
    RateLimited,
    RedirectRefused,
    ResourceMoved,
    ResponseTooLarge,
    SentryError,
    TransportError,
    redact,
    snippet,
)
from .exchange import AiohttpExchange, Exchange, ExchangeError, Reason
from .gate import PacingRefused, RateGate
from .hosts import Host
from .hosts import origin_of as _origin
from .ratelimit import RateSnapshot, parse_rate_headers
from .regions import Region, RegionDirectory, org_of
from .retry import IDEMPOTENT_METHODS, RetryPolicy, classify, decide
from .route import Route
from .stores import RateLimitStore, token_fingerprint
from .wire import Answer, decipher, dumps

if TYPE_CHECKING:
    import aiohttp

__all__ = ["DEFAULT_MAX_BODY_SIZE", "ClientState", "Pipeline", "normalise_base_url"]

log = logging.getLogger("sentry_async")

USER_AGENT = f"sentry-async/{__version__}"
MAX_REDIRECTS = 5
#: Seconds a call waits at most for its org's region to be learned.
LOOKUP_WAIT = 10.0
#: The largest answer body read, in bytes (after decompression). Sentry's largest real
#: answers (a full event with its stack traces and breadcrumbs, ingested at most ~1 MB;
#: stats_v2 over many projects; a 100-item page of issues) stay in the low megabytes, so
#: 16 MiB leaves a wide margin while bounding what a hostile answer can cost.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024
#: A body may hold at most ``max_body_size // VALUES_PER_BYTE`` JSON values (counted
#: cheaply as ``,`` ``[`` ``{`` bytes): decoded, each value costs ~50-100 bytes, so 16 MiB
#: of ``[[],[],...]`` would take ~0.5 GB and seconds of the loop. Real answers spend far
#: more than 16 bytes per value (keys, ids, dates).
VALUES_PER_BYTE = 16
_PATH_CACHE = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

Query = list[tuple[str, str]]


def normalise_base_url(base_url: str) -> URL:
    """``https://sentry.io`` or ``https://host/prefix[/api/0]`` -> the ``/api/0`` root URL.

    Raises :class:`~sentry_async.errors.ConfigurationError` for anything else.
    """
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str like https://sentry.io, not {base_url!r}")
    if not base_url.strip().isprintable() or " " in base_url.strip():
        raise ConfigurationError(
            f"base_url holds a space or a control character: {base_url!r}; it must be an "
            "absolute http(s) URL like https://sentry.io"
        )
    try:
        url = URL(base_url.strip())
        _origin(url)  # a port out of range, an unparseable host
    except (ValueError, TypeError):
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL like https://sentry.io, not {base_url!r}"
        ) from None
    if not url.is_absolute() or url.scheme not in ("http", "https") or not url.host:
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


_MASK = b"<redacted>"


class _Token:
    """Holds the token so that no repr, log, traceback local or object walk finds it.

    It is kept masked (XOR with a random key) and unmasked only for the moment a request's
    headers are built or something is scrubbed: tools that capture a traceback's locals
    and walk the objects they reach (sentry-sdk, structlog) find no plain token.
    """

    __slots__ = ("_escaped", "_key", "_length", "_masked")

    def __init__(self, value: str) -> None:
        raw = value.encode()
        # Kept as ints: unmasking is then one XOR and one to_bytes per use.
        self._length = len(raw)
        self._key = int.from_bytes(os.urandom(len(raw)), "big")
        self._masked = int.from_bytes(raw, "big") ^ self._key
        # The token as a JSON encoder may have escaped it (\u0061, \/): a server echoing
        # the header inside JSON. Its pattern never holds the token's characters in a row.
        self._escaped = re.compile(b"".join(map(_escaped_forms, value)), re.IGNORECASE)

    def _plain(self) -> bytes:
        return (self._masked ^ self._key).to_bytes(self._length, "big")

    def bearer(self) -> str:
        return "Bearer " + self._plain().decode()

    def scrub_answer(
        self, headers: CIMultiDictProxy[str], body: bytes
    ) -> tuple[CIMultiDictProxy[str], bytes]:
        """:meth:`scrub_headers` and :meth:`scrub_body` of one answer, unmasking once."""
        plain = self._plain()
        return self.scrub_headers(headers, plain), self.scrub_body(body, plain)

    def scrub(self, error: SentryError) -> SentryError:
        """``error`` with the token removed from its message and attributes, as sent and
        as a URL would carry it (percent-encoded, either case of hex: a ``Location``)."""
        plain = self._plain().decode()
        for form in _url_forms(plain):
            redact(error, form)
        return error

    def scrub_body(self, data: bytes, plain: bytes | None = None) -> bytes:
        """``data`` with every copy of the token (plain or JSON-escaped) masked.

        Done on the bytes as read, before anything (payload, error message, snippet,
        truncation) is made of them: nothing built from a body can then hold the token.
        """
        plain = plain or self._plain()
        if len(plain) < MIN_REDACTED_LENGTH:
            return data  # see MIN_REDACTED_LENGTH: no real token is that short
        if plain in data:
            data = data.replace(plain, _MASK)
        # A one-byte search first: it runs at memory speed, while looking for a two-byte
        # "\\u" costs as much as decoding a small answer.
        if b"\\" in data and (b"\\u" in data or b"\\/" in data):
            data = self._escaped.sub(_MASK, data)
        if b"\0" in data:  # UTF-16/32 text (an error page): the token with NULs between
            for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
                wide = plain.decode().encode(codec)
                if wide in data:
                    data = data.replace(wide, _MASK.decode().encode(codec))
        return data

    def scrub_headers(
        self, headers: CIMultiDictProxy[str], plain: bytes | None = None
    ) -> CIMultiDictProxy[str]:
        """``headers``, or a copy with the token masked where a value echoes it."""
        text = (plain or self._plain()).decode()
        # One search over all names and values joined (a NUL occurs in neither).
        if len(text) < MIN_REDACTED_LENGTH or text not in "\0".join(
            itertools.chain(headers.keys(), headers.values())
        ):
            return headers
        mask = _MASK.decode()
        clean = CIMultiDict(
            (k.replace(text, mask), v.replace(text, mask)) for k, v in headers.items()
        )
        return CIMultiDictProxy(clean)

    def __repr__(self) -> str:
        return "<token redacted>"

    __str__ = __repr__


def _escaped_forms(char: str) -> bytes:
    """A pattern for ``char`` as a JSON encoder may write it: as is, ``\\uXXXX`` (a pair of
    them beyond the BMP), or ``\\/`` for a slash."""
    forms = [re.escape(char.encode())]
    units = char.encode("utf-16-be")
    pairs = (units[i : i + 2] for i in range(0, len(units), 2))
    forms.append(b"".join(rb"\\u%02x%02x" % (high, low) for high, low in pairs))
    if char == "/":
        forms.append(rb"\\/")
    return b"(?:" + b"|".join(forms) + b")"


def _url_forms(token: str) -> list[str]:
    """The token, and the percent-encoded forms a URL (a ``Location``) may carry it in."""
    forms = [token]
    for encoded in (quote(token, safe=""), quote(token, safe="/"), quote_plus(token)):
        for form in (encoded, _LOWER_HEX.sub(lambda m: m.group(0).lower(), encoded)):
            if form not in forms:
                forms.append(form)
    return forms


_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")


def encode_query(params: Mapping[str, Any] | None) -> Query | None:
    """Query parameters as pairs: None dropped, sequences repeated, bools as 1/0.

    TypeError when ``params`` is not a mapping or a name is not a str.
    """
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of names to values, not {params!r:.80}")
    if not params:
        return None
    pairs: Query = []
    for name, value in params.items():
        if not isinstance(name, str):
            raise TypeError(f"params names must be str, not {name!r:.80}")
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


class ClientState:
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
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        exchange: Exchange | None = None,
        regions: bool = True,
    ) -> None:
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise TypeError("max_body_size must be an int (bytes)")
        if max_body_size < 1:
            raise ValueError("max_body_size must be a positive number of bytes")
        self.max_body_size = max_body_size
        self.api = normalise_base_url(base_url)
        #: The base URL's host: its URLs, redirect trust and rate-limit keys.
        self.home = Host(self.api)
        self.origin = self.home.origin
        # Where a redirect may lead: this origin, or its https upgrade (same host).
        self.trusted = self.home.trusted
        #: Which host each org's calls go to (sentry.io's regions); see regions.
        self.directory = RegionDirectory(
            self.api, token=token, enabled=regions, now=clock.monotonic
        )
        self._hosts: dict[str, Host] = {self.directory.base.url: self.home}
        self._routes: dict[str, Host] = {}  # path -> its host, once decided for good
        self._loop: asyncio.AbstractEventLoop | None = None
        self.clock = clock
        # The store sees a fingerprint of the token, never the token.
        self.gate = RateGate(
            clock, max_concurrency, store=rate_limit_store, scope=token_fingerprint(token)
        )
        self.token = _Token(token)
        base = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        json_ = {"Content-Type": "application/json"}
        # Without Authorization: it is added per request, in the frame that sends it.
        self.headers = _Headers(base)
        self.json_headers = _Headers(self.headers, **json_)
        self.max_values = max(max_body_size // VALUES_PER_BYTE, 1024)
        if exchange is not None and session is not None:
            raise ConfigurationError("pass either session= or exchange=, not both")
        self.exchange: Exchange = exchange or AiohttpExchange(
            session, pool_size=max(100, max_concurrency or 0)
        )
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

    def host_of(self, path: str) -> Host | None:
        """The host serving ``path`` if decided (None: its org's region is not known yet).

        Decisions are final (an org's region is kept for the client's life), so each path
        is classified once.
        """
        host = self._routes.get(path)
        if host is not None:
            return host
        directory = self.directory
        org = org_of(path) if directory.enabled else None
        if org is None:
            host = self.home
        else:
            region = directory.known(org)
            if region is None:
                return None
            host = self.host(region)
        if len(self._routes) >= _PATH_CACHE:
            self._routes.clear()  # bounded; refilling costs one classification per path
        self._routes[path] = host
        return host

    def check_usable(self) -> None:
        """Raise unless the client is open and bound to the running loop (or none yet)."""
        if self.closed:
            raise SentryError("this SentryClient is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            # Its connection pool and gate belong to the first loop (now likely closed):
            # aiohttp would fail with a bare "Event loop is closed".
            raise ConfigurationError(
                "this SentryClient was first used in another event loop (an earlier "
                "asyncio.run()?) and belongs to it; create one client per event loop"
            )

    async def close(self) -> None:
        """Close the exchange (the connection pool, if the client created it)."""
        self.closed = True
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            forget = getattr(self.exchange, "forget", None)
            if forget is not None:
                forget()  # its loop is gone; the pool went with it
            return
        await self.directory.aclose()
        await self.exchange.close()


class Pipeline:
    """The request pipeline of one client view: sends routes through the shared
    :class:`ClientState` with this view's timeout, retry policy and region."""

    def __init__(
        self,
        state: ClientState,
        *,
        timeout: float | None,
        retry: RetryPolicy,
        rng: random.Random | None = None,
        region: Region | None = None,
    ) -> None:
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float))
        ):
            raise TypeError(f"timeout must be seconds (a number) or None, not {timeout!r}")
        if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(
                f"timeout must be positive finite seconds, or None for no timeout, not {timeout!r}"
            )
        self.state = state
        self.timeout = timeout
        self.retry = retry
        self._rng = rng or random.Random()
        #: Every call of this view goes to this region's host (None: routed per org).
        self.region = region

    def with_options(self, *, timeout: float | None, retry: RetryPolicy) -> Pipeline:
        """A pipeline over the same state with another timeout and retry policy."""
        return Pipeline(self.state, timeout=timeout, retry=retry, rng=self._rng, region=self.region)

    def at(self, region: Region) -> Pipeline:
        """A pipeline like this one whose every call goes to ``region``'s host."""
        return Pipeline(
            self.state, timeout=self.timeout, retry=self.retry, rng=self._rng, region=region
        )

    async def region_for(self, org: str) -> Region:
        """The region whose host serves ``org``'s calls (learned at most once per org)."""
        return await self.state.directory.region_for(org, self._lookup)

    async def regions(self) -> tuple[Region, ...]:
        """Every region holding the user's orgs (just the base host when not routing)."""
        return await self.state.directory.regions(self._lookup)

    async def _lookup(self, route: Route, params: Mapping[str, Any] | None) -> Any:
        # One attempt, on the base host: a lookup that fails leaves the org's calls there
        # (the main host proxies them) and is asked again by the next call.
        once = attrs.evolve(self.retry, attempts=1, retry_rate_limited=False)
        lookup = Pipeline(self.state, timeout=self.timeout, retry=once, rng=self._rng)
        base = self.state.directory.base
        return (await lookup.send(route, params=params, region=base)).payload

    def _known_host(self, route: Route, region: Region | None) -> Host | None:
        """The host ``route`` goes to, if known without a lookup (the common case)."""
        if region is None:
            region = self.region
        if region is None:
            return self.state.host_of(route.path)
        return self.state.host(region)

    async def _looked_up_host(self, route: Route, deadline: float | None) -> Host:
        state = self.state
        org = org_of(route.path)
        assert org is not None
        # The lookup may take at most half of what the call has left (and never more than
        # LOOKUP_WAIT): the rest is for the call itself, sent to the base host if need be.
        within = LOOKUP_WAIT
        if deadline is not None:
            within = min(within, (deadline - state.clock.monotonic()) / 2)
        region = await state.directory.region_for(org, self._lookup, within=within)
        return state.host(region)

    async def send(
        self,
        route: Route,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        region: Region | None = None,
    ) -> Answer:
        """Send ``route`` with retries; return the decoded answer or raise a typed error.

        Every wait (a concurrency slot, a rate-limit window, a retry's backoff, the answer
        itself) ends by ``retry.deadline``; a wait that cannot fit raises at once. It goes
        to ``region``'s host if given, else to its org's region (org-scoped paths, when
        routing; learning it is one bounded lookup), else to the base URL.
        """
        body = dumps(json) if json is not None else None
        query = encode_query(params)
        clock = self.state.clock
        started = clock.monotonic()
        policy = self.retry
        deadline = None if policy.deadline is None else started + policy.deadline
        host = self._known_host(route, region) or await self._looked_up_host(route, deadline)
        # 429s and other failures each have their own attempt budget (RetryPolicy): waiting
        # out a rate limit is not a sign that the server is failing.
        errors = limited = 0
        while True:
            try:
                return await self._follow_redirects(route, query, body, deadline, host)
            except SentryError as exc:
                self.state.token.scrub(exc)
                failure = classify(exc)
                if failure is None:
                    raise
                wait_hint = None
                if isinstance(exc, RateLimited):
                    limited += 1
                    attempt = limited
                    wait_hint = exc.retry_after
                    if exc.rate is None and wait_hint is not None:
                        self.state.gate.note_blocked(host.key(route), wait_hint)
                else:
                    errors += 1
                    attempt = errors
                delay = decide(
                    policy,
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
                            f"{route.method} {route.template} may or may not have been applied "
                            f"({_what_happened(exc)}); it was not re-sent: check whether it "
                            f"took effect, then decide whether to send it again "
                            f"(url: {getattr(exc, 'url', '')})",
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
        self,
        route: Route,
        query: Query | None,
        body: bytes | None,
        deadline: float | None,
        host: Host,
    ) -> Answer:
        state = self.state
        url = host.url_for(route.path)
        hops = 0
        while True:
            status, headers, data, rate = await self._send_once(
                route, url, query, body, deadline, host
            )
            location = headers.get("Location")
            follow = status in _REDIRECTS and route.method in ("GET", "HEAD")
            if not location or not follow or hops == MAX_REDIRECTS:
                break  # an unfollowed 3xx surfaces from decipher as ResourceMoved
            hops += 1
            url = self._redirect_target(route, url, status, location, host)
            query = None  # the Location carries the query it wants
        if location and follow:
            raise _unfollowed(
                ResourceMoved,
                f"{route.method} {route.template} was redirected more than {MAX_REDIRECTS} "
                f"times (a redirect loop; last to {snippet(location)!r}): the server or a "
                f"proxy in front of it is misconfigured; check base_url (url: {url})",
                route,
                url,
                status,
                location,
            )
        return decipher(
            method=route.method,
            route=route.template,
            url=str(url),
            status=status,
            headers=headers,
            body=data,
            # Only a 429's Retry-After date is read against the server's clock.
            now=state.gate.now() if status == 429 else 0.0,
            rate=rate,
        )

    def _redirect_target(
        self, route: Route, url: URL, status: int, location: str, host: Host | None = None
    ) -> URL:
        """Where a redirect leads, if the token may go there (the origin of the host the
        call was sent to, by default the base URL's, or its https upgrade); else
        RedirectRefused."""
        host = host or self.state.home
        target: URL | None
        try:
            target = url.join(URL(location, encoded=True))
            origin = _origin(target)
        except (ValueError, TypeError):
            target, origin = None, None
        credentials = target is not None and (target.user, target.password) != (None, None)
        if target is not None and origin in host.trusted and not credentials:
            if target.explicit_port is not None and target.port == _DEFAULT_PORTS.get(
                target.scheme
            ):
                target = target.with_port(None)  # the URL the pool would use anyway
            return target
        shown = snippet(location)
        if target is None:
            why = "a Location that is not a URL"
        elif credentials:
            why = "a URL carrying credentials"
        else:
            why = "another origin"
        api = host.prefix
        message = (
            f"{route.method} {route.template} was redirected ({status}) to {why}: {shown!r}; "
            f"not followed, since the token may only go to {api} (set base_url to the "
            f"address the API really lives at; url: {url})"
        )
        raise _unfollowed(RedirectRefused, message, route, url, status, location)

    async def _send_once(
        self,
        route: Route,
        url: URL,
        query: Query | None,
        body: bytes | None,
        deadline: float | None,
        host: Host,
    ) -> tuple[int, CIMultiDictProxy[str], bytes, RateSnapshot | None]:
        state = self.state
        state.check_usable()
        headers = state.headers if body is None else state.json_headers
        gate = state.gate
        key = host.key(route)
        clock = state.clock
        try:
            ticket = await gate.acquire(
                key, deadline=deadline, max_wait=self.retry.max_rate_limit_wait
            )
        except PacingRefused as refused:
            raise self._pacing_error(route, url, refused) from None
        timeout = self.timeout
        if deadline is not None:
            left = max(deadline - clock.monotonic(), 0.001)
            timeout = left if timeout is None else min(timeout, left)
        rate: RateSnapshot | None = None
        answered = False
        failure: tuple[Reason, str] | None = None
        too_many = 0
        try:
            sent = clock.time()
            status, answer_headers, data, truncated = await _exchange(
                state, route.method, url, query, body, headers, timeout
            )
            ok = 200 <= status <= 299
            if ok and len(data) > state.max_values:
                too_many = data.count(b",") + data.count(b"[") + data.count(b"{")
                too_many = too_many if too_many > state.max_values else 0
            answered = True
            rate = parse_rate_headers(answer_headers)
            gate.skew.observe(answer_headers.get("Date"), sent, clock.time())
        # Only the reason and a string are kept: the error is raised below, outside the
        # except block, and nothing of the exchange's failure (whose traceback reaches the
        # frames that held the Authorization header) is kept or chained.
        except ExchangeError as exc:
            failure = (exc.reason, exc.detail)
        finally:
            gate.release(key, rate, answered=answered, ticket=ticket)
        if failure is not None:
            error = self._transport_error(route, url, *failure, timeout)
            if error.reason == "undecompressable":
                # A gzip bomb (past aiohttp's own limit) or a broken encoding: the same
                # bytes would come again, so it is not retried (and a write is not made
                # ambiguous by it).
                raise ResponseTooLarge(
                    f"{route.method} {route.template}: its answer could not be decompressed "
                    f"within the HTTP library's limits or is wrongly encoded ({error.args[0]})",
                    limit=state.max_body_size,
                    method=route.method,
                    route=route.template,
                    url=str(url),
                    status=0,
                    snippet="",
                )
            raise error
        if too_many:
            limit = state.max_values
            raise ResponseTooLarge(
                f"{route.method} {route.template} answered {status} with about {too_many} "
                f"JSON values, over the {limit} allowed for max_body_size "
                f"({state.max_body_size} bytes, one value per {VALUES_PER_BYTE}); it was "
                f"not decoded (ask for less, or raise max_body_size; url: {url})",
                limit=state.max_body_size,
                method=route.method,
                route=route.template,
                url=str(url),
                status=status,
                snippet=snippet(data),
                content_type=answer_headers.get("Content-Type", ""),
            )
        too_large = truncated and ok
        if too_large:
            kind = answer_headers.get("Content-Type", "")
            limit = state.max_body_size
            raise ResponseTooLarge(
                f"{route.method} {route.template} answered {status} with a body over "
                f"max_body_size ({limit} bytes); it was not read further (ask for less: fewer "
                f"results per page or a shorter period, or raise max_body_size; url: {url})",
                limit=limit,
                method=route.method,
                route=route.template,
                url=str(url),
                status=status,
                snippet=snippet(data),
                content_type=kind,
            )
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %d", route.method, route.template, status)
        return status, answer_headers, data, rate

    def _pacing_error(self, route: Route, url: URL, refused: PacingRefused) -> RateLimited:
        wait = refused.wait
        if refused.client_wide:
            what = (
                f"all {self.state.gate.max_concurrency} of this client's max_concurrency "
                "slots stayed busy past the call's deadline (a limit of this client, not "
                "Sentry's: raise max_concurrency or the deadline"
            )
            return RateLimited(
                f"{route.method} {route.template}: not sent, {what}; url: {url})",
                retry_after=None,
                rate=None,
                status=429,
                detail="client max_concurrency",
                body=None,
                method=route.method,
                route=route.template,
                url=str(url),
            )
        if wait is None:
            what = "no request slot came free on this route within the call's deadline"
        else:
            what = (
                f"its rate-limit window needs a {wait:.1f}s wait, longer than the call may "
                "still wait (RetryPolicy deadline / max_rate_limit_wait)"
            )
        return RateLimited(
            f"{route.method} {route.template}: not sent, {what} (try again later, or "
            f"lower concurrency; url: {url})",
            retry_after=wait,
            rate=refused.snapshot,
            status=429,
            detail=None,
            body=None,
            method=route.method,
            route=route.template,
            url=str(url),
        )

    def _transport_error(
        self, route: Route, url: URL, reason: Reason, detail: str, timeout: float | None
    ) -> TransportError:
        cut = timeout is not None and (self.timeout is None or timeout < self.timeout)
        what = {
            "connect": "could not connect",
            "tls": "TLS failed",
            "timeout": (
                f"no answer within the call's deadline ({timeout:.1f}s were left)"
                if cut and timeout is not None
                else f"no answer within {self.timeout}s"
            ),
            "connection lost": "the connection broke before a full answer",
            "undecompressable": "the answer could not be decompressed",
        }[reason]
        cause = detail or reason
        hint = (
            "check base_url / SENTRY_URL and the network"
            if reason in ("connect", "tls")
            else "raise the timeout (or the deadline) with with_options(...) or retry later"
        )
        return TransportError(
            f"{route.method} {route.template}: {what} ({cause}; {hint}; url: {url})",
            method=route.method,
            route=route.template,
            url=str(url),
            reason=reason,
        )


async def _exchange(
    state: ClientState,
    method: str,
    url: URL,
    query: Query | None,
    body: bytes | None,
    base_headers: Mapping[str, str],
    timeout: float | None,
) -> tuple[int, CIMultiDictProxy[str], bytes, bool]:
    """One exchange: (status, headers, body with the token masked, whether cut).

    This frame (with the exchange's own) is the only one that ever holds the Authorization
    header; errors are raised by the callers, so no traceback reaches the token.
    """
    token = state.token
    headers = _Headers(base_headers, Authorization=token.bearer())
    try:
        status, answer_headers, data, truncated = await state.exchange(
            method,
            url,
            params=query,
            headers=headers,
            body=body,
            timeout=timeout,
            max_body_size=state.max_body_size,
        )
    finally:
        del headers
    answer_headers, data = token.scrub_answer(answer_headers, data)
    return status, answer_headers, data, truncated


def _what_happened(exc: SentryError) -> str:
    """A few words on how an attempt failed, for messages that add their own advice."""
    if isinstance(exc, APIError):
        return f"it answered {exc.status}"
    if isinstance(exc, TransportError):
        return {
            "timeout": "no answer in time",
            "connection lost": "the connection broke before a full answer",
        }.get(exc.reason, exc.reason)
    if isinstance(exc, DecodeError):
        return f"its {exc.status} answer could not be read"
    return type(exc).__name__


def _unfollowed(
    kind: type[ResourceMoved], message: str, route: Route, url: URL, status: int, location: str
) -> ResourceMoved:
    """The error for a 3xx that was not followed (a loop, or a target the token may not reach)."""
    return kind(
        message,
        location=location[:2048],
        new_slug=None,
        status=status,
        detail=None,
        body=None,
        method=route.method,
        route=route.template,
        url=str(url),
    )
