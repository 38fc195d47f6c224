"""What the audit gathers, as small plain records (no I/O, no library models).

The collector turns API models into these; the findings rules and the renderers read only
these, so both are testable with hand-built values. Nothing secret is kept: client key
secrets, DSNs and hook secrets never enter a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "CHECKED",
    "FAILED",
    "NOT_AVAILABLE",
    "NOT_RUN",
    "ORG_SECTIONS",
    "PROJECT_CHECKS",
    "SCOPES",
    "AuditData",
    "Check",
    "HookInfo",
    "InstallationInfo",
    "KeyInfo",
    "MemberInfo",
    "OrgInfo",
    "ProjectInfo",
    "RelayInfo",
    "RepoInfo",
]


#: States of a :class:`Check`.
CHECKED = "checked"
NOT_AVAILABLE = "not_available"  # the token's scopes or the plan do not allow it (403/404)
FAILED = "failed"  # an error outlasted the retries (5xx, bad answer)
NOT_RUN = "not_run"  # the audit was interrupted before it got there


#: The organization-wide sections, in report order.
ORG_SECTIONS = (
    "organization",
    "members",
    "projects",
    "client_keys",
    "repositories",
    "installations",
    "relays",
)
#: The checks made for every project.
PROJECT_CHECKS = ("event_stats", "service_hooks")
#: The token scope each section needs (Sentry answers 403 without it).
SCOPES = {
    "organization": "org:read",
    "members": "member:read",
    "projects": "project:read",
    "client_keys": "project:read",
    "repositories": "org:read",
    "installations": "org:read",
    "relays": "org:read",
    "event_stats": "project:read",
    "service_hooks": "project:read",
}


@dataclass(frozen=True)
class Check:
    """Whether one section (or one project's check) was read, and if not, why.

    ``scope`` names the token scope that would unlock a section Sentry refused (403).
    """

    state: str
    why: str | None = None
    scope: str | None = None

    @property
    def read(self) -> bool:
        return self.state == CHECKED


@dataclass(frozen=True)
class OrgInfo:
    """The organization audited."""

    slug: str
    name: str
    id: str
    #: None when the answer did not say (then no 2FA finding is made at org level).
    require_2fa: bool | None = None
    has_auth_provider: bool | None = None


@dataclass(frozen=True)
class KeyInfo:
    """A client key (DSN), without its secret."""

    id: str
    label: str
    is_active: bool
    #: Events allowed per ``rate_limit_window`` seconds; None: no rate limit.
    rate_limit_count: int | None = None
    rate_limit_window: int | None = None


@dataclass(frozen=True)
class HookInfo:
    """A project service hook, without its secret."""

    id: str
    url: str
    status: str | None
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectInfo:
    """One project and what was learned about it.

    ``audited`` is False when the per-project calls did not run (an interrupted audit);
    then ``events_in_period`` and ``hooks`` are None. ``hooks`` is also None when the
    project cannot list hooks (no ``servicehooks`` feature: 403/404). ``keys`` is None when
    the organization's client keys could not be listed. ``checks`` records, per check
    (``event_stats``, ``service_hooks``), whether it was read and why not.
    ``event_series`` holds the received events per stats bucket, oldest first.
    """

    id: str
    slug: str
    name: str
    platform: str | None
    team: str | None
    date_created: datetime | None
    first_event: datetime | None
    audited: bool = False
    events_in_period: int | None = None
    keys: tuple[KeyInfo, ...] | None = None
    hooks: tuple[HookInfo, ...] | None = None
    errors: tuple[str, ...] = ()
    checks: dict[str, Check] = field(default_factory=dict)
    event_series: tuple[int, ...] | None = None


@dataclass(frozen=True)
class MemberInfo:
    """A member or pending invitation.

    ``has_2fa`` and ``sso_linked`` are None when Sentry did not say (pending invites have
    no account; some tokens see less).
    """

    id: str
    email: str
    name: str | None
    role: str
    pending: bool
    invite_status: str | None
    date_created: datetime | None
    has_2fa: bool | None = None
    sso_linked: bool | None = None
    last_active: datetime | None = None


@dataclass(frozen=True)
class RepoInfo:
    id: str
    name: str
    provider: str | None
    status: str | None
    url: str | None = None


@dataclass(frozen=True)
class InstallationInfo:
    uuid: str
    app: str
    status: str


@dataclass(frozen=True)
class RelayInfo:
    relay_id: str
    version: str | None
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass
class AuditData:
    """Everything gathered so far; filled in as the audit goes, so it can be partial.

    ``None`` for a list means "not gathered" (interrupted, or not available to the token);
    ``sections`` records for every organization-wide section whether it was read, and why
    not; ``unavailable`` repeats the why of the sections Sentry refused (kept for the json
    report's readers). ``series_resolution`` is the stats bucket size (``1d`` or ``1h``).
    """

    org_slug: str
    stats_period: str
    org: OrgInfo | None = None
    members: list[MemberInfo] | None = None
    projects: list[ProjectInfo] | None = None
    repos: list[RepoInfo] | None = None
    installations: list[InstallationInfo] | None = None
    relays: list[RelayInfo] | None = None
    keys_listed: bool = False
    sections: dict[str, Check] = field(default_factory=dict)
    series_resolution: str | None = None
    unavailable: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
