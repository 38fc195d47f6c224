"""Organization members: list, invite (409 on a known email), details, role/team edits, removal.

Behaviour taken from Sentry's member index and details endpoints:

- the list's ``query`` is split into ``key:value`` tokens and free text. ``email:`` (the
  invite or account e-mail), ``role:``, ``id:``, ``user.id:``, ``isInvited:``,
  ``has2fa:`` and ``ssoLinked:`` filter (several values of one key: any of them;
  ``true`` among the values means true); free text matches e-mail, name or username,
  case-insensitively; any other key gives an empty list, as in Sentry. Sentry's e-mail
  match is exact as the database compares it; here it is exact too.
- a PUT without ``teams`` (or ``teamRoles``) removes the member from every team: current
  Sentry rebuilds memberships from the body on every PUT. Releases before about 23.x only
  touched teams when ``teams`` was sent; the fake follows current Sentry.
- invites and PUTs read ``orgRole``, then ``role``.
"""

from __future__ import annotations

import re
from typing import Any

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content
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
    members = list(ctx.org.members.values())
    query = ctx.query.get("query")
    if query:
        for key, values in _tokens(query).items():
            members = [m for m in members if _matches(m, key, values)]
    return paged_reply(ctx, members, member_json)


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
        return member.email in values
    if key == "role":
        return member.role in values
    if key == "id":
        return member.id in values
    if key == "user.id":
        return member.user_id is not None and member.user_id in values
    if key == "isInvited":
        return member.pending is truth
    if key == "has2fa":
        return (not member.pending and member.has_2fa) is truth
    if key == "ssoLinked":
        return member.sso_linked is truth
    if key == "query":
        text = " ".join(values).casefold()
        names = (member.email, member.name, member.username or "")
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


def _teams(ctx: Ctx, body: dict[str, Any]) -> list[str] | None:
    teams = string_list(body, "teams")
    if teams is None and isinstance(body.get("teamRoles"), list):
        teams = [str(item.get("teamSlug")) for item in body["teamRoles"] if isinstance(item, dict)]
    if teams is not None and any(slug not in ctx.org.teams for slug in teams):
        raise field_error("teams", "Invalid teams")
    return teams


async def add_member(ctx: Ctx) -> Reply:
    body = await ctx.body()
    email = required_string(body, "email", max_length=75)
    if "@" not in email.strip("@"):
        raise field_error("email", "Enter a valid email address.")
    role = _role(body) or "member"
    teams = _teams(ctx, body) or []
    if ctx.org.member_by_email(email) is not None:
        raise field_error("email", f"The user {email} is already a member", status=409)
    member = ctx.org.add_member(
        Member(id=ctx.org.new_id(), email=email, name=email, role=role, date_created=ctx.now)
    )
    member.teams = teams
    ctx.created["member"] += 1
    return json_reply(member_json(member), status=201)


async def get_member(ctx: Ctx) -> Reply:
    return json_reply(member_json(member_of(ctx), detailed=True))


async def update_member(ctx: Ctx) -> Reply:
    member = member_of(ctx)
    body = await ctx.body()
    role = _role(body)
    teams = _teams(ctx, body)
    if role is not None and role != "owner" and ctx.org.is_only_owner(member):
        raise ApiError(403, {"detail": "You cannot demote the last owner of the organization."})
    if role is not None:
        member.role = role
    # Current Sentry rebuilds team memberships on every PUT: no ``teams`` means none.
    member.teams = teams if teams is not None else []
    return json_reply(member_json(member, detailed=True))


async def delete_member(ctx: Ctx) -> Reply:
    member = member_of(ctx)
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
