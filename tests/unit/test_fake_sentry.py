"""The fake Sentry itself, driven by a plain aiohttp client over 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from multidict import CIMultiDictProxy
from yarl import URL

import sentry_async.testing as testing
from sentry_async.pytest_plugin import (  # usable here whether or not the entry point is
    sentry_fake,  # noqa: F401
    sentry_fake_client_options,  # noqa: F401
)
from sentry_async.testing import (
    FakeOrg,
    FakeSentry,
    Fault,
    FaultKind,
    FaultPlan,
    RateLimitConfig,
    RouteLimit,
    SentryFake,
    open_sentry_fake,
)

NOW = 1_700_000_000.0  # fixed anchor: generated orgs are identical run to run
DAY = 86400
NOT_FOUND = {"detail": "The requested resource does not exist"}
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LINK = re.compile(r'<([^>]*)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]*)"')


def small_org() -> FakeOrg:
    return FakeOrg.generate(projects=250, members=40, seed=7, now=NOW)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def fake() -> AsyncIterator[FakeSentry]:
    async with FakeSentry(small_org()) as server:
        yield server


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any = None,
    **kwargs: Any,
) -> tuple[int, Any, CIMultiDictProxy[str]]:
    """One request: (status, decoded JSON body or raw text or None, headers)."""
    target = URL(url, encoded=True)  # send percent-escapes exactly as written
    async with http.request(method, target, json=body, allow_redirects=False, **kwargs) as resp:
        raw = await resp.read()
        try:
            data: Any = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode()
        return resp.status, data, resp.headers


def links(headers: CIMultiDictProxy[str]) -> dict[str, tuple[str, bool, str]]:
    """Link header → {rel: (url, results, cursor)}, asserting the previous-then-next order."""
    found = LINK.findall(headers["Link"])
    assert [rel for _, rel, _, _ in found] == ["previous", "next"]
    return {rel: (url, results == "true", cursor) for url, rel, results, cursor in found}


# -- package surface and the org generator --------------------------------------------------


def test_exports_are_pinned() -> None:
    assert sorted(testing.__all__) == sorted(
        [
            "ClientKey",
            "Counters",
            "Deploy",
            "ExternalIssue",
            "FakeOrg",
            "FakeSentry",
            "FakeSentryRegions",
            "Fault",
            "FaultKind",
            "FaultPlan",
            "Installation",
            "Issue",
            "IssueEvent",
            "LoggedRequest",
            "LoopbackResolver",
            "Member",
            "Project",
            "RateLimitConfig",
            "Relay",
            "Release",
            "Repo",
            "RouteLimit",
            "SentryFake",
            "ServiceHook",
            "Team",
            "open_sentry_fake",
            "serve_in_thread",
        ]
    )
    for name in testing.__all__:
        assert getattr(testing, name).__name__ == name


def test_generation_is_deterministic_and_sized() -> None:
    one, two = small_org(), small_org()
    other = FakeOrg.generate(projects=250, members=40, seed=8, now=NOW)
    assert len(one.projects) == 250 and len(one.members) == 40
    assert [p.slug for p in one.projects] == [p.slug for p in two.projects]
    assert [p.slug for p in one.projects] != [p.slug for p in other.projects]
    assert [k.id for k in one.all_keys()] == [k.id for k in two.all_keys()]
    assert [p.slug for p in one.projects] == sorted(p.slug for p in one.projects)


def test_big_org_keeps_children_lazy() -> None:
    org = FakeOrg.generate(projects=20_000, members=5, seed=1, now=NOW)
    assert len(org.projects) == 20_000
    assert all(p.keys is None and p.hooks is None for p in org.projects)
    project = org.projects[123]
    assert org.keys_of(project)[0].project_id == project.id
    assert project.keys is not None and org.projects[124].keys is None


def test_demo_org_plants_the_audit_findings() -> None:
    org = FakeOrg.demo(now=NOW)
    projects = org.projects
    members = list(org.members.values())
    keys = org.all_keys()
    hooks = [hook for p in projects for hook in org.hooks_of(p)]
    assert len(projects) >= 500 and len(members) >= 200
    assert sum(p.first_event is None for p in projects) >= 10
    assert sum(p.last_event is not None and p.last_event < NOW - 30 * DAY for p in projects) >= 10
    assert sum(k.rate_limit is None for k in keys) >= 50
    assert any(h.status == "disabled" for h in hooks)
    assert any(h.url.startswith("http://") for h in hooks)
    old_invites = [m for m in members if m.pending and m.date_created < NOW - 30 * DAY]
    assert len(old_invites) >= 5
    assert sum(m.role == "owner" and not m.pending for m in members) >= 5
    assert {p.platform for p in projects} >= {"", None, "python"}
    assert any(p.team is None for p in projects)


# -- pagination -----------------------------------------------------------------------------


async def test_org_projects_walk_with_page_cursors(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    base = f"{fake.api_url}/organizations/acme/projects/"
    seen: list[str] = []
    cursors: list[str] = []
    url = base
    while True:
        status, body, headers = await call(http, "GET", url)
        assert status == 200
        seen += [project["slug"] for project in body]
        rels = links(headers)
        cursors.append(rels["next"][2])
        if not rels["next"][1]:
            break
        url = f"{base}?cursor={rels['next'][2]}"
    assert seen == [p.slug for p in fake.org.projects]
    assert cursors == ["100:1:0", "100:2:0", "100:3:0"]
    assert fake.counters.by_route["GET /organizations/{org}/projects/"] == 3


async def test_first_page_link_header_is_exactly_sentrys(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    status, _, headers = await call(http, "GET", f"{fake.api_url}/organizations/acme/projects/")
    url = f"{fake.api_url}/organizations/acme/projects/?&cursor="
    assert status == 200
    assert headers["Link"] == (
        f'<{url}100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", '
        f'<{url}100:1:0>; rel="next"; results="true"; cursor="100:1:0"'
    )


async def test_link_urls_use_link_host_and_keep_the_query(http: aiohttp.ClientSession) -> None:
    async with FakeSentry(small_org(), link_host="https://other.example/") as fake:
        url = f"{fake.api_url}/organizations/acme/members/?per_page=15&cursor=0:15:0"
        _, body, headers = await call(http, "GET", url)
    rels = links(headers)
    assert len(body) == 15
    assert rels["previous"] == (
        "https://other.example/api/0/organizations/acme/members/?per_page=15&cursor=0:0:1",
        True,
        "0:0:1",
    )
    assert rels["next"][0].endswith("/members/?per_page=15&cursor=0:30:0")
    assert rels["next"][1:] == (True, "0:30:0")


async def test_row_cursor_lists_end_with_results_false(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/members/?per_page=25&cursor=0:25:0"
    _, body, headers = await call(http, "GET", url)
    listed = [m.id for m in fake.org.members.values() if m.invite_status == "approved"]
    assert [m["id"] for m in body] == listed[25:40]
    assert links(headers)["next"][1:] == (False, "0:50:0")


async def test_keyed_cursor_walks_commits_newest_first(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    repo_id = next(iter(fake.org.repos))
    base = f"{fake.api_url}/organizations/acme/repos/{repo_id}/commits/?per_page=7"
    dates: list[str] = []
    ids: set[str] = set()
    url = base
    while True:
        _, body, headers = await call(http, "GET", url)
        dates += [commit["dateCreated"] for commit in body]
        ids |= {commit["id"] for commit in body}
        _, more, cursor = links(headers)["next"]
        if not more:
            break
        assert int(cursor.split(":")[0]) > 10**12  # an epoch-ms sort key, not an offset
        url = f"{base}&cursor={cursor}"
    assert len(dates) == len(ids) == 40
    assert dates == sorted(dates, reverse=True)


async def test_pagination_parameter_errors(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    base = f"{fake.api_url}/organizations/acme/projects/"
    cases = {
        "?cursor=abc": "Invalid cursor parameter.",
        "?cursor=1:2": "Invalid cursor parameter.",
        "?per_page=x": "Invalid per_page parameter.",
        "?per_page=101": "Invalid per_page value. Must be between 1 and 100.",
        "?per_page=0": "Invalid per_page value. Must be between 1 and 100.",
    }
    for query, detail in cases.items():
        assert (await call(http, "GET", base + query))[:2] == (400, {"detail": detail})


async def test_all_projects_comes_in_one_unlinked_answer(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    _, body, headers = await call(
        http, "GET", f"{fake.api_url}/organizations/acme/projects/?all_projects=1"
    )
    assert len(body) == 250 and "Link" not in headers


# -- rate limits ----------------------------------------------------------------------------


async def test_no_rate_limit_headers_unless_configured(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    _, _, headers = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
    assert not [name for name in headers if name.startswith("X-Sentry-Rate-Limit")]


async def test_fixed_window_limit_headers_and_429(http: aiohttp.ClientSession) -> None:
    now = [1000.5]
    limits = RateLimitConfig(limit=3, window=10)
    async with FakeSentry(small_org(), rate_limit=limits, clock=lambda: now[0]) as fake:
        url = f"{fake.api_url}/organizations/acme/"
        answers = [await call(http, "GET", url) for _ in range(4)]
        now[0] = 1010.0  # the next window
        after = await call(http, "GET", url)
    remaining = [h["X-Sentry-Rate-Limit-Remaining"] for _, _, h in answers]
    assert remaining == ["2", "1", "0", "0"]
    assert {h["X-Sentry-Rate-Limit-Reset"] for _, _, h in answers} == {"1010"}
    assert {h["X-Sentry-Rate-Limit-Limit"] for _, _, h in answers} == {"3"}
    status, body, headers = answers[3]
    assert status == 429
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == {
        "detail": "You are attempting to use this endpoint too frequently. "
        "Limit is 3 requests in 10 seconds"
    }
    assert "Retry-After" not in headers and "X-Sentry-Rate-Limit-ConcurrentLimit" not in headers
    assert after[0] == 200 and after[2]["X-Sentry-Rate-Limit-Reset"] == "1020"
    assert fake.counters.rate_limited == 1 and fake.counters.statuses[429] == 1


async def test_retry_after_is_optional_and_routes_can_override(http: aiohttp.ClientSession) -> None:
    route = "GET /organizations/{org}/members/"
    limits = RateLimitConfig(
        limit=1, window=60, retry_after=True, routes={route: RouteLimit(limit=100, window=1)}
    )
    async with FakeSentry(small_org(), rate_limit=limits, clock=lambda: 30.0) as fake:
        org_url = f"{fake.api_url}/organizations/acme/"
        members_url = f"{fake.api_url}/organizations/acme/members/"
        await call(http, "GET", org_url)
        limited = await call(http, "GET", org_url)
        member_answers = [await call(http, "GET", members_url) for _ in range(3)]
    assert limited[0] == 429 and limited[2]["Retry-After"] == "30"
    assert [status for status, _, _ in member_answers] == [200, 200, 200]
    assert member_answers[-1][2]["X-Sentry-Rate-Limit-Limit"] == "100"


async def test_routes_in_one_bucket_share_a_budget(http: aiohttp.ClientSession) -> None:
    shared = RouteLimit(limit=2, window=60, bucket="org-reads")
    limits = RateLimitConfig(
        routes={
            "GET /organizations/{org}/": shared,
            "GET /organizations/{org}/teams/": shared,
        }
    )
    async with FakeSentry(small_org(), rate_limit=limits, clock=lambda: 5.0) as fake:
        statuses = [
            (await call(http, "GET", f"{fake.api_url}/organizations/acme/{path}"))[0]
            for path in ("", "teams/", "teams/", "projects/")
        ]
    assert statuses == [200, 200, 429, 200]


async def test_concurrent_limit_refuses_the_third_in_flight(http: aiohttp.ClientSession) -> None:
    gate = asyncio.Event()

    async def held(_: float) -> None:  # SLOW faults wait here instead of really sleeping
        await gate.wait()

    async with FakeSentry(
        small_org(),
        rate_limit=RateLimitConfig(concurrent_limit=2),
        faults=[Fault(FaultKind.SLOW, "GET /organizations/{org}/")],
        sleep=held,
    ) as fake:
        url = f"{fake.api_url}/organizations/acme/"
        tasks = [asyncio.create_task(call(http, "GET", url)) for _ in range(3)]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        gate.set()
        results = await asyncio.gather(*tasks)
    first = next(iter(done)).result()
    assert first[0] == 429
    assert first[1] == {
        "detail": "You are attempting to go above the allowed concurrency for this endpoint. "
        "Concurrency limit is 2"
    }
    assert first[2]["X-Sentry-Rate-Limit-ConcurrentLimit"] == "2"
    assert first[2]["X-Sentry-Rate-Limit-ConcurrentRemaining"] == "0"
    assert sorted(status for status, _, _ in results) == [200, 200, 429]
    counters = fake.counters
    assert counters.concurrency_limited == 1 and counters.throttled == 1
    assert counters.max_in_flight == 3
    assert counters.max_in_flight_by_route["GET /organizations/{org}/"] == 3
    assert counters.in_flight == 0


# -- faults ---------------------------------------------------------------------------------


async def test_server_error_fault(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    fake.faults.add(Fault(FaultKind.SERVER_ERROR, "/organizations/{org}/", status=503))
    status, body, headers = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
    assert status == 503 and headers["Content-Type"] == "application/json"
    assert body["detail"] == "Internal Error" and re.fullmatch(r"[0-9a-f]{32}", body["errorId"])
    assert fake.counters.faults["server_error"] == 1


async def test_html_error_fault_looks_like_a_proxy(http: aiohttp.ClientSession) -> None:
    limits = RateLimitConfig(limit=10)
    async with FakeSentry(
        small_org(), rate_limit=limits, faults=[Fault(FaultKind.HTML_ERROR)]
    ) as fake:
        status, body, headers = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
    assert status == 502 and headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in body
    assert "X-Sentry-Rate-Limit-Limit" not in headers


async def test_drop_fault_closes_the_connection(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    # A POST, because aiohttp's client silently retries idempotent methods once after a drop.
    fake.faults.add(Fault(FaultKind.DROP, "POST /organizations/{org}/members/", times=1))
    url = f"{fake.api_url}/organizations/acme/members/"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, "POST", url, {"email": "drop@x.example"})
    assert fake.org.member_by_email("drop@x.example") is None  # dropped before the handler
    assert (await call(http, "POST", url, {"email": "drop@x.example"}))[0] == 201
    assert fake.counters.faults["drop"] == 1
    assert [entry.status for entry in fake.counters.log] == [0, 201]


async def test_slow_fault_delays_then_answers(http: aiohttp.ClientSession) -> None:
    waited: list[float] = []

    async def record(delay: float) -> None:
        waited.append(delay)

    plan = [Fault(FaultKind.SLOW, delay=0.25), Fault(FaultKind.SLOW, delay=0.5, times=1)]
    async with FakeSentry(small_org(), faults=plan, sleep=record) as fake:
        first = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
        second = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
    assert first[0] == second[0] == 200
    assert waited == [0.75, 0.25]


async def test_slow_fault_really_waits_by_default(http: aiohttp.ClientSession) -> None:
    loop = asyncio.get_running_loop()
    async with FakeSentry(small_org(), faults=[Fault(FaultKind.SLOW, delay=0.05)]) as fake:
        started = loop.time()
        status, _, _ = await call(http, "GET", f"{fake.api_url}/organizations/acme/")
    assert status == 200 and loop.time() - started >= 0.05


async def test_truncated_fault_cuts_the_json_body(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/projects/"
    async with http.get(url) as resp:
        whole = await resp.read()
    fake.faults.add(Fault(FaultKind.TRUNCATED, times=1))
    async with http.get(url) as resp:
        cut = await resp.read()
        assert resp.status == 200
    assert cut == whole[: len(whole) // 2]
    with pytest.raises(ValueError):  # noqa: PT011 - json and orjson word it differently
        json.loads(cut)


async def test_applied_then_500_performs_the_write(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    fake.faults.add(Fault(FaultKind.APPLIED_THEN_500))
    members = f"{fake.api_url}/organizations/acme/members/"
    status, body, _ = await call(http, "POST", members, {"email": "new@acme.example"})
    assert status == 500 and body["detail"] == "Internal Error"
    assert fake.org.member_by_email("new@acme.example") is not None
    assert (await call(http, "GET", members))[0] == 200  # reads are never hit by this kind
    again = await call(http, "POST", members, {"email": "new@acme.example"})
    assert again[0] == 500
    counters = fake.counters
    assert counters.created["member"] == 1 and counters.writes_applied == 1
    assert counters.faults["applied_then_500"] == 2


async def test_fail_next_n_then_recover(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    route = "GET /organizations/{org}/teams/"
    fake.faults.fail_next(route, 2)
    url = f"{fake.api_url}/organizations/acme/teams/"
    other = (await call(http, "GET", f"{fake.api_url}/organizations/acme/"))[0]
    statuses = [(await call(http, "GET", url))[0] for _ in range(3)]
    assert other == 200 and statuses == [500, 500, 200]
    assert fake.faults.rules == []


async def test_faults_can_be_replaced_at_runtime(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/"
    fake.set_faults(Fault(FaultKind.SERVER_ERROR))
    assert (await call(http, "GET", url))[0] == 500
    fake.set_faults()
    assert (await call(http, "GET", url))[0] == 200


def test_fault_draws_repeat_for_a_seed() -> None:
    def outcomes(seed: int) -> list[str | None]:
        plan = FaultPlan([Fault(FaultKind.SERVER_ERROR, probability=0.3)], seed=seed)
        draws = [plan.draw("GET /x/", "/x/", write=False).fault for _ in range(200)]
        return [fault.kind.value if fault else None for fault in draws]

    first = outcomes(3)
    assert first == outcomes(3) and first != outcomes(4)
    assert 30 <= first.count("server_error") <= 90


def test_fault_rules_match_route_keys_and_templates() -> None:
    plan = FaultPlan(
        [
            Fault(FaultKind.DROP, "POST /t/"),
            Fault(FaultKind.SERVER_ERROR, "/t/"),
            Fault(FaultKind.APPLIED_THEN_500),
        ]
    )

    def kind(key: str, write: bool) -> FaultKind | None:
        fault = plan.draw(key, key.split(" ")[1], write=write).fault
        return fault.kind if fault else None

    assert kind("POST /t/", True) is FaultKind.DROP
    assert kind("GET /t/", False) is FaultKind.SERVER_ERROR
    assert kind("PUT /u/", True) is FaultKind.APPLIED_THEN_500
    assert kind("GET /u/", False) is None
    with pytest.raises(ValueError, match="probability"):
        Fault(FaultKind.DROP, probability=1.5)


# -- routing, auth and error bodies ---------------------------------------------------------


async def test_encoded_segments_never_reach_another_route(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    slug = fake.org.projects[0].slug
    api = fake.api_url
    for path in (
        f"/projects/acme/{slug}%2Fkeys/",
        "/projects/acme/%2E%2E/",
        f"/projects/acme%2F{slug}/",
        "/projects/acme/a%3Fb%23c/",
        f"/projects/acme/{slug}%2F..%2F/",
    ):
        assert (await call(http, "GET", api + path))[:2] == (404, NOT_FOUND), path
    assert (await call(http, "GET", f"{api}/projects/acme/{slug}/keys/"))[0] == 200


async def test_unknown_things_answer_404(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    api = fake.api_url
    for path in (
        "/organizations/nope/projects/",
        "/projects/acme/nope/",
        "/organizations/acme/members/999999/",
        "/organizations/nope/issues/1/external-issues/",
        "/organizations/acme/repos/999/commits/",
        "/nothing/here/",
        "/organizations/acme/projects",  # no trailing slash
    ):
        assert (await call(http, "GET", api + path))[:2] == (404, NOT_FOUND), path
    assert fake.counters.by_route["<unmatched>"] == 2


async def test_wrong_method_gets_405(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    status, body, headers = await call(http, "PATCH", f"{fake.api_url}/organizations/acme/")
    assert (status, body) == (405, {"detail": 'Method "PATCH" not allowed.'})
    assert headers["Allow"] == "GET, PUT"
    async with http.head(f"{fake.api_url}/organizations/acme/members/") as head:
        assert head.status == 200 and "Link" in head.headers and not await head.read()


async def test_token_is_checked_when_configured(http: aiohttp.ClientSession) -> None:
    async with FakeSentry(small_org(), token="sntryu_good") as fake:
        url = f"{fake.api_url}/organizations/acme/"
        missing = await call(http, "GET", url)
        wrong = await call(http, "GET", url, headers={"Authorization": "Bearer sntryu_bad"})
        right = await call(http, "GET", url, headers={"Authorization": "bearer sntryu_good"})
    assert missing[:2] == (401, {"detail": "Authentication credentials were not provided."})
    assert wrong[:2] == (401, {"detail": "Invalid token"})
    assert wrong[2]["WWW-Authenticate"] == 'xBasic realm="api"'
    assert right[0] == 200


async def test_a_crashing_handler_answers_sentrys_500(
    fake: FakeSentry, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    fake.org.teams = None  # type: ignore[assignment]  # break the org on purpose
    status, body, _ = await call(http, "GET", f"{fake.api_url}/organizations/acme/teams/")
    assert status == 500 and body["detail"] == "Internal Error"
    assert "fake Sentry failed on GET" in caplog.text
    assert fake.counters.statuses[500] == 1 and fake.counters.in_flight == 0


async def test_bad_json_body_is_a_400(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_url}/organizations/acme/members/"
    async with http.post(url, data=b"{nope") as resp:
        assert resp.status == 400
        assert (await resp.json())["detail"].startswith("JSON parse error")
    status, body, _ = await call(http, "POST", url, [1, 2])
    assert status == 400 and "non_field_errors" in body


# -- payload shapes -------------------------------------------------------------------------


async def test_payloads_carry_the_real_surprises(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    api = fake.api_url
    _, projects, _ = await call(http, "GET", f"{api}/organizations/acme/projects/?all_projects=1")
    assert {p["platform"] for p in projects} >= {"", None}
    assert any(p["firstEvent"] is None for p in projects)
    assert any(p["team"] is None for p in projects)
    _, keys, _ = await call(http, "GET", f"{api}/organizations/acme/project-keys/")
    assert all(isinstance(k["projectId"], int) and isinstance(k["id"], str) for k in keys)
    assert any(k["rateLimit"] is None for k in keys)
    assert any(k["rateLimit"] and set(k["rateLimit"]) == {"window", "count"} for k in keys)
    _, members, _ = await call(http, "GET", f"{api}/organizations/acme/members/")
    pending = [m for m in members if m["pending"]]
    assert pending and all(m["user"] is None for m in pending)
    assert "sso:linked" in members[0]["flags"]
    active = next(p for p in fake.org.projects if p.first_event is not None)
    _, users, _ = await call(http, "GET", f"{api}/projects/acme/{active.slug}/users/")
    assert any(u["dateCreated"] is None for u in users) or len(users) < 10
    hooked = next(p for p in fake.org.projects if fake.org.hooks_of(p))
    _, hooks, _ = await call(http, "GET", f"{api}/projects/acme/{hooked.slug}/hooks/")
    assert set(hooks[0]) == {"id", "url", "secret", "status", "events", "dateCreated"}


async def test_org_details_detailed_and_summary(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/"
    _, detailed, _ = await call(http, "GET", url)
    _, summary, _ = await call(http, "GET", url + "?detailed=0")
    assert detailed["status"] == {"id": "active", "name": "active"}
    assert {"features", "access", "teams", "projects", "quota"} <= set(detailed)
    assert "teams" not in summary and summary["slug"] == "acme"
    assert detailed["links"]["regionUrl"] == fake.url  # never points off loopback


async def test_project_stats_are_aligned_pairs(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    org = fake.org
    busy = next(p for p in org.projects if p.first_event is not None and p.last_event is None)
    silent = next(p for p in org.projects if p.first_event is None)
    query = f"?stat=received&since={NOW - DAY}&until={NOW}&resolution=1h"
    _, points, headers = await call(
        http, "GET", f"{fake.api_url}/projects/acme/{busy.slug}/stats/{query}"
    )
    _, zeros, _ = await call(
        http, "GET", f"{fake.api_url}/projects/acme/{silent.slug}/stats/{query}"
    )
    assert "Link" not in headers and len(points) == 25
    assert all(ts % 3600 == 0 and isinstance(n, int) for ts, n in points)
    assert sum(n for _, n in points) > 0 and all(n == 0 for _, n in zeros)
    bad = await call(http, "GET", f"{fake.api_url}/projects/acme/{busy.slug}/stats/?resolution=2h")
    assert bad[0] == 400


async def test_stats_v2_groups(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    base = f"{fake.api_url}/organizations/acme/stats_v2/"
    query = "?field=sum(quantity)&groupBy=outcome&groupBy=category&statsPeriod=2d&interval=1d"
    status, body, _ = await call(http, "GET", base + query + "&category=error")
    assert status == 200 and len(body["intervals"]) in (2, 3)
    assert {g["by"]["category"] for g in body["groups"]} == {"error"}
    group = body["groups"][0]
    assert group["totals"]["sum(quantity)"] == sum(group["series"]["sum(quantity)"])
    missing = await call(http, "GET", base + "?groupBy=outcome")
    assert missing[:2] == (400, {"detail": 'Request is missing a "field"'})


async def test_short_and_event_id_resolution(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    project = fake.org.projects[5]
    short = f"{project.slug.upper()}-1A"
    api = f"{fake.api_url}/organizations/acme"
    _, found, _ = await call(http, "GET", f"{api}/shortids/{short}/")
    assert found["projectSlug"] == project.slug and found["group"]["shortId"] == short
    assert found["groupId"] == found["group"]["id"]
    assert (await call(http, "GET", f"{api}/shortids/NOPE-1/"))[0] == 404
    _, event, _ = await call(http, "GET", f"{api}/eventids/{'ab' * 16}/")
    assert event["eventId"] == "ab" * 16 and event["event"]["groupID"] == event["groupId"]
    assert (await call(http, "GET", f"{api}/eventids/xyz/"))[0] == 404


async def test_tag_values_page_and_unknown_keys(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    project = next(p for p in fake.org.projects if p.first_event is not None)
    url = f"{fake.api_url}/projects/acme/{project.slug}/tags/"
    _, values, headers = await call(http, "GET", url + "user/values/")
    assert len(values) == 100 and links(headers)["next"][1] is True
    assert set(values[0]) == {"key", "name", "value", "count", "lastSeen", "firstSeen"}
    assert (await call(http, "GET", url + "nope/values/"))[0] == 404


# -- writes ---------------------------------------------------------------------------------


async def test_project_create_conflicts_and_validation(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    team = next(iter(fake.org.teams))
    url = f"{fake.api_url}/teams/acme/{team}/projects/"
    status, created, _ = await call(http, "POST", url, {"name": "Web Shop", "platform": "python"})
    assert status == 201 and created["slug"] == "web-shop" and created["team"]["slug"] == team
    assert (await call(http, "POST", url, {"name": "x", "slug": "web-shop"}))[:2] == (
        409,
        {"detail": "A project with this slug already exists."},
    )
    bad = await call(http, "POST", url, {"name": "x", "slug": "Bad/Slug"})
    assert bad[0] == 400 and list(bad[1]) == ["slug"]
    assert (await call(http, "POST", url, {}))[:2] == (400, {"name": ["This field is required."]})
    assert (await call(http, "POST", f"{fake.api_url}/teams/acme/nope/projects/", {"name": "x"}))[
        0
    ] == 404
    _, keys, _ = await call(http, "GET", f"{fake.api_url}/projects/acme/web-shop/keys/")
    assert len(keys) == 1  # a new project comes with its default DSN
    assert fake.counters.created["project"] == 1 and fake.counters.writes_applied == 1


async def test_renamed_project_redirects_with_302(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    old = fake.org.projects[0].slug
    api = fake.api_url
    status, body, _ = await call(http, "PUT", f"{api}/projects/acme/{old}/", {"slug": "renamed"})
    assert status == 200 and body["slug"] == "renamed"
    status, body, headers = await call(http, "GET", f"{api}/projects/acme/{old}/hooks/?per_page=5")
    assert status == 302
    assert headers["Location"] == "/api/0/projects/acme/renamed/hooks/?per_page=5"
    assert body["slug"] == "renamed" and body["detail"]["code"] == "resource-moved"
    taken = fake.org.projects[1].slug
    clash = await call(http, "PUT", f"{api}/projects/acme/renamed/", {"slug": taken})
    assert clash[:2] == (400, {"slug": [f"Another project ({taken}) is already using that slug"]})
    assert (await call(http, "DELETE", f"{api}/projects/acme/renamed/"))[:2] == (204, None)
    assert (await call(http, "GET", f"{api}/projects/acme/renamed/"))[0] == 404
    assert (await call(http, "GET", f"{api}/projects/acme/{old}/"))[0] == 404


async def test_member_lifecycle(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_url}/organizations/acme/members/"
    team = next(iter(fake.org.teams))
    status, member, _ = await call(
        http, "POST", url, {"email": "pat@x.example", "orgRole": "admin", "teams": [team]}
    )
    assert status == 201 and member["user"] is None and member["pending"] is True
    assert member["orgRole"] == "admin"
    duplicate = await call(http, "POST", url, {"email": "PAT@x.example"})
    assert duplicate[:2] == (409, {"email": ["The user PAT@x.example is already a member"]})
    assert (await call(http, "POST", url, {"email": "q@x.example", "teams": ["nope"]}))[0] == 400
    one = f"{url}{member['id']}/"
    status, updated, _ = await call(http, "PUT", one, {"orgRole": "manager", "teams": [team]})
    assert status == 200 and updated["orgRole"] == "manager" and updated["teams"] == [team]
    assert (await call(http, "DELETE", one))[:2] == (204, None)
    assert (await call(http, "GET", one))[0] == 404
    assert fake.counters.created["member"] == 1 and fake.counters.deleted["member"] == 1


async def test_the_only_owner_cannot_be_removed(http: aiohttp.ClientSession) -> None:
    org = FakeOrg.generate(projects=1, members=3, seed=1, now=NOW)
    owner = next(m for m in org.members.values() if m.role == "owner")
    async with FakeSentry(org) as fake:
        url = f"{fake.api_url}/organizations/acme/members/{owner.id}/"
        assert (await call(http, "DELETE", url))[0] == 403


async def test_hook_lifecycle(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    slug = fake.org.projects[3].slug
    url = f"{fake.api_url}/projects/acme/{slug}/hooks/"
    body = {"url": "https://example.com/hook", "events": ["event.alert"]}
    status, hook, _ = await call(http, "POST", url, body)
    assert status == 201 and hook["status"] == "active" and len(hook["secret"]) == 64
    one = f"{url}{hook['id']}/"
    assert (await call(http, "GET", one))[1] == hook
    status, updated, _ = await call(http, "PUT", one, {"events": ["event.created"]})
    assert status == 200 and updated["events"] == ["event.created"]
    assert (await call(http, "POST", url, {"url": "nope"}))[:2] == (
        400,
        {"url": ["Enter a valid URL."]},
    )
    bad_event = await call(http, "POST", url, {"url": "https://e.example", "events": ["x"]})
    assert bad_event[:2] == (400, {"events": ["Invalid event name: x"]})
    assert (await call(http, "DELETE", one))[:2] == (204, None)
    assert (await call(http, "GET", one))[0] == 404
    assert fake.counters.created["hook"] == 1 and fake.counters.deleted["hook"] == 1


async def test_external_issue_lifecycle(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    uuid = next(iter(fake.org.installations))
    url = f"{fake.api_url}/sentry-app-installations/{uuid}/external-issues/"
    request = {"issueId": 1, "webUrl": "https://t.example/1", "project": "OPS", "identifier": "9"}
    status, issue, _ = await call(http, "POST", url, request)
    assert status == 200  # not 201: Sentry answers 200 here
    assert issue["issueId"] == "1" and issue["displayName"] == "OPS#9"
    listing = f"{fake.api_url}/organizations/acme/issues/1/external-issues/"
    _, listed, _ = await call(http, "GET", listing)
    assert issue in listed
    _, other, _ = await call(http, "GET", listing.replace("/1/", "/2/"))
    assert issue not in other
    assert (await call(http, "GET", url))[0] == 405  # Sentry lists per issue, not here
    assert (await call(http, "POST", url, {"issueId": 1}))[0] == 400
    assert (await call(http, "DELETE", f"{url}{issue['id']}/"))[:2] == (204, None)
    assert (await call(http, "DELETE", f"{url}{issue['id']}/"))[0] == 404
    assert fake.counters.created["external_issue"] == 1


async def test_org_update_and_rename(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_url}/organizations/acme/"
    status, body, _ = await call(http, "PUT", url, {"name": "Acme 2", "isEarlyAdopter": True})
    assert status == 200 and body["name"] == "Acme 2" and body["isEarlyAdopter"] is True
    assert (await call(http, "PUT", url, {"slug": "Not Valid"}))[0] == 400
    assert (await call(http, "PUT", url, {"slug": "acme-two"}))[0] == 200
    assert (await call(http, "GET", url))[0] == 404
    assert (await call(http, "GET", f"{fake.api_url}/organizations/acme-two/"))[0] == 200


# -- SCIM -----------------------------------------------------------------------------------


async def test_scim_paging_has_no_link_header(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/scim/v2/Users"
    expected = sorted(
        (m for m in fake.org.members.values() if m.invite_status == "approved"),
        key=lambda m: m.email,
    )
    _, first, headers = await call(http, "GET", url + "?count=10")
    _, second, _ = await call(http, "GET", url + "?startIndex=11&count=10")
    assert "Link" not in headers
    assert first["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (
        len(expected),
        1,
        10,
    )
    ids = [u["id"] for u in first["Resources"] + second["Resources"]]
    assert ids == [m.id for m in expected[:20]]
    _, past, _ = await call(http, "GET", url + "?startIndex=1000")
    assert past["itemsPerPage"] == 0 and past["Resources"] == []
    assert (await call(http, "GET", url + "?startIndex=0"))[0] == 400


async def test_scim_filter(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_url}/organizations/acme/scim/v2/Users"
    email = next(m.email for m in fake.org.members.values() if not m.pending)
    for expr in (f'userName eq "{email.upper()}"', f"userName eq '{email}'"):
        _, body, _ = await call(http, "GET", f"{url}?filter={quote(expr)}")
        assert body["totalResults"] == 1 and body["Resources"][0]["emails"][0]["value"] == email
    for expr in ('userName co "a"', 'userName eq "a" and active eq true', "nonsense"):
        status, body, _ = await call(http, "GET", f"{url}?filter={quote(expr)}")
        assert (status, body) == (400, {"schemas": [SCIM_ERROR], "scimType": "invalidFilter"})


async def test_scim_user_lifecycle(fake: FakeSentry, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_url}/organizations/acme/scim/v2/Users"
    status, user, _ = await call(http, "POST", url, {"userName": "okta@x.example"})
    assert status == 201 and user["userName"] == "okta@x.example" and user["active"] is True
    conflict = await call(http, "POST", url, {"userName": "OKTA@x.example"})
    assert conflict[:2] == (
        409,
        {"schemas": [SCIM_ERROR], "detail": "User already exists in the database."},
    )
    owner = await call(http, "POST", url, {"userName": "o@x.example", "sentryOrgRole": "owner"})
    assert owner[:2] == (400, {"schemas": [SCIM_ERROR], "detail": "Invalid organization role."})
    one = f"{url}/{user['id']}"
    status, put, _ = await call(http, "PUT", one, {"sentryOrgRole": "admin"})
    assert status == 200 and put["sentryOrgRole"] == "admin"
    # Sentry supports deactivation only: activating is an invalid operation, not a no-op.
    replace = {"op": "Replace", "path": "active", "value": True}
    activate = await call(http, "PATCH", one, {"Operations": [replace]})
    assert activate[:2] == (400, {"schemas": [SCIM_ERROR], "detail": "Invalid Patch Operation."})
    invalid = await call(http, "PATCH", one, {"Operations": [{"op": "add", "path": "x"}]})
    assert invalid[:2] == (400, {"schemas": [SCIM_ERROR], "detail": "Invalid Patch Operation."})
    deactivate = {"op": "replace", "value": {"active": "False"}}
    assert (await call(http, "PATCH", one, {"Operations": [deactivate]}))[:2] == (204, None)
    status, body, _ = await call(http, "GET", one)
    assert status == 404 and body["schemas"] == [SCIM_ERROR]
    assert fake.counters.created["scim_user"] == 1 and fake.counters.deleted["scim_user"] == 1


async def test_scim_path_deactivation_and_delete(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/scim/v2/Users"
    joined = [m for m in fake.org.members.values() if not m.pending and m.role != "owner"]
    first = f"{url}/{joined[0].id}"
    patch = {"Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert (await call(http, "PATCH", first, patch))[:2] == (204, None)
    assert joined[0].id not in fake.org.members
    assert (await call(http, "DELETE", f"{url}/{joined[1].id}"))[:2] == (204, None)
    assert (await call(http, "DELETE", f"{url}/{joined[1].id}"))[0] == 404


# -- counters, lifecycle, standalone process, pytest plugin ---------------------------------


async def test_counters_reset_and_bounded_log(http: aiohttp.ClientSession) -> None:
    async with FakeSentry(small_org(), log_size=3) as fake:
        for _ in range(5):
            await call(http, "GET", f"{fake.api_url}/organizations/acme/")
        assert fake.counters.requests == 5 and len(fake.counters.log) == 3
        assert fake.counters.log[-1].route == "GET /organizations/{org}/"
        fake.reset()
        assert fake.counters.requests == 0 and not fake.counters.log
        assert fake.counters.max_in_flight == 0
        await call(http, "GET", f"{fake.api_url}/organizations/acme/")
        assert fake.counters.by_route == {"GET /organizations/{org}/": 1}


async def test_every_route_key_is_served(fake: FakeSentry) -> None:
    keys = set(fake.route_keys)
    assert len(keys) >= 38
    assert {
        "GET /organizations/{org}/projects/",
        "POST /teams/{org}/{team}/projects/",
        "PATCH /organizations/{org}/scim/v2/Users/{member_id}",
        "DELETE /sentry-app-installations/{uuid}/external-issues/{external_issue_id}/",
        "GET /organizations/{org}/environments/",
    } <= keys


async def test_url_requires_start() -> None:
    fake = FakeSentry(small_org())
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.url
    await fake.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake.url)
    finally:
        await fake.close()


async def _read_first_line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), timeout=15)).decode().strip()


async def test_standalone_process_serves_until_sigterm(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sentry_async.testing",
        "--projects",
        "30",
        "--rate-limit",
        "40",
        "--concurrent-limit",
        "25",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        url = await _read_first_line(proc.stdout)
        status, body, headers = await call(http, "GET", f"{url}/api/0/organizations/acme/projects/")
        assert status == 200 and len(body) == 30
        assert headers["X-Sentry-Rate-Limit-ConcurrentLimit"] == "25"
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), timeout=10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_open_sentry_fake_pairs_a_fake_and_a_client() -> None:
    from sentry_async import SentryClient

    options = {"org": FakeOrg.generate(projects=3, members=2, seed=1, now=NOW)}
    async with open_sentry_fake(options) as pair:
        assert isinstance(pair.client, SentryClient)
        assert pair.fake.token == "fake-token" and pair.fake.org.slug == "acme"
        async with aiohttp.ClientSession() as http:
            url = f"{pair.fake.api_url}/organizations/acme/"
            bearer = {"Authorization": "Bearer fake-token"}
            assert (await call(http, "GET", url, headers=bearer))[0] == 200


@pytest.fixture
def sentry_fake_options() -> dict[str, Any]:
    """Overrides the plugin's options fixture for ``test_sentry_fake_fixture``."""
    return {"org": FakeOrg.generate(projects=4, members=2, seed=1, now=NOW), "token": "t0k"}


