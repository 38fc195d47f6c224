"""``sentry.issues``: search, details, updates (single and bulk), deletion, events, tag values."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from sentry_async import Page, SentryClient
from sentry_async.endpoints.issues import BULK_CHUNK
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
ISSUES = f"/organizations/{ORG}/issues/"
UTC = timezone.utc


def assigned_group(**extra: Any) -> dict[str, Any]:
    return {
        **payloads.group(),
        "assignedTo": {"type": "team", "id": "88", "name": "payments"},
        "statusDetails": {"inRelease": "checkout@2.14.0"},
        "hasSeen": True,
        "isBookmarked": False,
        "isSubscribed": True,
        "isPublic": False,
        "issueCategory": "error",
        **extra,
    }


async def test_list_sends_search_filters_and_pages_with_limit(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(
        at(ISSUES),
        payload=[payloads.group()],
        headers={"Link": link(ISSUES, "0:25:0", more=True), "X-Hits": "2"},
    )
    mocked.get(
        at(ISSUES),
        payload=[assigned_group(id="3302")],
        headers={"Link": link(ISSUES, "0:50:0", more=False), "X-Hits": "2"},
    )

    paginator = sentry.issues.list(
        ORG,
        query="is:unresolved level:error",
        project=[5102, "5103"],
        environment=["production", "staging"],
        stats_period="14d",
        sort="freq",
        per_page=25,
    )
    pages = [page async for page in paginator.pages()]

    first, second = sent(mocked)
    assert (first.method, first.path) == ("GET", ISSUES)
    assert first.query == [
        ("query", "is:unresolved level:error"),
        ("project", "5102"),
        ("project", "5103"),
        ("environment", "production"),
        ("environment", "staging"),
        ("statsPeriod", "14d"),
        ("sort", "freq"),
        ("limit", "25"),
    ]
    assert second.query[-2:] == [("cursor", "0:25:0"), ("limit", "25")]
    assert [page.hits for page in pages] == [2, 2]
    issue = pages[0].items[0]
    assert (issue.id, issue.short_id, issue.count, issue.user_count) == (
        "3301",
        "CHECKOUT-API-2K",
        1289,
        214,
    )
    assert issue.metadata == {"type": "TimeoutError", "value": "card gateway did not answer"}
    assert issue.project is not None and issue.project.platform is None
    assigned = pages[1].items[0].assigned_to
    assert assigned is not None and (assigned.type, assigned.id) == ("team", "88")


async def test_list_defaults_to_unresolved_and_sends_an_empty_query_as_given(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(ISSUES), payload=[], repeat=True)
    await sentry.issues.list(ORG).collect()
    await sentry.issues.list(ORG, query="").collect()
    start = datetime(2024, 3, 1, 12, tzinfo=UTC)
    await sentry.issues.list(ORG, query=None, start=start, end=start).collect()
    default, everything, window = sent(mocked)
    assert default.query == [("query", "is:unresolved")]
    assert everything.query == [("query", "")]
    assert window.query == [("start", "2024-03-01T12:00:00Z"), ("end", "2024-03-01T12:00:00Z")]


def test_list_refuses_a_period_and_a_window_together(sentry: SentryClient) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="either"):
        sentry.issues.list(ORG, stats_period="1d", start=start, end=start)
    with pytest.raises(ValueError, match="together"):
        sentry.issues.list(ORG, start=start)
    with pytest.raises(ValueError, match="aware"):
        sentry.issues.list(ORG, start=datetime(2024, 3, 1), end=datetime(2024, 3, 2))


async def test_get_encodes_the_issue_id_as_one_segment(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"{ISSUES}3301/"), payload=assigned_group())
    mocked.get(at(f"{ISSUES}..%2Fprojects/"), status=404, payload={"detail": "nope"})

    issue = await sentry.issues.get(ORG, 3301)
    with pytest.raises(Exception, match="404"):
        await sentry.issues.get(ORG, "../projects")

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", f"{ISSUES}3301/", [])
    assert second.path == f"{ISSUES}..%2Fprojects/"
    assert issue.status_details is not None
    assert issue.status_details.in_release == "checkout@2.14.0"
    assert (issue.has_seen, issue.is_subscribed, issue.issue_category) == (True, True, "error")


async def test_update_sends_only_given_fields_and_returns_the_issue(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(f"{ISSUES}3301/"), payload=assigned_group(status="resolved"))

    issue = await sentry.issues.update(
        ORG,
        "3301",
        status="resolved",
        status_details={"inRelease": "latest"},
        assigned_to="user:91004",
        is_bookmarked=True,
    )

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("PUT", f"{ISSUES}3301/", [])
    assert request.json == {
        "status": "resolved",
        "statusDetails": {"inRelease": "latest"},
        "assignedTo": "user:91004",
        "isBookmarked": True,
    }
    assert issue.status == "resolved"


async def test_update_with_assigned_to_none_unassigns(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(f"{ISSUES}3301/"), payload=payloads.group())
    await sentry.issues.update(ORG, "3301", assigned_to=None, has_seen=True)
    assert the_one(mocked).json == {"assignedTo": None, "hasSeen": True}


async def test_update_with_nothing_to_change_sends_nothing(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(ValueError, match="nothing to change"):
        await sentry.issues.update(ORG, "3301")
    assert sent(mocked) == []


async def test_update_is_retried_after_a_dropped_connection(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(f"{ISSUES}3301/"), exception=aiohttp.ServerDisconnectedError())
    mocked.put(at(f"{ISSUES}3301/"), payload=assigned_group(status="resolved"))

    issue = await sentry.issues.update(ORG, "3301", status="resolved")

    assert [r.method for r in sent(mocked)] == ["PUT", "PUT"]
    assert issue.status == "resolved"


async def test_bulk_update_chunks_ids_and_returns_the_last_changes(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(ISSUES), payload={"status": "resolved", "statusDetails": {}}, repeat=True)
    ids = list(range(1, BULK_CHUNK * 2 + 6))

    changes = await sentry.issues.bulk_update(ORG, ids=ids, status="resolved")

    requests = sent(mocked)
    assert [r.method for r in requests] == ["PUT"] * 3
    ids_sent = [[v for name, v in r.query if name == "id"] for r in requests]
    assert [len(chunk) for chunk in ids_sent] == [BULK_CHUNK, BULK_CHUNK, 5]
    assert [v for chunk in ids_sent for v in chunk] == [str(i) for i in ids]
    for request, chunk in zip(requests, ids_sent, strict=True):
        # The guard: Sentry's fallback search, should no id match, can find only these ids.
        others = [(name, v) for name, v in request.query if name != "id"]
        assert others == [("query", f"issue.id:[{','.join(chunk)}]"), ("project", "-1")]
    assert all(r.json == {"status": "resolved"} for r in requests)
    assert changes is not None and changes.status == "resolved"
    assert changes.status_details is not None and changes.status_details.in_release is None


@pytest.mark.parametrize("ids", [[], (), iter(())])
async def test_bulk_calls_with_no_ids_send_nothing(
    sentry: SentryClient, mocked: MockHttp, ids: Any
) -> None:
    assert await sentry.issues.bulk_update(ORG, ids=ids, status="resolved") is None
    await sentry.issues.bulk_delete(ORG, ids=[])
    assert sent(mocked) == []


async def test_bulk_update_refuses_one_string_of_ids(sentry: SentryClient) -> None:
    with pytest.raises(TypeError, match="not one string"):
        await sentry.issues.bulk_update(ORG, ids="3301", status="resolved")
    with pytest.raises(TypeError, match="str or int"):
        await sentry.issues.bulk_delete(ORG, ids=[True])


async def test_bulk_update_answered_204_returns_none(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(ISSUES), status=204)
    assert await sentry.issues.bulk_update(ORG, ids=["9"], is_public=False) is None
    assert the_one(mocked).query == [("id", "9"), ("query", "issue.id:[9]"), ("project", "-1")]


async def test_bulk_ids_are_sent_once_each_in_order(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(ISSUES), status=204)
    await sentry.issues.bulk_delete(ORG, ids=[3, "1", 3, " 1 ", 2])
    assert the_one(mocked).query == [
        ("id", "3"),
        ("id", "1"),
        ("id", "2"),
        ("query", "issue.id:[3,1,2]"),
        ("project", "-1"),
    ]


async def test_bulk_update_returns_the_last_answer_with_a_body(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(ISSUES), payload={"status": "ignored"})
    mocked.put(at(ISSUES), status=204)  # the second chunk matched nothing
    ids = [str(i) for i in range(BULK_CHUNK + 1)]
    changes = await sentry.issues.bulk_update(ORG, ids=ids, status="ignored")
    assert len(sent(mocked)) == 2
    assert changes is not None and changes.status == "ignored"


@pytest.mark.parametrize("bad", ["abc", "12 OR is:unresolved", "1]", "", "١٢"])
async def test_bulk_calls_refuse_non_numeric_ids_before_sending(
    sentry: SentryClient, mocked: MockHttp, bad: str
) -> None:
    with pytest.raises(ValueError, match="numeric"):
        await sentry.issues.bulk_update(ORG, ids=["1", bad], status="resolved")
    with pytest.raises(ValueError, match="numeric"):
        await sentry.issues.bulk_delete(ORG, ids=[bad])
    assert sent(mocked) == []


async def test_bulk_delete_chunks_ids(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(ISSUES), status=204, repeat=True)
    await sentry.issues.bulk_delete(ORG, ids=[str(i) for i in range(BULK_CHUNK + 1)])
    requests = sent(mocked)
    assert [(r.method, r.path, len(r.query)) for r in requests] == [
        ("DELETE", ISSUES, BULK_CHUNK + 2),
        ("DELETE", ISSUES, 3),
    ]
    last = str(BULK_CHUNK)
    assert requests[1].query == [("id", last), ("query", f"issue.id:[{last}]"), ("project", "-1")]
    assert requests[0].json is NO_BODY


async def test_delete_accepts_the_202(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(f"{ISSUES}3301/"), status=202)
    await sentry.issues.delete(ORG, 3301)
    request = the_one(mocked)
    assert (request.method, request.path) == ("DELETE", f"{ISSUES}3301/")


async def test_list_events_sends_full_only_when_true(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"{ISSUES}3301/events/"
    mocked.get(at(path), payload=[payloads.event()], repeat=True)

    brief = await sentry.issues.list_events(ORG, 3301).collect()
    await sentry.issues.list_events(
        ORG, 3301, full=True, environment="production", query="gateway", per_page=10
    ).collect()

    plain, full = sent(mocked)
    assert (plain.path, plain.query) == (path, [])
    assert full.query == [
        ("full", "1"),
        ("environment", "production"),
        ("query", "gateway"),
        ("per_page", "10"),
    ]
    event = brief[0]
    assert (event.event_id, event.group_id) == ("c0ffee00c0ffee00c0ffee00c0ffee00", "3301")
    assert event.entries == [{"type": "message", "data": {"formatted": "gateway timeout"}}]
    assert event.contexts is not None and event.contexts["runtime"]["name"] == "CPython"


@pytest.mark.parametrize(
    ("event_id", "segment"),
    [("latest", "latest"), ("oldest", "oldest"), ("recommended", "recommended"), ("a/b", "a%2Fb")],
)
async def test_get_event_addresses_one_event(
    sentry: SentryClient, mocked: MockHttp, event_id: str, segment: str
) -> None:
    path = f"{ISSUES}3301/events/{segment}/"
    mocked.get(at(path), payload={**payloads.event(), "user": {"id": "42", "email": None}})
    event = await sentry.issues.get_event(ORG, "3301", event_id)
    assert the_one(mocked).path == path
    assert event.user == {"id": "42", "email": None}


async def test_get_event_defaults_to_latest(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{ISSUES}3301/events/latest/"), payload=payloads.event())
    await sentry.issues.get_event(ORG, "3301")
    assert the_one(mocked).path == f"{ISSUES}3301/events/latest/"


async def test_list_tag_values(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"{ISSUES}3301/tags/browser/values/"
    mocked.get(at(path), payload=[payloads.tag_value()])
    values = await sentry.issues.list_tag_values(ORG, "3301", "browser").collect()
    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("GET", path, [])
    assert [(v.value, v.count) for v in values] == [("firefox", 42)]


async def test_a_version_like_issue_id_stays_one_segment(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"{ISSUES}%2E%2E/"), payload=payloads.group())
    await sentry.issues.get(ORG, "..")
    assert the_one(mocked).path == f"{ISSUES}%2E%2E/"


@pytest.mark.parametrize(
    ("headers", "hits"),
    [
        ({"X-Hits": "1289"}, 1289),
        ({"x-hits": " 7 "}, 7),
        ({"X-Hits": "-1"}, None),
        ({"X-Hits": "many"}, None),
        ({"X-Hits": ""}, None),
        ({"X-Hits": "١٢"}, None),  # Arabic-Indic digits: str.isdigit() alone would take them
        ({}, None),
    ],
)
def test_page_hits_reads_only_a_plain_count(headers: dict[str, str], hits: int | None) -> None:
    assert Page(items=[], cursor=None, next_cursor=None, headers=headers).hits == hits
