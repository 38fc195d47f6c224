"""Plain mutable records the fake org is made of (timestamps are epoch seconds).

They hold only what the fake needs to answer; the JSON shapes are built in ``_serialize``.
Slotted, because a generated org may hold 100,000 projects.
"""

from __future__ import annotations

import attrs

__all__ = [
    "ClientKey",
    "ExternalIssue",
    "Installation",
    "Member",
    "Project",
    "Relay",
    "Repo",
    "ServiceHook",
    "Team",
]


@attrs.define(slots=True, eq=False)
class Team:
    """A team; projects hang off one team (or none)."""

    id: str
    slug: str
    name: str
    date_created: float


@attrs.define(slots=True, eq=False)
class ClientKey:
    """A client key (DSN). ``rate_limit`` is ``(window_seconds, count)`` or None."""

    id: str
    label: str
    secret: str
    project_id: int
    is_active: bool
    rate_limit: tuple[int, int] | None
    date_created: float


@attrs.define(slots=True, eq=False)
class ServiceHook:
    """A project service hook; ``status`` is ``"active"`` or ``"disabled"``."""

    id: str
    url: str
    secret: str
    status: str
    events: list[str]
    date_created: float


@attrs.define(slots=True, eq=False)
class Project:
    """A project. Events flow between ``first_event`` and ``last_event`` (None: still flowing).

    ``first_event`` None means the project never received an event. ``keys`` and ``hooks``
    are None until first read through ``FakeOrg.keys_of`` / ``hooks_of`` (generated orgs
    fill them lazily, so 100,000 projects stay cheap).
    """

    id: int
    slug: str
    name: str
    platform: str | None
    team: Team | None
    date_created: float
    first_event: float | None = None
    last_event: float | None = None
    hourly_events: int = 0
    is_bookmarked: bool = False
    latest_release: str | None = None
    keys: list[ClientKey] | None = None
    hooks: list[ServiceHook] | None = None


@attrs.define(slots=True, eq=False)
class Member:
    """An org member; ``user_id`` None means a pending invite (the API sends ``user: null``)."""

    id: str
    email: str
    name: str
    role: str
    date_created: float
    user_id: str | None = None
    username: str | None = None
    invite_status: str = "approved"
    has_2fa: bool = False
    sso_linked: bool = False
    idp_provisioned: bool = False
    last_active: float | None = None
    teams: list[str] = attrs.Factory(list)
    #: Team slug -> team role (``contributor``/``admin``) where one was set; others: None.
    team_roles: dict[str, str] = attrs.Factory(dict)

    @property
    def pending(self) -> bool:
        return self.user_id is None


@attrs.define(slots=True, eq=False)
class Repo:
    """A repository; its commits are synthesised on demand (``commit_count`` of them)."""

    id: str
    name: str
    provider: str
    url: str | None
    status: str
    date_created: float
    integration_id: str | None
    commit_count: int = 0


@attrs.define(slots=True, eq=False)
class Relay:
    """A trusted relay seen by the org."""

    relay_id: str
    version: str
    public_key: str
    first_seen: float
    last_seen: float


@attrs.define(slots=True, eq=False)
class ExternalIssue:
    """An issue in an external tool linked through a Sentry App installation."""

    id: str
    issue_id: str
    service_type: str
    display_name: str
    web_url: str


@attrs.define(slots=True, eq=False)
class Installation:
    """A Sentry App installed in the org, with the external issues it created."""

    uuid: str
    app_uuid: str
    app_slug: str
    app_id: int
    status: str
    external_issues: list[ExternalIssue] = attrs.Factory(list)
