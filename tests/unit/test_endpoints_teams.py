"""``sentry.teams``: list, get, create, update, delete; team projects, members, membership."""

from __future__ import annotations

import aiohttp
import pytest

from sentry_async import AmbiguousWriteError, Conflict, SentryClient
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
TEAM = f"/teams/{ORG}/payments/"


def team_detail(slug: str = "payments", id: str = "88") -> dict[str, object]:
    return {
        **payloads.team(slug, id),
        "dateCreated": "2019-04-01T16:30:00.250Z",
        "isMember": True,
        "teamRole": "admin",
        "memberCount": 4,
        "flags": {"idp:provisioned": False},
        "access": ["team:read"],
        "hasAccess": True,
        "isPending": False,
    }


async def test_list_pages_with_the_query(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/teams/"
    mocked.get(at(path), payload=[team_detail()], headers={"Link": link(path, "0:1:0", more=True)})
    mocked.get(at(path), payload=[team_detail("platform", "89")])

    teams = await sentry.teams.list(ORG, query="pay", per_page=1).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == (
        "GET",
        path,
        [("query", "pay"), ("per_page", "1")],
    )
    assert second.query == [("query", "pay"), ("cursor", "0:1:0"), ("per_page", "1")]
    assert [(t.slug, t.member_count, t.team_role) for t in teams] == [
        ("payments", 4, "admin"),
        ("platform", 4, "admin"),
    ]


async def test_get_update_delete_address_the_team(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(TEAM), payload=team_detail())
    mocked.put(at(TEAM), payload=team_detail("billing"))
    mocked.delete(at(TEAM), status=204)

    team = await sentry.teams.get(ORG, "payments")
    renamed = await sentry.teams.update(ORG, "payments", slug="billing")
    await sentry.teams.delete(ORG, "payments")

    get, put, delete = sent(mocked)
    assert (get.method, get.path, get.json) == ("GET", TEAM, NO_BODY)
    assert (put.method, put.path, put.json) == ("PUT", TEAM, {"slug": "billing"})
    assert (delete.method, delete.path, delete.json) == ("DELETE", TEAM, NO_BODY)
    assert (team.slug, renamed.slug) == ("payments", "billing")


async def test_a_hostile_team_slug_stays_one_segment(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(f"/teams/{ORG}/a%2F..%2Fb/"), payload=team_detail())
    await sentry.teams.get(ORG, "a/../b")
    assert the_one(mocked).path == f"/teams/{ORG}/a%2F..%2Fb/"


async def test_create_sends_name_and_slug(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/teams/"
    mocked.post(at(path), status=201, payload=team_detail("bots", "90"))
    mocked.post(at(path), status=201, payload=team_detail("bots", "90"))

    team = await sentry.teams.create(ORG, name="Bots", slug="bots")
    await sentry.teams.create(ORG, name="Bots")

    both, name_only = sent(mocked)
    assert (both.method, both.path, both.json) == ("POST", path, {"name": "Bots", "slug": "bots"})
    assert name_only.json == {"name": "Bots"}
    assert team.id == "90"


async def test_create_needs_a_name_or_slug(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="name or a slug"):
        await sentry.teams.create(ORG)
    assert sent(mocked) == []


async def test_create_is_not_resent_after_an_ambiguous_failure(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/teams/"
    mocked.post(at(path), exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(AmbiguousWriteError):
        await sentry.teams.create(ORG, slug="bots")
    assert len(sent(mocked)) == 1


async def test_create_conflict_is_typed(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/teams/"
    mocked.post(at(path), status=409, payload={"non_field_errors": ["exists"]})
    with pytest.raises(Conflict):
        await sentry.teams.create(ORG, slug="payments")


async def test_list_projects_and_members(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{TEAM}projects/"), payload=[payloads.project()])
    mocked.get(
        at(f"{TEAM}members/"),
        payload=[{**payloads.member(), "teamRole": "contributor", "teamSlug": "payments"}],
    )

    projects = await sentry.teams.list_projects(ORG, "payments").collect()
    members = await sentry.teams.list_members(ORG, "payments", per_page=50).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", f"{TEAM}projects/", [])
    assert (second.path, second.query) == (f"{TEAM}members/", [("per_page", "50")])
    assert projects[0].slug == "checkout-api"
    assert members[0].id == "730" and members[0].raw["teamRole"] == "contributor"


async def test_add_member_returns_the_team_on_201_and_none_on_204_or_202(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    path = f"/organizations/{ORG}/members/730/teams/payments/"
    mocked.post(at(path), status=201, payload=team_detail())
    mocked.post(at(path), status=204)
    mocked.post(at(path), status=202)

    added = await sentry.teams.add_member(ORG, "payments", 730)
    again = await sentry.teams.add_member(ORG, "payments", "730")
    requested = await sentry.teams.add_member(ORG, "payments", 730)

    requests = sent(mocked)
    assert [(r.method, r.path, r.json) for r in requests] == [("POST", path, NO_BODY)] * 3
    assert added is not None and added.slug == "payments"
    assert (again, requested) == (None, None)


async def test_remove_member(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/members/730/teams/payments/"
    mocked.delete(at(path), payload=team_detail())
    await sentry.teams.remove_member(ORG, "payments", 730)
    request = the_one(mocked)
    assert (request.method, request.path) == ("DELETE", path)
