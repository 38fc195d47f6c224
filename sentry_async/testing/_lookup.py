"""Resolve path parameters to records, answering 404 (or 302 for a renamed project)."""

from __future__ import annotations

from urllib.parse import quote

from ._http import ApiError, Ctx, not_found
from ._records import Installation, Member, Project

__all__ = ["installation_of", "member_of", "project_of"]


def project_of(ctx: Ctx) -> Project:
    """The ``{project}`` of the path; a renamed project's old slug raises Sentry's 302."""
    slug = ctx.params["project"]
    project = ctx.org.project(slug)
    if project is not None:
        return project
    new_slug = ctx.org.renamed_to(slug)
    if new_slug is None:
        raise not_found()
    # Same path with the slug segment swapped, query kept (segment 5 of /api/0/projects/o/p/).
    segments = ctx.raw_path.split("/")
    segments[5] = quote(new_slug, safe="")
    location = "/".join(segments) + (f"?{ctx.raw_query}" if ctx.raw_query else "")
    body = {
        "slug": new_slug,
        "detail": {
            "code": "resource-moved",
            "message": "Resource has been moved",
            "extra": {"url": location, "slug": new_slug},
        },
    }
    raise ApiError(302, body, headers={"Location": location})


def member_of(ctx: Ctx, param: str = "member_id") -> Member:
    member = ctx.org.members.get(ctx.params[param])
    if member is None:
        raise not_found()
    return member


def installation_of(ctx: Ctx) -> Installation:
    installation = ctx.org.installations.get(ctx.params["uuid"])
    if installation is None:
        raise not_found()
    return installation
