"""The cursors of a listing over every region: resumable, and any text is handled."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from sentry_async import RetryPolicy, SentryClient
from sentry_async.endpoints._all_regions import AllRegionsPaginator
from sentry_async.errors import PaginationError
from sentry_async.regions import Origin, Region
from sentry_async.route import Route

ROUTE = Route("GET", "/organizations/", "/organizations/")
CLIENT = SentryClient("sntryu_" + "0" * 64, retry=RetryPolicy.disabled())


def region(name: str | None, url: str) -> Region:
    origin = Origin.parse(url)
    assert origin is not None
    return Region(url=url, api=URL(url + "/api/0"), origin=origin, name=name, routed=True)


REGIONS = (region("us", "https://us.sentry.io"), region(None, "https://de.sentry.io"))


def resume(cursor: str | None) -> tuple[int, str | None]:
    paginator = AllRegionsPaginator(
        CLIENT._pipeline, ROUTE, lambda item: item, identity=id, cursor=cursor
    )
    return paginator._resume(REGIONS)


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        (None, (0, None)),
        ("1700000000000:0:0", (0, "1700000000000:0:0")),  # a plain cursor: the first region
        ("us|", (0, None)),
        ("us|0:100:0", (0, "0:100:0")),
        ("https://de.sentry.io|", (1, None)),  # a region without a name is named by its URL
        ("https://de.sentry.io|x|y", (1, "x|y")),
    ],
)
def test_a_cursor_resumes_its_region(cursor: str | None, expected: tuple[int, str | None]) -> None:
    assert resume(cursor) == expected


@given(st.text(max_size=40))
def test_any_cursor_resumes_a_listed_region_or_is_refused(cursor: str) -> None:
    name = cursor.partition("|")[0]
    if "|" in cursor and name not in {"us", "https://de.sentry.io"}:
        with pytest.raises(PaginationError, match="start again without a cursor") as info:
            resume(cursor)
        # No request was made for it: the route is known, no URL is.
        assert (info.value.method, info.value.route, info.value.url) == (
            "GET",
            ROUTE.template,
            None,
        )
        return
    index, rest = resume(cursor)
    assert 0 <= index < len(REGIONS)
    assert rest is None or rest in cursor
