"""Issues and releases of a generated org, derived from (seed, project) on first read.

Only projects that received events get issues (0-3 each, 1-4 events per issue); releases are
the projects' ``latest_release`` versions. Deterministic for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._records import Project
from ._records_issues import Issue, IssueEvent, Release
from ._util import mix

__all__ = ["ENVIRONMENTS", "generate_issues", "generate_releases", "new_event"]

ENVIRONMENTS = ("production", "staging")
# Enough to exercise paging and search without costing a 100,000-project org much.
_MAX_PROJECTS = 300
_ERRORS = (
    ("ValueError", "invalid literal for int() with base 10", "app.forms in clean"),
    ("KeyError", "'user_id'", "app.sessions in load"),
    ("TimeoutError", "upstream took longer than 30s", "app.clients.http in fetch"),
    ("TypeError", "'NoneType' object is not subscriptable", "app.views.orders in detail"),
    ("ZeroDivisionError", "division by zero", "app.reports in average"),
    ("ConnectionError", "connection reset by peer", "app.db in execute"),
)
_LEVELS = ("error", "error", "error", "warning", "fatal")


def new_event(seed: int, issue: Issue, n: int, date: float) -> IssueEvent:
    h = mix(seed, int(issue.id), n)
    env = ENVIRONMENTS[h % len(ENVIRONMENTS)]
    release = issue.project.latest_release
    user_id = str(h % 997)
    tags = {"environment": env, "level": issue.level, "user": f"id:{user_id}"}
    if release:
        tags["release"] = release
    return IssueEvent(
        id=f"{h:016x}{mix(h, 1):016x}",
        date=date,
        environment=env,
        release=release,
        message=f"{issue.error_type}: {issue.title.split(': ', 1)[-1]}",
        user_id=user_id,
        tags=tags,
    )


def _issues_of(seed: int, now: float, project: Project, index: int) -> list[Issue]:
    if project.first_event is None:
        return []
    end = project.last_event if project.last_event is not None else now
    out = []
    for k in range(mix(seed, project.id) % 4):
        h = mix(seed, project.id, k)
        kind, value, culprit = _ERRORS[h % len(_ERRORS)]
        issue_id = str(7_000_000 + index * 4 + k)
        first = project.first_event + (h >> 8) % 86400
        issue = Issue(
            id=issue_id,
            project=project,
            short_id=f"{project.slug.upper()}-{k + 1:X}",
            title=f"{kind}: {value}",
            culprit=culprit,
            level=_LEVELS[(h >> 4) % len(_LEVELS)],
            error_type=kind,
            first_seen=first,
            last_seen=max(first, end - (h >> 20) % 7200),
        )
        if (h >> 12) % 5 == 0:
            issue.status, issue.substatus = "resolved", None
        elif (h >> 12) % 7 == 1:
            issue.status, issue.substatus = "ignored", "archived_forever"
        events = 1 + (h >> 16) % 4
        span = issue.last_seen - issue.first_seen
        issue.events = [
            new_event(seed, issue, n, issue.last_seen - span * n / max(1, events - 1))
            for n in range(events)
        ]
        issue.count = events + (h >> 24) % 400
        issue.user_count = 1 + (h >> 32) % 40
        out.append(issue)
    return out


def generate_issues(seed: int, now: float, projects: Sequence[Project]) -> dict[str, Issue]:
    """Issues by id for the first projects (by slug) that received events."""
    issues: dict[str, Issue] = {}
    for index, project in enumerate(projects[:_MAX_PROJECTS]):
        for issue in _issues_of(seed, now, project, index):
            issues[issue.id] = issue
    return issues


def generate_releases(projects: Sequence[Project]) -> dict[str, Release]:
    """Releases by version: the ``latest_release`` of the first projects (by slug)."""
    releases: dict[str, Release] = {}
    for project in projects[:_MAX_PROJECTS]:
        version = project.latest_release
        if not version:
            continue
        release = releases.get(version)
        if release is None:
            created = (project.first_event or project.date_created) + 3600
            release = Release(
                version=version,
                id=len(releases) + 1,
                date_created=created,
                projects=[],
                date_released=created,
            )
            releases[version] = release
        release.projects.append(project)
    return releases
