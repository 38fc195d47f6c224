"""The multi-region fake: a control host that forwards nothing, region hosts, named hosts."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import trustme

from sentry_async.testing import FakeOrg, FakeSentry, FakeSentryRegions, LoopbackResolver

TOKEN = "sntryu_" + "5e" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def two_orgs() -> dict[str, FakeOrg]:
    return {"us": FakeOrg("acme", id="1"), "de": FakeOrg("euro", id="2")}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver("sentry.test"))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url, headers=AUTH) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


async def test_the_control_host_lists_regions_and_learns_orgs_regions(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeSentryRegions(two_orgs(), token=TOKEN, domain="sentry.test") as cloud:
        assert cloud.url.startswith("http://sentry.test:")
        de = cloud.region_url("de")
        assert de.startswith("http://de.sentry.test:") and de != cloud.region_url("us")
        status, listing = await get(http, f"{cloud.api_url}/users/me/regions/")
        assert status == 200
        assert listing == {
            "regions": [
                {"name": "us", "url": cloud.region_url("us")},
                {"name": "de", "url": de},
            ]
        }
        status, org = await get(http, f"{cloud.api_url}/organizations/euro/?detailed=0")
        assert status == 200 and org["links"]["regionUrl"] == de
        assert cloud.control.counters.by_route["GET /organizations/{org}/"] == 1


async def test_the_control_host_forwards_nothing_else(http: aiohttp.ClientSession) -> None:
    async with FakeSentryRegions(two_orgs(), token=TOKEN, domain="sentry.test") as cloud:
        for path in ("/organizations/euro/projects/", "/projects/acme/web/", "/teams/euro/x/"):
            async with http.get(f"{cloud.api_url}{path}", headers=AUTH) as response:
                assert response.status == 404
                assert await response.read() == b""  # as region endpoints on the wrong host
        # The org listing of the main host misses the orgs of the other region.
        status, orgs = await get(http, f"{cloud.api_url}/organizations/")
        assert status == 200 and [o["slug"] for o in orgs] == ["acme"]
        status, _ = await get(http, f"{cloud.api_url}/organizations/nope/")
        assert status == 404
        async with http.get(f"{cloud.api_url}/users/me/regions/") as response:
            assert response.status == 401  # the token is checked on every host


async def test_region_hosts_serve_only_their_own_orgs(http: aiohttp.ClientSession) -> None:
    async with FakeSentryRegions(two_orgs(), token=TOKEN, domain="sentry.test") as cloud:
        de = cloud.region_url("de") + "/api/0"
        status, org = await get(http, f"{de}/organizations/euro/")
        assert status == 200 and org["links"]["regionUrl"] == cloud.region_url("de")
        status, _ = await get(http, f"{de}/organizations/acme/")
        assert status == 404
        status, _ = await get(http, f"{de}/users/me/regions/")
        assert status == 404  # control silo only
        assert cloud.region("de").counters.requests == 3
        assert cloud.region("us").counters.requests == 0


async def test_without_a_domain_every_host_is_loopback() -> None:
    async with (
        FakeSentryRegions(two_orgs()) as cloud,
        aiohttp.ClientSession() as http,
    ):
        assert cloud.url.startswith("http://127.0.0.1:")
        assert cloud.region_url("de") == cloud.region("de").url
        status, org = await get(http, f"{cloud.region_url('us')}/api/0/organizations/acme/")
        assert status == 200 and org["slug"] == "acme"


async def test_the_listing_can_be_overridden() -> None:
    listed = [("us", "https://us.example"), ("evil", "https://evil.example")]
    async with (
        FakeSentryRegions(two_orgs(), listed=listed) as cloud,
        aiohttp.ClientSession() as http,
    ):
        status, body = await get(http, f"{cloud.api_url}/users/me/regions/")
        assert [(r["name"], r["url"]) for r in body["regions"]] == listed
        cloud.listed = [("us", "https://us.example")]
        status, body = await get(http, f"{cloud.api_url}/users/me/regions/")
        assert status == 200 and len(body["regions"]) == 1


async def test_region_hosts_speak_https_with_a_test_certificate() -> None:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("sentry.test", "*.sentry.test").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver("sentry.test"), ssl=client)
    async with (
        FakeSentryRegions(two_orgs(), domain="sentry.test", ssl_context=server) as cloud,
        aiohttp.ClientSession(connector=connector) as http,
    ):
        us = cloud.region_url("us")
        assert us.startswith("https://us.sentry.test:")
        status, org = await get(http, f"{us}/api/0/organizations/acme/")
        assert status == 200 and org["links"]["regionUrl"] == us


async def test_a_single_fake_can_list_itself_as_its_only_region() -> None:
    listed = [("--monolith--", "http://sentry.internal:9000")]
    async with (
        FakeSentry(FakeOrg("acme"), regions=listed) as fake,
        FakeSentry(FakeOrg("acme")) as older,
        aiohttp.ClientSession() as http,
    ):
        status, body = await get(http, f"{fake.api_url}/users/me/regions/")
        assert status == 200
        assert body == {"regions": [{"name": "--monolith--", "url": "http://sentry.internal:9000"}]}
        status, _ = await get(http, f"{older.api_url}/users/me/regions/")
        assert status == 404


async def test_an_org_can_name_any_region_url() -> None:
    org = FakeOrg("acme")
    org.region_url = "https://elsewhere.example"
    async with FakeSentry(org) as fake, aiohttp.ClientSession() as http:
        status, body = await get(http, f"{fake.api_url}/organizations/acme/")
        assert status == 200
        assert body["links"] == {
            "organizationUrl": fake.url,
            "regionUrl": "https://elsewhere.example",
        }


async def test_the_resolver_refuses_names_outside_its_domain() -> None:
    resolver = LoopbackResolver("sentry.test")
    assert (await resolver.resolve("us.sentry.test", 443))[0]["host"] == "127.0.0.1"
    assert (await resolver.resolve("SENTRY.TEST.", 80))[0]["port"] == 80
    for name in ("sentry.io", "evilsentry.test", "sentry.test.evil.example"):
        with pytest.raises(OSError, match="refused"):
            await resolver.resolve(name, 443)
    await resolver.close()
