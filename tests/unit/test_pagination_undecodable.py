"""One undecodable list item never costs the items around it; SCIM pages may omit Resources."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sentry_async import DecodeError, SentryClient, UndecodableItemsError
from sentry_async.models import ScimListResponse, structure

from ._mockhttp import MockHttp
from .conftest import API

PROJECTS = f"{API}/organizations/acme/projects/"
USERS = f"{API}/organizations/acme/scim/v2/Users"


def project(n: int) -> dict[str, Any]:
    return {"id": str(n), "slug": f"p{n}"}


def link(next_cursor: str, more: bool) -> str:
    flag = "true" if more else "false"
    return (
        f'<{PROJECTS}?&cursor={next_cursor}>; rel="next"; results="{flag}"; cursor="{next_cursor}"'
    )


def serve(mocked: MockHttp) -> None:
    # Page 1 holds an item without its identity and a bare string between good items.
    mocked.get(
        re.compile(re.escape(PROJECTS) + r"(\?per_page=3)?$"),
        payload=[project(0), {"name": "no id"}, project(1), "junk"],
        headers={"Link": link("3:1:0", True)},
        repeat=True,
    )
    mocked.get(
        re.compile(re.escape(PROJECTS) + r"\?.*cursor=3(:|%3A)1(:|%3A)0.*"),
        payload=[project(2)],
        headers={"Link": link("3:2:0", False)},
        repeat=True,
    )


async def test_iteration_yields_the_good_items_then_reports_the_bad_ones(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve(mocked)
    seen: list[str] = []

    async def iterate() -> None:
        async for item in sentry.projects.list("acme", per_page=3):
            seen.append(item.slug)

    with pytest.raises(UndecodableItemsError) as caught:
        await iterate()
    assert seen == ["p0", "p1"]
    error = caught.value
    assert isinstance(error, DecodeError)
    assert error.items == [{"name": "no id"}, "junk"]
    assert len(error.reasons) == 2 and "required key 'id'" in error.reasons[0]
    assert error.next_cursor == "3:1:0" and "3:1:0" in str(error)
    # The caller goes on from the cursor the error names, and loses nothing else.
    rest = await sentry.projects.list("acme", per_page=3, cursor=error.next_cursor).collect()
    assert [p.slug for p in rest] == ["p2"]


async def test_collect_carries_what_it_gathered(sentry: SentryClient, mocked: MockHttp) -> None:
    serve(mocked)
    with pytest.raises(UndecodableItemsError) as caught:
        await sentry.projects.list("acme", per_page=3).collect()
    assert [p.slug for p in caught.value.collected] == ["p0", "p1"]


async def test_pages_show_the_undecodable_items_on_the_page(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    serve(mocked)
    pages = sentry.projects.list("acme", per_page=3).pages()
    first = await anext(pages)
    assert [p.slug for p in first.items] == ["p0", "p1"]
    assert first.undecodable == [{"name": "no id"}, "junk"]
    with pytest.raises(UndecodableItemsError):
        await anext(pages)


async def test_a_body_that_is_not_a_list_is_still_a_decode_error(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(re.compile(re.escape(PROJECTS) + r".*"), payload={"detail": "odd"})
    with pytest.raises(DecodeError) as caught:
        await sentry.projects.list("acme").collect()
    assert not isinstance(caught.value, UndecodableItemsError)


@pytest.mark.parametrize("resources", ["missing", None])
async def test_scim_empty_page_without_resources(
    sentry: SentryClient, mocked: MockHttp, resources: Any
) -> None:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
    }
    if resources != "missing":
        body["Resources"] = resources
    mocked.get(re.compile(re.escape(USERS) + r"\?.*"), payload=body)

    assert await sentry.scim.list_users("acme").collect() == []
    assert len(mocked.requests) == 1
    # The model of the same body agrees: an empty page.
    assert structure(body, ScimListResponse).resources is None


async def test_collect_with_a_limit_still_reports_undecodable_items(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    # The bad items sit among the first two good ones: a limit must not hide them.
    serve(mocked)
    with pytest.raises(UndecodableItemsError) as caught:
        await sentry.projects.list("acme", per_page=3).collect(limit=2)
    assert [p.slug for p in caught.value.collected] == ["p0", "p1"]
    assert caught.value.items == [{"name": "no id"}, "junk"]
    with pytest.raises(UndecodableItemsError) as caught:
        await sentry.projects.list("acme", per_page=3).collect(limit=1)
    assert [p.slug for p in caught.value.collected] == ["p0"]


def scim_body(**fields: Any) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], **fields}


@pytest.mark.parametrize("resources", ["missing", None, []])
async def test_scim_page_that_counts_users_but_sends_none_is_an_error(
    sentry: SentryClient, mocked: MockHttp, resources: Any
) -> None:
    body = scim_body(totalResults=3, startIndex=1, itemsPerPage=0)
    if resources != "missing":
        body["Resources"] = resources
    mocked.get(re.compile(re.escape(USERS) + r"\?.*"), payload=body, repeat=True)
    with pytest.raises(DecodeError) as caught:
        await sentry.scim.list_users("acme").collect()
    assert "totalResults=3" in str(caught.value)
    assert ("missing" if resources == "missing" else repr(resources)) in str(caught.value)


async def test_scim_resources_in_any_case_and_float_counts(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    user = {"id": "7", "userName": "ada@example.com", "active": True}
    body = scim_body(totalResults=3.0, startIndex=1.0, itemsPerPage=1, resources=[user])
    mocked.get(re.compile(re.escape(USERS) + r"\?.*startIndex=1(&.*)?$"), payload=body)
    second = scim_body(totalResults=3, startIndex=2, itemsPerPage=2, RESOURCES=[user, user])
    mocked.get(re.compile(re.escape(USERS) + r"\?.*startIndex=2(&.*)?$"), payload=second)
    users = await sentry.scim.list_users("acme").collect()
    assert [u.id for u in users] == ["7", "7", "7"]
    assert structure(body, ScimListResponse).resources == [user]
