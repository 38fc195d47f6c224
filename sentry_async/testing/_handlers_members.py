"""Organization members: list, invite (409 on a known email), details, role/team edits, removal.

Behaviour taken from Sentry's member index and details endpoints
(``src/sentry/api/endpoints/organization_member/``):

- only approved members and invites exist for these routes: a ``requested_to_be_invited``
  or ``requested_to_join`` member is not listed, and its details, PUT and DELETE are 404.
- the list's ``query`` is split into ``key:value`` tokens and free text (several values of
  one key: any of them; ``true`` among the values means true):
  ``email:`` matches the invite e-mail exactly or a joined member's account e-mail
  case-insensitively (Sentry looks the account up by e-mail); ``role:``, ``id:``,
  ``user.id:``, ``isInvited:``, ``ssoLinked:``; ``has2fa:`` matches joined members only
  (both ``true`` and ``false`` leave pending invites out: Sentry filters on user ids);
  ``hasExternalUsers:`` — the fake has no external (Slack, GitHub...) user links, so
  ``true`` matches nobody and ``false`` everybody; free text matches, case-insensitively,
  a member's e-mail and a joined member's name (not the username). ``scope:`` depends on
  Sentry's role-to-scope table, which the fake does not model: it answers 400 saying so
  rather than inventing a result. Any other key gives an empty list, as in Sentry.
- PUT follows current Sentry: a non-empty ``teamRoles`` (``[{"teamSlug", "role"}]``, role
  ``contributor``, ``admin`` or null) sets the teams and their team roles; otherwise
  ``teams`` sets the teams with no team roles; a PUT with neither (or an empty
  ``teamRoles`` and no ``teams``) removes the member from every team. Releases before
  about 23.x only touched teams when ``teams`` was sent. The fake assumes the
  ``organizations:team-roles`` feature is on, and does not reset team roles when the org
  role changes (Sentry's source tries to, for roles at or below the new minimum).
- an invite (POST) takes ``teams`` or the slugs of ``teamRoles`` but never team roles.
- invites and PUTs read ``orgRole``, then ``role``.
"""

from __future__ import annotations

import re
from typing import Any

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import member_of
from ._pagination import paged_reply
from ._records import Member
from ._routes import Route
from ._serialize import member_json
from ._validate import required_string, string, string_list

__all__ = ["ORG_ROLES", "ROUTES"]

ORG_ROLES = ("member", "admin", "manager", "owner", "billing")
_LAST_OWNER = "You cannot remove the only remaining owner of the organization."


async def list_members(ctx: Ctx) -> Reply:
    members = [m for m in ctx.org.members.values() if m.invite_status == "approved"]
    query = ctx.query.get("query")
    if query:
        for key, values in _tokens(query).items():
            if key == "scope":
                raise ApiError(
                    400,
                    {
                        "detail": "the fake Sentry does not model the scope: member filter "
                        "(it depends on Sentry's role-to-scope table); filter on role: instead"
                    },
                )
            members = [m for m in members if _matches(m, key, values)]
    return paged_reply(ctx, members, member_json)


def _approved(ctx: Ctx) -> Member:
    # Sentry's member details only resolve approved members and invites.
    member = member_of(ctx)
    if member.invite_status != "approved":
        raise not_found()
    return member


def _tokens(query: str) -> dict[str, list[str]]:
    """Sentry's query tokens: ``key:value`` pairs (values may be quoted) and free text."""
    tokens: dict[str, list[str]] = {}
    for found in _TOKEN.finditer(query):
        key, value, word = found.group(1), found.group(2), found.group(3)
        if key is not None:
            tokens.setdefault(key, []).append(value.strip('"'))
        else:
            tokens.setdefault("query", []).append(word.strip('"'))
    return tokens


_TOKEN = re.compile(r'(\w[\w.]*):("[^"]*"|\S*)|("[^"]*"|\S+)')


def _matches(member: Member, key: str, values: list[str]) -> bool:
    truth = "true" in values
    if key == "email":
        if member.email in values:
            return True
        folded = {value.casefold() for value in values}
        return not member.pending and member.email.casefold() in folded
    if key == "role":
        return member.role in values
    if key == "id":
        return member.id in values
    if key == "user.id":
        return member.user_id is not None and member.user_id in values
    if key == "isInvited":
        return member.pending is truth
    if key == "has2fa":
        return not member.pending and member.has_2fa is truth
    if key == "ssoLinked":
        return member.sso_linked is truth
    if key == "hasExternalUsers":
        return not truth
    if key == "query":
        text = " ".join(values).casefold()
        names = (member.email,) if member.pending else (member.email, member.name)
        return any(text in name.casefold() for name in names)
    return False


