"""``sentry.members``: organization members and invites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..models import Member, MemberTeamRole
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


_TEAMS_NONE = (
    "teams=None: current Sentry removes the member from every team when a PUT carries no "
    "teams, so None cannot mean 'leave them alone'. Pass the member's teams (or, to keep "
    "team roles too, team_roles=member.team_roles) from members.get(), or [] to remove "
    "them all."
)


def _team_roles(
    team_roles: Mapping[str, str | None] | Sequence[MemberTeamRole],
) -> list[dict[str, str | None]]:
    if isinstance(team_roles, Mapping):
        pairs = list(team_roles.items())
    elif isinstance(team_roles, (str, bytes)):
        raise TypeError("team_roles must map team slugs to team roles, not be a string")
    else:
        pairs = []
        for item in team_roles:
            if not isinstance(item, MemberTeamRole):
                raise TypeError(
                    "team_roles must be a mapping {team_slug: role} or the MemberTeamRole "
                    f"items of Member.team_roles, got an item of type {type(item).__name__}"
                )
            pairs.append((item.team_slug, item.role))
    return [{"teamSlug": slug, "role": role} for slug, role in pairs]


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
        self, org: str, *, email: str, role: str = "member", teams: Sequence[str] | None = ()
    ) -> Member:
        """Invite ``email`` with an organization role, optionally into teams (by slug).

        Sends ``{"email", "role", "orgRole", "teams"}`` with ``role`` and ``orgRole`` both
        set to ``role``: the documented body names ``role`` (and servers following it reject
        a body without it), while several released Sentry versions validate ``orgRole`` but
        create the member from ``role``. Sending both makes old and new servers apply the
        requested role. ``teams`` is left out when empty or None (a new invite has no teams
        to lose; Sentry sets no team roles on invites). The role is always sent (``member``
        by default, Sentry's own default, but stated: integration tokens may invite only
        ``member``). Sentry answers 201 with the pending invite (``user`` is None; ``teams``
        is None when the answer leaves it out, which says nothing about the invite's teams).

        A POST: if it fails ambiguously it raises AmbiguousWriteError and is not re-sent;
        list the members to see whether the invite exists before trying again.
        """
        if not email.strip():
            raise ValueError("email must not be empty")
        slugs = _slugs(teams) if teams is not None else []
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
        team_roles: Mapping[str, str | None] | Sequence[MemberTeamRole] | Unset = UNSET,
    ) -> Member:
        """Change a member's organization role, teams and team roles; only what is given is sent.

        A new role is sent as both ``role`` and ``orgRole`` (see ``add``). ``teams`` (slugs)
        replaces the member's team list; ``team_roles`` (sent as Sentry's ``teamRoles``:
        ``[{"teamSlug", "role"}]``) replaces the teams and sets each one's team role
        (``contributor``, ``admin``, or None for the org role's default). It is a mapping
        ``{team_slug: role}`` or the ``Member.team_roles`` list from ``members.get``.

        Current Sentry rebuilds team memberships on every PUT (organization member details,
        ``save_team_assignments``): a non-empty ``teamRoles`` sets teams and roles; else
        ``teams`` sets the teams and clears every team role; a PUT with neither leaves the
        member in no team. So to change only the role, read the member first and send its
        team roles back, which keeps both teams and team roles::

            member = await sentry.members.get(org, member_id)
            if member.team_roles is None:  # the answer did not say: never send [] for it
                raise RuntimeError("unknown teams; not changing the role")
            await sentry.members.update(
                org, member_id, role="admin", team_roles=member.team_roles
            )

        (``teams=member.teams`` keeps the teams but not their roles.)

        Raises:
            TypeError: ``teams=None`` or ``team_roles=None`` (Sentry would read either as
                "no teams": pass ``[]`` for that), a ``str`` for ``teams``, or
                ``team_roles`` of the wrong shape.
            ValueError: both ``teams`` and ``team_roles`` (Sentry ignores ``teams`` then).
        """
        if teams is None:
            raise TypeError(_TEAMS_NONE)
        if team_roles is None:
            raise TypeError(
                "team_roles=None (Member.team_roles is None when the answer did not list "
                "them): current Sentry would remove the member from every team. Pass the "
                "team roles from members.get(), or [] to remove all teams."
            )
        if not isinstance(teams, Unset) and not isinstance(team_roles, Unset):
            raise ValueError(
                "pass teams or team_roles, not both: Sentry ignores teams when teamRoles "
                "is sent (team_roles already names the teams)"
            )
        body = to_wire(
            {
                "role": role,
                "org_role": role,
                "teams": teams if isinstance(teams, Unset) else _slugs(teams),
                "team_roles": (
                    team_roles if isinstance(team_roles, Unset) else _team_roles(team_roles)
                ),
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
