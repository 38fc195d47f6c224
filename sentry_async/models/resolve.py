"""Short-id and event-id lookups, with lean issue (group) and event models."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .issues import IssueAssignee, IssueStatusDetails

__all__ = [
    "Event",
    "EventIdResolution",
    "EventTag",
    "Group",
    "GroupProject",
    "ShortIdResolution",
]


@attrs.frozen(kw_only=True)
class GroupProject:
    """The project an issue belongs to."""

    id: str
    slug: str
    name: str | None = None
    #: ``""`` is decoded as None, as for projects.
    platform: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Group:
    """An issue (Sentry calls it a group). Lean: the rest of the payload is in ``raw``."""

    id: str
    short_id: str | None = None
    title: str | None = None
    culprit: str | None = None
    permalink: str | None = None
    #: ``unresolved``, ``resolved``, ``ignored``... (plain ``str``).
    status: str | None = None
    substatus: str | None = None
    level: str | None = None
    #: Sentry sends this count as a string; it is decoded as an int.
    count: int | None = None
    user_count: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    #: ``""`` is decoded as None, as for projects.
    platform: str | None = None
    project: GroupProject | None = None
    #: Who the issue is assigned to (a user or a team); None when unassigned.
    assigned_to: IssueAssignee | None = None
    #: ``{"type", "value", "filename", "function", "title"...}``: what the issue is about.
    metadata: Mapping[str, Any] | None = None
    #: Details of the current status, e.g. ``{"inRelease": "1.2.0"}`` or an ignore window.
    status_details: IssueStatusDetails | None = None
    #: ``error``, ``performance``... (plain ``str``).
    issue_category: str | None = None
    issue_type: str | None = None
    priority: str | None = None
    num_comments: int | None = None
    has_seen: bool | None = None
    is_bookmarked: bool | None = None
    is_subscribed: bool | None = None
    is_public: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class EventTag:
    """One tag of an event."""

    key: str
    value: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Event:
    """An error event. Lean: entries, contexts, SDK data and the rest are in ``raw``."""

    #: Sentry's internal row id; ``event_id`` is the 32-hex id SDKs report.
    id: str | None = None
    event_id: str | None = None
    group_id: str | None = None
    project_id: str | None = None
    title: str | None = None
    message: str | None = None
    #: ``""`` is decoded as None, as for projects.
    platform: str | None = None
    type: str | None = None
    location: str | None = None
    date_created: datetime | None = None
    date_received: datetime | None = None
    tags: list[EventTag] | None = None
    culprit: str | None = None
    #: The user the SDK reported (``{"id", "email", "username", "ip_address"...}``), if any.
    user: Mapping[str, Any] | None = None
    #: ``{"browser": {...}, "os": {...}, "trace": {...}}`` as the SDK sent them.
    contexts: Mapping[str, Any] | None = None
    #: Stack traces, breadcrumbs, request... as ``{"type", "data"}`` objects; only in the
    #: event details and in lists asked for with ``full=True``.
    entries: list[Mapping[str, Any]] | None = None
    metadata: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ShortIdResolution:
    """What a short id such as ``WEB-1A`` points at."""

    organization_slug: str
    project_slug: str
    group_id: str
    short_id: str
    group: Group | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class EventIdResolution:
    """Where an event id lives: its organization, project, issue and the event itself."""

    organization_slug: str
    project_slug: str
    group_id: str
    event_id: str
    #: None when Sentry sent ``"event": {}`` or no event at all.
    event: Event | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
