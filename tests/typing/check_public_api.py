"""Never run: type-checked by mypy --strict in CI, so the public API's types stay usable."""

from __future__ import annotations

from sentry_async import (
    AmbiguousWriteError,
    NotFound,
    Page,
    Paginator,
    RetryPolicy,
    SentryClient,
    fan_out,
    gather_bounded,
)
from sentry_async.models import Member, Organization, Project


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
