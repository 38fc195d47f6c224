"""``SentryClient.paginate`` and ``request_raw``: the escape hatch with pages and headers."""

from __future__ import annotations

import pytest

from sentry_async import NotFound, RawResponse, SentryClient
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG


async def test_paginate_follows_the_link_cursor_and_yields_json(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/monitors/"
    mocked.get(at(path), payload=[{"slug": "a"}], headers={"Link": link(path, "0:1:0", more=True)})
    mocked.get(at(path), payload=[{"slug": "b"}], headers={"Link": link(path, "0:2:0", more=False)})

    items = await sentry.paginate(path, params={"project": ["1", "2"]}, per_page=1).collect()

    first, second = sent(mocked)
    assert (first.method, first.path) == ("GET", path)
    assert first.query == [("project", "1"), ("project", "2"), ("per_page", "1")]
    assert second.query == [
        ("project", "1"),
        ("project", "2"),
        ("cursor", "0:1:0"),
        ("per_page", "1"),
    ]
    assert items == [{"slug": "a"}, {"slug": "b"}]


async def test_paginate_resumes_from_a_cursor_and_accepts_the_api_prefix(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/monitors/"
    mocked.get(at(path), payload=[])
    assert await sentry.paginate(f"/api/0{path}", cursor="0:5:0").collect() == []
    assert the_one(mocked).query == [("cursor", "0:5:0")]


def test_paginate_needs_an_absolute_path(sentry: SentryClient) -> None:
    with pytest.raises(ValueError, match="start with"):
        sentry.paginate("organizations/")


async def test_request_raw_returns_status_headers_body_and_cursor(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/issues/"
    mocked.get(
        at(path),
        payload=[payloads.group()],
        headers={"Link": link(path, "0:25:0", more=True), "X-Hits": "77"},
    )
    mocked.post(at(f"/organizations/{ORG}/releases/"), status=208, payload={"version": "1"})
    mocked.delete(at(f"/organizations/{ORG}/issues/1/"), status=202)

    listed = await sentry.request_raw("GET", path, params={"limit": 25})
    posted = await sentry.request_raw("post", f"/organizations/{ORG}/releases/", json={"v": 1})
    deleted = await sentry.request_raw("DELETE", f"/organizations/{ORG}/issues/1/")

    get, post, delete = sent(mocked)
    assert get.query == [("limit", "25")]
    assert (post.method, post.json, delete.json) == ("POST", {"v": 1}, NO_BODY)
    assert isinstance(listed, RawResponse)
    assert (listed.status, listed.next_cursor, listed.headers["X-Hits"]) == (200, "0:25:0", "77")
    assert listed.body[0]["id"] == "3301"
    assert (posted.status, posted.body, posted.next_cursor) == (208, {"version": "1"}, None)
    assert (deleted.status, deleted.body) == (202, None)


async def test_request_raw_raises_errors_as_every_call(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at("/organizations/nope/"), status=404, payload={"detail": "missing"})
    with pytest.raises(NotFound):
        await sentry.request_raw("GET", "/organizations/nope/")
