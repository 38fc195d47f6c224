"""Never run: type-checked by mypy --strict in CI, so the public API's types stay usable."""

from __future__ import annotations

from typing import Any

from sentry_async import (
    AmbiguousWriteError,
    NotFound,
    Page,
    Paginator,
    RawResponse,
    RetryPolicy,
    SentryClient,
    fan_out,
    gather_bounded,
)
from sentry_async.models import (
    Deploy,
    Environment,
    Event,
    Group,
    IssueChanges,
    Member,
    Organization,
    Project,
    Release,
    Team,
)
from sentry_async.regions import Region


async def typed_usage() -> None:
    async with SentryClient("token", "https://sentry.io", retry=RetryPolicy(attempts=2)) as s:
        org: Organization = await s.organizations.get("acme")
        paginator: Paginator[Project] = s.projects.list("acme", per_page=50)
        async for project in paginator:
            slug: str = project.slug
            del slug
        async for page in paginator.pages():
            first: Page[Project] = page
            cursor: str | None = first.next_cursor
            del cursor
        members: list[Member] = await s.members.list("acme").collect(limit=10)
        region: Region = await s.region_for("acme")
        host: str = region.url
        name: str | None = region.name
        del host, name
        every: Paginator[Organization] = s.organizations.list()
        del every

        async def fetch(p: Project) -> Project:
            return await s.projects.get("acme", p.slug)

        results: list[Project] = await gather_bounded(fetch, paginator, concurrency=8)
        async with fan_out(fetch, paginator, concurrency=8) as pairs:
            async for item, fetched in pairs:
                same: bool = item.slug == fetched.slug
                del same
        try:
            await s.members.add("acme", email="a@b.test")
        except AmbiguousWriteError as exc:
            route: str = exc.route
            del route
        except NotFound as exc:
            status: int = exc.status
            del status
        view: SentryClient = s.with_options(timeout=120.0)
        del org, members, results, view
        await coverage_usage(s)


async def coverage_usage(s: SentryClient) -> None:
    orgs: list[Organization] = await s.organizations.list(owner=True).collect()
    envs: list[Environment] = await s.organizations.list_environments("acme").collect()
    teams: Paginator[Team] = s.teams.list("acme")
    added: Team | None = await s.teams.add_member("acme", "web", 42)
    issues: Paginator[Group] = s.issues.list("acme", project=[1, 2], per_page=25)
    async for page in issues.pages():
        hits: int | None = page.hits
        del hits
    issue: Group = await s.issues.update("acme", "1", status="resolved", assigned_to=None)
    changes: IssueChanges | None = await s.issues.bulk_update("acme", ids=[1, "2"], has_seen=True)
    # The status literal catches a typo (strict mypy flags this ignore if it goes unused).
    await s.issues.update("acme", "1", status="resolvd")  # type: ignore[arg-type]
    event: Event = await s.issues.get_event("acme", issue.id, "oldest")
    release: Release = await s.releases.create("acme", version="1.0", projects=["web"])
    deploy: Deploy = await s.releases.create_deploy("acme", release.version, environment="prod")
    raw: RawResponse = await s.request_raw("GET", "/organizations/")
    cursor: str | None = raw.next_cursor
    anything: Paginator[Any] = s.paginate("/organizations/acme/monitors/", cursor=cursor)
    del orgs, envs, teams, added, changes, event, deploy, anything
