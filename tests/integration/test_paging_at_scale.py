"""Paging through 10,000 projects: every item once, in order, in the fewest requests."""

from __future__ import annotations

from collections import Counter

from sentry_async.testing import FakeOrg, FakeSentry

from .conftest import ORG, make_org, serve

LIST_ROUTE = "GET /organizations/{org}/projects/"
TOTAL = 10_000
PER_PAGE = 100


def big_org() -> FakeOrg:
    return make_org(projects=TOTAL, members=1)


async def test_every_project_exactly_once_in_order_in_minimal_requests() -> None:
    org = big_org()
    expected = [project.slug for project in org.projects]
    async with serve(org) as (fake, sentry):
        slugs = [p.slug async for p in sentry.projects.list(ORG, per_page=PER_PAGE)]

        assert slugs == expected  # in the server's order, nothing missing or extra
        assert max(Counter(slugs).values()) == 1
        assert fake.counters.requests == TOTAL // PER_PAGE == fake.counters.by_route[LIST_ROUTE]
        assert fake.counters.statuses == Counter({200: TOTAL // PER_PAGE})


async def test_resume_from_a_saved_cursor_gets_exactly_the_rest() -> None:
    org = big_org()
    expected = [project.slug for project in org.projects]
    stop_after = 37
    async with serve(org) as (fake, sentry):
        seen: list[str] = []
        saved: str | None = None
        async for page in sentry.projects.list(ORG, per_page=PER_PAGE).pages():
            seen.extend(p.slug for p in page.items)
            if len(seen) == stop_after * PER_PAGE:
                saved = page.next_cursor  # what a checkpointing job would persist
                break
        assert saved is not None
        assert fake.counters.requests == stop_after
        fake.reset()

        # A new process would only have the cursor string: start a fresh paginator from it.
        rest = await sentry.projects.list(ORG, per_page=PER_PAGE, cursor=saved).collect()

        assert [p.slug for p in rest] == expected[len(seen) :]
        assert seen + [p.slug for p in rest] == expected
        assert fake.counters.requests == TOTAL // PER_PAGE - stop_after


async def test_link_urls_on_a_foreign_host_are_never_followed() -> None:
    # The "foreign host" is a second fake, so any request that went there would be counted.
    org = big_org()
    async with FakeSentry(make_org()) as elsewhere:
        async with serve(org, link_host=elsewhere.url) as (fake, sentry):
            pages = [page async for page in sentry.projects.list(ORG, per_page=PER_PAGE).pages()]

            links = pages[0].headers["Link"]
            assert elsewhere.url in links and fake.url not in links  # the setup is what we think
            items = [p.slug for page in pages for p in page.items]
            assert items == [project.slug for project in org.projects]
            assert fake.counters.requests == TOTAL // PER_PAGE
        assert elsewhere.counters.requests == 0


async def test_paging_keeps_the_callers_query_and_page_size() -> None:
    org = big_org()
    async with serve(org) as (fake, sentry):
        first = await sentry.projects.list(ORG, query="otter", per_page=7).collect(limit=15)

        assert len(first) == 15
        assert fake.counters.requests == 3  # 7 + 7 + 1 of 7: no page beyond the limit
        paths = [entry.path for entry in fake.counters.log]
        assert all("query=otter" in path and "per_page=7" in path for path in paths)
        assert "cursor=" not in paths[0] and all("cursor=" in path for path in paths[1:])
