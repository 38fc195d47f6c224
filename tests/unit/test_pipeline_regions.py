"""The pipeline's side of regions: where each call goes, with canned answers (no network)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from yarl import URL

from sentry_async import ManualClock, RetryPolicy, SentryClient
from sentry_async.errors import RedirectRefused
from sentry_async.regions._directory import RETRY_LOOKUP_AFTER

from ._mockhttp import MockHttp

BASE = "https://sentry.io/api/0"
DE = "https://de.sentry.io/api/0"
US = "https://us.sentry.io/api/0"
USER_TOKEN = "sntryu_" + "d0" * 32
LISTING = {
    "regions": [
        {"name": "de", "url": "https://de.sentry.io"},
        {"name": "us", "url": "https://us.sentry.io"},
    ]
}


def org_token(org: str, region_url: str) -> str:
    claims = {"iat": 1, "url": "https://sentry.io", "region_url": region_url, "org": org}
    return f"sntrys_{base64.b64encode(json.dumps(claims).encode()).decode()}_c2VjcmV0"


def asked(mocked: MockHttp) -> list[str]:
    return [str(url) for (_method, url), requests in mocked.requests.items() for _ in requests]


def count(mocked: MockHttp, url: str) -> int:
    return len(mocked.requests.get(("GET", URL(url)), []))


def client(token: str, **options: Any) -> SentryClient:
    options.setdefault("retry", RetryPolicy(attempts=3, deadline=60.0))
    options.setdefault("clock", ManualClock())
    return SentryClient(token, **options)


@pytest.fixture
def mocked() -> Any:
    with MockHttp() as m:
        yield m


async def test_an_org_token_sends_org_calls_to_its_region_and_the_rest_to_base(
    mocked: MockHttp,
) -> None:
    mocked.get(f"{DE}/organizations/acme/environments/", payload=[])
    mocked.get(f"{DE}/projects/acme/web/keys/", payload=[])
    mocked.get(f"{BASE}/organizations/acme/sentry-app-installations/", payload=[])
    mocked.get(f"{BASE}/users/me/", payload={})
    async with client(org_token("acme", "https://de.sentry.io")) as sentry:
        await sentry.request("GET", "/organizations/acme/environments/")
        await sentry.request("GET", "/projects/acme/web/keys/")
        await sentry.integrations.list_installations("acme").collect()  # control silo
        await sentry.request("GET", "/users/me/")
    assert sorted(asked(mocked)) == sorted(
        [
            f"{DE}/organizations/acme/environments/",
            f"{DE}/projects/acme/web/keys/",
            f"{BASE}/organizations/acme/sentry-app-installations/",
            f"{BASE}/users/me/",
        ]
    )


async def test_a_user_token_looks_up_on_base_in_one_attempt_then_routes(
    mocked: MockHttp,
) -> None:
    mocked.get(f"{BASE}/users/me/regions/", payload=LISTING)
    lookup = f"{BASE}/organizations/acme/?detailed=0"
    mocked.get(lookup, status=503)  # a failed lookup is not retried on its own...
    mocked.get(f"{BASE}/organizations/acme/members/", payload=[])  # ...the call goes to base
    mocked.get(lookup, payload={"id": "1", "slug": "acme", "links": {"regionUrl": DE[:-6]}})
    mocked.get(f"{DE}/organizations/acme/members/", payload=[], repeat=True)
    clock = ManualClock()
    async with client(USER_TOKEN, clock=clock) as sentry:
        await sentry.members.list("acme").collect()
        clock.advance(RETRY_LOOKUP_AFTER)  # a failed lookup is asked again after a while
        await sentry.members.list("acme").collect()
        view = sentry.with_options(timeout=5)
        await view.members.list("acme").collect()  # views share what the client learned
        assert (await view.region_for("acme")).name == "de"
    assert count(mocked, f"{BASE}/users/me/regions/") == 1
    assert count(mocked, lookup) == 2
    assert count(mocked, f"{BASE}/organizations/acme/members/") == 1
    assert count(mocked, f"{DE}/organizations/acme/members/") == 2


async def test_a_redirect_from_a_region_to_another_origin_is_refused(
    mocked: MockHttp,
) -> None:
    evil = "https://evil.example/api/0/organizations/acme/"
    mocked.get(f"{DE}/organizations/acme/", status=302, headers={"Location": evil})
    async with client(org_token("acme", "https://de.sentry.io")) as sentry:
        with pytest.raises(RedirectRefused) as caught:
            await sentry.organizations.get("acme")
    assert "https://de.sentry.io/api/0" in str(caught.value)
    assert ("GET", URL(evil)) not in mocked.requests


async def test_a_redirect_from_a_region_to_the_main_host_is_refused_too(
    mocked: MockHttp,
) -> None:
    # The token may go to sentry.io, but a region's redirect follows its own origin rules.
    main = f"{BASE}/organizations/acme/"
    mocked.get(f"{DE}/organizations/acme/", status=301, headers={"Location": main})
    async with client(org_token("acme", "https://de.sentry.io")) as sentry:
        with pytest.raises(RedirectRefused):
            await sentry.organizations.get("acme")
    assert ("GET", URL(main)) not in mocked.requests


async def test_a_redirect_within_a_region_is_followed_there(mocked: MockHttp) -> None:
    moved = "/api/0/projects/acme/renamed/"
    mocked.get(f"{DE}/projects/acme/web/", status=302, headers={"Location": moved})
    mocked.get(f"{DE}/projects/acme/renamed/", payload={"id": "7", "slug": "renamed"})
    async with client(org_token("acme", "https://de.sentry.io")) as sentry:
        project = await sentry.projects.get("acme", "web")
    assert project.slug == "renamed"


async def test_routing_off_sends_an_org_tokens_calls_to_base(mocked: MockHttp) -> None:
    mocked.get(f"{BASE}/organizations/acme/", payload={"id": "1", "slug": "acme"})
    async with client(org_token("acme", "https://de.sentry.io"), regions=False) as sentry:
        assert (await sentry.organizations.get("acme")).slug == "acme"
        region = await sentry.region_for("acme")
    assert (region.url, region.routed) == ("https://sentry.io", False)
    assert asked(mocked) == [f"{BASE}/organizations/acme/"]


async def test_each_region_host_has_its_own_rate_limit_state(mocked: MockHttp) -> None:
    headers = {"X-Sentry-Rate-Limit-Limit": "40", "X-Sentry-Rate-Limit-Remaining": "30"}
    mocked.get(f"{DE}/organizations/acme/", payload={"id": "1", "slug": "acme"}, headers=headers)
    async with client(org_token("acme", "https://de.sentry.io")) as sentry:
        await sentry.organizations.get("acme")
        gate = sentry._pipeline.state.gate
        routed = gate.budget("de.sentry.io GET /organizations/{org}/")
        base = gate.budget("sentry.io GET /organizations/{org}/")
    assert routed.known and routed.limit == 40
    assert not base.known
