"""End-to-end checks of the core pipeline against the fake: routing, redirects, errors."""

from __future__ import annotations

import pytest

from sentry_async import (
    DecodeError,
    NotFound,
    ResourceMoved,
    RetryPolicy,
    SentryClient,
    ServerError,
    TransportError,
    Unauthorized,
)
from sentry_async.testing import Fault, FaultKind

from .conftest import FAST_RETRY, ORG, TOKEN, make_org, serve

GET_PROJECT = "GET /projects/{org}/{project}/"
PROJECT = "/projects/{org}/{project}/"
THREE_TRIES = RetryPolicy(attempts=3, initial_backoff=0.005, max_backoff=0.01)


@pytest.mark.parametrize(
    ("slug", "segment"),
    [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("%2e%2e", "%252e%252e"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("x?all_projects=1", "x%3Fall_projects%3D1"),
        ("x#y", "x%23y"),
    ],
)
async def test_a_hostile_slug_stays_one_segment_of_the_intended_route(
    slug: str, segment: str
) -> None:
    async with serve(make_org()) as (fake, sentry):
        with pytest.raises(NotFound):
            await sentry.projects.get(ORG, slug)

        [logged] = list(fake.counters.log)
        assert logged.route == GET_PROJECT and logged.status == 404
        assert logged.path == f"/api/0/projects/{ORG}/{segment}/"


async def test_a_hostile_org_slug_cannot_reach_another_endpoint() -> None:
    async with serve(make_org()) as (fake, sentry):
        with pytest.raises(NotFound):
            await sentry.members.list("../projects/acme").collect()

        assert list(fake.counters.by_route) == ["GET /organizations/{org}/members/"]


async def test_a_renamed_project_is_followed_for_get_with_credentials() -> None:
    org = make_org()
    old = org.projects[3].slug
    async with serve(org) as (fake, sentry):
        renamed = await sentry.projects.update(ORG, old, slug="renamed-project")
        assert renamed.slug == "renamed-project"
        fake.reset()

        project = await sentry.projects.get(ORG, old)

        assert project.slug == "renamed-project" and project.id == renamed.id
        # 302 then 200: the fake requires the token, so the redirect carried it along.
        assert [(e.path, e.status) for e in fake.counters.log] == [
            (f"/api/0/projects/{ORG}/{old}/", 302),
            ("/api/0/projects/acme/renamed-project/", 200),
        ]


async def test_a_write_to_a_renamed_project_is_not_followed() -> None:
    org = make_org()
    old = org.projects[3].slug
    async with serve(org) as (fake, sentry):
        await sentry.projects.update(ORG, old, slug="renamed-project")

        fake.reset()

        with pytest.raises(ResourceMoved) as caught:
            await sentry.projects.update(ORG, old, name="Not Applied")

        assert caught.value.new_slug == "renamed-project"
        assert caught.value.location == "/api/0/projects/acme/renamed-project/"
        assert [(e.method, e.status) for e in fake.counters.log] == [("PUT", 302)]  # no follow
        assert org.project("renamed-project").name != "Not Applied"  # type: ignore[union-attr]


async def test_a_wrong_token_raises_unauthorized_without_retrying() -> None:
    async with serve(make_org()) as (fake, _):
        wrong = "sntryu_" + "0" * 64
        async with SentryClient(wrong, fake.url, retry=FAST_RETRY, regions=False) as sentry:
            with pytest.raises(Unauthorized) as caught:
                await sentry.organizations.get(ORG)

        assert fake.counters.requests == 1
        assert caught.value.detail == "Invalid token"
        assert wrong not in str(caught.value) and TOKEN not in str(caught.value)


async def test_an_html_error_page_ends_as_server_error_after_the_retries() -> None:
    org = make_org()
    html = Fault(FaultKind.HTML_ERROR, "GET " + PROJECT, status=503)
    async with serve(org, faults=[html], client_options={"retry": THREE_TRIES}) as (fake, sentry):
        with pytest.raises(ServerError) as caught:
            await sentry.projects.get(ORG, org.projects[0].slug)

        assert caught.value.status == 503
        assert "<h1>503 Service Unavailable</h1>" in str(caught.value.body)
        assert fake.counters.requests == 3


async def test_truncated_json_to_a_get_is_retried_then_a_decode_error() -> None:
    org = make_org()
    truncated = Fault(FaultKind.TRUNCATED, "GET " + PROJECT)
    async with serve(org, faults=[truncated], client_options={"retry": THREE_TRIES}) as (
        fake,
        sentry,
    ):
        with pytest.raises(DecodeError) as caught:
            await sentry.projects.get(ORG, org.projects[0].slug)

        assert caught.value.status == 200 and caught.value.snippet.startswith("{")
        assert fake.counters.requests == 3  # a cut-off answer is worth another GET


async def test_one_truncated_answer_to_a_get_is_absorbed() -> None:
    org = make_org(projects=300)
    truncated = Fault(FaultKind.TRUNCATED, "GET /organizations/{org}/projects/", times=1)
    async with serve(org, faults=[truncated], client_options={"retry": THREE_TRIES}) as (
        fake,
        sentry,
    ):
        slugs = [p.slug async for p in sentry.projects.list(ORG)]

        assert slugs == [p.slug for p in org.projects]
        assert fake.counters.requests == 4 and fake.counters.faults["truncated"] == 1


async def test_a_truncated_answer_to_a_create_still_means_it_was_created() -> None:
    org = make_org()
    team = next(iter(org.teams))
    truncated = Fault(FaultKind.TRUNCATED, "POST /teams/{org}/{team}/projects/")
    async with serve(org, faults=[truncated], client_options={"retry": FAST_RETRY}) as (
        fake,
        sentry,
    ):
        with pytest.raises(DecodeError) as caught:
            await sentry.projects.create(ORG, team, name="Half Answer")

        # The 201 says the project exists; the POST is not re-sent to get a readable answer.
        assert caught.value.status == 201 and caught.value.method == "POST"
        assert fake.counters.created["project"] == 1 and fake.counters.requests == 1


async def test_a_slow_answer_times_out_and_the_get_is_retried() -> None:
    org = make_org()
    slow = Fault(FaultKind.SLOW, "GET " + PROJECT, times=1, delay=0.5)
    options = {"retry": THREE_TRIES, "timeout": 0.2}
    async with serve(org, faults=[slow], client_options=options) as (fake, sentry):
        project = await sentry.projects.get(ORG, org.projects[0].slug)

        assert project.slug == org.projects[0].slug
        assert fake.counters.by_route[GET_PROJECT] == 2


async def test_a_server_that_never_answers_in_time_raises_transport_error() -> None:
    org = make_org()
    slow = Fault(FaultKind.SLOW, "GET " + PROJECT, delay=0.2)
    options = {"retry": RetryPolicy(attempts=2, initial_backoff=0.005), "timeout": 0.05}
    async with serve(org, faults=[slow], client_options=options) as (fake, sentry):
        with pytest.raises(TransportError) as caught:
            await sentry.projects.get(ORG, org.projects[0].slug)

        assert caught.value.reason == "timeout"
        assert fake.counters.by_route[GET_PROJECT] == 2


async def test_nothing_listening_is_a_transport_error_not_a_hang() -> None:
    async with serve(make_org()) as (fake, _):
        url = fake.url
    # The fake is closed: its port now refuses connections.
    async with SentryClient(TOKEN, url, retry=THREE_TRIES) as sentry:
        with pytest.raises(TransportError) as caught:
            await sentry.organizations.get(ORG)
    assert caught.value.reason == "connect" and not caught.value.sent


async def test_scim_users_page_by_start_index_each_exactly_once() -> None:
    org = make_org(members=250)
    async with serve(org) as (fake, sentry):
        users = await sentry.scim.list_users(ORG, per_page=40).collect()

        ids = [user.id for user in users]
        assert len(ids) == len(set(ids)) > 150
        starts = [e.path.split("startIndex=")[1].split("&")[0] for e in fake.counters.log]
        assert starts == [str(1 + 40 * n) for n in range(len(starts))]
        assert len(starts) == -(-len(ids) // 40)  # no extra request after the last page


async def test_the_raw_request_escape_hatch_uses_the_same_pipeline() -> None:
    org = make_org()
    fault = Fault(FaultKind.SERVER_ERROR, times=1)
    async with serve(org, faults=[fault], client_options={"retry": FAST_RETRY}) as (fake, sentry):
        environments = await sentry.request("GET", f"/organizations/{ORG}/environments/")

        assert [env["name"] for env in environments] == org.environments
        assert fake.counters.statuses[500] == 1 and fake.counters.statuses[200] == 1
