"""SentryClient: the entry point, holding one pipeline and the endpoint namespaces."""

from __future__ import annotations

import os
import re
from types import TracebackType
from typing import Any

import aiohttp

from .clock import Clock, SystemClock
from .endpoints.integrations import Integrations
from .endpoints.issues import Issues
from .endpoints.members import Members
from .endpoints.organizations import Organizations
from .endpoints.projects import Projects
from .endpoints.releases import Releases
from .endpoints.scim import Scim
from .endpoints.teams import Teams
from .errors import ConfigurationError
from .exchange import Exchange
from .pagination import Paginator
from .pipeline import DEFAULT_MAX_BODY_SIZE, ClientState, Pipeline
from .regions import Region
from .response import RawResponse
from .retry import RetryPolicy
from .route import Route
from .sentinel import UNSET, Unset
from .stores import RateLimitStore

__all__ = ["DEFAULT_BASE_URL", "SentryClient"]

DEFAULT_BASE_URL = "https://sentry.io"


class SentryClient:
    """An asyncio client for Sentry's Web API (``/api/0/``).

    ``token`` defaults to ``$SENTRY_AUTH_TOKEN``; ``base_url`` to ``$SENTRY_URL``, else
    ``https://sentry.io`` (give the root of a self-hosted install, with or without
    ``/api/0``). ``session`` lets you share an ``aiohttp.ClientSession`` you own: it is
    never closed by the client. ``timeout`` is per attempt, in seconds (None: none);
    ``retry`` sets retries and the per-call deadline; ``max_concurrency`` caps requests in
    flight across the whole client, on top of the limits Sentry announces per route.
    ``rate_limit_store`` is where the rate-limit state lives: by default in this process;
    pass a :class:`~sentry_async.stores.RedisRateLimitStore` to make every worker that uses
    the same token share one budget (it sees a fingerprint of the token, never the token).
    ``max_body_size`` is the largest answer body read, in bytes (default 16 MiB); a larger
    one raises :class:`~sentry_async.errors.ResponseTooLarge`. ``exchange`` replaces the
    HTTP layer (one request in, ``(status, headers, body)`` out; see
    :mod:`sentry_async.exchange`): a :class:`~sentry_async.exchange.MockExchange` answers
    from a function in unit tests, with every retry, limit and error path still applied.
    ``regions`` (default True): on sentry.io, send each org-scoped call to the org's own
    region (``https://de.sentry.io``...), learned from an org auth token or asked once per
    org; self-hosted installs are unaffected. False sends everything to ``base_url``, as
    does an explicit regional ``base_url``.

    Use as ``async with SentryClient() as sentry: ...`` or call :meth:`close` yourself.

    The API is grouped by resource, one namespace attribute each (see ``help()`` on them):

    - ``organizations``: organizations, environments, client keys, repositories and
      commits, relay usage, stats, short-id and event-id lookups
    - ``projects``: projects, their event stats, events, client keys, users, tag values and
      service hooks
    - ``members``: organization members and invitations
    - ``teams``: teams, their projects and members
    - ``issues``: issues (search, update, bulk update and delete), their events and tags
    - ``releases``: releases, their deploys and commits
    - ``integrations``: Sentry App installations and external issues
    - ``scim``: SCIM users (an org with SAML and SCIM, and its SCIM token)
    """

    organizations: Organizations
    projects: Projects
    members: Members
    integrations: Integrations
    scim: Scim
    teams: Teams
    issues: Issues
    releases: Releases

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - frozen, so shared safely
        max_concurrency: int | None = None,
        clock: Clock | None = None,
        rate_limit_store: RateLimitStore | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        exchange: Exchange | None = None,
        regions: bool = True,
    ) -> None:
        token = token if token is not None else os.environ.get("SENTRY_AUTH_TOKEN")
        if token is not None and not isinstance(token, str):
            raise TypeError(f"token must be a str, not {type(token).__name__}")
        if base_url is not None and not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str like https://sentry.io, not {base_url!r}")
        if not token or not token.strip():
            raise ConfigurationError(
                "no Sentry auth token: pass token=... or set the SENTRY_AUTH_TOKEN environment "
                "variable (create one under Settings > Auth Tokens in Sentry)"
            )
        if not token.strip().isprintable():
            # aiohttp would refuse the header on every call with a bare ValueError.
            raise ConfigurationError(
                "the Sentry auth token contains a control character (a line break, NUL, "
                "tab...); copy it again without them"
            )
        base = base_url or os.environ.get("SENTRY_URL") or DEFAULT_BASE_URL
        state = ClientState(
            base_url=base,
            token=token.strip(),
            session=session,
            clock=clock or SystemClock(),
            max_concurrency=max_concurrency,
            rate_limit_store=rate_limit_store,
            max_body_size=max_body_size,
            exchange=exchange,
            regions=regions,
        )
        self._owner = True
        self._bind(
            Pipeline(state, timeout=timeout, retry=retry or RetryPolicy.disabled()),
        )

    def _bind(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self.organizations = Organizations(pipeline)
        self.projects = Projects(pipeline)
        self.members = Members(pipeline)
        self.integrations = Integrations(pipeline)
        self.scim = Scim(pipeline)
        self.teams = Teams(pipeline)
        self.issues = Issues(pipeline)
        self.releases = Releases(pipeline)

    @property
    def base_url(self) -> str:
        """The API root every path is relative to (ends in ``/api/0``)."""
        return str(self._pipeline.state.api)

    async def region_for(self, org: str) -> Region:
        """Which host serves ``org``'s calls: a :class:`~sentry_async.regions.Region` with
        ``url`` (``"https://de.sentry.io"``), ``name`` (``"de"``, when the base host listed
        it) and ``routed`` (False: the calls stay on ``base_url``).

        Learned as the calls themselves learn it (at most one lookup per org, shared with
        them); never raises over a failed lookup, which leaves the org on ``base_url``.
        """
        return await self._pipeline.region_for(org)

    def __repr__(self) -> str:
        return f"<SentryClient {self.base_url}>"

    async def __aenter__(self) -> SentryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool (unless it was given to us). Views don't close it."""
        if self._owner:
            await self._pipeline.state.close()

    def with_options(
        self,
        *,
        timeout: float | Unset | None = UNSET,
        retry: RetryPolicy | Unset | None = UNSET,
    ) -> SentryClient:
        """A view of this client with other options, sharing its pool and rate-limit state.

        ``sentry.with_options(timeout=120).organizations.stats_v2(...)``; closing the view
        does nothing, close the client that owns the pool.
        """
        current = self._pipeline
        pipeline = current.with_options(
            timeout=current.timeout if isinstance(timeout, Unset) else timeout,
            retry=(
                current.retry
                if isinstance(retry, Unset)
                else (retry if retry is not None else RetryPolicy.disabled())
            ),
        )
        view = object.__new__(SentryClient)
        view._owner = False
        view._bind(pipeline)
        return view

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call any endpoint through the same pipeline; return the decoded JSON (None if empty).

        ``path`` is relative to ``/api/0`` (``"/organizations/acme/environments/"``) and is
        used as given: percent-encode slugs yourself. It is also the rate-limit key.
        """
        answer = await self._pipeline.send(_raw_route(method, path), params=params, json=json)
        return answer.payload

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> RawResponse:
        """Like :meth:`request`, but return the status, headers, decoded body and the next
        page's cursor (:class:`~sentry_async.RawResponse`)."""
        answer = await self._pipeline.send(_raw_route(method, path), params=params, json=json)
        return RawResponse.from_answer(answer)

    def paginate(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Any]:
        """Page through any list endpoint (``GET path``), yielding each item's decoded JSON.

        ``path`` is used as in :meth:`request`; ``params`` are sent with every page,
        ``cursor`` resumes from a saved cursor and ``per_page`` sets the page size. Pages
        follow the ``Link`` header exactly as the typed lists do.
        """
        return Paginator(
            self._pipeline,
            _raw_route("GET", path),
            _as_is,
            params=params,
            cursor=cursor,
            per_page=per_page,
        )


_METHOD = re.compile(r"[A-Za-z]{1,20}")


def _raw_route(method: str, path: str) -> Route:
    """The route of a raw call; TypeError / ValueError for a method or path that cannot be
    sent as given (checked before anything is sent)."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a str like 'GET', not {method!r}")
    if not _METHOD.fullmatch(method):
        raise ValueError(f"method must be an HTTP method name like 'GET' or 'POST', not {method!r}")
    if not isinstance(path, str):
        raise TypeError(f"path must be a str like '/organizations/acme/', not {path!r}")
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    if not path.isprintable() or " " in path:
        # It would go into the request line as given (a space or CRLF splits or injects).
        raise ValueError(
            f"path {path!r} holds a space or a control character: percent-encode it "
            "(urllib.parse.quote)"
        )
    if path.startswith("/api/0/"):
        path = path[len("/api/0") :]
    return Route(method.upper(), path, path)


def _as_is(item: Any) -> Any:
    return item
