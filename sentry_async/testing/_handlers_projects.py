"""Projects: the org list (OffsetPaginator cursors), create under a team, details, edits."""

from __future__ import annotations

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import project_of
from ._pagination import page_page, paged_reply
from ._records import Project
from ._routes import Route
from ._serialize import project_detail_json, project_json
from ._validate import boolean, required_string, slugify, string, valid_slug

__all__ = ["ROUTES"]


async def list_projects(ctx: Ctx) -> Reply:
    projects = ctx.org.projects
    if ctx.query.get("all_projects") == "1":
        return json_reply([project_json(p) for p in projects])  # no Link header: all at once
    return paged_reply(ctx, projects, project_json, page_page)


async def create_project(ctx: Ctx) -> Reply:
    team = ctx.org.teams.get(ctx.params["team"])
    if team is None:
        raise not_found()
    body = await ctx.body()
    name = required_string(body, "name", max_length=50)
    slug = string(body, "slug", max_length=50)
    slug = valid_slug("slug", slug if slug is not None else slugify(name))
    platform = string(body, "platform", max_length=64)
    if ctx.org.project(slug) is not None:
        raise ApiError(409, {"detail": "A project with this slug already exists."})
    project = Project(
        id=ctx.org.new_project_id(),
        slug=slug,
        name=name,
        platform=platform,
        team=team,
        date_created=ctx.now,
        keys=[],  # explicit: None would let a generated org synthesise keys for it
        hooks=[],
    )
    ctx.org.add_project(project)
    ctx.org.add_key(project, "Default")  # Sentry gives every new project a default DSN
    ctx.created["project"] += 1
    return json_reply(project_json(project), status=201)


async def get_project(ctx: Ctx) -> Reply:
    return json_reply(project_detail_json(ctx.org, project_of(ctx)))


async def update_project(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    body = await ctx.body()
    name = string(body, "name", max_length=200)
    slug = string(body, "slug", max_length=50)
    platform = string(body, "platform", max_length=64)
    bookmarked = boolean(body, "isBookmarked")
    if name is not None and not name.strip():
        raise field_error("name", "This field may not be blank.")
    if slug is not None and slug != project.slug:
        valid_slug("slug", slug)
        if ctx.org.project(slug) is not None:
            raise field_error("slug", f"Another project ({slug}) is already using that slug")
        ctx.org.rename_project(project, slug)
    if name is not None:
        project.name = name
    if platform is not None:
        project.platform = platform
    if bookmarked is not None:
        project.is_bookmarked = bookmarked
    return json_reply(project_detail_json(ctx.org, project))


async def delete_project(ctx: Ctx) -> Reply:
    ctx.org.delete_project(project_of(ctx))
    ctx.deleted["project"] += 1
    return no_content()


ROUTES = [
    Route("GET", "/organizations/{org}/projects/", list_projects),
    Route("POST", "/teams/{org}/{team}/projects/", create_project),
    Route("GET", "/projects/{org}/{project}/", get_project),
    Route("PUT", "/projects/{org}/{project}/", update_project),
    Route("DELETE", "/projects/{org}/{project}/", delete_project),
]
