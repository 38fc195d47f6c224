"""``sentry.teams``: teams, their projects and their members."""

from __future__ import annotations

from ..models import Member, Project, Team
from ..models._outgoing import to_wire
from ..pagination import Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint

__all__ = ["Teams"]

_TEAM = "/teams/{org}/{team}/"
_MEMBERSHIP = "/organizations/{org}/members/{member_id}/teams/{team}/"


class Teams(Endpoint):
    """Team calls (``/organizations/{org}/teams/``, ``/teams/{org}/{team}/...``)."""

    __slots__ = ()

    def list(
        self,
        org: str,
        *,
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Team]:
        """Every team of the organization (``GET /organizations/{org}/teams/``): a
        ``Paginator[Team]``; ``query`` filters by name or slug. ``NotFound`` for an
        unknown organization."""
        route = Route.build("GET", "/organizations/{org}/teams/", org=org)
        return self._paginate(
            route, Team, params={"query": query}, cursor=cursor, per_page=per_page
        )

    async def get(self, org: str, team: str) -> Team:
        """One team by slug or id (``GET /teams/{org}/{team}/``); ``NotFound`` if unknown."""
        return await self._fetch(Route.build("GET", _TEAM, org=org, team=team), Team)

    async def create(self, org: str, *, name: str | None = None, slug: str | None = None) -> Team:
        """Create a team and return it (``POST /organizations/{org}/teams/``; Sentry
        answers 201); give a ``slug``, a ``name`` or both (neither: ValueError).

        Sentry derives the slug from the name when only the name is given. A POST: never
        re-sent after an unclear failure; a slug already taken answers Conflict (409).
        """
        if name is None and slug is None:
            raise ValueError("give a name or a slug for the new team")
        body = to_wire(
            {"name": UNSET if name is None else name, "slug": UNSET if slug is None else slug}
        )
        route = Route.build("POST", "/organizations/{org}/teams/", org=org)
        return await self._fetch(route, Team, json=body)

    async def update(
        self,
        org: str,
        team: str,
        *,
        name: str | Unset = UNSET,
        slug: str | Unset = UNSET,
    ) -> Team:
        """Rename a team or change its slug and return it (``PUT /teams/{org}/{team}/``);
        only the arguments given are sent. Raises ``NotFound`` for an unknown team,
        ``Conflict`` for a slug already taken, ``BadRequest`` for an invalid slug."""
        body = to_wire({"name": name, "slug": slug})
        route = Route.build("PUT", _TEAM, org=org, team=team)
        return await self._fetch(route, Team, json=body)

    async def delete(self, org: str, team: str) -> None:
        """Schedule a team for deletion (``DELETE /teams/{org}/{team}/``; Sentry answers
        204). Returns None; raises ``NotFound`` for an unknown team, ``Forbidden`` without
        ``team:admin``."""
        await self._send(Route.build("DELETE", _TEAM, org=org, team=team))

    def list_projects(
        self, org: str, team: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[Project]:
        """The projects the team has access to (``GET /teams/{org}/{team}/projects/``): a
        ``Paginator[Project]``; ``NotFound`` for an unknown team."""
        route = Route.build("GET", "/teams/{org}/{team}/projects/", org=org, team=team)
        return self._paginate(route, Project, cursor=cursor, per_page=per_page)

    def list_members(
        self, org: str, team: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[Member]:
        """The team's members (``GET /teams/{org}/{team}/members/``): a
        ``Paginator[Member]``; each item's ``raw`` also holds the member's ``teamRole`` in
        this team. ``NotFound`` for an unknown team."""
        route = Route.build("GET", "/teams/{org}/{team}/members/", org=org, team=team)
        return self._paginate(route, Member, cursor=cursor, per_page=per_page)

    async def add_member(self, org: str, team: str, member_id: str | int) -> Team | None:
        """Add an organization member to a team
        (``POST /organizations/{org}/members/{member_id}/teams/{team}/``).

        Returns the team when Sentry added the member (201). Returns None when Sentry
        answered without a body: 204 (already a member: nothing changed) or 202 (the token
        may not add members, so Sentry filed an access request instead). Raises
        ``NotFound`` for an unknown member or team.
        """
        route = Route.build("POST", _MEMBERSHIP, org=org, member_id=member_id, team=team)
        answer = await self._pipeline.send(route)
        return None if answer.payload is None else self._decode(answer, Team)

    async def remove_member(self, org: str, team: str, member_id: str | int) -> None:
        """Remove a member from a team
        (``DELETE /organizations/{org}/members/{member_id}/teams/{team}/``). Returns None;
        Sentry answers 200 even if they were not in it. Raises ``NotFound`` for an unknown
        member or team, ``Forbidden`` without the right to manage the team."""
        route = Route.build("DELETE", _MEMBERSHIP, org=org, member_id=member_id, team=team)
        await self._send(route)
