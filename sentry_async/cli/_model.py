"""What the audit gathers: the library's own models, plus what has no model (no I/O).

The collector stores the models it reads (:class:`Organization`, :class:`Member`,
:class:`ClientKey`...) as they are; the findings rules and the renderers read them, so both
are testable with hand-built models (only identity fields are required). This module adds
only what the library has no model for: per-section :class:`Check` states, the per-project
facts of :class:`ProjectAudit`, the :class:`AuditData` container, and a few lenient
readings of model fields. Secrets (client key secrets and DSNs, hook secrets, invite
links) stay in memory only: the report picks the fields it shows, never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sentry_async.models import (
    ClientKey,
    ClientKeyRateLimit,
    Member,
    Organization,
    Project,
    RelayUsage,
    Repository,
    SentryAppInstallation,
    ServiceHook,
    Team,
)

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
    "ProjectAudit",
    "installation_app",
    "key_active",
    "key_label",
    "key_rate_limit",
    "member_has_2fa",
    "member_pending",
    "member_sso_linked",
    "project_teams",
    "repo_provider",
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
    "teams",
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
    "teams": "org:read",
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

    ``scope`` names the token scope that would unlock a section Sentry refused (403), when
    a missing scope is the plausible cause. ``unreadable`` counts the items of a section
    that was read but whose answer held items that could not be decoded (left out).
    """

    state: str
    why: str | None = None
    scope: str | None = None
    unreadable: int = 0

    @property
    def read(self) -> bool:
        return self.state == CHECKED


@dataclass(frozen=True)
class ProjectAudit:
    """One project (the library's :class:`Project`) and what the audit learned about it.

    ``audited`` is False when the per-project calls did not run (an interrupted audit);
    then ``event_series`` and ``hooks`` are None. ``hooks`` is also None when the project
    cannot list hooks (no ``servicehooks`` feature: 403/404). ``keys`` is None when the
    organization's client keys could not be listed. ``checks`` records, per check
    (``event_stats``, ``service_hooks``), whether it was read and why not.
    ``event_series`` holds the received events per stats bucket, oldest first. Keys and
    hooks keep their secrets in memory (the library's models); the report never shows them.
    """

    project: Project
    audited: bool = False
    keys: tuple[ClientKey, ...] | None = None
    hooks: tuple[ServiceHook, ...] | None = None
    event_series: tuple[int, ...] | None = None
    checks: dict[str, Check] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.project.slug

    @property
    def events_in_period(self) -> int | None:
        """Events received over the stats period; None when the stats were not read."""
        return sum(self.event_series) if self.event_series is not None else None


# --------------------------------------------------------------------------- readings
# What the audit reads off a library model where the model alone does not say it plainly.


def member_pending(member: Member) -> bool:
    """A pending invitation; when Sentry leaves ``pending`` out, one without a user."""
    if member.pending is not None:
        return member.pending
    return member.user is None and member.raw.get("user") is None


def member_has_2fa(member: Member) -> bool | None:
    """The member's 2FA, None when Sentry did not say. Read from the raw user when the user
    object did not decode (it still says ``has2fa``)."""
    if member.user is not None:
        return member.user.has2fa
    raw_user = member.raw.get("user")
    if isinstance(raw_user, dict) and isinstance(raw_user.get("has2fa"), bool):
        return bool(raw_user["has2fa"])
    return None


def member_sso_linked(member: Member) -> bool | None:
    linked = (member.flags or {}).get("sso:linked")
    return linked if isinstance(linked, bool) else None


def key_label(key: ClientKey) -> str:
    return key.label or key.name or ""


def key_active(key: ClientKey) -> bool:
    """Sentry always sends ``isActive``; unknown counts as active (the riskier reading)."""
    return key.is_active is not False


def key_rate_limit(key: ClientKey) -> ClientKeyRateLimit | None:
    """The key's rate limit; None when it has none (or no count)."""
    limit = key.rate_limit
    return limit if limit is not None and limit.count is not None else None


def project_teams(project: Project) -> tuple[str, ...] | None:
    """Slugs of the teams with access; None when the answer did not say."""
    if project.teams is not None:
        return tuple(t.slug for t in project.teams)
    if project.team is not None:
        return (project.team.slug,)
    if "team" in project.raw:  # Sentry said: no team
        return ()
    return None


def repo_provider(repo: Repository) -> str | None:
    provider = repo.provider
    return (provider.name or provider.id) if provider is not None else None


def installation_app(inst: SentryAppInstallation) -> str:
    return (inst.app.slug if inst.app is not None else None) or ""


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
    org: Organization | None = None
    members: list[Member] | None = None
    projects: list[ProjectAudit] | None = None
    repos: list[Repository] | None = None
    installations: list[SentryAppInstallation] | None = None
    relays: list[RelayUsage] | None = None
    teams: list[Team] | None = None
    #: The API host the organization is served from (its region), when known.
    region: str | None = None
    keys_listed: bool = False
    sections: dict[str, Check] = field(default_factory=dict)
    series_resolution: str | None = None
    unavailable: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
