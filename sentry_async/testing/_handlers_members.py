"""Organization members: list, invite (409 on a known email), details, role/team edits, removal."""

from __future__ import annotations

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
    return paged_reply(ctx, list(ctx.org.members.values()), member_json)


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
    if teams is not None:
        member.teams = teams
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
