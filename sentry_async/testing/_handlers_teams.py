"""Teams: create, details, rename, delete; their projects and members; team membership."""

from __future__ import annotations

from typing import Any

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import member_of
from ._pagination import paged_reply
from ._records import Member, Team
from ._routes import Route
from ._serialize import member_json, project_json, team_detail_json
from ._validate import slugify, string, valid_slug

__all__ = ["ROUTES"]


def _team(ctx: Ctx) -> Team:
    wanted = ctx.params["team"]
    team = ctx.org.teams.get(wanted)
    if team is None:
        team = next((t for t in ctx.org.teams.values() if t.id == wanted), None)
    if team is None:
        raise not_found()
    return team


def _size(ctx: Ctx, team: Team) -> int:
    return sum(1 for m in ctx.org.members.values() if team.slug in m.teams)


async def create_team(ctx: Ctx) -> Reply:
    body = await ctx.body()
    name = string(body, "name", max_length=64)
    slug = string(body, "slug", max_length=50)
    if name is None and slug is None:
        raise field_error("non_field_errors", "slug or name is required")
    slug = valid_slug("slug", slug if slug is not None else slugify(name or ""))
    if slug in ctx.org.teams:
        raise ApiError(409, {"non_field_errors": ["A team with this slug already exists."]})
    team = ctx.org.add_team(slug, name or slug)
    team.date_created = ctx.now
    ctx.created["team"] += 1
    return json_reply(team_detail_json(team, 0), status=201)


async def get_team(ctx: Ctx) -> Reply:
    team = _team(ctx)
    return json_reply(team_detail_json(team, _size(ctx, team)))


async def update_team(ctx: Ctx) -> Reply:
    team = _team(ctx)
    body = await ctx.body()
    name = string(body, "name", max_length=64)
    slug = string(body, "slug", max_length=50)
    if slug is not None and slug != team.slug:
        valid_slug("slug", slug)
        if slug in ctx.org.teams:
            raise field_error("slug", "Another team with this slug already exists", status=409)
        del ctx.org.teams[team.slug]
        for member in ctx.org.members.values():
            member.teams = [slug if s == team.slug else s for s in member.teams]
        team.slug = slug
        ctx.org.teams[slug] = team
    if name is not None:
        team.name = name
    return json_reply(team_detail_json(team, _size(ctx, team)))


async def delete_team(ctx: Ctx) -> Reply:
    team = _team(ctx)
    del ctx.org.teams[team.slug]
    for member in ctx.org.members.values():
        member.teams = [s for s in member.teams if s != team.slug]
    for project in ctx.org.projects:
        if project.team is team:
            project.team = None
    ctx.deleted["team"] += 1
    return no_content()


async def list_team_projects(ctx: Ctx) -> Reply:
    team = _team(ctx)
    projects = [p for p in ctx.org.projects if p.team is team]
    return paged_reply(ctx, projects, project_json)


async def list_team_members(ctx: Ctx) -> Reply:
    team = _team(ctx)
    # As Sentry: approved memberships only (invite requests are left out).
    members = [
        m
        for m in ctx.org.members.values()
        if team.slug in m.teams and m.invite_status == "approved"
    ]

    def as_json(member: Member) -> dict[str, Any]:
        body = member_json(member)
        body["teamRole"] = None
        body["teamSlug"] = team.slug
        return body

    return paged_reply(ctx, members, as_json)


async def add_team_member(ctx: Ctx) -> Reply:
    member = member_of(ctx)
    team = _team(ctx)
    if team.slug in member.teams:
        return no_content()  # already a member: Sentry answers 204 without a body
    member.teams = [*member.teams, team.slug]
    return json_reply(team_detail_json(team, _size(ctx, team)), status=201)


async def remove_team_member(ctx: Ctx) -> Reply:
    member = member_of(ctx)
    team = _team(ctx)
    member.teams = [s for s in member.teams if s != team.slug]
    return json_reply(team_detail_json(team, _size(ctx, team)))


_TEAM = "/teams/{org}/{team}/"
_MEMBERSHIP = "/organizations/{org}/members/{member_id}/teams/{team}/"
ROUTES = [
    Route("POST", "/organizations/{org}/teams/", create_team),
    Route("GET", _TEAM, get_team),
    Route("PUT", _TEAM, update_team),
    Route("DELETE", _TEAM, delete_team),
    Route("GET", _TEAM + "projects/", list_team_projects),
    Route("GET", _TEAM + "members/", list_team_members),
    Route("POST", _MEMBERSHIP, add_team_member),
    Route("DELETE", _MEMBERSHIP, remove_team_member),
]
