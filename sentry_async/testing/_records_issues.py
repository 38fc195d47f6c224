"""Records for issues, their events, releases and deploys (timestamps are epoch seconds)."""

from __future__ import annotations

from typing import Any

import attrs

from ._records import Project

__all__ = ["Deploy", "Issue", "IssueEvent", "Release"]


@attrs.define(slots=True, eq=False)
class IssueEvent:
    """One error event of an issue."""

    id: str  # 32 hex digits, as SDKs report it
    date: float
    environment: str
    release: str | None
    message: str
    user_id: str
    tags: dict[str, str] = attrs.Factory(dict)


@attrs.define(slots=True, eq=False)
class Issue:
    """An issue (group). ``assigned_to`` is an actor string: ``user:<id>`` or ``team:<id>``."""

    id: str
    project: Project
    short_id: str
    title: str
    culprit: str
    level: str
    error_type: str
    first_seen: float
    last_seen: float
    status: str = "unresolved"
    substatus: str | None = "ongoing"
    status_details: dict[str, Any] = attrs.Factory(dict)
    assigned_to: str | None = None
    has_seen: bool = False
    is_bookmarked: bool = False
    is_subscribed: bool = False
    is_public: bool = False
    count: int = 0
    user_count: int = 0
    events: list[IssueEvent] = attrs.Factory(list)  # newest first


@attrs.define(slots=True, eq=False)
class Deploy:
    """A deploy of a release to an environment."""

    id: str
    environment: str
    name: str | None
    url: str | None
    date_started: float | None
    date_finished: float


@attrs.define(slots=True, eq=False)
class Release:
    """A release of some projects; ``commits`` are the objects given when it was made."""

    version: str
    id: int
    date_created: float
    projects: list[Project]
    ref: str | None = None
    url: str | None = None
    date_released: float | None = None
    commits: list[dict[str, Any]] = attrs.Factory(list)
    deploys: list[Deploy] = attrs.Factory(list)  # oldest first
