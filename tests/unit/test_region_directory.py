"""RegionDirectory: which host an org's calls go to, learned cheapest first, asked once."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from yarl import URL

from sentry_async.errors import TransportError, error_from_response
from sentry_async.regions import Region, RegionDirectory
from sentry_async.regions._directory import RETRY_LOOKUP_AFTER
from sentry_async.route import Route

BASE = URL("https://sentry.io/api/0")
SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj"
USER_TOKEN = "sntryu_" + "ab" * 32
TWO_REGIONS = {
    "regions": [
        {"name": "de", "url": "https://de.sentry.io"},
        {"name": "us", "url": "https://us.sentry.io"},
    ]
}


def org_token(org: str, region_url: str, url: str = "https://sentry.io") -> str:
    claims = {"iat": 1, "url": url, "region_url": region_url, "org": org}
    return f"sntrys_{base64.b64encode(json.dumps(claims).encode()).decode()}_{SECRET}"


def not_found(path: str) -> Exception:
    return error_from_response(
        status=404, body={"detail": "x"}, method="GET", route=path, url="https://sentry.io" + path
    )


class Server:
    """Answers lookups from a table of path -> payload (or exception), counting them."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = dict(answers)
        self.asked: list[str] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, route: Route, params: Mapping[str, Any] | None) -> Any:
        assert route.method == "GET"
        self.asked.append(route.path)
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers.get(route.path, not_found(route.path))
        if isinstance(answer, Exception):
            raise answer
        return answer


def org_answer(url: str) -> dict[str, Any]:
    return {"id": "1", "slug": "acme", "links": {"regionUrl": url, "organizationUrl": "x"}}


async def test_an_org_token_routes_its_org_without_a_request() -> None:
    directory = RegionDirectory(BASE, token=org_token("acme", "https://de.sentry.io"))
    server = Server({})
    region = await directory.region_for("acme", server)
    assert (region.url, region.routed, str(region.api)) == (
        "https://de.sentry.io",
        True,
        "https://de.sentry.io/api/0",
    )
    assert server.asked == []
    assert directory.known("acme") == region


async def test_an_org_token_of_a_single_region_install_stays_on_base() -> None:
    # Self-hosted: the install's URL is its region URL, here not the URL the client uses.
    token = org_token("acme", "https://sentry.internal", url="https://sentry.internal")
    directory = RegionDirectory(URL("https://sentry.corp.example/api/0"), token=token)
    server = Server({})
    region = await directory.region_for("acme", server)
    assert not region.routed and region.url == "https://sentry.corp.example"
    assert server.asked == []


