"""``sentry.members``: organization members and invites."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Member
from ..models._outgoing import to_wire
from ..pagination import Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint

__all__ = ["Members"]


def _slugs(teams: Sequence[str]) -> list[str]:
    if isinstance(teams, str):
        raise TypeError("teams must be a sequence of team slugs, not one string")
    return list(teams)


class Members(Endpoint):
    """Organization members (``/organizations/{org}/members/...``)."""

    __slots__ = ()

    def list(
        self,
        org: str,
        *,
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Member]:
        """Every member, pending invites included (their ``user`` is None)."""
        route = Route.build("GET", "/organizations/{org}/members/", org=org)
        return self._paginate(
            route, Member, params={"query": query}, cursor=cursor, per_page=per_page
        )

    async def get(self, org: str, member_id: str | int) -> Member:
        """One member by id."""
        route = Route.build(
            "GET", "/organizations/{org}/members/{member_id}/", org=org, member_id=member_id
        )
        return await self._fetch(route, Member)

    async def add(
        self, org: str, *, email: str, role: str = "member", teams: Sequence[str] = ()
    ) -> Member:
        """Invite ``email`` with an organization role, optionally into teams (by slug).

        Sends ``{"email", "role", "orgRole", "teams"}`` with ``role`` and ``orgRole`` both
        set to ``role``: the documented body names ``role`` (and servers following it reject
        a body without it), while several released Sentry versions validate ``orgRole`` but
        create the member from ``role``. Sending both makes old and new servers apply the
        requested role. ``teams`` is left out when empty. The role is always sent (``member``
        by default, Sentry's own default, but stated: integration tokens may invite only
        ``member``). Sentry answers 201 with the pending invite (``user`` is None; ``teams``
        is None when the answer leaves it out, which says nothing about the invite's teams).

        A POST: if it fails ambiguously it raises AmbiguousWriteError and is not re-sent;
        list the members to see whether the invite exists before trying again.
        """
        if not email.strip():
            raise ValueError("email must not be empty")
        slugs = _slugs(teams)
        body = to_wire(
            {"email": email, "role": role, "org_role": role, "teams": slugs if slugs else UNSET}
        )
        route = Route.build("POST", "/organizations/{org}/members/", org=org)
        return await self._fetch(route, Member, json=body)

    async def update(
        self,
        org: str,
        member_id: str | int,
        *,
        role: str | Unset = UNSET,
        teams: Sequence[str] | Unset = UNSET,
    ) -> Member:
        """Change a member's organization role and/or teams; only what is given is sent.

        A new role is sent as both ``role`` and ``orgRole`` (see ``add``). ``teams`` (slugs)
        replaces the member's team list. Sentry's current source rebuilds team memberships
        on every PUT, so a call without ``teams`` may leave the member in no team. To keep
        them while changing the role, pass the current teams read from ``members.get`` (the
        details answer lists them): a ``Member.teams`` of None means the answer did not say,
        never "no teams", and must not be sent as ``[]``.
        """
        body = to_wire(
            {
                "role": role,
                "org_role": role,
                "teams": teams if isinstance(teams, Unset) else _slugs(teams),
            }
        )
        route = Route.build(
            "PUT", "/organizations/{org}/members/{member_id}/", org=org, member_id=member_id
        )
        return await self._fetch(route, Member, json=body)

    async def delete(self, org: str, member_id: str | int) -> None:
        """Remove a member or revoke an invite."""
        route = Route.build(
            "DELETE", "/organizations/{org}/members/{member_id}/", org=org, member_id=member_id
        )
        await self._send(route)
