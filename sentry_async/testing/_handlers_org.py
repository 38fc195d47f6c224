"""Organization endpoints: details, teams, environments, repos and commits, relays, keys."""

from __future__ import annotations

from collections import Counter

from ._http import ApiError, Ctx, Reply, json_reply, not_found
from ._pagination import keyed_page, link_header, paged_reply
from ._routes import Route
from ._serialize import key_json, org_json, relay_json, repo_json, team_detail_json
from ._synth import commit_dates, commit_json
from ._validate import boolean, string, valid_slug

__all__ = ["ROUTES"]


async def list_organizations(ctx: Ctx) -> Reply:
    org = ctx.org
    if ctx.query.get("owner"):
        # As Sentry: the orgs the user owns, wrapped and unpaged. The fake's token owns its org.
        summary = org_json(org, detailed=False, base_url=ctx.base_url)
        return json_reply([{"organization": summary, "singleOwner": True}])
    return paged_reply(ctx, [org], lambda o: org_json(o, detailed=False, base_url=ctx.base_url))


async def get_org(ctx: Ctx) -> Reply:
    detailed = ctx.query.get("detailed") != "0"
    return json_reply(org_json(ctx.org, detailed=detailed, base_url=ctx.base_url))


async def update_org(ctx: Ctx) -> Reply:
    body = await ctx.body()
    name = string(body, "name", max_length=64)
    slug = string(body, "slug", max_length=50)
    early = boolean(body, "isEarlyAdopter")
    if name is not None:
        if not name.strip():
            raise ApiError(400, {"name": ["This field may not be blank."]})
        ctx.org.name = name
    if slug is not None:
        ctx.org.slug = valid_slug("slug", slug)
    if early is not None:
        ctx.org.is_early_adopter = early
    return json_reply(org_json(ctx.org, detailed=True, base_url=ctx.base_url))


async def list_teams(ctx: Ctx) -> Reply:
    sizes: Counter[str] = Counter(slug for m in ctx.org.members.values() for slug in m.teams)
    teams = list(ctx.org.teams.values())
    return paged_reply(ctx, teams, lambda team: team_detail_json(team, sizes[team.slug]))


async def list_environments(ctx: Ctx) -> Reply:
    # Not paginated on Sentry: a plain list. The fake hides no environment.
    visibility = ctx.query.get("visibility", "active")
    if visibility not in ("active", "hidden", "all"):
        detail = "Invalid value for 'visibility', valid values are: 'active', 'all', 'hidden'"
        raise ApiError(400, {"detail": detail})
    if visibility == "hidden":
        return json_reply([])
    envs = [{"id": str(n + 1), "name": name} for n, name in enumerate(ctx.org.environments)]
    return json_reply(envs)


async def list_repos(ctx: Ctx) -> Reply:
    return paged_reply(ctx, list(ctx.org.repos.values()), repo_json)


async def list_commits(ctx: Ctx) -> Reply:
    repo = ctx.org.repos.get(ctx.params["repo_id"])
    if repo is None:
        raise not_found()
    dates = commit_dates(ctx.org.seed, repo, ctx.org.now)
    page = keyed_page(ctx, dates)
    body = [commit_json(ctx.org.seed, repo, n, dates[n]) for n in range(page.start, page.stop)]
    return json_reply(body, headers={"Link": link_header(ctx, page)})


async def list_relay_usage(ctx: Ctx) -> Reply:
    return json_reply([relay_json(relay) for relay in ctx.org.relays])  # unpaged, as Sentry


async def list_org_keys(ctx: Ctx) -> Reply:
    keys = ctx.org.all_keys()
    status = ctx.query.get("status")
    if status in ("active", "inactive"):
        keys = [key for key in keys if key.is_active == (status == "active")]
    return paged_reply(ctx, keys, lambda key: key_json(key, ctx.org))


ROUTES = [
    Route("GET", "/organizations/", list_organizations),
    Route("GET", "/organizations/{org}/", get_org),
    Route("PUT", "/organizations/{org}/", update_org),
    Route("GET", "/organizations/{org}/teams/", list_teams),
    Route("GET", "/organizations/{org}/environments/", list_environments),
    Route("GET", "/organizations/{org}/repos/", list_repos),
    Route("GET", "/organizations/{org}/repos/{repo_id}/commits/", list_commits),
    Route("GET", "/organizations/{org}/relay_usage/", list_relay_usage),
    Route("GET", "/organizations/{org}/project-keys/", list_org_keys),
]
