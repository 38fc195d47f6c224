"""Gathering: the organization, its lists, then a fan-out over projects. Public API only.

Order of work:

1. ``organizations.get`` first, alone: a bad token or an unknown org fails here, before any
   other request is made.
2. The organization-wide lists at once (members, projects, client keys, repositories, Sentry
   App installations, relay usage), each a paginated route of its own. Client keys come
   from the organization's ``project-keys`` list in one paginated walk (~100 keys a page)
   and are grouped by ``project_id``: that is a handful of requests where asking per
   project would cost one request per project on a third per-project route.
3. ``fan_out`` over the projects with ``concurrency`` workers; each project needs its stats
   over the period and its service hooks, fetched side by side. Pacing against Sentry's
   rate limits is the client's job: every request passes its shared gate.

Everything lands in :class:`AuditData` as it arrives, so an interrupted audit still has
what was gathered so far. Every section and every per-project check records a
:class:`Check`: read, not available (403/404: a missing scope, a feature or plan that does
not have it; with the scope that would unlock it) or failed (a 5xx that outlasted the
retries, an answer that could not be read). Only errors that affect everything stop the
audit: :class:`Unauthorized`, :class:`TransportError`, and the organization itself not
being readable.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from sentry_async import (
    APIError,
    Forbidden,
    NotFound,
    SentryClient,
    SentryError,
    TransportError,
    Unauthorized,
    fan_out,
    gather_bounded,
)
from sentry_async.models import (
    ClientKey,
    Member,
    Organization,
    Project,
    RelayUsage,
    Repository,
    SentryAppInstallation,
    ServiceHook,
)

from ._model import (
    CHECKED,
    FAILED,
    NOT_AVAILABLE,
    PROJECT_CHECKS,
    SCOPES,
    AuditData,
    Check,
    HookInfo,
    InstallationInfo,
    KeyInfo,
    MemberInfo,
    OrgInfo,
    ProjectInfo,
    RelayInfo,
    RepoInfo,
)
from ._progress import Progress

__all__ = ["Collector", "check_for", "is_fatal"]

_PERIOD_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def is_fatal(error: BaseException) -> bool:
    """Errors that make the rest of the audit pointless: bad token, no network."""
    return isinstance(error, (Unauthorized, TransportError)) or not isinstance(error, SentryError)


def _describe(error: SentryError) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {type(error).__name__}: {error.detail}"
    return f"{type(error).__name__}: {error}"


def _feature_off(error: APIError) -> bool:
    body = error.body
    return isinstance(body, dict) and body.get("error_type") == "unavailable_feature"


def check_for(section: str, error: SentryError) -> Check:
    """What an error reading ``section`` means for the report (fatal errors excluded)."""
    if isinstance(error, Forbidden):
        if _feature_off(error):
            return Check(NOT_AVAILABLE, f"feature not enabled ({_describe(error)})")
        return Check(NOT_AVAILABLE, _describe(error), SCOPES.get(section))
    if isinstance(error, NotFound):
        return Check(NOT_AVAILABLE, f"this Sentry or plan does not offer it ({_describe(error)})")
    return Check(FAILED, _describe(error))


# --------------------------------------------------------------------------- model → record


def org_info(org: Organization) -> OrgInfo:
    require = org.raw.get("require2FA")
    provider = org.raw.get("hasAuthProvider")
    return OrgInfo(
        slug=org.slug,
        name=org.name or org.slug,
        id=org.id,
        require_2fa=require if isinstance(require, bool) else None,
        has_auth_provider=provider if isinstance(provider, bool) else None,
    )


def member_info(member: Member) -> MemberInfo:
    user = member.user
    # Read from the raw user: a user object that failed to decode still says has2fa.
    raw_user = member.raw.get("user")
    has_2fa = None
    if isinstance(raw_user, dict) and isinstance(raw_user.get("has2fa"), bool):
        has_2fa = raw_user["has2fa"]
    sso = (member.flags or {}).get("sso:linked")
    return MemberInfo(
        id=member.id,
        email=member.email or "",
        name=member.name,
        role=member.role or "",
        pending=member.pending if member.pending is not None else raw_user is None,
        invite_status=member.invite_status,
        date_created=member.date_created,
        has_2fa=has_2fa,
        sso_linked=sso if isinstance(sso, bool) else None,
        last_active=user.last_active if user is not None else None,
    )


def key_info(key: ClientKey) -> KeyInfo:
    limit = key.rate_limit
    return KeyInfo(
        id=key.id,
        label=key.label or key.name or "",
        is_active=key.is_active is not False,  # Sentry always sends it; unknown = active
        rate_limit_count=limit.count if limit is not None else None,
        rate_limit_window=limit.window if limit is not None else None,
    )


def hook_info(hook: ServiceHook) -> HookInfo:
    return HookInfo(
        id=hook.id, url=hook.url or "", status=hook.status, events=tuple(hook.events or ())
    )


def project_info(project: Project, keys: tuple[KeyInfo, ...] | None) -> ProjectInfo:
    return ProjectInfo(
        id=project.id,
        slug=project.slug,
        name=project.name or project.slug,
        platform=project.platform,
        team=project.team.slug if project.team is not None else None,
        date_created=project.date_created,
        first_event=project.first_event,
        keys=keys,
    )


def repo_info(repo: Repository) -> RepoInfo:
    provider = (repo.provider.name or repo.provider.id) if repo.provider is not None else None
    return RepoInfo(
        id=repo.id, name=repo.name or repo.id, provider=provider, status=repo.status, url=repo.url
    )


def installation_info(inst: SentryAppInstallation) -> InstallationInfo:
    app = inst.app.slug if inst.app is not None else None
    return InstallationInfo(uuid=inst.uuid, app=app or "", status=inst.status or "")


def relay_info(relay: RelayUsage) -> RelayInfo:
    return RelayInfo(
        relay_id=relay.relay_id,
        version=relay.version,
        first_seen=relay.first_seen,
        last_seen=relay.last_seen,
    )


def period_seconds(period: str) -> int:
    """``14d`` → seconds; also ``12h``, ``2w``, ``90m``. Raises ValueError otherwise."""
    text = period.strip().lower()
    if len(text) < 2 or text[-1] not in _PERIOD_UNITS or not text[:-1].isdigit():
        raise ValueError(f"not a period like 14d, 24h or 2w: {period!r}")
    seconds = int(text[:-1]) * _PERIOD_UNITS[text[-1]]
    if seconds <= 0:
        raise ValueError(f"the period must be longer than zero: {period!r}")
    return seconds


# --------------------------------------------------------------------------- the collector


class Collector:
    """Runs the gathering; :attr:`data` holds whatever has been gathered so far."""

    def __init__(
        self,
        client: SentryClient,
        org: str,
        *,
        stats_period: str,
        concurrency: int,
        progress: Progress,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.org = org
        self.concurrency = concurrency
        self.progress = progress
        self.data = AuditData(org_slug=org, stats_period=stats_period)
        self._period = period_seconds(stats_period)
        self._now = now
        self._keys: dict[str, list[KeyInfo]] = defaultdict(list)
        self._projects: list[Project] = []
        self._until = 0.0

    async def run(self) -> AuditData:
        client, org, data = self.client, self.org, self.data
        self.progress.status(f"reading organization {org!r}")
        organization = await client.organizations.get(org)
        data.org = org_info(organization)
        data.sections["organization"] = Check(CHECKED)
        self.org = organization.slug
        self.progress.status(
            "listing members, projects, client keys, repositories, installations and relays"
        )
        steps: list[Callable[[], Awaitable[None]]] = [
            self._list_members,
            self._list_projects,
            self._list_keys,
            self._list_repos,
            self._list_installations,
            self._list_relays,
        ]
        await gather_bounded(_call, steps, concurrency=len(steps))
        if data.sections["projects"].read:
            data.projects = [
                project_info(p, self._keys_of(p) if data.keys_listed else None)
                for p in self._projects
            ]
        self.progress.status(self._found())
        await self._audit_projects()
        return data

    def _found(self) -> str:
        data = self.data
        projects = (
            "projects not readable" if data.projects is None else (f"{len(data.projects)} projects")
        )
        if data.members is None:
            return f"found {projects}; members not readable"
        pending = sum(1 for m in data.members if m.pending)
        return (
            f"found {projects} and {len(data.members) - pending} members "
            f"(+ {pending} pending invitations, counted apart)"
        )

    # -- organization-wide lists ------------------------------------------------------------

    async def _list_members(self) -> None:
        members = await self._optional("members", self.client.members.list(self.org).collect)
        if members is not None:
            self.data.members = [member_info(m) for m in members]

    async def _list_projects(self) -> None:
        projects = await self._optional("projects", self.client.projects.list(self.org).collect)
        if projects is not None:
            self._projects = projects

    async def _list_keys(self) -> None:
        keys = await self._optional(
            "client_keys", self.client.organizations.list_client_keys(self.org).collect
        )
        if keys is None:
            return
        for key in keys:
            self._keys[str(key.project_id)].append(key_info(key))
        self.data.keys_listed = True

    async def _list_repos(self) -> None:
        repos = await self._optional(
            "repositories", self.client.organizations.list_repos(self.org).collect
        )
        if repos is not None:
            self.data.repos = [repo_info(r) for r in repos]

    async def _list_installations(self) -> None:
        found = await self._optional(
            "installations", self.client.integrations.list_installations(self.org).collect
        )
        if found is not None:
            self.data.installations = [installation_info(i) for i in found]

    async def _list_relays(self) -> None:
        relays = await self._optional(
            "relays", self.client.organizations.list_relay_usage(self.org).collect
        )
        if relays is not None:
            self.data.relays = [relay_info(r) for r in relays]

    async def _optional(self, what: str, fetch: Callable[[], Awaitable[list[Any]]]) -> Any:
        """Read one section; a refusal (403/404) or a failure is recorded, not raised."""
        try:
            found = await fetch()
        except SentryError as exc:
            if is_fatal(exc):
                raise
            check = check_for(what, exc)
            self.data.sections[what] = check
            if check.state == NOT_AVAILABLE:
                self.data.unavailable[what] = check.why or ""
            else:
                self.data.errors.append(f"{what}: {check.why}")
            return None
        self.data.sections[what] = Check(CHECKED)
        return found

    def _keys_of(self, project: Project) -> tuple[KeyInfo, ...]:
        return tuple(self._keys.get(project.id, ()))

    # -- per project ------------------------------------------------------------------------

    async def _audit_projects(self) -> None:
        if self.data.projects is None:
            return
        projects = self.data.projects
        by_id = {p.id: n for n, p in enumerate(projects)}
        self._until = self._now()
        self.progress.start("projects", len(projects))
        try:
            async with fan_out(
                self._audit_project, projects, concurrency=self.concurrency
            ) as results:
                async for project, audited in results:
                    projects[by_id[project.id]] = audited
                    self.progress.advance()
        finally:
            self.progress.stop()

    async def _audit_project(self, project: ProjectInfo) -> ProjectInfo:
        errors: list[str] = []
        checks: dict[str, Check] = {}

        def note(check: str, exc: SentryError) -> None:
            if is_fatal(exc):
                raise exc
            checks[check] = found = check_for(check, exc)
            if found.state != NOT_AVAILABLE:
                errors.append(f"{check.replace('_', ' ')}: {found.why}")

        async def events() -> tuple[int, ...] | None:
            resolution = "1d" if self._period >= 2 * 86400 else "1h"
            self.data.series_resolution = resolution
            try:
                points = await self.client.projects.stats(
                    self.org,
                    project.slug,
                    stat="received",
                    since=self._until - self._period,
                    until=self._until,
                    resolution=resolution,
                )
            except SentryError as exc:
                note("event_stats", exc)
                return None
            checks["event_stats"] = Check(CHECKED)
            # A bucket Sentry sent no count for (StatPoint.count None) counts as none seen.
            return tuple(point.count or 0 for point in points)

        async def hooks() -> tuple[HookInfo, ...] | None:
            try:
                found = await self.client.projects.list_hooks(self.org, project.slug).collect()
            except SentryError as exc:
                note("service_hooks", exc)
                return None
            checks["service_hooks"] = Check(CHECKED)
            return tuple(hook_info(h) for h in found)

        series, hooked = await gather_bounded(_call, [events, hooks], concurrency=2)
        return ProjectInfo(
            id=project.id,
            slug=project.slug,
            name=project.name or project.slug,
            platform=project.platform,
            team=project.team,
            date_created=project.date_created,
            first_event=project.first_event,
            audited=True,
            events_in_period=sum(series) if series is not None else None,
            keys=project.keys,
            hooks=hooked,
            errors=tuple(errors),
            checks={name: checks[name] for name in PROJECT_CHECKS if name in checks},
            event_series=series,
        )


async def _call(step: Callable[[], Awaitable[Any]]) -> Any:
    return await step()