@pytest.mark.parametrize("region_url", ["http://de.sentry.io", "https://evil.example", "garbage"])
async def test_an_org_token_naming_an_untrusted_region_is_ignored_with_a_warning(
    region_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = org_token("acme", region_url)
    directory = RegionDirectory(BASE, token=token)
    server = Server({})  # /users/me/regions/ answers 404 to org tokens
    with caplog.at_level(logging.WARNING, logger="sentry_async"):
        region = await directory.region_for("acme", server)
    assert region == directory.base and not region.routed
    assert "org auth token" in caplog.text and "ignored" in caplog.text
    assert token not in caplog.text and SECRET not in caplog.text
    await directory.region_for("acme", server)
    assert len(server.asked) <= 1  # decided once


async def test_an_org_token_region_listed_by_the_base_host_is_trusted() -> None:
    token = org_token("acme", "http://eu.internal:8000")
    listing = {
        "regions": [{"name": "eu", "url": "http://eu.internal:8000"}, *TWO_REGIONS["regions"]]
    }
    directory = RegionDirectory(BASE, token=token)
    server = Server({"/users/me/regions/": listing})
    region = await directory.region_for("acme", server)
    assert (region.url, region.name, region.routed) == ("http://eu.internal:8000", "eu", True)
    assert server.asked == ["/users/me/regions/"]


async def test_a_user_token_looks_up_once_then_routes() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server(
        {
            "/users/me/regions/": TWO_REGIONS,
            "/organizations/acme/": org_answer("https://de.sentry.io"),
            "/organizations/beta/": org_answer("https://us.sentry.io"),
        }
    )
    acme = await directory.region_for("acme", server)
    assert (acme.url, acme.name, acme.routed) == ("https://de.sentry.io", "de", True)
    assert server.asked == ["/users/me/regions/", "/organizations/acme/"]
    for _ in range(3):
        assert await directory.region_for("acme", server) is acme
    beta = await directory.region_for("beta", server)
    assert beta.name == "us"
    assert server.asked == ["/users/me/regions/", "/organizations/acme/", "/organizations/beta/"]


async def test_fifty_concurrent_first_calls_cause_one_lookup() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server(
        {
            "/users/me/regions/": TWO_REGIONS,
            "/organizations/acme/": org_answer("https://de.sentry.io"),
        }
    )
    server.gate = asyncio.Event()
    calls = [asyncio.ensure_future(directory.region_for("acme", server)) for _ in range(50)]
    await asyncio.sleep(0)
    server.gate.set()
    regions = await asyncio.gather(*calls)
    assert {r.url for r in regions} == {"https://de.sentry.io"}
    assert server.asked == ["/users/me/regions/", "/organizations/acme/"]


async def test_a_caller_out_of_time_goes_to_base_while_the_lookup_goes_on() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server(
        {
            "/users/me/regions/": TWO_REGIONS,
            "/organizations/acme/": org_answer("https://de.sentry.io"),
        }
    )
    server.gate = asyncio.Event()
    patient = asyncio.ensure_future(directory.region_for("acme", server))
    hurried = await directory.region_for("acme", server, within=0)
    assert hurried == directory.base and not patient.done()
    server.gate.set()
    assert (await patient).name == "de"
    assert directory.known("acme") == await patient
    assert server.asked == ["/users/me/regions/", "/organizations/acme/"]


async def test_a_cancelled_first_caller_does_not_cancel_the_lookup_for_the_others() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server(
        {
            "/users/me/regions/": TWO_REGIONS,
            "/organizations/acme/": org_answer("https://de.sentry.io"),
        }
    )
    server.gate = asyncio.Event()
    first = asyncio.ensure_future(directory.region_for("acme", server))
    second = asyncio.ensure_future(directory.region_for("acme", server))
    await asyncio.sleep(0)
    first.cancel()
    server.gate.set()
    assert (await second).name == "de"
    assert first.cancelled()
    assert server.asked == ["/users/me/regions/", "/organizations/acme/"]


async def test_self_hosted_without_a_listing_costs_one_request_in_all() -> None:
    directory = RegionDirectory(URL("https://sentry.corp.example/api/0"), token=USER_TOKEN)
    server = Server({})  # no /users/me/regions/: 404
    for org in ("acme", "beta", "acme", "gamma"):
        region = await directory.region_for(org, server)
        assert not region.routed and region.url == "https://sentry.corp.example"
    assert server.asked == ["/users/me/regions/"]
    assert await directory.regions(server) == (directory.base,)
    assert directory.known("any-other-org") == directory.base  # decided without an await


async def test_a_single_region_install_listed_under_another_url_never_routes() -> None:
    directory = RegionDirectory(URL("https://sentry.corp.example/api/0"), token=USER_TOKEN)
    listing = {"regions": [{"name": "--monolith--", "url": "http://sentry.internal:9000"}]}
    server = Server(
        {
            "/users/me/regions/": listing,
            "/organizations/acme/": org_answer("http://sentry.internal:9000"),
        }
    )
    region = await directory.region_for("acme", server)
    assert not region.routed
    assert server.asked == ["/users/me/regions/"]  # no org lookup either


async def test_a_single_region_under_the_base_host_routes() -> None:
    # A sentry.io user whose orgs all live in de: one listed region, an https subdomain.
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    listing = {"regions": [{"name": "de", "url": "https://de.sentry.io"}]}
    server = Server(
        {"/users/me/regions/": listing, "/organizations/acme/": org_answer("https://de.sentry.io")}
    )
    assert (await directory.region_for("acme", server)).name == "de"


async def test_an_explicit_regional_base_url_is_used_as_given() -> None:
    directory = RegionDirectory(URL("https://de.sentry.io/api/0"), token=USER_TOKEN)
    server = Server(
        {
            "/users/me/regions/": TWO_REGIONS,
            "/organizations/acme/": org_answer("https://us.sentry.io"),
        }
    )
    region = await directory.region_for("acme", server)
    assert not region.routed and region.url == "https://de.sentry.io"
    assert server.asked == ["/users/me/regions/"]


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example",
        "http://de.sentry.io",  # not listed, and plain http
        "https://sentry.io.evil.example",
        "https://de.sentry.io@evil.example",
        "javascript:alert(1)",
    ],
)
async def test_a_hostile_region_url_is_ignored_with_a_warning(
    hostile: str, caplog: pytest.LogCaptureFixture
) -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server(
        {"/users/me/regions/": TWO_REGIONS, "/organizations/acme/": org_answer(hostile)}
    )
    with caplog.at_level(logging.WARNING, logger="sentry_async"):
        region = await directory.region_for("acme", server)
    assert region == directory.base
    assert "organization 'acme'" in caplog.text and "ignored" in caplog.text
    assert USER_TOKEN not in caplog.text


async def test_an_empty_region_url_stays_on_base() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": TWO_REGIONS, "/organizations/acme/": org_answer("")})
    assert await directory.region_for("acme", server) == directory.base


