"""Faults on the wire: reads retried until every item is in, writes never duplicated."""

from __future__ import annotations

from collections import Counter

import pytest

from sentry_async import AmbiguousWriteError, ManualClock, ServerError, TransportError, fan_out
from sentry_async.models import Project
from sentry_async.testing import Fault, FaultKind, RateLimitConfig, RouteLimit

from .conftest import FAST_RETRY, NOW, ORG, make_org, serve

ADD_MEMBER = "POST /organizations/{org}/members/"
LIST_MEMBERS = "GET /organizations/{org}/members/"
CREATE_PROJECT = "POST /teams/{org}/{team}/projects/"
PROJECT = "/projects/{org}/{project}/"


def unreliable() -> list[Fault]:
    """10% 5xx, 3% dropped connections, and a fifth of the answers slow."""
    return [
        Fault(FaultKind.SLOW, probability=0.2, delay=0.02),
        Fault(FaultKind.SERVER_ERROR, probability=0.10),
        Fault(FaultKind.DROP, probability=0.03),
    ]


async def test_every_item_retrieved_exactly_once_under_faults() -> None:
    org = make_org(projects=3000, members=400)
    async with serve(org, faults=unreliable(), client_options={"retry": FAST_RETRY}) as (
        fake,
        sentry,
    ):
        listed = Counter([p.id async for p in sentry.projects.list(ORG)])
        members = Counter([m.id async for m in sentry.members.list(ORG, per_page=25)])

        # Audit-style: fan out over the paginator itself, one details call per project.
        async def details(project: Project) -> Project:
            return await sentry.projects.get(ORG, project.slug)

        fetched: Counter[str] = Counter()
        async with fan_out(details, sentry.projects.list(ORG), concurrency=16) as results:
            async for listed_project, detail in results:
                assert detail.id == listed_project.id
                fetched[detail.id] += 1

        expected = Counter(str(p.id) for p in org.projects)
        assert listed == expected  # every project, each exactly once
        assert fetched == expected
        # Every member Sentry lists (requests to be invited are not members yet).
        approved = [m.id for m in org.members.values() if m.invite_status == "approved"]
        assert members == Counter(approved)
        # The faults really happened, and were absorbed by retries.
        faults = fake.counters.faults
        assert faults[FaultKind.SERVER_ERROR.value] >= 100
        assert faults[FaultKind.DROP.value] >= 30
        assert faults[FaultKind.SLOW.value] >= 200


async def test_html_error_pages_are_retried_like_json_5xx() -> None:
    org = make_org(projects=20)
    slug = org.projects[0].slug
    html = Fault(FaultKind.HTML_ERROR, "GET " + PROJECT, times=3)
    async with serve(org, faults=[html], client_options={"retry": FAST_RETRY}) as (fake, sentry):
        project = await sentry.projects.get(ORG, slug)

        assert project.slug == slug
        assert fake.counters.statuses[502] == 3 and fake.counters.statuses[200] == 1


@pytest.mark.parametrize("kind", [FaultKind.APPLIED_THEN_500, FaultKind.DROP, FaultKind.SLOW])
async def test_member_invite_is_never_sent_twice(kind: FaultKind) -> None:
    org = make_org()
    fault = Fault(kind, ADD_MEMBER, delay=0.3)
    options = {"retry": FAST_RETRY, "timeout": 0.1}
    async with serve(org, faults=[fault], client_options=options) as (fake, sentry):
        with pytest.raises(AmbiguousWriteError) as caught:
            await sentry.members.add(ORG, email="new.hire@acme.example", role="member")

        assert caught.value.method == "POST"
        assert caught.value.route == "/organizations/{org}/members/"
        expected_cause = ServerError if kind is FaultKind.APPLIED_THEN_500 else TransportError
        assert isinstance(caught.value.__cause__, expected_cause)
        assert fake.counters.by_route[ADD_MEMBER] == 1  # sent once, never re-sent
        if kind is FaultKind.APPLIED_THEN_500:
            assert fake.counters.created["member"] == 1
            assert fake.counters.statuses[500] == 1
            invited = [m for m in org.members.values() if m.email == "new.hire@acme.example"]
            assert len(invited) == 1
        elif kind is FaultKind.DROP:
            assert fake.counters.created["member"] == 0


async def test_project_create_applied_then_500_creates_exactly_one() -> None:
    org = make_org()
    team = next(iter(org.teams))
    before = len(org.projects)
    fault = Fault(FaultKind.APPLIED_THEN_500, CREATE_PROJECT)
    async with serve(org, faults=[fault], client_options={"retry": FAST_RETRY}) as (fake, sentry):
        with pytest.raises(AmbiguousWriteError):
            await sentry.projects.create(ORG, team, name="Checkout Edge", slug="checkout-edge")

        assert fake.counters.created["project"] == 1
        assert fake.counters.by_route[CREATE_PROJECT] == 1
        assert len(org.projects) == before + 1
        # What the error message tells the caller to do: check, then don't create again.
        existing = await sentry.projects.get(ORG, "checkout-edge")
        assert existing.name == "Checkout Edge"


async def test_idempotent_put_is_retried_after_applied_then_500() -> None:
    org = make_org()
    slug = org.projects[0].slug
    fault = Fault(FaultKind.APPLIED_THEN_500, "PUT " + PROJECT, times=2)
    async with serve(org, faults=[fault], client_options={"retry": FAST_RETRY}) as (fake, sentry):
        project = await sentry.projects.update(ORG, slug, name="Renamed Thing")

        assert project.name == "Renamed Thing"
        assert fake.counters.by_route["PUT " + PROJECT] == 3
        assert fake.counters.writes_applied == 3  # a PUT applied again is the same PUT


async def test_a_post_refused_with_429_is_retried_and_applied_once() -> None:
    # Listing and inviting share one bucket server-side, as same-group endpoints do on
    # Sentry. The client has no budget for the POST route yet, so the invite bounces with a
    # 429; a 429 proves nothing was applied, so the client waits for the window and re-sends.
    # One manual clock drives both sides: the window only ends when the client waits for it.
    clock = ManualClock(start=NOW)
    shared = RouteLimit(limit=2, bucket="members")
    limits = RateLimitConfig(routes={LIST_MEMBERS: shared, ADD_MEMBER: shared})
    async with serve(
        make_org(),
        rate_limit=limits,
        clock=clock.time,
        client_options={"clock": clock},
    ) as (fake, sentry):
        await sentry.members.list(ORG).collect()
        await sentry.members.list(ORG).collect()
        member = await sentry.members.add(ORG, email="second.try@acme.example")

        assert member.email == "second.try@acme.example"
        assert fake.counters.rate_limited == 1
        assert [(e.method, e.status) for e in fake.counters.log] == [
            ("GET", 200),
            ("GET", 200),
            ("POST", 429),
            ("POST", 201),
        ]
        assert fake.counters.created["member"] == 1
        # Waited for the window to reset (plus the gate's small safety margin), no longer.
        assert 1.0 <= sum(clock.sleeps) <= 1.05
