"""``sentry.organizations``: every call's request on the wire and its decoded answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sentry_async import SentryClient
from sentry_async.errors import DecodeError, NotFound, UndecodableItemsError
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
UTC = timezone.utc


# --- get / update -------------------------------------------------------------------------


async def test_get_decodes_the_detailed_shape(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"/organizations/{ORG}/"), payload=payloads.organization_detailed())

    org = await sentry.organizations.get(ORG)

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("GET", f"/organizations/{ORG}/", [])
    assert request.json is NO_BODY
    assert (org.id, org.slug, org.name) == (payloads.ORG_ID, ORG, "Northwind Traders")
    assert org.date_created == datetime(2019, 3, 11, 8, 15, 42, 503117, tzinfo=UTC)
    assert org.status is not None and (org.status.id, org.status.name) == ("active", "active")
    assert org.avatar is not None
    assert (org.avatar.avatar_type, org.avatar.avatar_uuid) == ("letter_avatar", None)
    assert org.links is not None and org.links.region_url == "https://de.sentry.io"
    assert org.links.organization_url == f"https://{ORG}.sentry.io"
    assert org.quota is not None
    assert (org.quota.max_rate, org.quota.max_rate_interval, org.quota.project_limit) == (
        None,
        60,
        100,
    )
    assert org.features == ["session-replay", "discover-basic", "crons"]
    assert (org.role, org.require_2fa, org.scrub_ip_addresses) == ("manager", True, True)
    assert [t.slug for t in org.teams] == ["payments"]
    assert org.teams[0].flags == {"idp:provisioned": True}
    assert [p.slug for p in org.projects] == ["checkout-api"]
    # Keys the model does not name stay reachable.
    assert org.raw["onboardingTasks"][0]["task"] == "setup_release_tracking"


async def test_get_decodes_self_hosted_empty_region_url(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/organizations/{ORG}/"), payload=payloads.organization_detailed(region_url=""))
    org = await sentry.organizations.get(ORG)
    assert org.links is not None and org.links.region_url is None


async def test_update_sends_only_the_flag_given(sentry: SentryClient, mocked: MockHttp) -> None:
    answer = payloads.organization_detailed()
    answer["isEarlyAdopter"] = False
    mocked.put(at(f"/organizations/{ORG}/"), payload=answer)

    org = await sentry.organizations.update(ORG, is_early_adopter=False)

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("PUT", f"/organizations/{ORG}/", [])
    assert request.json == {"isEarlyAdopter": False}
    assert request.headers["Content-Type"] == "application/json"
    assert org.is_early_adopter is False


async def test_update_renames_with_name_and_slug(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.put(
        at(f"/organizations/{ORG}/"), payload=payloads.organization_detailed(slug="northwind-eu")
    )
    org = await sentry.organizations.update(ORG, name="Northwind EU", slug="northwind-eu")
    assert the_one(mocked).json == {"name": "Northwind EU", "slug": "northwind-eu"}
    assert org.slug == "northwind-eu"


async def test_get_unknown_organization_is_not_found_with_the_route_template(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(
        at("/organizations/nope/"),
        status=404,
        payload={"detail": "The requested resource does not exist"},
    )
    with pytest.raises(NotFound) as info:
        await sentry.organizations.get("nope")
    assert info.value.route == "/organizations/{org}/"
    assert info.value.method == "GET"
    assert info.value.detail == "The requested resource does not exist"
    assert len(sent(mocked)) == 1  # a 404 is never retried


# --- repos and commits --------------------------------------------------------------------


async def test_list_repos_follows_the_cursor_over_two_pages(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/repos/"
    mocked.get(
        at(path),
        payload=[payloads.repository()],
        headers={"Link": link(path, "1706000000000:0:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[payloads.repository_minimal()],
        headers={"Link": link(path, "1500000000000:0:0", more=False)},
    )

    repos = await sentry.organizations.list_repos(ORG).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", path, [])
    assert (second.path, second.query) == (path, [("cursor", "1706000000000:0:0")])
    full, minimal = repos
    assert (full.id, full.name, full.status) == ("610", "northwind/checkout", "active")
    assert full.provider is not None
    assert (full.provider.id, full.provider.name) == ("integrations:github", "GitHub")
    assert (full.integration_id, full.external_id) == ("1207", "482913377")
    assert full.date_created == datetime(2021, 1, 20, 14, 2, 11, 660000, tzinfo=UTC)
    assert (minimal.url, minimal.provider, minimal.status) == (None, None, None)


async def test_list_commits_addresses_the_repository_and_pages(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/repos/610/commits/"
    older = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"
    mocked.get(
        at(path),
        payload=[payloads.commit()],
        headers={"Link": link(path, "0:25:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[payloads.commit(older, author=False)],
        headers={"Link": link(path, "0:50:0", more=False)},
    )

    pages = [
        page async for page in sentry.organizations.list_commits(ORG, 610, per_page=25).pages()
    ]

    first, second = sent(mocked)
    assert (first.path, first.query) == (path, [("per_page", "25")])
    assert (second.path, second.query) == (path, [("cursor", "0:25:0"), ("per_page", "25")])
    assert [page.next_cursor for page in pages] == ["0:25:0", None]
    newest = pages[0].items[0]
    assert newest.id == "5e2b8f0c1d9a7e6b3c4d2f1a0b9c8d7e6f5a4b3c"
    # "+01:00" on the wire, UTC in the model.
    assert newest.date_created == datetime(2024, 2, 14, 8, 30, tzinfo=UTC)
    assert newest.author is not None and newest.author.email == "ada@northwind.example"
    assert pages[1].items[0].id == older and pages[1].items[0].author is None


# --- lookups ------------------------------------------------------------------------------


async def test_resolve_short_id(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(
        at(f"/organizations/{ORG}/shortids/CHECKOUT-API-2K/"),
        payload=payloads.short_id_resolution(),
    )

    found = await sentry.organizations.resolve_short_id(ORG, "CHECKOUT-API-2K")

    request = the_one(mocked)
    assert (request.method, request.path) == (
        "GET",
        f"/organizations/{ORG}/shortids/CHECKOUT-API-2K/",
    )
    assert (found.organization_slug, found.project_slug) == (ORG, "checkout-api")
    assert (found.group_id, found.short_id) == ("3301", "CHECKOUT-API-2K")
    group = found.group
    assert (group.id, group.title, group.status) == (
        "3301",
        "TimeoutError: card gateway did not answer",
        "unresolved",
    )
    assert (group.count, group.user_count) == (1289, 214)  # count travels as a string
    assert group.project is not None and group.project.platform is None  # "" on the wire
    assert group.last_seen == datetime(2024, 3, 1, 22, 17, 45, 300000, tzinfo=UTC)


async def test_resolve_event_id(sentry: SentryClient, mocked: MockHttp) -> None:
    event_id = "c0ffee00c0ffee00c0ffee00c0ffee00"
    mocked.get(
        at(f"/organizations/{ORG}/eventids/{event_id}/"),
        payload=payloads.event_id_resolution(event_id),
    )

    found = await sentry.organizations.resolve_event_id(ORG, event_id)

    assert the_one(mocked).path == f"/organizations/{ORG}/eventids/{event_id}/"
    assert (found.event_id, found.group_id, found.project_slug) == (
        event_id,
        "3301",
        "checkout-api",
    )
    event = found.event
    assert (event.id, event.event_id, event.project_id) == ("88112233", event_id, "5102")
    assert [(t.key, t.value) for t in event.tags] == [
        ("environment", "production"),
        ("release", "checkout@2.14.0"),
    ]
    assert event.date_received == datetime(2024, 3, 1, 22, 17, 46, 4000, tzinfo=UTC)


# --- stats v2 -----------------------------------------------------------------------------


async def test_stats_v2_sends_repeated_parameters_and_decodes_groups(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/organizations/{ORG}/stats_v2/"), payload=payloads.stats_v2())

    stats = await sentry.organizations.stats_v2(
        ORG,
        field="sum(quantity)",
        group_by=["outcome", "category"],
        stats_period="3d",
        interval="1d",
        category=["error", "transaction"],
        project=[5102, "5188"],
        outcome=["accepted", "rate_limited"],
    )

    request = the_one(mocked)
    assert (request.method, request.path) == ("GET", f"/organizations/{ORG}/stats_v2/")
    assert request.query == [
        ("field", "sum(quantity)"),
        ("groupBy", "outcome"),
        ("groupBy", "category"),
        ("statsPeriod", "3d"),
        ("interval", "1d"),
        ("category", "error"),
        ("category", "transaction"),
        ("project", "5102"),
        ("project", "5188"),
        ("outcome", "accepted"),
        ("outcome", "rate_limited"),
    ]
    assert stats.start == datetime(2024, 2, 26, tzinfo=UTC)
    assert stats.end == datetime(2024, 2, 29, tzinfo=UTC)
    assert stats.intervals == [datetime(2024, 2, d, tzinfo=UTC) for d in (26, 27, 28)]
    accepted, limited = stats.groups
    assert accepted.by == {"outcome": "accepted", "category": "error"}
    assert accepted.totals == {"sum(quantity)": 5012, "sum(times_seen)": 88}
    assert accepted.series["sum(quantity)"] == [1500, 1712, 1800]
    assert limited.totals["sum(quantity)"] == 12.5
    assert len(limited.series["sum(times_seen)"]) == len(stats.intervals)


async def test_stats_v2_single_values_and_start_end_as_iso_utc(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/organizations/{ORG}/stats_v2/"), payload=payloads.stats_v2())
    berlin = timezone(timedelta(hours=1))

    await sentry.organizations.stats_v2(
        ORG,
        field="sum(times_seen)",
        group_by="outcome",
        start=datetime(2024, 2, 26, 1, 0, tzinfo=berlin),
        end=datetime(2024, 2, 29, tzinfo=UTC),
        category="attachment",
    )

    assert the_one(mocked).query == [
        ("field", "sum(times_seen)"),
        ("groupBy", "outcome"),
        ("start", "2024-02-26T00:00:00Z"),
        ("end", "2024-02-29T00:00:00Z"),
        ("category", "attachment"),
    ]


async def test_stats_v2_grouped_by_project_has_no_series(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/organizations/{ORG}/stats_v2/"), payload=payloads.stats_v2_by_project())
    stats = await sentry.organizations.stats_v2(
        ORG, field="sum(quantity)", group_by="project", project=-1, stats_period="3d"
    )
    assert ("project", "-1") in the_one(mocked).query
    groups = stats.groups or []
    assert [(g.by, g.totals, g.series) for g in groups] == [
        ({"project": 5102}, {"sum(quantity)": 4410}, None),
        ({"project": 5188}, {"sum(quantity)": 0}, None),
    ]


_NOON = datetime(2024, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stats_period": "14d", "start": _NOON, "end": _NOON}, "either stats_period"),
        ({"stats_period": "14d", "end": _NOON}, "either stats_period"),
        ({"start": _NOON}, "together"),
        ({"end": _NOON}, "together"),
        ({"start": datetime(2024, 3, 1), "end": _NOON}, "timezone-aware"),
        ({"start": _NOON, "end": datetime(2024, 3, 2)}, "timezone-aware"),
        ({"group_by": []}, "group_by"),
    ],
)
async def test_stats_v2_refuses_bad_arguments_before_any_request(
    sentry: SentryClient, mocked: MockHttp, kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"field": "sum(quantity)", "group_by": "outcome", **kwargs}
    with pytest.raises(ValueError, match=message):
        await sentry.organizations.stats_v2(ORG, **arguments)
    assert mocked.requests == {}


# --- relay usage and client keys ----------------------------------------------------------


async def test_list_relay_usage_is_one_unpaged_list(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/relay_usage/"
    other = payloads.relay_usage("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
    del other["publicKey"]
    # Even a Link header promising more is not followed: the endpoint has no paging.
    mocked.get(
        at(path),
        payload=[payloads.relay_usage(), other],
        headers={"Link": link(path, "1:1:0", more=True)},
    )

    relays = await sentry.organizations.list_relay_usage(ORG).collect()

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("GET", path, [])
    first, second = relays
    assert (first.relay_id, first.version) == ("6f2c1d4e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "24.2.0")
    assert first.public_key == "kJ3n0VvYt2wq1rX8sPzL5mHcA6bD4eF7gUiOyT9R0Qw"
    assert first.first_seen == datetime(2024, 1, 5, 6, 7, 8, 900000, tzinfo=UTC)
    assert second.public_key is None


async def test_list_client_keys_uses_the_project_keys_path_and_pages(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/project-keys/"
    limited = payloads.client_key(
        "a" * 32, project_id=5188, rate_limit={"window": 60, "count": 1000}
    )
    mocked.get(
        at(path),
        payload=[payloads.client_key()],
        headers={"Link": link(path, "9001:0:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[limited],
        headers={"Link": link(path, "9000:0:0", more=False)},
    )

    keys = await sentry.organizations.list_client_keys(
        ORG, team="payments", status="active"
    ).collect()

    first, second = sent(mocked)
    assert (first.method, first.path) == ("GET", path)
    assert first.query == [("team", "payments"), ("status", "active")]
    assert second.query == [("team", "payments"), ("status", "active"), ("cursor", "9001:0:0")]
    plain, capped = keys
    assert plain.project_id == 5102 and isinstance(plain.project_id, int)
    assert plain.id == "d41d8cd98f00b204e9800998ecf8427e"
    assert plain.rate_limit is None
    assert plain.dsn.public == (
        "https://d41d8cd98f00b204e9800998ecf8427e@o4071.ingest.de.sentry.io/5102"
    )
    assert plain.dsn.secret is not None and ":0f1e2d3c" in plain.dsn.secret
    assert plain.dsn.csp is not None and plain.dsn.csp.endswith(
        "/csp-report/?sentry_key=d41d8cd98f00b204e9800998ecf8427e"
    )
    assert plain.dsn.otlp_traces is not None and plain.dsn.otlp_traces.endswith("/v1/traces")
    assert plain.date_created == datetime(2020, 5, 2, 17, 40, 31, 200000, tzinfo=UTC)
    assert capped.project_id == 5188
    assert capped.rate_limit is not None
    assert (capped.rate_limit.window, capped.rate_limit.count) == (60, 1000)


async def test_list_client_keys_sends_no_filters_when_none_given(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/organizations/{ORG}/project-keys/"), payload=[])
    assert await sentry.organizations.list_client_keys(ORG).collect() == []
    assert the_one(mocked).query == []


def test_list_client_keys_refuses_an_unknown_status(sentry: SentryClient) -> None:
    # Sentry would answer an empty list, indistinguishable from "no keys".
    with pytest.raises(ValueError, match="status"):
        sentry.organizations.list_client_keys(ORG, status="enabled")


# --- list / environments ------------------------------------------------------------------


async def test_list_pages_the_organizations_the_token_sees(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(
        at("/organizations/"),
        payload=[payloads.organization_summary()],
        headers={"Link": link("/organizations/", "100:1:0", more=True)},
    )
    mocked.get(at("/organizations/"), payload=[payloads.organization_summary()])

    orgs = await sentry.organizations.list(query="north").collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == (
        "GET",
        "/organizations/",
        [("query", "north")],
    )
    assert second.query == [("query", "north"), ("cursor", "100:1:0")]
    assert [o.slug for o in orgs] == [ORG, ORG]


async def test_list_owned_unwraps_the_single_unpaged_answer(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    wrapped = [{"organization": payloads.organization_summary(), "singleOwner": True}]
    mocked.get(at("/organizations/"), payload=wrapped)

    orgs = await sentry.organizations.list(owner=True).collect()

    request = the_one(mocked)
    assert request.query == [("owner", "1")]
    assert [o.slug for o in orgs] == [ORG]
    with pytest.raises(ValueError, match="single page"):
        sentry.organizations.list(owner=True, per_page=10)


async def test_list_owned_refuses_an_unwrapped_item(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at("/organizations/"), payload=[payloads.organization_summary()])
    with pytest.raises(DecodeError):
        await sentry.organizations.list(owner=True).collect()


@pytest.mark.parametrize(("visibility", "query"), [(None, []), ("all", [("visibility", "all")])])
async def test_list_environments(
    sentry: SentryClient,
    mocked: MockHttp,
    visibility: str | None,
    query: list[tuple[str, str]],
) -> None:
    path = f"/organizations/{ORG}/environments/"
    mocked.get(at(path), payload=[{"id": "1", "name": "Production"}, {"id": 2, "name": "qa"}])

    pages = [
        p async for p in sentry.organizations.list_environments(ORG, visibility=visibility).pages()
    ]
    envs = pages[0].items

    assert len(pages) == 1  # one unpaged list: a single page, no cursor
    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("GET", path, query)
    assert [(e.id, e.name) for e in envs] == [("1", "Production"), ("2", "qa")]


async def test_list_environments_refuses_an_unknown_visibility(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(ValueError, match="visibility"):
        sentry.organizations.list_environments(ORG, visibility="visible")
    assert sent(mocked) == []


async def test_list_environments_keeps_the_decodable_ones(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/environments/"
    mocked.get(at(path), payload=[{"id": "1", "name": "prod"}, {"name": "no id"}])
    with pytest.raises(UndecodableItemsError) as caught:
        await sentry.organizations.list_environments(ORG).collect()
    assert [e.name for e in caught.value.collected] == ["prod"]