async def test_a_failed_lookup_that_may_pass_is_asked_again_after_a_while() -> None:
    clock = [0.0]
    directory = RegionDirectory(BASE, token=USER_TOKEN, now=lambda: clock[0])
    down = TransportError(
        "down", method="GET", route="/", url="https://sentry.io", reason="connect"
    )
    server = Server({"/users/me/regions/": down})
    assert await directory.region_for("acme", server) == directory.base
    server.answers = {
        "/users/me/regions/": TWO_REGIONS,
        "/organizations/acme/": error_from_response(
            status=503, body=None, method="GET", route="/", url="https://sentry.io"
        ),
    }
    assert await directory.region_for("acme", server) == directory.base  # not asked yet
    clock[0] += RETRY_LOOKUP_AFTER
    assert await directory.region_for("acme", server) == directory.base
    server.answers["/organizations/acme/"] = org_answer("https://de.sentry.io")
    clock[0] += RETRY_LOOKUP_AFTER
    assert (await directory.region_for("acme", server)).name == "de"
    assert server.asked == [
        "/users/me/regions/",
        "/users/me/regions/",
        "/organizations/acme/",
        "/organizations/acme/",
    ]


async def test_an_org_the_token_cannot_see_stays_on_base_without_asking_again() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": TWO_REGIONS})  # /organizations/nope/: 404
    assert await directory.region_for("nope", server) == directory.base
    assert await directory.region_for("nope", server) == directory.base
    assert server.asked == ["/users/me/regions/", "/organizations/nope/"]


async def test_a_listing_that_is_not_one_means_no_routing(caplog: pytest.LogCaptureFixture) -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": ["not", "a", "listing"]})
    with caplog.at_level(logging.WARNING, logger="sentry_async"):
        assert await directory.region_for("acme", server) == directory.base
    assert "did not answer a region listing" in caplog.text
    assert await directory.region_for("beta", server) == directory.base
    assert server.asked == ["/users/me/regions/"]


async def test_routing_off_asks_nothing() -> None:
    directory = RegionDirectory(
        BASE, token=org_token("acme", "https://de.sentry.io"), enabled=False
    )
    server = Server({"/users/me/regions/": TWO_REGIONS})
    assert await directory.region_for("acme", server) == directory.base
    assert directory.known("other") == directory.base
    assert await directory.regions(server) == (directory.base,)
    assert server.asked == []


async def test_regions_lists_every_listed_region_when_routing() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": TWO_REGIONS})
    regions = await directory.regions(server)
    assert [(r.name, r.url, r.routed) for r in regions] == [
        ("de", "https://de.sentry.io", True),
        ("us", "https://us.sentry.io", True),
    ]
    assert await directory.regions(server) == regions
    assert server.asked == ["/users/me/regions/"]


def test_a_region_shows_its_url_and_name_only() -> None:
    region = Region(
        url="https://de.sentry.io",
        api=URL("https://de.sentry.io/api/0"),
        origin=RegionDirectory(BASE).base.origin,
        name="de",
        routed=True,
    )
    assert str(region) == "https://de.sentry.io"
    assert repr(region) == "Region(url='https://de.sentry.io', name='de', routed=True)"


async def test_closing_during_a_lookup_leaves_the_call_on_base_not_cancelled() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": TWO_REGIONS})
    server.gate = asyncio.Event()  # the lookup hangs until the client closes
    call = asyncio.ensure_future(directory.region_for("acme", server))
    for _ in range(10):  # a few loop turns: the lookup starts and waits on the gate
        await asyncio.sleep(0)
    assert server.asked == ["/users/me/regions/"]
    await directory.aclose()
    region = await call
    assert not call.cancelled()
    assert region == directory.base
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_hanging_lookup_costs_one_bounded_wait_then_calls_go_to_base_at_once() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    server = Server({"/users/me/regions/": TWO_REGIONS})
    server.gate = asyncio.Event()  # never set: the regions endpoint hangs
    first = await directory.region_for("acme", server, within=0.01)
    assert first == directory.base
    # Without a bound this would wait for the hanging lookup; it must answer at once.
    later = await asyncio.wait_for(directory.region_for("acme", server, within=None), 5)
    assert later == directory.base
    assert server.asked == ["/users/me/regions/"]  # no second lookup while one is failing
    await directory.aclose()


async def test_a_failed_lookup_is_not_asked_again_by_every_call() -> None:
    directory = RegionDirectory(BASE, token=USER_TOKEN)
    failure = TransportError(
        "GET /users/me/regions/: could not connect",
        method="GET",
        route="/users/me/regions/",
        url="https://sentry.io/api/0/users/me/regions/",
        reason="connect",
    )
    server = Server({"/users/me/regions/": failure})
    for _ in range(5):
        assert await directory.region_for("acme", server) == directory.base
    assert server.asked == ["/users/me/regions/"]


def test_a_base_url_with_a_trailing_dot_is_accepted() -> None:
    directory = RegionDirectory(URL("https://sentry.io./api/0"), token=USER_TOKEN)
    assert directory.base.origin.host == "sentry.io"
