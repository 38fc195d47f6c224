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
from dataclasses import replace
from typing import Any

import attrs

from sentry_async import (
    APIError,
    Forbidden,
    NotFound,
    SentryClient,
    SentryError,
    TransportError,
    Unauthorized,
    UndecodableItemsError,
    fan_out,
    gather_bounded,
)
from sentry_async.models import ClientKey, Organization, Project, ServiceHook
from sentry_async.pagination import Paginator

from ._model import (
    CHECKED,
    FAILED,
    NOT_AVAILABLE,
    PROJECT_CHECKS,
    SCOPES,
    AuditData,
    Check,
    ProjectAudit,
    member_pending,
)
from ._progress import Progress

__all__ = ["Collector", "Listed", "check_for", "collect_all", "is_fatal"]

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
    """What an error reading ``section`` means for the report (fatal errors excluded).

    A 403 names the scope that would unlock the section; the collector drops that advice
    afterwards when the token demonstrably has the scope (:meth:`Collector.finish`).
    """
    if isinstance(error, Forbidden):
        if _feature_off(error):
            return Check(NOT_AVAILABLE, f"feature not enabled ({_describe(error)})")
        return Check(
            NOT_AVAILABLE, f"forbidden by Sentry ({_describe(error)})", SCOPES.get(section)
        )
    if isinstance(error, NotFound):
        return Check(
            NOT_AVAILABLE,
            f"not available on this Sentry: a feature that is off, or an older version "
            f"({_describe(error)})",
        )
    return Check(FAILED, _describe(error))


class Listed(list[Any]):
    """The items of a list read to the end; ``unreadable`` counts items left out because
    they could not be decoded."""

    unreadable: int = 0


#: Why Sentry refuses a section to a token that has its scope (Sentry's own endpoint checks).
_REFUSAL_CAUSES = {
    "service_hooks": "the organization lacks the servicehooks feature, or the token's user "
    "may not see this project",
    "event_stats": "the token's user may not see this project (team access)",
}


#: Pages re-entered after undecodable items before giving up (a server looping cursors).
_MAX_RESUMES = 10_000


