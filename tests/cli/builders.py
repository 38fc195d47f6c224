"""Hand-built library models for the audit's rule and report tests (no decoding, no I/O).

The audit holds the library's own models; these build them from the few facts a test
cares about, the way Sentry would have sent them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sentry_async.cli._model import Check, ProjectAudit
from sentry_async.models import (
    ClientKey,
    ClientKeyDsn,
    ClientKeyRateLimit,
    Member,
    MemberUser,
    Organization,
    Project,
    ProjectTeam,
    RelayUsage,
    Repository,
    RepositoryProvider,
    SentryAppInstallation,
    SentryAppInstallationApp,
    ServiceHook,
    Team,
)


def org(
    slug: str = "acme",
    name: str | None = "Acme",
    id: str = "1",
    *,
    require_2fa: bool | None = None,
    has_auth_provider: bool | None = None,
) -> Organization:
    return Organization(
        id=id,
        slug=slug,
        name=name,
        require_2fa=require_2fa,
        has_auth_provider=has_auth_provider,
    )


def member(
    id: str,
    email: str | None,
    *,
    name: str | None = None,
    role: str | None = "member",
    pending: bool = False,
    invite_status: str | None = None,
    date_created: datetime | None = None,
    has_2fa: bool | None = None,
    sso_linked: bool | None = None,
    last_active: datetime | None = None,
    invite_link: str | None = None,
) -> Member:
    """A joined member (with a user account) or, ``pending``, an invitation (none)."""
    user = None
    if not pending:
        user = MemberUser(id=f"u{id}", email=email, has2fa=has_2fa, last_active=last_active)
    return Member(
        id=id,
        email=email,
        name=name,
        role=role,
        pending=pending,
        invite_status=invite_status,
        date_created=date_created,
        user=user,
        flags=None if sso_linked is None else {"sso:linked": sso_linked},
        invite_link=invite_link,
    )


def key(
    id: str,
    label: str | None,
    active: bool | None = True,
    count: int | None = None,
    window: int | None = None,
    *,
    secret: str | None = None,
) -> ClientKey:
    """A client key; ``count`` None means no rate limit. ``secret`` also goes in its DSN."""
    limit = None if count is None else ClientKeyRateLimit(count=count, window=window)
    dsn = None
    if secret is not None:
        dsn = ClientKeyDsn(secret=f"https://{id}:{secret}@o1.ingest.example/1")
    return ClientKey(
        id=id,
        label=label,
        is_active=active,
        rate_limit=limit,
        secret=secret,
        dsn=dsn,
        raw={"secret": secret} if secret is not None else {},
    )


def hook(
    id: str,
    url: str | None,
    status: str | None = "active",
    events: Sequence[str] | None = None,
    *,
    secret: str | None = None,
) -> ServiceHook:
    return ServiceHook(
        id=id,
        url=url,
        status=status,
        events=list(events) if events is not None else None,
        secret=secret,
        raw={"secret": secret} if secret is not None else {},
    )


def project(
    slug: str = "web",
    *,
    id: str = "1",
    name: str | None = None,
    platform: str | None = None,
    team: str | None = None,
    teams: Sequence[str] | None = None,
    date_created: datetime | None = None,
    first_event: datetime | None = None,
    audited: bool = False,
    events_in_period: int | None = None,
    event_series: Sequence[int] | None = None,
    keys: Sequence[ClientKey] | None = None,
    hooks: Sequence[ServiceHook] | None = None,
    checks: dict[str, Check] | None = None,
    errors: Sequence[str] = (),
) -> ProjectAudit:
    """A project and what the audit learned about it. ``events_in_period`` without a
    series stands for a one-bucket series of that many events."""
    if event_series is None and events_in_period is not None:
        event_series = (events_in_period,)
    listed = None if teams is None else [ProjectTeam(id=t, slug=t) for t in teams]
    return ProjectAudit(
        Project(
            id=id,
            slug=slug,
            name=name if name is not None else slug.title(),
            platform=platform,
            team=ProjectTeam(id=team, slug=team) if team is not None else None,
            teams=listed,
            date_created=date_created,
            first_event=first_event,
        ),
        audited=audited,
        keys=tuple(keys) if keys is not None else None,
        hooks=tuple(hooks) if hooks is not None else None,
        event_series=tuple(event_series) if event_series is not None else None,
        checks=dict(checks or {}),
        errors=tuple(errors),
    )


def team(id: str, slug: str, name: str | None, member_count: int | None) -> Team:
    return Team(id=id, slug=slug, name=name, member_count=member_count)


def repo(
    id: str, name: str | None, provider: str | None, status: str | None, url: str | None = None
) -> Repository:
    known = None if provider is None else RepositoryProvider(id=provider.lower(), name=provider)
    return Repository(id=id, name=name, provider=known, status=status, url=url)


def installation(uuid: str, app: str | None, status: str | None) -> SentryAppInstallation:
    made = None if app is None else SentryAppInstallationApp(uuid=f"app-{uuid}", slug=app)
    return SentryAppInstallation(uuid=uuid, app=made, status=status)


def relay(
    relay_id: str, version: str | None, first_seen: datetime | None, last_seen: datetime | None
) -> RelayUsage:
    return RelayUsage(
        relay_id=relay_id, version=version, first_seen=first_seen, last_seen=last_seen
    )
