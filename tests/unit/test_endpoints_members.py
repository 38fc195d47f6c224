"""``sentry.members``: list, get, invite, update and remove organization members."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from sentry_async import SentryClient
from sentry_async.errors import BadRequest, NotFound
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import CallbackResult, MockHttp

ORG = payloads.ORG_SLUG
MEMBERS = f"/organizations/{ORG}/members/"
UTC = timezone.utc


async def test_list_pages_and_keeps_pending_invites(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(
        at(MEMBERS),
        payload=[payloads.member()],
        headers={"Link": link(MEMBERS, "100:1:0", more=True, previous="100:-1:1")},
    )
    mocked.get(
        at(MEMBERS),
        payload=[payloads.member_pending()],
        headers={"Link": link(MEMBERS, "100:2:0", more=False)},
    )

    members = await sentry.members.list(ORG, query="role:member").collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", MEMBERS, [("query", "role:member")])
    assert second.query == [("query", "role:member"), ("cursor", "100:1:0")]
    joined, invited = members
    assert joined.user is not None and joined.user.username == "aokafor"
    assert (invited.id, invited.email, invited.user) == ("731", "newhire@northwind.example", None)
    # The list leaves ``teams`` out: None ("not said"), never [] ("no teams").
    assert (invited.role, invited.pending, invited.teams) == ("member", True, None)
    assert invited.flags["sso:linked"] is False


async def test_get_decodes_the_user_teams_and_flags(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{MEMBERS}730/"), payload=payloads.member())

    member = await sentry.members.get(ORG, 730)

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("GET", f"{MEMBERS}730/", [])
    assert (member.id, member.role, member.role_name) == ("730", "admin", "Admin")
    assert member.date_created == datetime(2019, 4, 1, 16, 30, 0, 250000, tzinfo=UTC)
    assert member.flags["sso:linked"] is True and member.flags["idp:provisioned"] is False
    assert member.teams == ["payments", "platform"]
    assert [(r.team_slug, r.role) for r in member.team_roles] == [
        ("payments", "admin"),
        ("platform", None),
    ]
    user = member.user
    assert user is not None
    assert (user.id, user.has2fa, user.is_managed) == ("91004", True, False)
    # Nine fraction digits on the wire: truncated to microseconds, still UTC.
    assert user.last_active == datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert user.last_login == datetime(2024, 2, 29, 7, 45, 12, 500000, tzinfo=UTC)
    assert [(e.email, e.is_verified) for e in user.emails] == [("ada@northwind.example", True)]


async def test_add_invites_with_org_role_and_teams(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.post(at(MEMBERS), status=201, payload=payloads.member_pending())

    member = await sentry.members.add(
        ORG, email="newhire@northwind.example", role="member", teams=["payments", "platform"]
    )

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("POST", MEMBERS, [])
    assert request.json == {
        "email": "newhire@northwind.example",
        "role": "member",
        "orgRole": "member",
        "teams": ["payments", "platform"],
    }
    assert (member.id, member.pending, member.user) == ("731", True, None)


async def test_add_without_teams_sends_no_teams_and_the_default_role(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(MEMBERS), status=201, payload=payloads.member_pending())
    await sentry.members.add(ORG, email="newhire@northwind.example")
    assert the_one(mocked).json == {
        "email": "newhire@northwind.example",
        "role": "member",
        "orgRole": "member",
    }


async def test_add_refuses_bad_arguments_before_any_request(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(ValueError, match="email"):
        await sentry.members.add(ORG, email="  ")
    with pytest.raises(TypeError, match="team slugs"):
        await sentry.members.add(ORG, email="x@northwind.example", teams="payments")
    assert mocked.requests == {}


async def test_add_of_an_existing_member_is_a_bad_request_with_the_field_errors(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    errors = {"email": ["The user ada@northwind.example is already a member"]}
    mocked.post(at(MEMBERS), status=400, payload=errors)
    with pytest.raises(BadRequest) as info:
        await sentry.members.add(ORG, email="ada@northwind.example")
    assert info.value.detail == errors
    assert info.value.route == "/organizations/{org}/members/"
    assert "already a member" in str(info.value)


async def test_update_sends_only_the_role(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.put(at(f"{MEMBERS}730/"), payload=payloads.member(role="manager"))

    member = await sentry.members.update(ORG, "730", role="manager")

    request = the_one(mocked)
    assert (request.method, request.path) == ("PUT", f"{MEMBERS}730/")
    assert request.json == {"role": "manager", "orgRole": "manager"}
    assert member.role == "manager"


async def test_update_sends_only_the_teams(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.put(at(f"{MEMBERS}730/"), payload=payloads.member())
    await sentry.members.update(ORG, "730", teams=("platform",))
    assert the_one(mocked).json == {"teams": ["platform"]}


async def test_update_sends_role_and_an_empty_team_list(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.put(at(f"{MEMBERS}730/"), payload=payloads.member(role="billing"))
    await sentry.members.update(ORG, 730, role="billing", teams=[])
    assert the_one(mocked).json == {"role": "billing", "orgRole": "billing", "teams": []}


async def test_update_refuses_a_single_string_of_teams(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(TypeError, match="team slugs"):
        await sentry.members.update(ORG, 730, teams="platform")
    assert mocked.requests == {}


async def test_delete_answers_204_and_returns_none(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(f"{MEMBERS}731/"), status=204)

    result = await sentry.members.delete(ORG, "731")

    request = the_one(mocked)
    assert result is None
    assert (request.method, request.path, request.json) == ("DELETE", f"{MEMBERS}731/", NO_BODY)


async def test_get_unknown_member_is_not_found(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{MEMBERS}999/"), status=404, payload={"detail": "Not found"})
    with pytest.raises(NotFound) as info:
        await sentry.members.get(ORG, 999)
    assert info.value.route == "/organizations/{org}/members/{member_id}/"


# Three servers, as Sentry releases differ: the member is created from whichever key the
# server reads, so the role asked for must be in every one of them.
Server = Callable[..., CallbackResult]


def _reads(key: str) -> Server:
    def server(url: Any, **kwargs: Any) -> CallbackResult:
        body = json.loads(kwargs["data"])
        role = body.get(key, "member")  # the field's default on those servers
        answer = payloads.member_pending()
        answer["role"] = answer["orgRole"] = role
        return CallbackResult(status=201, payload=answer)

    return server


def _requires_role(url: Any, **kwargs: Any) -> CallbackResult:
    body = json.loads(kwargs["data"])
    if "role" not in body:
        return CallbackResult(status=400, payload={"role": ["This field is required."]})
    answer = payloads.member_pending()
    answer["role"] = answer["orgRole"] = body["role"]
    return CallbackResult(status=201, payload=answer)


@pytest.mark.parametrize(
    "server", [_reads("role"), _reads("orgRole"), _requires_role], ids=["role", "orgRole", "req"]
)
async def test_add_applies_the_role_on_servers_reading_either_key(
    sentry: SentryClient, mocked: MockHttp, server: Server
) -> None:
    mocked.post(at(MEMBERS), callback=server)
    member = await sentry.members.add(ORG, email="lead@northwind.example", role="admin")
    assert member.role == "admin"


@pytest.mark.parametrize(
    "server", [_reads("role"), _reads("orgRole"), _requires_role], ids=["role", "orgRole", "req"]
)
async def test_update_applies_the_role_on_servers_reading_either_key(
    sentry: SentryClient, mocked: MockHttp, server: Server
) -> None:
    mocked.put(at(f"{MEMBERS}731/"), callback=server)
    member = await sentry.members.update(ORG, 731, role="manager")
    assert member.role == "manager"


async def test_add_answer_without_teams_gives_none_not_an_empty_list(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    answer = payloads.member_pending()
    answer.pop("teams", None)
    mocked.post(at(MEMBERS), status=201, payload=answer)
    member = await sentry.members.add(ORG, email="newhire@northwind.example", teams=["platform"])
    # Sending this back as ``teams=`` would strip the invite's teams if it were [].
    assert member.teams is None


async def test_update_sends_team_roles_in_sentrys_name(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    from sentry_async.models import MemberTeamRole

    mocked.put(at(f"{MEMBERS}730/"), payload=payloads.member(role="admin"), repeat=True)
    kept = [MemberTeamRole(team_slug="platform", role="admin"), MemberTeamRole(team_slug="web")]
    await sentry.members.update(ORG, "730", role="admin", team_roles=kept)
    await sentry.members.update(ORG, "730", team_roles={"ops": "contributor"})
    first, second = sent(mocked)
    assert first.json == {
        "role": "admin",
        "orgRole": "admin",
        "teamRoles": [{"teamSlug": "platform", "role": "admin"}, {"teamSlug": "web", "role": None}],
    }
    assert second.json == {"teamRoles": [{"teamSlug": "ops", "role": "contributor"}]}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"teams": None}, TypeError, "removes the member from every team"),
        ({"team_roles": None}, TypeError, "remove the member from every team"),
        ({"team_roles": ["platform"]}, TypeError, "MemberTeamRole"),
        ({"team_roles": "platform"}, TypeError, "not be a string"),
        ({"teams": ["a"], "team_roles": {"a": None}}, ValueError, "not both"),
    ],
)
async def test_update_refuses_arguments_that_would_lose_teams(
    sentry: SentryClient, mocked: MockHttp, kwargs: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        await sentry.members.update(ORG, 730, role="admin", **kwargs)
    assert mocked.requests == {}


async def test_add_with_teams_none_sends_no_teams(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.post(at(MEMBERS), payload=payloads.member(), status=201)
    await sentry.members.add(ORG, email="new@example.com", teams=None)
    assert "teams" not in the_one(mocked).json