async def collect_all(make: Callable[[str | None], Paginator[Any]]) -> Listed:
    """Every decodable item of a paginated list, going past pages with undecodable items.

    ``make(cursor)`` starts the list at ``cursor``. The library delivers a page's good
    items before raising :class:`UndecodableItemsError`; they are kept, the bad ones counted.
    """
    out = Listed()
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_RESUMES):
        try:
            out.extend(await make(cursor).collect())
            return out
        except UndecodableItemsError as exc:
            out.extend(exc.collected)
            out.unreadable += len(exc.reasons) or 1
            cursor = exc.next_cursor
            if cursor is None or cursor in seen:
                return out
            seen.add(cursor)
    return out


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
        self._keys: dict[str, list[ClientKey]] = defaultdict(list)
        self._projects: list[Project] = []
        self._until = 0.0

    async def run(self) -> AuditData:
        client, org, data = self.client, self.org, self.data
        self.progress.status(f"reading organization {org!r}")
        organization = await self.probe(client.organizations.get(org))
        data.org = organization
        data.sections["organization"] = Check(CHECKED)
        data.region = await self._region()
        # Requests keep using the caller's slug: a slug from the answer is never put in a
        # path (a hostile or broken server could send anything there).
        self.progress.status(
            "listing members, projects, teams, client keys, repositories, installations and relays"
        )
        steps: list[Callable[[], Awaitable[None]]] = [
            self._list_members,
            self._list_projects,
            self._list_teams,
            self._list_keys,
            self._list_repos,
            self._list_installations,
            self._list_relays,
        ]
        await gather_bounded(_call, steps, concurrency=len(steps))
        if data.sections["projects"].read:
            data.projects = [
                ProjectAudit(p, keys=self._keys_of(p) if data.keys_listed else None)
                for p in self._projects
            ]
        self.progress.status(self._found())
        await self._audit_projects()
        self.finish()
        return data

    async def probe(self, call: Awaitable[Organization]) -> Organization:
        """The first request; :class:`_app` wraps it in an overall deadline."""
        return await call

    async def _region(self) -> str | None:
        """The API host serving the organization (its region), for the report header;
        None when it cannot be told (the header then leaves the field out)."""
        try:
            region = await self.client.region_for(self.org)
        except SentryError as exc:
            if is_fatal(exc):
                raise
            return None
        return f"{region.url} ({region.name})" if region.name else region.url

    def finish(self) -> None:
        """Drop scope advice where the token demonstrably has the scope: then a 403 is the
        endpoint's own refusal (a feature, plan or permission), not a missing scope."""
        data = self.data
        held = {SCOPES[name] for name, check in data.sections.items() if check.read}
        held |= {
            SCOPES[name]
            for p in data.projects or ()
            for name, check in p.checks.items()
            if check.read
        }

        def fixed(name: str, check: Check) -> Check:
            if check.scope is None or check.scope not in held:
                return check
            why = (check.why or "").replace("forbidden by Sentry (", "", 1).rstrip(")")
            cause = _REFUSAL_CAUSES.get(name, "a feature, plan or permission of this endpoint")
            return Check(
                check.state,
                f"forbidden by Sentry although the token has {check.scope} ({why}): {cause}",
                None,
                check.unreadable,
            )

        for name, check in list(data.sections.items()):
            data.sections[name] = fixed(name, check)
            if name in data.unavailable:
                data.unavailable[name] = data.sections[name].why or ""
        for n, project in enumerate(data.projects or ()):
            if any(c.scope in held for c in project.checks.values()):
                checks = {k: fixed(k, c) for k, c in project.checks.items()}
                assert data.projects is not None
                data.projects[n] = replace(project, checks=checks)

    def _found(self) -> str:
        data = self.data
        projects = (
            "projects not readable"
            if data.projects is None
            else plural(len(data.projects), "project")
        )
        if data.members is None:
            return f"found {projects}; members not readable"
        pending = sum(1 for m in data.members if member_pending(m))
        return (
            f"found {projects} and {plural(len(data.members) - pending, 'member')} "
            f"(+ {plural(pending, 'pending invitation')}, counted apart)"
        )

    # -- organization-wide lists ------------------------------------------------------------

    async def _list_members(self) -> None:
        org = self.org
        found = await self._optional("members", lambda c: self.client.members.list(org, cursor=c))
        if found is not None:
            self.data.members = list(found)

    async def _list_projects(self) -> None:
        org = self.org
        found = await self._optional("projects", lambda c: self.client.projects.list(org, cursor=c))
        if found is not None:
            self._projects = list(found)

    async def _list_teams(self) -> None:
        org = self.org
        found = await self._optional("teams", lambda c: self.client.teams.list(org, cursor=c))
        if found is None:
            return
        teams = list(found)
        unknown = [n for n, t in enumerate(teams) if t.member_count is None]

        async def count(n: int) -> None:
            # Sentry's list leaves memberCount out on some versions: is anyone listed?
            team = teams[n]
            try:
                first = await self.client.teams.list_members(org, team.slug).collect(limit=1)
            except SentryError as exc:
                if is_fatal(exc):
                    raise
                return  # the count stays unknown: no finding either way
            teams[n] = attrs.evolve(team, member_count=len(first))

        await gather_bounded(count, unknown, concurrency=min(self.concurrency, 5))
        self.data.teams = teams

    async def _list_keys(self) -> None:
        org = self.org
        keys = await self._optional(
            "client_keys", lambda c: self.client.organizations.list_client_keys(org, cursor=c)
        )
        if keys is None:
            return
        for key in keys:
            self._keys[str(key.project_id)].append(key)
        self.data.keys_listed = True

    async def _list_repos(self) -> None:
        org = self.org
        repos = await self._optional(
            "repositories", lambda c: self.client.organizations.list_repos(org, cursor=c)
        )
        if repos is not None:
            self.data.repos = list(repos)

    async def _list_installations(self) -> None:
        org = self.org
        found = await self._optional(
            "installations",
            lambda c: self.client.integrations.list_installations(org, cursor=c),
        )
        if found is not None:
            self.data.installations = list(found)

    async def _list_relays(self) -> None:
        org = self.org
        relays = await self._optional(
            "relays", lambda c: self.client.organizations.list_relay_usage(org)
        )
        if relays is not None:
            self.data.relays = list(relays)

    async def _optional(
        self, what: str, make: Callable[[str | None], Paginator[Any]]
    ) -> Listed | None:
        """Read one section; a refusal (403/404) or a failure is recorded, not raised."""
        try:
            found = await collect_all(make)
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
        self.data.sections[what] = read_check(found)
        return found

    def _keys_of(self, project: Project) -> tuple[ClientKey, ...]:
        return tuple(self._keys.get(project.id, ()))

    # -- per project ------------------------------------------------------------------------

    async def _audit_projects(self) -> None:
        if self.data.projects is None:
            return
        projects = self.data.projects
        by_id = {p.project.id: n for n, p in enumerate(projects)}
        self._until = self._now()
        self.progress.start("projects", len(projects))
        try:
            async with fan_out(
                self._audit_project, projects, concurrency=self.concurrency
            ) as results:
                async for project, audited in results:
                    projects[by_id[project.project.id]] = audited
                    self.progress.advance()
        finally:
            self.progress.stop()

    async def _audit_project(self, project: ProjectAudit) -> ProjectAudit:
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

        async def hooks() -> tuple[ServiceHook, ...] | None:
            org, slug = self.org, project.slug
            try:
                found = await collect_all(
                    lambda c: self.client.projects.list_hooks(org, slug, cursor=c)
                )
            except SentryError as exc:
                note("service_hooks", exc)
                return None
            checks["service_hooks"] = read_check(found)
            return tuple(found)

        series, hooked = await gather_bounded(_call, [events, hooks], concurrency=2)
        return replace(
            project,
            audited=True,
            hooks=hooked,
            event_series=series,
            errors=tuple(errors),
            checks={name: checks[name] for name in PROJECT_CHECKS if name in checks},
        )


def read_check(found: Listed) -> Check:
    """A section read to the end, with the count of items left out as unreadable."""
    if not found.unreadable:
        return Check(CHECKED)
    return Check(
        CHECKED,
        f"read with {plural(found.unreadable, 'unreadable item')} (left out: Sentry sent "
        "them in a shape this version cannot read)",
        unreadable=found.unreadable,
    )


def plural(count: int, noun: str) -> str:
    """``1 project``, ``2 projects``, ``1,234 projects``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


async def _call(step: Callable[[], Awaitable[Any]]) -> Any:
    return await step()
