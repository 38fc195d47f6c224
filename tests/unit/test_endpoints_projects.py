"""``sentry.projects``: projects, stats, users, tag values and service hooks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sentry_async import SentryClient
from sentry_async.errors import Forbidden, NotFound
from sentry_async.models import ClientKeyRateLimit
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
PROJECT = f"/projects/{ORG}/checkout-api/"
HOOKS = f"{PROJECT}hooks/"
HOOK_ID = "b7e1c9d04f2a4e3c9d8f7a6b5c4d3e2f"
UTC = timezone.utc


# --- list / create / get / update / delete ------------------------------------------------


async def test_list_pages_with_offset_cursors_and_decodes_nullables(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/projects/"
    mocked.get(
        at(path),
        payload=[payloads.project()],
        headers={"Link": link(path, "1:1:0", more=True, previous="1:-1:1")},
    )
    mocked.get(
        at(path),
        payload=[payloads.project_without_team()],
        headers={"Link": link(path, "1:2:0", more=False, previous="1:0:1")},
    )

    projects = await sentry.projects.list(ORG, per_page=1).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", path, [("per_page", "1")])
    assert second.query == [("cursor", "1:1:0"), ("per_page", "1")]
    checkout, sandbox = projects
    assert (checkout.slug, checkout.platform) == ("checkout-api", "python-django")
    assert checkout.team is not None and checkout.team.slug == "payments"
    assert checkout.first_event == datetime(2020, 5, 2, 17, 44, 9, 918000, tzinfo=UTC)
    assert checkout.raw["latestRelease"] == {"version": "checkout@2.14.0"}
    # platform "" and firstEvent/team null: one spelling of "none".
    assert (sandbox.platform, sandbox.first_event, sandbox.team, sandbox.teams) == (
        None,
        None,
        None,
        [],
    )


async def test_create_posts_to_the_team_and_decodes_the_201(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/teams/{ORG}/payments/projects/"
    created = payloads.project("refunds-worker", "5301", platform="python", first_event=None)
    mocked.post(at(path), status=201, payload=created)

    project = await sentry.projects.create(
        ORG, "payments", name="Refunds Worker", slug="refunds-worker", platform="python"
    )

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("POST", path, [])
    assert request.json == {
        "name": "Refunds Worker",
        "slug": "refunds-worker",
        "platform": "python",
    }
    assert (project.id, project.slug, project.first_event) == ("5301", "refunds-worker", None)


async def test_create_with_only_a_name_sends_only_the_name(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(f"/teams/{ORG}/payments/projects/"), status=201, payload=payloads.project())
    await sentry.projects.create(ORG, "payments", name="Checkout Api", slug=None)
    assert the_one(mocked).json == {"name": "Checkout Api"}


async def test_get_decodes_the_details(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(PROJECT), payload=payloads.project_detailed())

    project = await sentry.projects.get(ORG, "checkout-api")

    request = the_one(mocked)
    assert (request.method, request.path, request.json) == ("GET", PROJECT, NO_BODY)
    assert (project.status, project.is_public, project.color) == ("active", False, "#bf6e3f")
    assert project.organization is not None and project.organization.slug == ORG
    assert project.options["sentry:resolve_age"] == 72
    assert project.raw["securityToken"] == "9e1f0c3b2a7d4e6f8a5b1c0d2e3f4a5b"


async def test_update_renaming_the_slug_returns_the_new_slug(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(PROJECT), payload=payloads.project_detailed("checkout-service"))

    project = await sentry.projects.update(ORG, "checkout-api", slug="checkout-service")

    request = the_one(mocked)
    assert (request.method, request.path) == ("PUT", PROJECT)
    assert request.json == {"slug": "checkout-service"}
    assert project.slug == "checkout-service"


async def test_update_sends_only_the_fields_given(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.put(at(PROJECT), payload=payloads.project_detailed())
    await sentry.projects.update(ORG, "checkout-api", name="Checkout", is_bookmarked=False)
    assert the_one(mocked).json == {"name": "Checkout", "isBookmarked": False}


async def test_delete_answers_204_and_returns_none(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(PROJECT), status=204)
    assert await sentry.projects.delete(ORG, "checkout-api") is None
    request = the_one(mocked)
    assert (request.method, request.path, request.json) == ("DELETE", PROJECT, NO_BODY)


async def test_unknown_project_is_not_found_with_the_route_template(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(
        at(f"/projects/{ORG}/ghost/"),
        status=404,
        payload={"detail": "The requested resource does not exist"},
    )
    with pytest.raises(NotFound) as info:
        await sentry.projects.get(ORG, "ghost")
    error = info.value
    assert (error.status, error.route, error.method) == (404, "/projects/{org}/{project}/", "GET")
    assert error.url.endswith(f"/projects/{ORG}/ghost/")
    assert "check the organization and project slugs" in str(error)


# --- stats --------------------------------------------------------------------------------


async def test_stats_sends_epoch_seconds_and_decodes_points(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"{PROJECT}stats/"
    mocked.get(at(path), payload=payloads.project_stats())
    since = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1_700_000_000

    points = await sentry.projects.stats(
        ORG,
        "checkout-api",
        stat="rejected",
        since=since,
        until=since.astimezone(timezone(timedelta(hours=-5))) + timedelta(hours=3),
        resolution="1h",
    )

    request = the_one(mocked)
    assert (request.method, request.path) == ("GET", path)
    assert request.query == [
        ("stat", "rejected"),
        ("since", "1700000000"),
        ("until", "1700010800"),
        ("resolution", "1h"),
    ]
    assert [(p.timestamp, p.count) for p in points] == [
        (since, 12),
        (since + timedelta(hours=1), 0),
        (since + timedelta(hours=2), 37),
    ]
    assert points[0].timestamp.tzinfo is UTC


async def test_stats_takes_epoch_numbers_and_defaults_to_received(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"{PROJECT}stats/"), payload=[])
    assert await sentry.projects.stats(ORG, "checkout-api", since=1_700_000_000.75) == []
    assert the_one(mocked).query == [("stat", "received"), ("since", "1700000000")]


async def test_stats_refuses_naive_datetimes(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="since"):
        await sentry.projects.stats(ORG, "checkout-api", since=datetime(2024, 1, 1))
    assert mocked.requests == {}


# --- users and tag values -----------------------------------------------------------------


async def test_list_users_sends_the_query_and_pages(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"{PROJECT}users/"
    mocked.get(
        at(path),
        payload=[payloads.project_user()],
        headers={"Link": link(path, "0:100:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[payloads.project_user("2208", date_created="2024-01-09T10:11:12Z")],
        headers={"Link": link(path, "0:200:0", more=False)},
    )

    users = await sentry.projects.list_users(
        ORG, "checkout-api", query="email:lin@shop.example"
    ).collect()

    first, second = sent(mocked)
    assert (first.path, first.query) == (path, [("query", "email:lin@shop.example")])
    assert second.query == [("query", "email:lin@shop.example"), ("cursor", "0:100:0")]
    unknown, dated = users
    assert (unknown.id, unknown.tag_value, unknown.date_created) == (
        "2207",
        "email:lin@shop.example",
        None,
    )
    assert unknown.ip_address == "203.0.113.9"
    assert dated.date_created == datetime(2024, 1, 9, 10, 11, 12, tzinfo=UTC)


async def test_list_tag_values_encodes_the_key_and_pages(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"{PROJECT}tags/sentry%3Auser/values/"
    mocked.get(
        at(path),
        payload=[payloads.tag_value("firefox", 42)],
        headers={"Link": link(path, "1709377200000:0:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[payloads.tag_value_stub()],
        headers={"Link": link(path, "1709290800000:0:0", more=False)},
    )

    values = await sentry.projects.list_tag_values(ORG, "checkout-api", "sentry:user").collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", path, [])
    assert second.query == [("cursor", "1709377200000:0:0")]
    counted, stub = values
    assert (counted.name, counted.value, counted.count) == ("Firefox", "firefox", 42)
    assert counted.last_seen == datetime(2024, 3, 2, 11, tzinfo=UTC)
    assert (stub.name, stub.value, stub.count, stub.last_seen) == ("lemon_tart", None, None, None)


async def test_tag_key_with_a_slash_stays_one_segment(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"{PROJECT}tags/os%2Fname/values/"
    mocked.get(at(path), payload=[])
    await sentry.projects.list_tag_values(ORG, "checkout-api", "os/name").collect()
    assert the_one(mocked).path == path


# --- service hooks ------------------------------------------------------------------------


async def test_list_hooks_pages(sentry: SentryClient, mocked: MockHttp) -> None:
    disabled = payloads.service_hook("0" * 32, status="disabled")
    mocked.get(
        at(HOOKS),
        payload=[payloads.service_hook()],
        headers={"Link": link(HOOKS, "1692421567089:0:0", more=True)},
    )
    mocked.get(at(HOOKS), payload=[disabled], headers={"Link": link(HOOKS, "x:0:0", more=False)})

    hooks = await sentry.projects.list_hooks(ORG, "checkout-api").collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", HOOKS, [])
    assert second.query == [("cursor", "1692421567089:0:0")]
    assert [(h.id, h.status) for h in hooks] == [(HOOK_ID, "active"), ("0" * 32, "disabled")]
    assert hooks[0].events == ["event.alert", "event.created"]
    assert hooks[0].date_created == datetime(2023, 8, 19, 5, 6, 7, 89000, tzinfo=UTC)


async def test_create_hook_posts_url_and_events_and_decodes_the_201(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(HOOKS), status=201, payload=payloads.service_hook())

    hook = await sentry.projects.create_hook(
        ORG,
        "checkout-api",
        url="https://hooks.northwind.example/sentry",
        events=("event.alert", "event.created"),
    )

    request = the_one(mocked)
    assert (request.method, request.path) == ("POST", HOOKS)
    assert request.json == {
        "url": "https://hooks.northwind.example/sentry",
        "events": ["event.alert", "event.created"],
    }
    assert hook.id == HOOK_ID
    assert hook.secret == "f00dfacecafe" * 5 + "0123"


async def test_create_hook_refuses_events_given_as_one_string(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(TypeError, match="events"):
        await sentry.projects.create_hook(
            ORG, "checkout-api", url="https://h.example/", events="event.alert"
        )
    assert mocked.requests == {}


async def test_get_hook(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{HOOKS}{HOOK_ID}/"), payload=payloads.service_hook())
    hook = await sentry.projects.get_hook(ORG, "checkout-api", HOOK_ID)
    request = the_one(mocked)
    assert (request.method, request.path) == ("GET", f"{HOOKS}{HOOK_ID}/")
    assert (hook.url, hook.status) == ("https://hooks.northwind.example/sentry", "active")


async def test_update_hook_sends_only_what_is_given(sentry: SentryClient, mocked: MockHttp) -> None:
    only_alerts = payloads.service_hook()
    only_alerts["events"] = ["event.alert"]
    mocked.put(at(f"{HOOKS}{HOOK_ID}/"), payload=only_alerts)
    disabled = payloads.service_hook(status="disabled")
    mocked.put(at(f"{HOOKS}{HOOK_ID}/"), payload=disabled)

    hook = await sentry.projects.update_hook(ORG, "checkout-api", HOOK_ID, events=["event.alert"])
    off = await sentry.projects.update_hook(ORG, "checkout-api", HOOK_ID, is_active=False)

    first, second = sent(mocked)
    assert (first.method, first.path, first.json) == (
        "PUT",
        f"{HOOKS}{HOOK_ID}/",
        {"events": ["event.alert"]},
    )
    assert second.json == {"isActive": False}
    assert hook.events == ["event.alert"]
    assert off.status == "disabled"


async def test_update_hook_refuses_events_given_as_one_string(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(TypeError, match="events"):
        await sentry.projects.update_hook(ORG, "checkout-api", HOOK_ID, events="event.alert")
    assert mocked.requests == {}


async def test_delete_hook_answers_204_and_returns_none(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.delete(at(f"{HOOKS}{HOOK_ID}/"), status=204)
    assert await sentry.projects.delete_hook(ORG, "checkout-api", HOOK_ID) is None
    request = the_one(mocked)
    assert (request.method, request.path, request.json) == (
        "DELETE",
        f"{HOOKS}{HOOK_ID}/",
        NO_BODY,
    )


async def test_hooks_without_the_feature_are_forbidden_with_a_list_detail(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    body = {"error_type": "unavailable_feature", "detail": ["You do not have that feature enabled"]}
    mocked.post(at(HOOKS), status=403, payload=body)
    with pytest.raises(Forbidden) as info:
        await sentry.projects.create_hook(
            ORG, "checkout-api", url="https://h.example/", events=["event.created"]
        )
    error = info.value
    assert error.detail == ["You do not have that feature enabled"]
    assert error.body == body
    assert error.route == "/projects/{org}/{project}/hooks/"
    assert "You do not have that feature enabled" in str(error)
    assert len(sent(mocked)) == 1  # a 403 is final, even for a POST


# --- events -------------------------------------------------------------------------------


async def test_list_events_sends_full_only_when_true(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"{PROJECT}events/"
    mocked.get(at(path), payload=[payloads.event()], repeat=True)

    events = await sentry.projects.list_events(ORG, "checkout-api").collect()
    await sentry.projects.list_events(ORG, "checkout-api", full=False, query="timeout").collect()
    await sentry.projects.list_events(ORG, "checkout-api", full=True, per_page=50).collect()

    plain, queried, full = sent(mocked)
    assert (plain.method, plain.path, plain.query) == ("GET", path, [])
    assert queried.query == [("query", "timeout")]
    assert full.query == [("full", "1"), ("per_page", "50")]
    assert events[0].tags[0].key == "environment"


async def test_get_event_encodes_the_id(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{PROJECT}events/c0ffee00c0ffee00c0ffee00c0ffee00/"), payload=payloads.event())
    mocked.get(at(f"{PROJECT}events/..%2Fkeys/"), payload=payloads.event())
    event = await sentry.projects.get_event(ORG, "checkout-api", "c0ffee00c0ffee00c0ffee00c0ffee00")
    await sentry.projects.get_event(ORG, "checkout-api", "../keys")
    first, second = sent(mocked)
    assert first.path == f"{PROJECT}events/c0ffee00c0ffee00c0ffee00c0ffee00/"
    assert second.path == f"{PROJECT}events/..%2Fkeys/"
    assert event.event_id == "c0ffee00c0ffee00c0ffee00c0ffee00"


# --- client keys --------------------------------------------------------------------------

KEYS = f"{PROJECT}keys/"
KEY_ID = "d41d8cd98f00b204e9800998ecf8427e"


async def test_list_keys_filters_by_status(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(KEYS), payload=[payloads.client_key()], repeat=True)
    keys = await sentry.projects.list_keys(ORG, "checkout-api").collect()
    await sentry.projects.list_keys(ORG, "checkout-api", status="inactive").collect()
    plain, inactive = sent(mocked)
    assert (plain.method, plain.path, plain.query) == ("GET", KEYS, [])
    assert inactive.query == [("status", "inactive")]
    assert keys[0].id == KEY_ID and keys[0].project_id == 5102
    with pytest.raises(ValueError, match="status"):
        sentry.projects.list_keys(ORG, "checkout-api", status="all")


async def test_key_crud(sentry: SentryClient, mocked: MockHttp) -> None:
    limited = payloads.client_key(rate_limit={"window": 60, "count": 1000})
    mocked.get(at(f"{KEYS}{KEY_ID}/"), payload=payloads.client_key())
    mocked.post(at(KEYS), status=201, payload=limited)
    mocked.put(at(f"{KEYS}{KEY_ID}/"), payload=payloads.client_key())
    mocked.delete(at(f"{KEYS}{KEY_ID}/"), status=204)

    await sentry.projects.get_key(ORG, "checkout-api", KEY_ID)
    created = await sentry.projects.create_key(
        ORG, "checkout-api", name="ci", rate_limit=ClientKeyRateLimit(window=60, count=1000)
    )
    await sentry.projects.update_key(
        ORG, "checkout-api", KEY_ID, name="Default", is_active=False, rate_limit=None
    )
    await sentry.projects.delete_key(ORG, "checkout-api", KEY_ID)

    get, post, put, delete = sent(mocked)
    assert (get.method, get.path, get.json) == ("GET", f"{KEYS}{KEY_ID}/", NO_BODY)
    assert (post.method, post.path) == ("POST", KEYS)
    assert post.json == {"name": "ci", "rateLimit": {"window": 60, "count": 1000}}
    assert (put.method, put.path) == ("PUT", f"{KEYS}{KEY_ID}/")
    assert put.json == {"name": "Default", "isActive": False, "rateLimit": None}
    assert (delete.method, delete.path, delete.json) == ("DELETE", f"{KEYS}{KEY_ID}/", NO_BODY)
    assert created.rate_limit is not None and created.rate_limit.count == 1000


async def test_create_key_with_nothing_sends_an_empty_body(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(KEYS), status=201, payload=payloads.client_key())
    await sentry.projects.create_key(ORG, "checkout-api")
    assert the_one(mocked).json == {}