def _role(body: dict[str, Any]) -> str | None:
    # ``orgRole`` is the current name, ``role`` the deprecated one; both are accepted.
    for field in ("orgRole", "role"):
        role = string(body, field, max_length=32)
        if role is not None:
            if role not in ORG_ROLES:
                raise field_error(field, "You do not have permission to set that org-level role")
            return role
    return None


_TEAM_ROLES = ("contributor", "admin")


def _team_roles(ctx: Ctx, body: dict[str, Any]) -> dict[str, str | None] | None:
    """``teamRoles`` as slug -> team role; None when absent or null."""
    items = body.get("teamRoles")
    if items is None:
        return None
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("teamSlug"), str) for item in items
    ):
        raise field_error("teamRoles", "Expected a list of {teamSlug, role} objects.")
    roles: dict[str, str | None] = {item["teamSlug"]: item.get("role") for item in items}
    if any(role is not None and role not in _TEAM_ROLES for role in roles.values()):
        raise field_error("teamRoles", "Invalid team-role")
    _check_teams(ctx, list(roles))
    return roles


def _check_teams(ctx: Ctx, slugs: list[str]) -> None:
    if any(slug not in ctx.org.teams for slug in slugs):
        raise field_error("teams", "Invalid teams")


def _teams(ctx: Ctx, body: dict[str, Any]) -> list[str] | None:
    teams = string_list(body, "teams")
    if teams is not None:
        _check_teams(ctx, teams)
    return teams


async def add_member(ctx: Ctx) -> Reply:
    body = await ctx.body()
    email = required_string(body, "email", max_length=75)
    if "@" not in email.strip("@"):
        raise field_error("email", "Enter a valid email address.")
    role = _role(body) or "member"
    roles = _team_roles(ctx, body)
    # An invite takes the teams of ``teamRoles`` but never their roles.
    teams = list(roles) if roles else (_teams(ctx, body) or [])
    if ctx.org.member_by_email(email) is not None:
        raise field_error("email", f"The user {email} is already a member", status=409)
    member = ctx.org.add_member(
        Member(id=ctx.org.new_id(), email=email, name=email, role=role, date_created=ctx.now)
    )
    member.teams = teams
    ctx.created["member"] += 1
    return json_reply(member_json(member), status=201)


async def get_member(ctx: Ctx) -> Reply:
    return json_reply(member_json(_approved(ctx), detailed=True))


async def update_member(ctx: Ctx) -> Reply:
    member = _approved(ctx)
    body = await ctx.body()
    role = _role(body)
    roles = _team_roles(ctx, body)
    teams = _teams(ctx, body)
    if role is not None and role != "owner" and ctx.org.is_only_owner(member):
        raise ApiError(403, {"detail": "You cannot demote the last owner of the organization."})
    if role is not None:
        member.role = role
    # Current Sentry rebuilds team memberships on every PUT from a non-empty ``teamRoles``,
    # else from ``teams`` (team roles cleared), else to none at all.
    if roles:
        member.teams = list(roles)
        member.team_roles = {slug: r for slug, r in roles.items() if r is not None}
    else:
        member.teams = teams if teams is not None else []
        member.team_roles = {}
    return json_reply(member_json(member, detailed=True))


async def delete_member(ctx: Ctx) -> Reply:
    member = _approved(ctx)
    if ctx.org.is_only_owner(member):
        raise ApiError(403, {"detail": _LAST_OWNER})
    del ctx.org.members[member.id]
    ctx.deleted["member"] += 1
    return no_content()


_MEMBER = "/organizations/{org}/members/{member_id}/"
ROUTES = [
    Route("GET", "/organizations/{org}/members/", list_members),
    Route("POST", "/organizations/{org}/members/", add_member),
    Route("GET", _MEMBER, get_member),
    Route("PUT", _MEMBER, update_member),
    Route("DELETE", _MEMBER, delete_member),
]
