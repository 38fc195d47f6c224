"""Issues, events, releases and deploys in the JSON shapes Sentry sends."""

from __future__ import annotations

from typing import Any

from ._org import FakeOrg
from ._records_issues import Deploy, Issue, IssueEvent, Release
from ._util import iso, iso_or_none

__all__ = ["actor_json", "deploy_json", "event_json", "issue_json", "release_json"]


def actor_json(org: FakeOrg, actor: str | None) -> dict[str, Any] | None:
    """``assignedTo``: ``{"type", "id", "name", "email"?}`` for ``user:<id>``/``team:<id>``."""
    if actor is None:
        return None
    kind, _, ident = actor.partition(":")
    if kind == "team":
        team = next((t for t in org.teams.values() if t.id == ident), None)
        return {"type": "team", "id": ident, "name": team.slug if team else ident}
    member = next((m for m in org.members.values() if m.user_id == ident), None)
    name = member.name if member else ident
    email = member.email if member else None
    return {"type": "user", "id": ident, "name": name, "email": email}


def issue_json(org: FakeOrg, issue: Issue, base_url: str) -> dict[str, Any]:
    project = issue.project
    return {
        "id": issue.id,
        "shortId": issue.short_id,
        "title": issue.title,
        "culprit": issue.culprit,
        "permalink": f"{base_url}/organizations/{org.slug}/issues/{issue.id}/",
        "logger": None,
        "level": issue.level,
        "status": issue.status,
        "substatus": issue.substatus,
        "statusDetails": issue.status_details,
        "isPublic": issue.is_public,
        "platform": project.platform,
        "project": {
            "id": str(project.id),
            "name": project.name,
            "slug": project.slug,
            "platform": project.platform,
        },
        "type": "error",
        "metadata": {"type": issue.error_type, "value": issue.title.split(": ", 1)[-1]},
        "numComments": 0,
        "assignedTo": actor_json(org, issue.assigned_to),
        "isBookmarked": issue.is_bookmarked,
        "isSubscribed": issue.is_subscribed,
        "subscriptionDetails": None,
        "hasSeen": issue.has_seen,
        "annotations": [],
        "issueType": "error",
        "issueCategory": "error",
        "priority": "high" if issue.level == "fatal" else "medium",
        "priorityLockedAt": None,
        "isUnhandled": False,
        "count": str(issue.count),
        "userCount": issue.user_count,
        "firstSeen": iso(issue.first_seen),
        "lastSeen": iso(issue.last_seen),
        "stats": {"24h": []},
    }


def event_json(issue: Issue, event: IssueEvent, *, full: bool) -> dict[str, Any]:
    """The list shape; ``full`` adds entries, contexts and the rest of the details shape."""
    project = issue.project
    body: dict[str, Any] = {
        "id": event.id,
        "eventID": event.id,
        "groupID": issue.id,
        "projectID": str(project.id),
        "title": issue.title,
        "message": event.message,
        "platform": project.platform,
        "event.type": "error",
        "dateCreated": iso(event.date),
        "culprit": issue.culprit,
        "location": issue.culprit.split(" in ")[0].replace(".", "/") + ".py",
        "crashFile": None,
        "tags": [{"key": k, "value": v} for k, v in sorted(event.tags.items())],
        "user": {"id": event.user_id, "email": None, "username": None, "ip_address": None},
        "metadata": {"type": issue.error_type, "value": issue.title.split(": ", 1)[-1]},
    }
    if full:
        body.update(
            {
                "type": "error",
                "dateReceived": iso(event.date + 0.4),
                "size": 2048,
                "dist": None,
                "release": {"version": event.release} if event.release else None,
                "contexts": {"runtime": {"name": "CPython", "version": "3.12.4"}},
                "entries": [
                    {
                        "type": "exception",
                        "data": {
                            "values": [
                                {"type": issue.error_type, "value": event.message.split(": ")[-1]}
                            ]
                        },
                    }
                ],
                "sdk": {"name": "sentry.python", "version": "2.8.0"},
                "errors": [],
                "fingerprints": [issue.id],
            }
        )
    return body


def deploy_json(deploy: Deploy) -> dict[str, Any]:
    return {
        "id": deploy.id,
        "environment": deploy.environment,
        "name": deploy.name,
        "url": deploy.url,
        "dateStarted": iso_or_none(deploy.date_started),
        "dateFinished": iso(deploy.date_finished),
    }


def release_json(release: Release) -> dict[str, Any]:
    package, _, version = release.version.rpartition("@")
    last = release.deploys[-1] if release.deploys else None
    return {
        "id": release.id,
        "version": release.version,
        "shortVersion": release.version,
        "status": "open",
        "versionInfo": {
            "package": package or None,
            "version": {"raw": version},
            "description": version,
            "buildHash": None,
        },
        "ref": release.ref,
        "url": release.url,
        "dateReleased": iso_or_none(release.date_released),
        "dateCreated": iso(release.date_created),
        "data": {},
        "newGroups": 0,
        "owner": None,
        "commitCount": len(release.commits),
        "lastCommit": release.commits[-1] if release.commits else None,
        "deployCount": len(release.deploys),
        "lastDeploy": deploy_json(last) if last else None,
        "authors": [],
        "projects": [
            {
                "id": p.id,
                "slug": p.slug,
                "name": p.name,
                "newGroups": 0,
                "platform": p.platform,
                "platforms": [p.platform] if p.platform else [],
                "hasHealthData": False,
            }
            for p in release.projects
        ],
        "firstEvent": None,
        "lastEvent": None,
        "currentProjectMeta": {},
        "userAgent": None,
    }
