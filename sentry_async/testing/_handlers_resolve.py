"""Short-id and event-id lookups, answered with synthesised issues of the org's projects.

A short id ``AMBER-OTTER-3-1F`` resolves when its prefix (minus the last ``-part``) is a
project slug in upper case; any 32-hex event id resolves to a project picked by its value.
"""

from __future__ import annotations

import re
from typing import Any

from ._http import Ctx, Reply, json_reply, not_found
from ._records import Project
from ._routes import Route
from ._util import iso, mix

__all__ = ["ROUTES"]

_EVENT_ID = re.compile(r"^[0-9a-fA-F]{32}$")


def _group(ctx: Ctx, project: Project, group_id: int, short_id: str) -> dict[str, Any]:
    seen = project.first_event if project.first_event is not None else project.date_created
    return {
        "id": str(group_id),
        "shortId": short_id,
        "title": f"ValueError: bad input in {project.slug}",
        "culprit": "app.handlers in process",
        "permalink": f"{ctx.base_url}/organizations/{ctx.org.slug}/issues/{group_id}/",
        "level": "error",
        "status": "unresolved",
        "substatus": "ongoing",
        "statusDetails": {},
        "isPublic": False,
        "platform": project.platform,
        "project": {
            "id": str(project.id),
            "name": project.name,
            "slug": project.slug,
            "platform": project.platform,
        },
        "type": "error",
        "metadata": {"type": "ValueError", "value": "bad input"},
        "numComments": 0,
        "assignedTo": None,
        "isBookmarked": False,
        "isSubscribed": False,
        "hasSeen": False,
        "annotations": [],
        "issueType": "error",
        "issueCategory": "error",
        "priority": "medium",
        "count": str(1 + group_id % 500),
        "userCount": group_id % 40,
        "firstSeen": iso(seen),
        "lastSeen": iso(max(seen, ctx.org.now - 3600)),
    }


async def resolve_short_id(ctx: Ctx) -> Reply:
    short_id = ctx.params["short_id"]
    prefix, _, suffix = short_id.rpartition("-")
    if not prefix or not suffix.isalnum():
        raise not_found()
    project = ctx.org.project(prefix.lower())
    if project is None or project.slug.upper() != prefix.upper():
        raise not_found()
    group_id = 1_000_000 + mix(ctx.org.seed, project.id, int(suffix, 36)) % 9_000_000
    canonical = f"{project.slug.upper()}-{suffix.upper()}"
    return json_reply(
        {
            "organizationSlug": ctx.org.slug,
            "projectSlug": project.slug,
            "groupId": str(group_id),
            "shortId": canonical,
            "group": _group(ctx, project, group_id, canonical),
        }
    )


async def resolve_event_id(ctx: Ctx) -> Reply:
    event_id = ctx.params["event_id"]
    projects = ctx.org.projects
    if not _EVENT_ID.match(event_id) or not projects:
        raise not_found()
    value = int(event_id, 16)
    project = projects[value % len(projects)]
    group_id = 1_000_000 + mix(ctx.org.seed, project.id, value) % 9_000_000
    event: dict[str, Any] = {
        "id": event_id.lower(),
        "eventID": event_id.lower(),
        "groupID": str(group_id),
        "projectID": str(project.id),
        "title": f"ValueError: bad input in {project.slug}",
        "message": "",
        "platform": project.platform,
        "type": "error",
        "dateCreated": iso(ctx.org.now - value % 86400),
        "dateReceived": iso(ctx.org.now - value % 86400 + 1),
        "tags": [{"key": "level", "value": "error"}, {"key": "environment", "value": "production"}],
        "entries": [],
        "contexts": {},
        "user": None,
        "size": 4096,
    }
    return json_reply(
        {
            "organizationSlug": ctx.org.slug,
            "projectSlug": project.slug,
            "groupId": str(group_id),
            "eventId": event_id.lower(),
            "event": event,
        }
    )


ROUTES = [
    Route("GET", "/organizations/{org}/shortids/{short_id}/", resolve_short_id),
    Route("GET", "/organizations/{org}/eventids/{event_id}/", resolve_event_id),
]
