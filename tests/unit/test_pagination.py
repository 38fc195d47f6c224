"""Paginator over Link-cursor and SCIM paging, against canned answers (MockHttp)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from sentry_async import NotFound, PaginationError, SentryClient

from ._mockhttp import MockHttp
from .conftest import API

PROJECTS = f"{API}/organizations/acme/projects/"


def project(n: int) -> dict[str, Any]:
    return {"id": str(n), "slug": f"p{n}", "name": f"P{n}", "dateCreated": "2024-01-01T00:00:00Z"}


def link(next_cursor: str, more: bool, host: str = "https://sentry.io") -> str:
    prev = (
        f"<{host}/api/0/organizations/acme/projects/?&cursor=0:0:1>; "
        'rel="previous"; results="false"; cursor="0:0:1"'
    )
    nxt = (
        f"<{host}/api/0/organizations/acme/projects/?&cursor={next_cursor}>; "
        f'rel="next"; results="{"true" if more else "false"}"; cursor="{next_cursor}"'
    )
    return f"{prev}, {nxt}"


def serve_pages(mocked: MockHttp, pages: int, size: int = 2) -> None:
    """Pages of `size` projects; page k (0-based) is fetched with cursor `size:k:0`."""
    for k in range(pages):
        query = f"?per_page={size}" + (f"&cursor={size}:{k}:0" if k else "")
        items = [project(k * size + i) for i in range(size)]
        more = k + 1 < pages
        mocked.get(
            PROJECTS + query,
            payload=items,
            headers={"Link": link(f"{size}:{k + 1}:0", more, host="https://other-region.example")},
        )


async def test_iterates_every_item_across_pages_in_order(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve_pages(mocked, pages=3)
    slugs = [p.slug async for p in sentry.projects.list("acme", per_page=2)]
    assert slugs == ["p0", "p1", "p2", "p3", "p4", "p5"]
    # Exactly three requests, none to the host named in the Link header.
    assert len(mocked.requests) == 3
    assert all(str(url).startswith(API) for _, url in mocked.requests)


async def test_pages_expose_cursors_and_resume_from_a_saved_one(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve_pages(mocked, pages=3)
    pages = sentry.projects.list("acme", per_page=2).pages()
    first = await anext(pages)
    assert [p.slug for p in first.items] == ["p0", "p1"]
    assert (first.cursor, first.next_cursor) == (None, "2:1:0")
    await pages.aclose()
    rest = await sentry.projects.list("acme", per_page=2, cursor=first.next_cursor).collect()
    assert [p.slug for p in rest] == ["p2", "p3", "p4", "p5"]


async def test_collect_with_limit_fetches_no_extra_page(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve_pages(mocked, pages=3)
    got = await sentry.projects.list("acme", per_page=2).collect(limit=3)
    assert [p.slug for p in got] == ["p0", "p1", "p2"]
    assert len(mocked.requests) == 2


async def test_no_link_header_is_a_single_page(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(PROJECTS, payload=[project(1)])
    assert len(await sentry.projects.list("acme").collect()) == 1


async def test_a_repeated_cursor_raises_instead_of_looping(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(PROJECTS, payload=[project(0)], headers={"Link": link("1:1:0", True)})
    mocked.get(
        PROJECTS + "?cursor=1:1:0",
        payload=[project(1)],
        headers={"Link": link("1:1:0", True)},
        repeat=True,
    )
    seen: list[str] = []

    async def walk() -> None:
        async for p in sentry.projects.list("acme"):
            seen.append(p.slug)

    with pytest.raises(PaginationError, match="1:1:0") as info:
        await walk()
    assert seen == ["p0", "p1"]  # everything delivered before the loop was detected
    error = info.value
    assert (error.method, error.route) == ("GET", "/organizations/{org}/projects/")
    assert error.url == PROJECTS


async def test_paginator_can_be_iterated_twice(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(PROJECTS, payload=[project(1)], repeat=True)
    paginator = sentry.projects.list("acme")
    assert len(await paginator.collect()) == len(await paginator.collect()) == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_per_page_is_refused(sentry: SentryClient, bad: int) -> None:
    with pytest.raises(ValueError, match="per_page"):
        sentry.projects.list("acme", per_page=bad)


def scim_user(n: int) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": str(n),
        "userName": f"user{n}@acme.test",
        "emails": [{"primary": True, "value": f"user{n}@acme.test", "type": "work"}],
        "name": {"familyName": "N/A", "givenName": "N/A"},
        "active": True,
        "meta": {"resourceType": "User"},
        "sentryOrgRole": "member",
    }


async def test_scim_pages_by_start_index_until_total(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    base = f"{API}/organizations/acme/scim/v2/Users"

    def envelope(start: int, ids: list[int]) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 5,
            "startIndex": start,
            "itemsPerPage": len(ids),
            "Resources": [scim_user(i) for i in ids],
        }

    mocked.get(base + "?startIndex=1&count=2", payload=envelope(1, [1, 2]))
    mocked.get(base + "?startIndex=3&count=2", payload=envelope(3, [3, 4]))
    mocked.get(base + "?startIndex=5&count=2", payload=envelope(5, [5]))
    users = await sentry.scim.list_users("acme", per_page=2).collect()
    assert [u.user_name for u in users] == [f"user{i}@acme.test" for i in range(1, 6)]
    assert len(mocked.requests) == 3


async def test_scim_empty_list_is_one_request(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(
        re.compile(re.escape(f"{API}/organizations/acme/scim/v2/Users") + r"\?.*"),
        payload={"totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []},
    )
    assert await sentry.scim.list_users("acme").collect() == []


async def test_item_iteration_prefetches_the_next_page_and_cancels_it_on_break(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve_pages(mocked, pages=3)
    async for project in sentry.projects.list("acme", per_page=2):
        assert project.slug == "p0"
        break
    # The second page was asked for while the first was consumed; the third never was.
    assert len(mocked.requests) == 2


async def test_a_failed_prefetch_is_not_reported_when_nobody_needs_it(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(PROJECTS, payload=[project(0)], headers={"Link": link("1:1:0", True)})
    mocked.get(PROJECTS + "?cursor=1:1:0", status=404, payload={"detail": "gone"})
    paginator = sentry.projects.list("acme")
    pages = paginator._pages(prefetch=True)
    first = await anext(pages)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await pages.aclose()  # the failed prefetch is retrieved, not left as a lost exception
    assert [p.slug for p in first.items] == ["p0"]


async def test_a_failed_prefetch_surfaces_when_its_page_is_reached(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(PROJECTS, payload=[project(0)], headers={"Link": link("1:1:0", True)})
    mocked.get(PROJECTS + "?cursor=1:1:0", status=404, payload={"detail": "gone"})
    seen: list[str] = []

    async def walk() -> None:
        async for p in sentry.projects.list("acme"):
            seen.append(p.slug)

    with pytest.raises(NotFound):
        await walk()
    assert seen == ["p0"]
