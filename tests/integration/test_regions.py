"""Regions end to end: a real client against the multi-region fake over loopback.

The hosts carry names (``sentry.test`` for the control host, ``us.sentry.test`` and
``de.sentry.test`` for the regions, each its own port of 127.0.0.1) through a resolver on
an injected aiohttp session, so both trust rules meet real URLs: a listed http origin, and
an https subdomain of the base host (with a certificate made for the test by trustme).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import trustme

from sentry_async import NotFound, PaginationError, SentryClient
from sentry_async.testing import (
    FakeOrg,
    FakeSentry,
    FakeSentryRegions,
    LoopbackResolver,
    RateLimitConfig,
)

from .conftest import FAST_RETRY, NOW, TOKEN

DOMAIN = "sentry.test"
LOOKUP = "GET /organizations/{org}/"
LISTING = "GET /users/me/regions/"
PROJECTS = "GET /organizations/{org}/projects/"


def orgs() -> dict[str, FakeOrg]:
    acme = FakeOrg.generate("acme", projects=30, members=5, seed=1, now=NOW)
    euro = FakeOrg.generate("euro", projects=30, members=5, seed=2, now=NOW)
    euro.id = "2"  # org ids are unique across regions
    return {"us": acme, "de": euro}


class Tls:
    """A test CA, a server context for ``*.sentry.test`` and a client context trusting it."""

    def __init__(self) -> None:
        ca = trustme.CA()
        self.server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(DOMAIN, f"*.{DOMAIN}").configure_cert(self.server)
        self.client = ssl.create_default_context()
        ca.configure_trust(self.client)


def org_token(org: str, region_url: str, url: str) -> str:
    claims = {"iat": NOW, "url": url, "region_url": region_url, "org": org}
    payload = base64.b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"sntrys_{payload}_c2VjcmV0K3NlY3JldC9zZWNyZXQ"


@contextlib.asynccontextmanager
async def cloud(
    *, tls: Tls | None = None, token: str = TOKEN, **options: Any
) -> AsyncIterator[FakeSentryRegions]:
    fake = FakeSentryRegions(
        orgs(), token=token, domain=DOMAIN, ssl_context=tls.server if tls else None, **options
    )
    async with fake:
        yield fake


@contextlib.asynccontextmanager
async def client(
    base_url: str, token: str = TOKEN, *, tls: Tls | None = None, **options: Any
) -> AsyncIterator[SentryClient]:
    connector = aiohttp.TCPConnector(
        resolver=LoopbackResolver(DOMAIN), ssl=tls.client if tls else True
    )
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        SentryClient(token, base_url, session=http, retry=FAST_RETRY, **options) as sentry,
    ):
        yield sentry


async def test_an_org_token_routes_to_its_https_region_without_any_lookup() -> None:
    tls = Tls()
    async with cloud(tls=tls) as fake:
        de = fake.region_url("de")
        assert de.startswith("https://de.sentry.test:")
        token = org_token("euro", de, url=fake.url)
        fake.token = token
        async with client(fake.url, token, tls=tls) as sentry:
            projects = await sentry.projects.list("euro").collect()
            org = await sentry.organizations.get("euro")
            region = await sentry.region_for("euro")
        assert len(projects) == 30 and org.slug == "euro"
        assert (region.url, region.routed) == (de, True)
        assert fake.control.counters.requests == 0  # no lookup, no listing
        assert fake.region("de").counters.requests == 2
        assert fake.region("us").counters.requests == 0


async def test_a_user_token_looks_up_once_then_routes_over_listed_http_origins() -> None:
    async with cloud() as fake, client(fake.url) as sentry:
        await sentry.projects.list("euro").collect()
        control = fake.control.counters
        assert (control.by_route[LISTING], control.by_route[LOOKUP]) == (1, 1)
        await sentry.members.list("euro").collect()
        await sentry.organizations.get("euro")
        await sentry.projects.get("euro", fake.region("de").org.projects[0].slug)
        assert control.requests == 2  # nothing more was asked
        assert fake.region("de").counters.requests == 4
        await sentry.projects.list("acme").collect()
        assert control.by_route[LOOKUP] == 2  # one lookup per org
        assert fake.region("us").counters.requests == 1
        de = await sentry.region_for("euro")
        assert (de.name, de.url, de.routed) == ("de", fake.region_url("de"), True)
        assert control.requests == 3


async def test_fifty_concurrent_first_calls_for_one_org_cause_one_lookup() -> None:
    async with cloud() as fake, client(fake.url) as sentry:
        slugs = [project.slug for project in fake.region("de").org.projects][:25] * 2
        found = await asyncio.gather(*(sentry.projects.get("euro", slug) for slug in slugs))
        assert [project.slug for project in found] == slugs
        control = fake.control.counters
        assert (control.by_route[LISTING], control.by_route[LOOKUP], control.requests) == (1, 1, 2)
        assert fake.region("de").counters.requests == 50


async def test_organizations_are_listed_from_every_region() -> None:
    async with cloud() as fake, client(fake.url) as sentry:
        # The main host alone misses the orgs of the other region.
        alone = await sentry.request("GET", "/organizations/")
        assert [org["slug"] for org in alone] == ["acme"]
        orgs = sentry.organizations.list()
        assert [org.slug for org in await orgs.collect()] == ["acme", "euro"]
        pages = [page async for page in orgs.pages()]
        assert [(p.cursor, p.next_cursor, [o.slug for o in p.items]) for p in pages] == [
            ("us|", "de|", ["acme"]),
            ("de|", None, ["euro"]),
        ]
        resumed = sentry.organizations.list(cursor="de|")
        assert [org.slug for org in await resumed.collect()] == ["euro"]
        assert fake.control.counters.by_route[LISTING] == 1
        # Two full listings ask both regions; the resumed one asks de only.
        assert fake.region("us").counters.by_route["GET /organizations/"] == 2
        assert fake.region("de").counters.by_route["GET /organizations/"] == 3


async def test_a_cursor_naming_a_region_no_longer_listed_is_refused() -> None:
    async with cloud() as fake, client(fake.url) as sentry:
        with pytest.raises(PaginationError, match="region 'fr'"):
            await sentry.organizations.list(cursor="fr|abc").collect()
        assert fake.region("us").counters.requests == 0


async def test_a_hostile_region_url_is_ignored_and_never_reached(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with cloud() as fake, FakeSentry(FakeOrg("euro")) as hostile:
        fake.region("de").org.region_url = hostile.url  # an org answer naming another host
        with caplog.at_level(logging.WARNING, logger="sentry_async"):
            async with client(fake.url) as sentry:
                org = await sentry.organizations.get("euro")  # the main host answers it
                with pytest.raises(NotFound):
                    await sentry.projects.list("euro").collect()  # not proxied by the fake
                region = await sentry.region_for("euro")
        assert org.slug == "euro" and not region.routed and region.url == fake.url
        assert hostile.counters.requests == 0
        assert "organization 'euro'" in caplog.text and "ignored" in caplog.text
        assert TOKEN not in caplog.text


async def test_an_org_token_naming_a_hostile_region_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with cloud() as fake, FakeSentry(FakeOrg("euro")) as hostile:
        token = org_token("euro", hostile.url, url=fake.url)
        fake.token = token
        with caplog.at_level(logging.WARNING, logger="sentry_async"):
            async with client(fake.url, token) as sentry:
                org = await sentry.organizations.get("euro")
        assert org.slug == "euro"
        assert hostile.counters.requests == 0
        assert "org auth token" in caplog.text and token not in caplog.text


async def test_self_hosted_without_regions_is_unchanged_and_costs_one_request() -> None:
    org = FakeOrg.generate("acme", projects=30, members=5, seed=1, now=NOW)
    async with FakeSentry(org, token=TOKEN) as fake, client(fake.url) as sentry:
        projects = await sentry.projects.list("acme").collect()
        await sentry.organizations.get("acme")
        with pytest.raises(NotFound):
            await sentry.organizations.get("other")
        await sentry.members.list("acme").collect()
        region = await sentry.region_for("acme")
        assert len(projects) == 30 and not region.routed and region.url == fake.url
        counters = fake.counters
        assert counters.by_route["<unmatched>"] == 1  # the one /users/me/regions/ probe
        assert counters.requests == 5
        assert counters.by_route[LOOKUP] == 2  # the caller's own calls, no lookups


async def test_a_single_region_install_listed_under_another_url_does_not_route() -> None:
    org = FakeOrg.generate("acme", projects=30, members=5, seed=1, now=NOW)
    internal = "http://sentry.internal:9000"  # its configured URL, behind a proxy
    org.region_url = internal
    async with (
        FakeSentry(org, token=TOKEN, regions=[("--monolith--", internal)]) as fake,
        client(fake.url) as sentry,
    ):
        await sentry.projects.list("acme").collect()
        await sentry.organizations.get("acme")
        assert not (await sentry.region_for("acme")).routed
        counters = fake.counters
        assert (counters.by_route[LISTING], counters.by_route[LOOKUP]) == (1, 1)
        assert counters.requests == 3


async def test_routing_off_sends_everything_to_base_url() -> None:
    async with cloud() as fake, client(fake.url, regions=False) as sentry:
        assert (await sentry.organizations.get("euro")).slug == "euro"
        with pytest.raises(NotFound):  # the main host of the fake proxies nothing
            await sentry.projects.list("euro").collect()
        assert not (await sentry.region_for("euro")).routed
        assert fake.control.counters.by_route[LISTING] == 0


async def test_an_explicit_regional_base_url_is_used_as_given() -> None:
    async with cloud() as fake, client(fake.region_url("de")) as sentry:
        assert len(await sentry.projects.list("euro").collect()) == 30
        assert (await sentry.region_for("euro")).url == fake.region_url("de")
        assert fake.control.counters.requests == 0
        # The region host has no region listing: one probe, then nothing more.
        assert fake.region("de").counters.by_route["<unmatched>"] == 1


async def test_rate_limits_are_kept_per_host_as_well_as_per_route() -> None:
    limits = RateLimitConfig(limit=40, concurrent_limit=25)
    async with cloud(rate_limit=limits) as fake, client(fake.url) as sentry:
        await sentry.projects.list("euro").collect()
        await sentry.projects.list("acme").collect()
        gate = sentry._pipeline.state.gate
        de = fake.region_url("de").removeprefix("http://")
        us = fake.region_url("us").removeprefix("http://")
        de_budget, us_budget = gate.budget(f"{de} {PROJECTS}"), gate.budget(f"{us} {PROJECTS}")
        assert de_budget.known and us_budget.known and de_budget is not us_budget
        assert de_budget.remaining == us_budget.remaining == 39  # each host counted its own


async def test_a_redirect_from_a_region_is_followed_on_that_region_with_the_token() -> None:
    async with cloud() as fake, client(fake.url) as sentry:
        euro = fake.region("de").org
        old = euro.projects[0].slug
        await sentry.projects.update("euro", old, slug="moved")
        project = await sentry.projects.get("euro", old)  # 302 on de, then 200 on de
        assert project.slug == "moved"
        statuses = [entry.status for entry in fake.region("de").counters.log]
        assert statuses[-2:] == [302, 200]  # the fake demands the token: it went along