async def test_sentry_fake_fixture(sentry_fake: SentryFake) -> None:  # noqa: F811 - fixture
    from sentry_async import SentryClient

    assert isinstance(sentry_fake.client, SentryClient)
    assert len(sentry_fake.fake.org.projects) == 4 and sentry_fake.fake.token == "t0k"
    async with aiohttp.ClientSession() as http:
        url = f"{sentry_fake.fake.api_url}/organizations/acme/"
        assert (await call(http, "GET", url, headers={"Authorization": "Bearer t0k"}))[0] == 200


def test_serve_in_thread_answers_synchronous_callers() -> None:
    import urllib.request

    from sentry_async.testing import serve_in_thread

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
    with serve_in_thread(FakeOrg.generate("acme", projects=3)) as fake:
        url = f"{fake.api_url}/organizations/acme/projects/"
        with direct.open(url, timeout=10) as answer:
            assert len(json.loads(answer.read())) == 3
        assert fake.counters.requests == 1


# -- behaviours the library's docstrings describe, pinned as Sentry has them -------------------


async def test_member_put_without_teams_leaves_no_team(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/members/"
    team = next(iter(fake.org.teams))
    _, member, _ = await call(http, "POST", url, {"email": "t@x.example", "teams": [team]})
    one = f"{url}{member['id']}/"
    status, updated, _ = await call(http, "PUT", one, {"orgRole": "admin", "role": "admin"})
    assert status == 200 and updated["orgRole"] == "admin" and updated["teams"] == []


async def test_member_invite_reads_org_role_then_role(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/members/"
    _, legacy, _ = await call(http, "POST", url, {"email": "r@x.example", "role": "admin"})
    _, both, _ = await call(
        http, "POST", url, {"email": "b@x.example", "role": "manager", "orgRole": "manager"}
    )
    assert (legacy["orgRole"], both["orgRole"]) == ("admin", "manager")


def _member_org() -> FakeOrg:
    org = FakeOrg.generate(projects=1, members=12, seed=3, now=NOW)
    return org


async def _emails(http: aiohttp.ClientSession, fake: FakeSentry, query: str) -> set[str]:
    url = f"{fake.api_url}/organizations/acme/members/?per_page=100&query={quote(query)}"
    status, body, _ = await call(http, "GET", url)
    assert status == 200
    return {member["email"] for member in body}


async def test_member_list_query_filters_like_sentry(http: aiohttp.ClientSession) -> None:
    async with FakeSentry(_member_org()) as fake:
        members = list(fake.org.members.values())
        requested = members[-1]
        requested.invite_status = "requested_to_be_invited"
        members = [m for m in members if m is not requested]
        everyone = {m.email for m in members}
        # Requests to be invited are not members yet: not listed, and no details.
        assert await _emails(http, fake, "") == everyone
        member_url = f"{fake.api_url}/organizations/acme/members/{requested.id}/"
        assert (await call(http, "GET", member_url))[0] == 404
        some = next(m for m in members[1:] if not m.pending)
        assert await _emails(http, fake, f"email:{some.email}") == {some.email}
        # An account's e-mail matches in any case; an invite's as stored.
        assert await _emails(http, fake, f"email:{some.email.upper()}") == {some.email}
        invite = next(m for m in members if m.pending)
        assert await _emails(http, fake, f"email:{invite.email.upper()}") == set()
        admins = {m.email for m in members if m.role == "admin"}
        assert await _emails(http, fake, "role:admin") == admins
        both = {m.email for m in members if m.role in ("admin", "owner")}
        assert await _emails(http, fake, "role:admin role:owner") == both
        invited = {m.email for m in members if m.pending}
        assert invited and await _emails(http, fake, "isInvited:true") == invited
        assert await _emails(http, fake, "isInvited:false") == everyone - invited
        with_2fa = {m.email for m in members if not m.pending and m.has_2fa}
        assert await _emails(http, fake, "has2fa:true") == with_2fa
        # has2fa:false lists joined members without 2FA: pending invites have no user.
        assert await _emails(http, fake, "has2fa:false") == everyone - with_2fa - invited
        fragment = some.email.split("@")[0][1:].upper()
        assert some.email in await _emails(http, fake, fragment)
        assert some.email in await _emails(http, fake, some.name.split()[-1].lower())
        some.username = "zz-only-in-username"
        assert await _emails(http, fake, "zz-only-in-username") == set()
        assert await _emails(http, fake, "role:admin isInvited:true") == admins & invited
        assert await _emails(http, fake, "hasExternalUsers:true") == set()
        assert await _emails(http, fake, "hasExternalUsers:false") == everyone
        url = f"{fake.api_url}/organizations/acme/members/?query={quote('scope:member:admin')}"
        status, body, _ = await call(http, "GET", url)
        assert status == 400 and "does not model" in body["detail"]
        # An unknown key matches nothing, as in Sentry.
        assert await _emails(http, fake, "colour:blue") == set()


async def test_member_put_team_roles_like_sentry(http: aiohttp.ClientSession) -> None:
    async with FakeSentry(
        FakeOrg.generate(projects=6, members=12, teams=3, seed=3, now=NOW)
    ) as fake:
        member = next(m for m in fake.org.members.values() if not m.pending and m.role == "member")
        a, b = list(fake.org.teams)[:2]
        url = f"{fake.api_url}/organizations/acme/members/{member.id}/"
        roles = [{"teamSlug": a, "role": "admin"}, {"teamSlug": b, "role": None}]
        status, body, _ = await call(http, "PUT", url, {"teamRoles": roles})
        assert status == 200 and body["teams"] == [a, b] and body["teamRoles"] == roles
        # A role change that sends the team roles back keeps them.
        status, body, _ = await call(http, "PUT", url, {"orgRole": "admin", "teamRoles": roles})
        assert body["teamRoles"] == roles and body["orgRole"] == "admin"
        # ``teams`` alone keeps the teams but clears their roles; nothing clears the teams.
        status, body, _ = await call(http, "PUT", url, {"teams": [a]})
        assert body["teamRoles"] == [{"teamSlug": a, "role": None}]
        status, body, _ = await call(http, "PUT", url, {"orgRole": "member"})
        assert body["teams"] == [] and body["teamRoles"] == []
        bad = [{"teamSlug": a, "role": "captain"}]
        assert (await call(http, "PUT", url, {"teamRoles": bad}))[0] == 400


async def test_stats_v2_grouped_by_project_has_totals_but_no_series(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    base = f"{fake.api_url}/organizations/acme/stats_v2/?field=sum(quantity)&statsPeriod=1d"
    _, by_project, _ = await call(http, "GET", f"{base}&groupBy=project")
    assert by_project["groups"] and all("series" not in g for g in by_project["groups"])
    assert all("sum(quantity)" in g["totals"] for g in by_project["groups"])
    _, by_outcome, _ = await call(http, "GET", f"{base}&groupBy=outcome")
    assert all("series" in g for g in by_outcome["groups"])


async def test_scim_provisioning_accepts_the_core_user_body(
    fake: FakeSentry, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.api_url}/organizations/acme/scim/v2/Users"
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "idp@x.example",
        "name": {"givenName": "Ida", "familyName": "Park"},
        "emails": [{"value": "idp@x.example", "primary": True, "type": "work"}],
        "active": True,
    }
    status, user, _ = await call(http, "POST", url, body)
    # Sentry keeps none of the extra attributes: the name stays N/A.
    assert status == 201 and user["name"] == {"givenName": "N/A", "familyName": "N/A"}
