"""``sentry.organizations``: organization details, repos, commits, lookups, usage, keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from ..models import (
    ClientKey,
    Commit,
    Environment,
    EventIdResolution,
    Organization,
    RelayUsage,
    Repository,
    ShortIdResolution,
    StatsV2,
)
from ..models._converter import structurer
from ..models._outgoing import to_wire
from ..pagination import PageStyle, Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._all_regions import AllRegionsPaginator
from ._base import Endpoint

__all__ = ["Organizations"]


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("start/end must be timezone-aware datetimes")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _many(value: str | int | Sequence[str | int] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [str(value)]
    return [str(v) for v in value]


def _org_id(org: Organization) -> str:
    return org.id


class Organizations(Endpoint):
    """Organization-level calls (``/organizations/{org}/...``)."""

    __slots__ = ()

    def list(
        self,
        *,
        query: str | None = None,
        owner: bool | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Organization]:
        """The organizations the token can see (``GET /organizations/``), in every region.

        ``query`` filters by name, slug or ``status:``. ``owner=True`` keeps those the
        token's user owns: Sentry then answers one unpaged list of
        ``{"organization": {...}, "singleOwner": bool}``, unwrapped here to organizations
        (no cursor or per_page then).

        On sentry.io each region host lists only its own organizations: the regions listed
        by ``GET /users/me/regions/`` are each paged in turn, lazily, and merged (cursors
        then name their region, ``"de|<cursor>"``). Elsewhere it is one list on base_url.
        """
        route = Route("GET", "/organizations/", "/organizations/")
        decode: Callable[[Any], Organization] = structurer(Organization)
        params: dict[str, Any] = {"query": query}
        style = PageStyle.LINK
        if owner:
            decode_org = decode

            def unwrap(item: Any) -> Organization:
                if not isinstance(item, dict) or "organization" not in item:
                    raise ValueError("expected {organization, singleOwner}")
                return decode_org(item["organization"])

            decode, params["owner"], style = unwrap, "1", PageStyle.SINGLE
        return AllRegionsPaginator(
            self._pipeline,
            route,
            decode,
            identity=_org_id,
            params=params,
            cursor=cursor,
            per_page=per_page,
            style=style,
        )

    def list_environments(
        self, org: str, *, visibility: str | None = None
    ) -> Paginator[Environment]:
        """The organization's environments (``GET /organizations/{org}/environments/``): a
        single-page ``Paginator[Environment]``, as Sentry answers one unpaged list.

        ``visibility`` is ``active`` (Sentry's default), ``hidden`` or ``all``; any other
        value raises ValueError before any request. An environment that cannot be decoded
        raises UndecodableItemsError from the paginator after the rest are decoded (they are
        on its page), like every list.
        """
        if visibility is not None and visibility not in ("active", "hidden", "all"):
            raise ValueError(f"visibility must be active, hidden or all, not {visibility!r}")
        route = Route.build("GET", "/organizations/{org}/environments/", org=org)
        return self._paginate(
            route, Environment, params={"visibility": visibility}, style=PageStyle.SINGLE
        )

    async def get(self, org: str) -> Organization:
        """The organization's details (the detailed shape: features, status, links...)."""
        return await self._fetch(Route.build("GET", "/organizations/{org}/", org=org), Organization)

    async def update(
        self,
        org: str,
        *,
        name: str | Unset = UNSET,
        slug: str | Unset = UNSET,
        is_early_adopter: bool | Unset = UNSET,
    ) -> Organization:
        """Change the name, slug or early-adopter flag; only the arguments given are sent."""
        body = to_wire({"name": name, "slug": slug, "is_early_adopter": is_early_adopter})
        route = Route.build("PUT", "/organizations/{org}/", org=org)
        return await self._fetch(route, Organization, json=body)

    def list_repos(
        self, org: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[Repository]:
        """The organization's connected repositories."""
        route = Route.build("GET", "/organizations/{org}/repos/", org=org)
        return self._paginate(route, Repository, cursor=cursor, per_page=per_page)

    def list_commits(
        self,
        org: str,
        repo_id: str | int,
        *,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Commit]:
        """Commits of one repository, newest first."""
        route = Route.build(
            "GET", "/organizations/{org}/repos/{repo_id}/commits/", org=org, repo_id=repo_id
        )
        return self._paginate(route, Commit, cursor=cursor, per_page=per_page)

    async def resolve_short_id(self, org: str, short_id: str) -> ShortIdResolution:
        """Which project and issue a short id (``WEB-1A2``) names."""
        route = Route.build(
            "GET", "/organizations/{org}/shortids/{short_id}/", org=org, short_id=short_id
        )
        return await self._fetch(route, ShortIdResolution)

    async def resolve_event_id(self, org: str, event_id: str) -> EventIdResolution:
        """Which project and issue an event id belongs to."""
        route = Route.build(
            "GET", "/organizations/{org}/eventids/{event_id}/", org=org, event_id=event_id
        )
        return await self._fetch(route, EventIdResolution)

    async def stats_v2(
        self,
        org: str,
        *,
        field: str,
        group_by: str | Sequence[str],
        stats_period: str | None = None,
        interval: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        category: str | Sequence[str] | None = None,
        project: str | int | Sequence[str | int] | None = None,
        outcome: str | Sequence[str] | None = None,
    ) -> StatsV2:
        """Usage statistics (``/stats_v2/``): e.g. ``field="sum(quantity)"``,
        ``group_by=["outcome", "category"]``, and ``stats_period="14d"`` or ``start``/``end``
        (aware datetimes, sent as ISO 8601 UTC). ``group_by``, ``category``, ``project``
        (numeric project ids; ``-1`` for all) and ``outcome`` take one value or several,
        sent as repeated parameters. Grouping by ``project`` makes Sentry leave out the
        ``series`` of each group (only ``totals``).
        """
        group_by_values = _many(group_by)
        if not group_by_values:
            raise ValueError("group_by needs at least one dimension (Sentry requires groupBy)")
        if stats_period is not None and (start is not None or end is not None):
            raise ValueError("give either stats_period or start/end, not both")
        if (start is None) != (end is None):
            raise ValueError("start and end go together")
        params = {
            "field": field,
            "groupBy": group_by_values,
            "statsPeriod": stats_period,
            "interval": interval,
            "start": _iso(start) if start is not None else None,
            "end": _iso(end) if end is not None else None,
            "category": _many(category),
            "project": _many(project),
            "outcome": _many(outcome),
        }
        route = Route.build("GET", "/organizations/{org}/stats_v2/", org=org)
        return await self._fetch(route, StatsV2, params=params)

    def list_relay_usage(self, org: str) -> Paginator[RelayUsage]:
        """Trusted relays that have connected to the organization (one unpaged list).

        Sentry answers 404 with an empty body when the organization lacks the ``relay``
        feature, as for an unknown organization.
        """
        route = Route.build("GET", "/organizations/{org}/relay_usage/", org=org)
        return self._paginate(route, RelayUsage, style=PageStyle.SINGLE)

    def list_client_keys(
        self,
        org: str,
        *,
        team: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[ClientKey]:
        """Client keys (DSNs) of every project, newest first.

        ``team`` (slug or id) keeps the keys of that team's projects; ``status`` is
        ``active`` or ``inactive`` (Sentry answers an empty list for any other value, so it
        is refused here). Sentry's page size defaults to 10 for this list.
        """
        if status is not None and status not in ("active", "inactive"):
            raise ValueError(f"status must be 'active' or 'inactive', not {status!r}")
        route = Route.build("GET", "/organizations/{org}/project-keys/", org=org)
        params = {"team": team, "status": status}
        return self._paginate(route, ClientKey, params=params, cursor=cursor, per_page=per_page)
