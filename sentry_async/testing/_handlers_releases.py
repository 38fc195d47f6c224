"""Releases: list, create (201 new / 208 existing), details, update, delete; deploys; commits.

As Sentry: ``query`` keeps versions containing it ignoring case, ``project`` must be numeric
ids (400 otherwise), versions Sentry refuses answer 400. Approximate: no health data, no
``status`` filter or sort, and commits are the objects given at creation (no repository
lookup or ``refs`` resolution)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content, not_found
from ._pagination import paged_reply
from ._records_issues import Deploy, Release
from ._routes import Route
from ._serialize_issues import deploy_json, release_json
from ._validate import string, string_list, url

__all__ = ["ROUTES"]

_BAD_VERSIONS = ("", ".", "..", "latest")
_BAD_VERSION_CHARS = frozenset("\r\n\f\t/\\")  # Sentry's Release.is_valid_version


def _release(ctx: Ctx) -> Release:
    release = ctx.org.releases.get(ctx.params["version"])
    if release is None:
        raise not_found()
    return release


def _date(body: dict[str, Any], field: str) -> float | None:
    value = body.get(field)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise field_error(field, "Datetime has wrong format.") from None


def _objects(body: dict[str, Any], field: str) -> list[dict[str, Any]] | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise field_error(field, "Expected a list of objects.")
    return value


async def list_releases(ctx: Ctx) -> Reply:
    releases = sorted(ctx.org.releases.values(), key=lambda r: (-r.date_created, -r.id))
    query = (ctx.query.get("query") or "").casefold()
    if query:
        releases = [r for r in releases if query in r.version.casefold()]
    projects = set(ctx.query.getall("project", []))
    if not all(p.lstrip("-").isdigit() for p in projects):
        raise ApiError(400, {"detail": "Invalid project parameter. Values must be numbers."})
    if projects and "-1" not in projects:
        releases = [r for r in releases if any(str(p.id) in projects for p in r.projects)]
    return paged_reply(ctx, releases, release_json)


async def create_release(ctx: Ctx) -> Reply:
    body = await ctx.body()
    version = string(body, "version", max_length=200)
    if (
        version is None
        or version.strip() in _BAD_VERSIONS
        or version.lower() == "latest"
        or _BAD_VERSION_CHARS & set(version)
    ):
        raise field_error("version", f"Release with name {version} is not allowed")
    slugs = string_list(body, "projects")
    if not slugs:
        raise field_error("projects", "This field is required.")
    projects = []
    for slug in slugs:
        project = ctx.org.project(slug)
        if project is None:
            raise field_error("projects", f"Invalid project slugs: {slug}")
        projects.append(project)
    existed = version in ctx.org.releases
    release = ctx.org.add_release(version, projects)
    if not existed:
        release.date_created = ctx.now
        release.ref = string(body, "ref")
        release.url = url(body, "url")
        release.date_released = _date(body, "dateReleased")
        release.commits = _objects(body, "commits") or []
        ctx.created["release"] += 1
    return json_reply(release_json(release), status=208 if existed else 201)


async def get_release(ctx: Ctx) -> Reply:
    return json_reply(release_json(_release(ctx)))


async def update_release(ctx: Ctx) -> Reply:
    release = _release(ctx)
    body = await ctx.body()
    if "ref" in body:
        release.ref = string(body, "ref")
    if "url" in body:
        release.url = url(body, "url")
    if "dateReleased" in body:
        release.date_released = _date(body, "dateReleased")
    commits = _objects(body, "commits")
    if commits is not None:
        release.commits = commits
    return json_reply(release_json(release))


async def delete_release(ctx: Ctx) -> Reply:
    release = _release(ctx)
    del ctx.org.releases[release.version]
    ctx.deleted["release"] += 1
    return no_content()


async def list_deploys(ctx: Ctx) -> Reply:
    release = _release(ctx)
    return paged_reply(ctx, list(reversed(release.deploys)), deploy_json)


async def create_deploy(ctx: Ctx) -> Reply:
    release = _release(ctx)
    body = await ctx.body()
    environment = string(body, "environment", max_length=64)
    if not environment:
        raise field_error("environment", "This field is required.")
    slugs = string_list(body, "projects")
    for slug in slugs or ():
        if not any(p.slug == slug for p in release.projects):
            raise ApiError(400, {"detail": f"Invalid projects: {slug}"})
    if environment not in ctx.org.environments:
        ctx.org.environments.append(environment)
    deploy = Deploy(
        id=ctx.org.new_id(),
        environment=environment,
        name=string(body, "name", max_length=64),
        url=url(body, "url"),
        date_started=_date(body, "dateStarted"),
        date_finished=_date(body, "dateFinished") or ctx.now,
    )
    release.deploys.append(deploy)
    ctx.created["deploy"] += 1
    return json_reply(deploy_json(deploy), status=201)


async def list_release_commits(ctx: Ctx) -> Reply:
    release = _release(ctx)
    commits = [
        {
            "id": str(c.get("id", "")),
            "message": c.get("message"),
            "dateCreated": c.get("timestamp"),
            "author": {"name": c.get("author_name"), "email": c.get("author_email")},
            "repository": {"name": c.get("repository")},
        }
        for c in reversed(release.commits)
    ]
    return paged_reply(ctx, commits, lambda c: c)


_RELEASE = "/organizations/{org}/releases/{version}/"
ROUTES = [
    Route("GET", "/organizations/{org}/releases/", list_releases),
    Route("POST", "/organizations/{org}/releases/", create_release),
    Route("GET", _RELEASE, get_release),
    Route("PUT", _RELEASE, update_release),
    Route("DELETE", _RELEASE, delete_release),
    Route("GET", _RELEASE + "deploys/", list_deploys),
    Route("POST", _RELEASE + "deploys/", create_deploy),
    Route("GET", _RELEASE + "commits/", list_release_commits),
]
