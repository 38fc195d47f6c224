"""What hangs off an issue: its assignee, status details, and bulk-update answers."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["IssueAssignee", "IssueChanges", "IssueStatusDetails"]


@attrs.frozen(kw_only=True)
class IssueAssignee:
    """The actor an issue is assigned to: ``type`` is ``user`` or ``team``."""

    type: str | None = None
    #: The user id or team id (as a string).
    id: str | None = None
    name: str | None = None
    email: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class IssueStatusDetails:
    """Why an issue has its status: resolved in which release, ignored until when.

    Sentry sends ``{}`` for a plain status; every field is then None.
    """

    in_release: str | None = None
    in_next_release: bool | None = None
    in_commit: Mapping[str, Any] | None = None
    ignore_until: datetime | None = None
    ignore_count: int | None = None
    ignore_window: int | None = None
    ignore_user_count: int | None = None
    ignore_user_window: int | None = None
    actor: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class IssueChanges:
    """What a bulk update applied (Sentry answers the changed fields, not the issues)."""

    status: str | None = None
    substatus: str | None = None
    status_details: IssueStatusDetails | None = None
    assigned_to: IssueAssignee | None = None
    has_seen: bool | None = None
    is_bookmarked: bool | None = None
    is_subscribed: bool | None = None
    is_public: bool | None = None
    share_id: str | None = None
    priority: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
