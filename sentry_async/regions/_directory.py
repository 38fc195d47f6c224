"""The region directory: org -> the host its calls go to, learned cheapest first, then cached.

1. An org auth token names its org's region in its own payload: no request.
2. Otherwise the base host is asked once (per client) for ``GET /users/me/regions/``. No
   listing (self-hosted answers 404), a listing naming the base host itself (an explicit
   regional ``base_url``), or a single region that is not an https subdomain of the base
   host (a self-hosted install listing itself, perhaps under another URL behind a proxy):
   nothing is routed and nothing more is asked.
3. Otherwise each org's ``links.regionUrl`` (``GET /organizations/{org}/``) is fetched once,
   single-flight however many tasks ask at once, and kept for the client's life.

Whatever a token or an answer names is used only if trusted (:func:`is_trusted`); anything
else is ignored with a warning and the org's calls stay on the base host. Failures that may
pass (connection, 5xx, 429, a lookup too slow for its caller) keep that org on the base host
(which forwards its calls) for ``RETRY_LOOKUP_AFTER`` seconds, then it is asked again: a
hanging regions endpoint costs each org one bounded wait, not one per call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

import attrs
from yarl import URL

from ..errors import APIError, DecodeError, RateLimited, SentryError, ServerError
from ..route import Route
from ._listing import ListedRegion, parse_region_listing, region_url_of
from ._origin import Origin, is_https_subdomain, is_trusted
from ._token import OrgTokenClaims, parse_org_token

__all__ = ["Lookup", "Region", "RegionDirectory"]

log = logging.getLogger("sentry_async")

#: Sends a GET to the base host (never routed) and returns the decoded payload.
Lookup = Callable[[Route, Mapping[str, Any] | None], Awaitable[Any]]

_T = TypeVar("_T")
_REGIONS_ROUTE = Route("GET", "/users/me/regions/", "/users/me/regions/")
_API_PATH = "/api/0"
#: Seconds an org whose lookup failed or was too slow stays on the base host before the
#: next call asks again.
RETRY_LOOKUP_AFTER = 30.0


@attrs.frozen(slots=True)
class Region:
    """The host an organization's calls go to.

    ``url``: its origin (``"https://de.sentry.io"``); ``name``: the region's name when the
    base host listed it (``"de"``), else None; ``routed``: False when the calls stay on the
    client's ``base_url`` (self-hosted, routing off, or the org's region is the base host).
    ``api`` is the ``/api/0`` root requests are sent to.
    """

    url: str
    api: URL = attrs.field(repr=False, eq=False)
    origin: Origin = attrs.field(repr=False, eq=False)
    name: str | None = None
    routed: bool = False

    def __str__(self) -> str:
        return self.url


@attrs.frozen(slots=True)
class _Listing:
    regions: tuple[ListedRegion, ...]
    routes: bool  # whether org-scoped calls are routed at all on this install

    @property
    def origins(self) -> dict[Origin, ListedRegion]:
        return {region.origin: region for region in self.regions}


class RegionDirectory:
    """Which host each org's calls go to, for one client (shared by its views).

    ``base_api`` is the client's ``/api/0`` root; ``token`` is only parsed for an org auth
    token's public claims (never stored); ``enabled=False`` keeps every call on the base;
    ``now`` (monotonic seconds) times how long a failed lookup keeps its org on the base.
    """

    def __init__(
        self,
        base_api: URL,
        *,
        token: str | None = None,
        enabled: bool = True,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        origin = Origin.of(base_api)
        self._now = now
        self.base = Region(url=origin.url, api=base_api, origin=origin)
        self.enabled = enabled
        self._claims: OrgTokenClaims | None = parse_org_token(token) if enabled else None
        self._orgs: dict[str, Region] = {}
        self._pending: dict[str, asyncio.Future[tuple[Region, bool]]] = {}
        self._listing: _Listing | None = None
        self._listing_pending: asyncio.Future[_Listing | None] | None = None
        self._interned: dict[Origin, Region] = {origin: self.base}
        self._failed_until: dict[str, float] = {}

    @property
    def claims(self) -> OrgTokenClaims | None:
        """The org auth token's public claims, if the client's token is one."""
        return self._claims

    def known(self, org: str) -> Region | None:
        """The org's region if already decided (no await); the base when routing is off."""
        if not self.enabled:
            return self.base
        region = self._orgs.get(org)
        if region is None and self._listing is not None and not self._listing.routes:
            claims = self._claims
            if claims is None or claims.org != org:
                return self.base  # an install that does not route: nothing to look up
        return region

    async def region_for(self, org: str, lookup: Lookup, *, within: float | None = None) -> Region:
        """The region of ``org``, asking the base host through ``lookup`` at most once.

        Concurrent callers for one org share one lookup; a caller waits for it at most
        ``within`` seconds (its call's time left; None: no bound), after which that call
        goes to the base host while the lookup goes on for the others. Never raises a
        lookup's error: an org whose region cannot be learned right now stays on the base
        host for this call.
        """
        if not self.enabled:
            return self.base
        region = self._orgs.get(org)
        if region is not None:
            return region
        if self._failed_until.get(org, 0.0) > self._now():
            return self.base
        future = self._pending.get(org)
        if future is None:
            future = self._start(self._pending, org, self._resolve(org, lookup))
        # asyncio.wait neither cancels the shared lookup when this caller is cancelled nor
        # when it stops waiting.
        done, _ = await asyncio.wait({future}, timeout=None if within is None else max(within, 0))
        if not done:
            log.info("the region of %r is still being looked up; this call goes to base", org)
            self._failed_until[org] = self._now() + RETRY_LOOKUP_AFTER
            return self.base
        if future.cancelled():
            return self.base  # the client is closing: the call itself will say so
        found, keep = future.result()
        if keep:
            self._orgs.setdefault(org, found)
            self._failed_until.pop(org, None)
        else:
            self._failed_until[org] = self._now() + RETRY_LOOKUP_AFTER
        return found

    async def regions(self, lookup: Lookup) -> tuple[Region, ...]:
        """Every region to ask for the user's organizations: the listed ones when this
        install routes, else just the base host."""
        if not self.enabled:
            return (self.base,)
        listing = await self._get_listing(lookup)
        if listing is None or not listing.routes:
            return (self.base,)
        return tuple(self._intern(entry.origin, entry.name) for entry in listing.regions)

    async def aclose(self) -> None:
        """Cancel the lookups in flight and wait for them to end (the client is closing)."""
        pending: list[asyncio.Future[Any]] = list(self._pending.values())
        if self._listing_pending is not None:
            pending.append(self._listing_pending)
        for future in pending:
            future.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    # -- deciding ----------------------------------------------------------------------

    async def _resolve(self, org: str, lookup: Lookup) -> tuple[Region, bool]:
        """(region, whether to remember it)."""
        claims = self._claims
        if claims is not None and claims.org == org:
            return await self._from_token(claims, lookup)
        listing = await self._get_listing(lookup)
        if listing is None:
            return self.base, False
        if not listing.routes:
            return self.base, True
        route = Route.build("GET", "/organizations/{org}/", org=org)
        try:
            payload = await lookup(route, {"detailed": "0"})
        except SentryError as exc:
            keep = _definitive(exc)
            log.log(
                logging.DEBUG if keep else logging.WARNING,
                "could not learn the region of organization %r (%s); its calls go to %s",
                org,
                type(exc).__name__,
                self.base.url,
            )
            return self.base, keep
        return self._decide(region_url_of(payload), listing, f"organization {org!r}"), True

    async def _from_token(self, claims: OrgTokenClaims, lookup: Lookup) -> tuple[Region, bool]:
        base = self.base.origin
        origin = Origin.parse(claims.region_url)
        if origin is None:
            if claims.region_url.strip():
                self._distrust("the org auth token", "a region URL that is not an http(s) origin")
            return self.base, True
        if origin == base or origin == Origin.parse(claims.url):
            # The install's own URL is its region: one region, whatever URL the client uses.
            return self.base, True
        if is_https_subdomain(origin, base):
            return self._intern(origin, None), True
        listing = await self._get_listing(lookup)
        if listing is None:
            return self.base, False
        listed = listing.origins.get(origin)
        if listing.routes and listed is not None:
            return self._intern(origin, listed.name), True
        self._distrust("the org auth token", f"region {origin.url}")
        return self.base, True

    def _decide(self, url: str | None, listing: _Listing, source: str) -> Region:
        if url is None:
            return self.base  # self-hosted: no separate region
        origin = Origin.parse(url)
        if origin is None:
            self._distrust(source, "a region URL that is not an http(s) origin")
            return self.base
        if origin == self.base.origin:
            return self.base
        listed = listing.origins
        if is_trusted(origin, self.base.origin, listed):
            entry = listed.get(origin)
            return self._intern(origin, entry.name if entry else None)
        self._distrust(source, f"region {origin.url}")
        return self.base

    def _distrust(self, source: str, what: str) -> None:
        log.warning(
            "%s names %s, which %s neither lists in /users/me/regions/ nor serves as an https "
            "subdomain; ignored: its calls stay on %s and no credentials are sent there",
            source,
            what,
            self.base.url,
            self.base.url,
        )

    def _intern(self, origin: Origin, name: str | None) -> Region:
        region = self._interned.get(origin)
        if region is None or (region.name is None and name is not None and region.routed):
            region = Region(
                url=origin.url,
                api=URL(origin.url + _API_PATH, encoded=True),
                origin=origin,
                name=name,
                routed=True,
            )
            self._interned[origin] = region
        return region

    # -- the region listing ------------------------------------------------------------

    async def _get_listing(self, lookup: Lookup) -> _Listing | None:
        if self._listing is not None:
            return self._listing
        future = self._listing_pending
        if future is None:
            future = self._listing_pending = asyncio.ensure_future(self._fetch_listing(lookup))

            def done(_: object) -> None:
                self._listing_pending = None

            future.add_done_callback(done)
        return await asyncio.shield(future)

    async def _fetch_listing(self, lookup: Lookup) -> _Listing | None:
        try:
            payload = await lookup(_REGIONS_ROUTE, None)
        except SentryError as exc:
            if not _definitive(exc):
                log.warning(
                    "could not list the regions of %s (%s); org calls stay there for now",
                    self.base.url,
                    type(exc).__name__,
                )
                return None
            listing = _Listing((), routes=False)  # self-hosted: no such endpoint
        else:
            regions = parse_region_listing(payload)
            if regions is None:
                log.warning(
                    "%s/users/me/regions/ did not answer a region listing; org calls stay on %s",
                    self.base.api,
                    self.base.url,
                )
                regions = ()
            listing = _Listing(regions, routes=self._routes(regions))
        self._listing = listing
        return listing

    def _routes(self, regions: tuple[ListedRegion, ...]) -> bool:
        base = self.base.origin
        if any(entry.origin == base for entry in regions):
            return False  # the base host is a region itself: used as given
        if len(regions) == 1:
            # One region: a self-hosted install listing itself (perhaps under its internal
            # URL, behind a proxy) never routes; a sentry.io user whose orgs all live in one
            # region (an https subdomain of the base host) does.
            return is_https_subdomain(regions[0].origin, base)
        return len(regions) > 1

    @staticmethod
    def _start(
        pending: dict[str, asyncio.Future[_T]], key: str, work: Coroutine[Any, Any, _T]
    ) -> asyncio.Future[_T]:
        future = asyncio.ensure_future(work)
        pending[key] = future

        def done(_: object) -> None:
            if pending.get(key) is future:
                del pending[key]

        future.add_done_callback(done)
        return future


def _definitive(exc: SentryError) -> bool:
    """An answer that will not change by asking again (404, 403, not JSON...)."""
    if isinstance(exc, (ServerError, RateLimited)):
        return False
    if isinstance(exc, APIError):
        return exc.status != 408
    return isinstance(exc, DecodeError)
