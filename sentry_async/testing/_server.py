"""FakeSentry: the aiohttp server, its lifecycle, and the per-request pipeline.

Every request goes: match the raw path → count it → rate/concurrency limiter → fault draw
→ auth → handler → fault rewrite (truncate, applied-then-500) → response.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import secrets
import socket
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from http import HTTPStatus
from types import TracebackType

import attrs
from aiohttp import web

from . import (
    _handlers_integrations,
    _handlers_issues,
    _handlers_keys,
    _handlers_members,
    _handlers_org,
    _handlers_project_data,
    _handlers_projects,
    _handlers_regions,
    _handlers_releases,
    _handlers_resolve,
    _handlers_scim,
    _handlers_stats,
    _handlers_teams,
)
from ._counters import Counters, LoggedRequest
from ._faults import Fault, FaultKind, FaultPlan
from ._http import NOT_FOUND, ApiError, Ctx, Reply, dumps, json_reply
from ._org import FakeOrg
from ._ratelimit import Admission, RateLimitConfig, RateLimiter
from ._routes import Match, Route, Router

__all__ = ["ROUTES", "UNMATCHED", "FakeSentry"]

ROUTES: list[Route] = [
    *_handlers_org.ROUTES,
    *_handlers_resolve.ROUTES,
    *_handlers_stats.ROUTES,
    *_handlers_members.ROUTES,
    *_handlers_projects.ROUTES,
    *_handlers_project_data.ROUTES,
    *_handlers_integrations.ROUTES,
    *_handlers_scim.ROUTES,
    *_handlers_teams.ROUTES,
    *_handlers_issues.ROUTES,
    *_handlers_releases.ROUTES,
    *_handlers_keys.ROUTES,
]
UNMATCHED = "<unmatched>"
_log = logging.getLogger(__name__)
_DROPPED = Reply(status=0)
_HTML_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FakeSentry:
    """An in-process fake Sentry on 127.0.0.1 serving ``org`` under ``/api/0/``.

    ``rate_limit`` turns on Sentry's limiter (off by default, like self-hosted: no headers,
    no 429). ``faults`` is a :class:`FaultPlan` or an iterable of :class:`Fault` rules; both
    stay changeable through :attr:`faults` while running. ``token``: if set, requests must
    send ``Authorization: Bearer <token>`` or get a 401. ``link_host`` (e.g.
    ``"https://other.example"``) is put in Link header URLs instead of the fake's own
    address, to prove clients re-issue cursors on their own base URL. ``clock`` (epoch
    seconds) drives rate-limit windows and default stats ranges; ``sleep`` serves SLOW and
    LATE faults.
    ``regions`` (``[("us", "https://us.example")]``) makes it answer ``GET
    /users/me/regions/`` with them (by default it answers 404, like older self-hosted
    Sentry); ``ssl_context`` serves https with that server context.

    Use ``async with FakeSentry(...) as fake:`` or ``await fake.start()`` / ``await
    fake.close()``; :attr:`url` is the root (``http://127.0.0.1:PORT``).
    """

    def __init__(
        self,
        org: FakeOrg | None = None,
        *,
        rate_limit: RateLimitConfig | None = None,
        faults: FaultPlan | Iterable[Fault] | None = None,
        token: str | None = None,
        link_host: str | None = None,
        port: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        log_size: int = 1000,
        regions: Sequence[tuple[str, str]] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.org = org if org is not None else FakeOrg.generate()
        self.token = token
        self.link_host = link_host.rstrip("/") if link_host else None
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(faults or ())
        self.counters = Counters(log=deque(maxlen=log_size))
        self._limiter = RateLimiter(rate_limit or RateLimitConfig(), clock)
        self._clock = clock
        self._sleep = sleep
        self.regions = regions
        self._router = Router(
            ROUTES
            if regions is None
            else [*ROUTES, *_handlers_regions.routes(lambda: self.regions)]
        )
        self._ssl = ssl_context
        self._port = port
        self._runner: web.ServerRunner | None = None
        self._url: str | None = None

    # -- configuration -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Root URL, ``http://127.0.0.1:PORT`` (the API lives under ``/api/0/``)."""
        if self._url is None:
            raise RuntimeError("FakeSentry is not started: use 'async with' or await start()")
        return self._url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/0"

    @property
    def route_keys(self) -> list[str]:
        """Every route served, as ``"METHOD /template/"`` keys."""
        return list(self._router.routes)

    @property
    def rate_limit(self) -> RateLimitConfig:
        return self._limiter.config

    @rate_limit.setter
    def rate_limit(self, config: RateLimitConfig) -> None:
        """Swap the limits at runtime (window counts restart)."""
        self._limiter.config = config
        self._limiter.reset()

    def set_faults(self, *faults: Fault) -> None:
        """Replace every fault rule (no arguments: no faults)."""
        self.faults.clear()
        for fault in faults:
            self.faults.add(fault)

    def reset(self) -> None:
        """Zero the counters and rate-limit windows (the org and fault rules are kept)."""
        self.counters.reset()
        self._limiter.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSentry:
        if self._runner is not None:
            return self
        server = web.Server(self._handle, access_log=None)
        # A short grace period: slow faults in flight must not hold up test teardown.
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", self._port))
            await web.SockSite(runner, sock, ssl_context=self._ssl).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        scheme = "http" if self._ssl is None else "https"
        self._url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeSentry:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the request pipeline ----------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        match = self._router.match(request.method, request.rel_url.raw_path)
        if match is None:
            key = template = UNMATCHED
        else:
            key, template = f"{request.method} {match.template}", match.template
        counters = self.counters
        counters.started(key)
        late = self.faults.draw_late(key, template)
        if late:
            counters.faults[FaultKind.LATE.value] += 1
            await self._sleep(late)
        admission = self._limiter.admit(key)
        reply = _DROPPED
        fault: Fault | None = None
        try:
            if admission.refused is not None:
                reply = self._throttled(admission)
            else:
                write = match is not None and match.route is not None and match.route.write
                draw = self.faults.draw(key, template, write=write)
                if draw.delay:
                    counters.faults[FaultKind.SLOW.value] += 1
                    await self._sleep(draw.delay)
                fault = draw.fault
                if fault is not None:
                    counters.faults[fault.kind.value] += 1
                reply = await self._answer(request, match, fault)
        except Exception:
            # A bug in the fake (or an org a test broke) answers like Sentry's own crashes,
            # with the traceback logged so it is not mistaken for an injected fault.
            _log.exception("fake Sentry failed on %s %s", request.method, request.rel_url)
            reply = _internal_error(500)
        finally:
            self._limiter.release(admission)
            counters.finished(key)
            counters.statuses[reply.status] += 1
            counters.log.append(
                LoggedRequest(
                    request.method,
                    request.rel_url.raw_path_qs,
                    key,
                    reply.status,
                    fault.kind.value if fault else None,
                )
            )
        if reply is _DROPPED:
            # Close without a byte of response; aiohttp then quietly skips writing this one.
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        headers = dict(reply.headers)
        # Like Sentry's, the Date comes from the clock the window resets are counted on.
        headers.setdefault("Date", email.utils.formatdate(self._clock(), usegmt=True))
        if fault is None or fault.kind is not FaultKind.HTML_ERROR:
            headers.update(admission.headers)  # a proxy's page would not carry Sentry's headers
        if reply.content_type is not None:
            headers["Content-Type"] = reply.content_type
        return web.Response(status=reply.status, body=reply.body or None, headers=headers)

    def _throttled(self, admission: Admission) -> Reply:
        if admission.concurrency_refused:
            self.counters.concurrency_limited += 1
        else:
            self.counters.rate_limited += 1
        # Django's default content type, not JSON: Sentry really sends it like this.
        body = dumps({"detail": admission.refused})
        return Reply(429, body, "text/html; charset=utf-8")

    async def _answer(
        self, request: web.BaseRequest, match: Match | None, fault: Fault | None
    ) -> Reply:
        """Answer normally, or the way ``fault`` says (SLOW was already served by the caller)."""
        if fault is None:
            return await self._run(request, match)
        kind = fault.kind
        if kind is FaultKind.DROP:
            return _DROPPED
        if kind is FaultKind.SERVER_ERROR:
            return _internal_error(fault.status or 500)
        if kind is FaultKind.HTML_ERROR:
            status = fault.status or 502
            page = _HTML_PAGE.format(code=status, reason=HTTPStatus(status).phrase)
            return Reply(status, page.encode(), "text/html")
        reply = await self._run(request, match)
        if kind is FaultKind.TRUNCATED:
            return attrs.evolve(reply, body=reply.body[: len(reply.body) // 2])
        if kind is FaultKind.APPLIED_THEN_500:
            return _internal_error(fault.status or 500)  # the write happened; its answer is lost
        return reply

    async def _run(self, request: web.BaseRequest, match: Match | None) -> Reply:
        if match is None:
            return json_reply(NOT_FOUND, status=404)
        denied = self._check_token(request)
        if denied is not None:
            return denied
        route = match.route
        if route is None:
            allowed = ", ".join(self._router.methods(match.template))
            body = {"detail": f'Method "{request.method}" not allowed.'}
            return json_reply(body, status=405, headers={"Allow": allowed})
        org = self.org
        scim = "/scim/" in route.template
        try:
            if "org" in match.params and match.params["org"] not in (org.slug, org.id):
                raise (
                    _handlers_scim.scim_error(404, "Organization not found.")
                    if scim
                    else ApiError(404, NOT_FOUND)
                )
            ctx = Ctx(
                request,
                org,
                match.params,
                self.url,
                self.link_host or self.url,
                self._clock(),
                self.counters.created,
                self.counters.deleted,
            )
            reply = await route.handler(ctx)
        except ApiError as error:
            reply = error.reply()
        if route.write and reply.status < 300:
            self.counters.writes_applied += 1
        return reply

    def _check_token(self, request: web.BaseRequest) -> Reply | None:
        if self.token is None:
            return None
        header = request.headers.get("Authorization", "")
        parts = header.split()
        if not parts or parts[0].lower() != "bearer":
            detail = "Authentication credentials were not provided."
        elif len(parts) == 2 and secrets.compare_digest(parts[1].encode(), self.token.encode()):
            return None
        else:
            detail = "Invalid token"
        return json_reply(
            {"detail": detail}, status=401, headers={"WWW-Authenticate": 'xBasic realm="api"'}
        )


def _internal_error(status: int) -> Reply:
    return json_reply({"detail": "Internal Error", "errorId": secrets.token_hex(16)}, status=status)
