"""The request pipeline against canned answers: auth, retries, 429s, redirects, slugs, decoding."""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
import pytest
from yarl import URL

from sentry_async import (
    AmbiguousWriteError,
    ConfigurationError,
    DecodeError,
    ManualClock,
    NotFound,
    RateLimited,
    RedirectRefused,
    ResourceMoved,
    RetryPolicy,
    SentryClient,
    ServerError,
    TransportError,
)

from ._mockhttp import CallbackResult, MockHttp
from .conftest import API, TOKEN

ORG = {"id": "1", "slug": "acme", "name": "Acme", "dateCreated": "2024-01-02T03:04:05Z"}
PROJECT = {"id": "7", "slug": "web", "name": "Web", "dateCreated": "2024-01-02T03:04:05.5Z"}
MEMBER = {
    "id": "70",
    "email": "new@acme.test",
    "name": "new@acme.test",
    "user": None,
    "orgRole": "member",
    "pending": True,
    "expired": False,
    "flags": {"sso:linked": False},
    "dateCreated": "2024-05-01T00:00:00Z",
    "inviteStatus": "approved",
}


def calls(mocked: MockHttp, method: str, url: str) -> list[Any]:
    return mocked.requests.get((method, URL(url)), [])


def refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("sentry.example", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


def rate_headers(clock: ManualClock, remaining: int, reset_in: int = 1) -> dict[str, str]:
    return {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": str(remaining),
        "X-Sentry-Rate-Limit-Reset": str(int(clock.time()) + reset_in),
    }


async def test_sends_bearer_token_user_agent_and_decodes(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(f"{API}/organizations/acme/", payload=ORG)
    org = await sentry.organizations.get("acme")
    assert (org.slug, org.name, org.date_created.year) == ("acme", "Acme", 2024)
    (call,) = calls(mocked, "GET", f"{API}/organizations/acme/")
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["User-Agent"].startswith("sentry-async/")


async def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_AUTH_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="SENTRY_AUTH_TOKEN"):
        SentryClient()


async def test_environment_supplies_token_and_base_url(
    monkeypatch: pytest.MonkeyPatch, mocked: MockHttp
) -> None:
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("SENTRY_URL", "https://self.hosted/sentry/")
    mocked.get("https://self.hosted/sentry/api/0/organizations/acme/", payload=ORG)
    async with SentryClient() as client:
        assert client.base_url == "https://self.hosted/sentry/api/0"
        await client.organizations.get("acme")
    (call,) = calls(mocked, "GET", "https://self.hosted/sentry/api/0/organizations/acme/")
    assert call.kwargs["headers"]["Authorization"] == "Bearer from-env"


@pytest.mark.parametrize("bad", ["sentry.io", "ftp://x", "https://user:pw@sentry.io"])
def test_bad_base_urls_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        SentryClient("t", bad)


async def test_get_retries_5xx_with_backoff_then_succeeds(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, status=502, body="<html>bad gateway</html>", content_type="text/html")
    mocked.get(url, status=500, payload={"detail": "Internal Error", "errorId": "abc"})
    mocked.get(url, payload=ORG)
    org = await sentry.organizations.get("acme")
    assert org.slug == "acme"
    assert len(calls(mocked, "GET", url)) == 3
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0


async def test_get_gives_up_after_attempts_with_the_last_error(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, status=503, payload={"detail": "down"}, repeat=True)
    with pytest.raises(ServerError) as info:
        await sentry.organizations.get("acme")
    assert info.value.status == 503
    assert len(calls(mocked, "GET", url)) == 3


async def test_get_retries_dropped_connections_and_refusals(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, exception=aiohttp.ServerDisconnectedError())
    mocked.get(url, exception=refused())
    mocked.get(url, payload=ORG)
    assert (await sentry.organizations.get("acme")).slug == "acme"


async def test_timeouts_are_transport_errors_after_retries(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, exception=TimeoutError(), repeat=True)
    with pytest.raises(TransportError, match=r"no answer within 30\.0s") as info:
        await sentry.organizations.get("acme")
    assert info.value.reason == "timeout"
    assert len(calls(mocked, "GET", url)) == 3


async def test_post_after_500_is_ambiguous_and_never_resent(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/members/"
    mocked.post(url, status=500, payload={"detail": "Internal Error"}, repeat=True)
    with pytest.raises(AmbiguousWriteError) as info:
        await sentry.members.add("acme", email="new@acme.test", role="member")
    assert isinstance(info.value.__cause__, ServerError)
    assert "not re-sent" in str(info.value)
    assert len(calls(mocked, "POST", url)) == 1


async def test_post_after_dropped_connection_is_ambiguous(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/members/"
    mocked.post(url, exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(AmbiguousWriteError):
        await sentry.members.add("acme", email="new@acme.test")
    assert len(calls(mocked, "POST", url)) == 1


async def test_post_retries_when_connection_refused_and_sends_body_once_applied(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/members/"
    mocked.post(url, exception=refused())
    mocked.post(url, status=201, payload=MEMBER)
    member = await sentry.members.add("acme", email="new@acme.test", role="admin", teams=["web"])
    assert member.user is None and member.pending
    sent = calls(mocked, "POST", url)
    assert len(sent) == 2
    assert sent[-1].kwargs["data"] == (
        b'{"email":"new@acme.test","role":"admin","orgRole":"admin","teams":["web"]}'
    )
    assert sent[-1].kwargs["headers"]["Content-Type"] == "application/json"


async def test_post_429_waits_for_reset_then_retries(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/members/"
    mocked.post(
        url,
        status=429,
        body='{"detail":"You are attempting to use this endpoint too frequently."}',
        content_type="text/html",
        headers=rate_headers(clock, 0, reset_in=3),
    )
    mocked.post(url, status=201, payload=MEMBER)
    await sentry.members.add("acme", email="new@acme.test")
    assert len(calls(mocked, "POST", url)) == 2
    assert sum(clock.sleeps) == pytest.approx(3.0, abs=0.05)


async def test_429_retry_after_http_date_is_honoured(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    from email.utils import formatdate

    mocked.get(
        url, status=429, body="", headers={"Retry-After": formatdate(clock.time() + 7, usegmt=True)}
    )
    mocked.get(url, payload=ORG)
    await sentry.organizations.get("acme")
    assert sum(clock.sleeps) == pytest.approx(7.0, abs=1.0)


async def test_429_beyond_the_wait_bound_raises_rate_limited(
    mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, status=429, body="", headers={"Retry-After": "3600"})
    async with SentryClient(
        TOKEN,
        "https://sentry.example",
        clock=clock,
        retry=RetryPolicy(max_rate_limit_wait=60),
        regions=False,
    ) as client:
        with pytest.raises(RateLimited) as info:
            await client.organizations.get("acme")
    assert info.value.retry_after == 3600
    assert clock.sleeps == []


async def test_exhausted_budget_makes_the_next_call_wait_for_reset(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, payload=ORG, headers=rate_headers(clock, 0, reset_in=2))
    mocked.get(url, payload=ORG, headers=rate_headers(clock, 39, reset_in=3))
    await sentry.organizations.get("acme")
    assert clock.sleeps == []
    await sentry.organizations.get("acme")
    assert clock.sleeps and sum(clock.sleeps) == pytest.approx(2.0, abs=0.05)
    assert len(calls(mocked, "GET", url)) == 2  # waited instead of bouncing off a 429


async def test_same_origin_redirect_is_followed_with_auth(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    old = f"{API}/projects/acme/web/"
    mocked.get(
        old,
        status=302,
        headers={"Location": "/api/0/projects/acme/web-new/"},
        payload={"slug": "web-new", "detail": {"code": "resource-moved"}},
    )
    mocked.get(f"{API}/projects/acme/web-new/", payload={**PROJECT, "slug": "web-new"})
    project = await sentry.projects.get("acme", "web")
    assert project.slug == "web-new"
    (call,) = calls(mocked, "GET", f"{API}/projects/acme/web-new/")
    assert call.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_cross_origin_redirect_is_refused_not_followed(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(
        f"{API}/projects/acme/web/",
        status=307,
        headers={"Location": "https://elsewhere.example/api/0/projects/acme/web/"},
    )
    mocked.get("https://elsewhere.example/api/0/projects/acme/web/", payload=PROJECT)
    with pytest.raises(RedirectRefused, match=r"elsewhere\.example.*base_url") as info:
        await sentry.projects.get("acme", "web")
    assert info.value.location == "https://elsewhere.example/api/0/projects/acme/web/"
    assert not calls(mocked, "GET", "https://elsewhere.example/api/0/projects/acme/web/")


async def test_write_to_a_moved_resource_is_not_followed(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(
        f"{API}/projects/acme/web/",
        status=302,
        headers={"Location": "/api/0/projects/acme/web-new/"},
        payload={"slug": "web-new"},
    )
    with pytest.raises(ResourceMoved) as info:
        await sentry.projects.update("acme", "web", name="Web")
    assert info.value.new_slug == "web-new"


async def test_redirect_loops_stop(sentry: SentryClient, mocked: MockHttp) -> None:
    url = f"{API}/projects/acme/web/"
    mocked.get(url, status=302, headers={"Location": "/api/0/projects/acme/web/"}, repeat=True)
    with pytest.raises(ResourceMoved):
        await sentry.projects.get("acme", "web")
    assert len(calls(mocked, "GET", url)) == 6


@pytest.mark.parametrize(
    ("slug", "path"),
    [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("x#y", "x%23y"),
        ("%2e%2e", "%252e%252e"),
        ("..", "%2E%2E"),
    ],
)
async def test_hostile_slugs_reach_the_intended_route(
    sentry: SentryClient, mocked: MockHttp, slug: str, path: str
) -> None:
    url = f"{API}/projects/acme/{path}/"
    # A pattern, because yarl would normalise %2E%2E in a registered URL.
    mocked.get(re.compile(re.escape(url) + "$"), status=404, payload={"detail": "missing"})
    with pytest.raises(NotFound) as info:
        await sentry.projects.get("acme", slug)
    assert info.value.route == "/projects/{org}/{project}/"
    assert info.value.url == url
    assert [str(key[1]) for key in mocked.requests] == [url]


async def test_empty_slug_raises_before_any_request(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="project must not be empty"):
        await sentry.projects.get("acme", "")
    assert mocked.requests == {}


async def test_html_with_200_is_a_decode_error_at_once(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, body="<html>Sign in</html>", content_type="text/html", repeat=True)
    with pytest.raises(DecodeError, match="Sign in"):
        await sentry.organizations.get("acme")
    assert len(calls(mocked, "GET", url)) == 1  # a login page is a set-up error, not luck


async def test_truncated_answer_to_a_get_is_fetched_again(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, body='{"id": "1", "slu', content_type="application/json")
    mocked.get(url, payload=ORG)
    assert (await sentry.organizations.get("acme")).slug == "acme"


async def test_malformed_answer_to_a_post_is_not_resent(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/members/"
    mocked.post(
        url, status=201, body='{"id": "70", "em', content_type="application/json", repeat=True
    )
    with pytest.raises(DecodeError, match="applied: do not send it again"):
        await sentry.members.add("acme", email="new@acme.test")
    assert len(calls(mocked, "POST", url)) == 1


async def test_concurrency_429_backs_off_instead_of_waiting_for_the_window(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(
        url,
        status=429,
        body='{"detail":"You are attempting to go above the allowed concurrency."}',
        headers={
            **rate_headers(clock, 30, reset_in=1),
            "X-Sentry-Rate-Limit-ConcurrentLimit": "2",
            "X-Sentry-Rate-Limit-ConcurrentRemaining": "0",
        },
    )
    mocked.get(url, payload=ORG)
    await sentry.organizations.get("acme")
    # A short jittered backoff (at most the first backoff), not the rest of the window.
    assert len(clock.sleeps) == 1 and clock.sleeps[0] <= 0.5


async def test_wrong_json_shape_is_a_decode_error(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(f"{API}/organizations/acme/", payload=["not", "an", "org"])
    with pytest.raises(DecodeError, match="Organization"):
        await sentry.organizations.get("acme")
    mocked.get(f"{API}/organizations/acme/projects/", payload={"not": "a list"})
    with pytest.raises(DecodeError, match="a list of"):
        await sentry.projects.list("acme").collect()


async def test_token_never_appears_in_reprs_logs_or_errors(
    mocked: MockHttp, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"{API}/organizations/acme/"
    mocked.get(url, status=500, payload={"detail": "boom"})
    mocked.get(url, exception=aiohttp.ServerDisconnectedError())
    mocked.get(url, status=401, payload={"detail": "Invalid token"})
    mocked.post(f"{API}/organizations/acme/members/", status=502, body="<html>x</html>")
    texts: list[str] = []
    async with SentryClient(TOKEN, "https://sentry.example", clock=clock) as client:
        texts += [repr(client), str(client), repr(client._pipeline.state.__dict__)]
        for call in (
            client.organizations.get("acme"),
            client.members.add("acme", email="x@acme.test"),
        ):
            try:
                await call
            except Exception as exc:
                texts += [str(exc), repr(exc), repr(exc.__dict__), repr(exc.__cause__)]
    texts += [record.getMessage() for record in caplog.records]
    assert any("answered 401" in t for t in texts)
    assert len(caplog.records) >= 2
    assert not [t for t in texts if TOKEN in t]


async def test_request_escape_hatch_returns_json(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(f"{API}/organizations/acme/environments/?visibility=visible", payload=[{"id": "1"}])
    got = await sentry.request(
        "GET", "/api/0/organizations/acme/environments/", params={"visibility": "visible"}
    )
    assert got == [{"id": "1"}]


async def test_with_options_shares_pool_and_rate_state(
    sentry: SentryClient, mocked: MockHttp, clock: ManualClock
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, payload=ORG, headers=rate_headers(clock, 0, reset_in=5))
    mocked.get(url, payload=ORG)
    view = sentry.with_options(timeout=120.0, retry=None)
    assert view._pipeline.timeout == 120.0
    assert view._pipeline.state is sentry._pipeline.state
    await sentry.organizations.get("acme")
    await view.organizations.get("acme")  # the view waits on the budget the client learned
    assert sum(clock.sleeps) == pytest.approx(5.0, abs=0.05)
    await view.close()  # a view never closes the shared pool
    mocked.get(url, payload=ORG)
    await sentry.organizations.get("acme")


async def test_view_without_retry_raises_first_error(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    url = f"{API}/organizations/acme/"
    mocked.get(url, status=500, payload={"detail": "x"}, repeat=True)
    with pytest.raises(ServerError):
        await sentry.with_options(retry=None).organizations.get("acme")
    assert len(calls(mocked, "GET", url)) == 1


async def test_given_session_is_never_closed(mocked: MockHttp) -> None:
    mocked.get(f"{API}/organizations/acme/", payload=ORG)
    async with aiohttp.ClientSession() as http:
        async with SentryClient(TOKEN, "https://sentry.example", session=http) as client:
            await client.organizations.get("acme")
        assert not http.closed


async def test_closed_client_refuses_requests(mocked: MockHttp) -> None:
    client = SentryClient(TOKEN, "https://sentry.example")
    await client.close()
    with pytest.raises(Exception, match="closed"):
        await client.organizations.get("acme")


async def test_callback_sees_json_body_only_with_given_fields(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    seen: list[bytes] = []

    def record(url: URL, **kwargs: Any) -> CallbackResult:
        seen.append(kwargs["data"])
        return CallbackResult(payload={**PROJECT, "name": "Renamed"})

    mocked.put(f"{API}/projects/acme/web/", callback=record)
    project = await sentry.projects.update("acme", "web", name="Renamed")
    assert project.name == "Renamed"
    assert seen == [b'{"name":"Renamed"}']


def test_parsed_urls_are_reused_and_the_cache_stays_bounded() -> None:
    client = SentryClient(TOKEN, "https://sentry.example")
    state = client._pipeline.state
    first = state.url_for("/projects/acme/web/")
    assert state.url_for("/projects/acme/web/") is first
    assert str(first) == f"{API}/projects/acme/web/"
    for n in range(10_000):
        state.url_for(f"/projects/acme/p{n}/")
    assert len(state.home._urls) <= 4096
