"""``sentry.scim``: SCIM v2 Users (no trailing slash, startIndex/count paging, SCIM errors)."""

from __future__ import annotations

from typing import Any

import pytest

from sentry_async import SentryClient
from sentry_async.errors import BadRequest, Conflict, NotFound
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
USERS = f"/organizations/{ORG}/scim/v2/Users"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def test_list_users_pages_by_start_index_and_keeps_the_filter(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    wanted = 'userName eq "ada@northwind.example"'
    page1 = [payloads.scim_user("730"), payloads.scim_user("731", "lin@northwind.example")]
    page2 = [payloads.scim_user("732", "kofi@northwind.example", active=None)]
    mocked.get(at(USERS), payload=payloads.scim_list(page1, start_index=1, total=3))
    mocked.get(at(USERS), payload=payloads.scim_list(page2, start_index=3, total=3))

    users = await sentry.scim.list_users(ORG, filter=wanted, per_page=2).collect()

    first, second = sent(mocked)
    assert (first.method, first.path) == ("GET", USERS)  # no trailing slash
    assert first.query == [("filter", wanted), ("startIndex", "1"), ("count", "2")]
    assert second.query == [("filter", wanted), ("startIndex", "3"), ("count", "2")]
    assert [u.id for u in users] == ["730", "731", "732"]
    ada = users[0]
    assert (ada.user_name, ada.active, ada.sentry_org_role) == (
        "ada@northwind.example",
        True,
        "member",
    )
    assert [(e.value, e.primary, e.type) for e in ada.emails] == [
        ("ada@northwind.example", True, "work")
    ]
    assert ada.name is not None and (ada.name.given_name, ada.name.family_name) == ("N/A", "N/A")
    assert ada.meta is not None and ada.meta.resource_type == "User"
    assert ada.schemas == [USER_SCHEMA]
    assert users[2].active is None  # Azure AD: the key is left out


async def test_list_users_empty_is_one_request(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(USERS), payload=payloads.scim_list([]))
    assert await sentry.scim.list_users(ORG).collect() == []
    assert the_one(mocked).query == [("startIndex", "1")]


async def test_invalid_filter_is_a_bad_request_from_the_scim_envelope(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(USERS), status=400, payload=payloads.scim_error(scim_type="invalidFilter"))
    with pytest.raises(BadRequest) as info:
        await sentry.scim.list_users(ORG, filter='emails eq "x"').collect()
    assert info.value.detail == {"scimType": "invalidFilter"}
    assert info.value.route == "/organizations/{org}/scim/v2/Users"
    assert "invalidFilter" in str(info.value)


async def test_get_user(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.get(at(f"{USERS}/730"), payload=payloads.scim_user())
    user = await sentry.scim.get_user(ORG, 730)
    request = the_one(mocked)
    assert (request.method, request.path, request.json) == ("GET", f"{USERS}/730", NO_BODY)
    assert (user.id, user.user_name) == ("730", "ada@northwind.example")


async def test_unknown_user_is_not_found_from_the_scim_envelope(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    body = payloads.scim_error("The requested resource does not exist")
    mocked.get(at(f"{USERS}/999"), status=404, payload=body)
    with pytest.raises(NotFound) as info:
        await sentry.scim.get_user(ORG, "999")
    assert info.value.detail == "The requested resource does not exist"
    assert info.value.route == "/organizations/{org}/scim/v2/Users/{user_id}"


async def test_provision_user_posts_schemas_user_name_and_role(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    created = payloads.scim_user("733", "newhire@northwind.example")
    created["sentryOrgRole"] = "manager"
    mocked.post(at(USERS), status=201, payload=created)

    user = await sentry.scim.provision_user(
        ORG, user_name="newhire@northwind.example", sentry_org_role="manager"
    )

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("POST", USERS, [])
    assert request.json == {
        "schemas": [USER_SCHEMA],
        "userName": "newhire@northwind.example",
        "sentryOrgRole": "manager",
    }
    assert (user.id, user.sentry_org_role) == ("733", "manager")


async def test_provision_user_without_a_role_sends_no_role(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(USERS), status=201, payload=payloads.scim_user("733"))
    await sentry.scim.provision_user(ORG, user_name="newhire@northwind.example")
    assert the_one(mocked).json == {
        "schemas": [USER_SCHEMA],
        "userName": "newhire@northwind.example",
    }


async def test_provision_user_sends_the_scim_core_user_body(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(USERS), status=201, payload=payloads.scim_user("733"))

    await sentry.scim.provision_user(
        ORG,
        user_name="ida@northwind.example",
        given_name="Ida",
        family_name="Park",
        emails=["ida@northwind.example", "ida.park@northwind.example"],
        active=True,
        sentry_org_role="member",
    )

    assert the_one(mocked).json == {
        "schemas": [USER_SCHEMA],
        "userName": "ida@northwind.example",
        "name": {"givenName": "Ida", "familyName": "Park"},
        "emails": [
            {"value": "ida@northwind.example", "primary": True, "type": "work"},
            {"value": "ida.park@northwind.example", "primary": False, "type": "work"},
        ],
        "active": True,
        "sentryOrgRole": "member",
    }


async def test_provision_user_with_only_a_family_name(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(USERS), status=201, payload=payloads.scim_user("733"))
    await sentry.scim.provision_user(ORG, user_name="x@northwind.example", family_name="Park")
    assert the_one(mocked).json["name"] == {"familyName": "Park"}


async def test_provision_user_refuses_one_string_of_emails(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    with pytest.raises(TypeError, match="emails"):
        await sentry.scim.provision_user(ORG, user_name="x@n.example", emails="x@n.example")
    assert mocked.requests == {}


async def test_provisioning_an_existing_user_is_a_conflict(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(
        at(USERS), status=409, payload=payloads.scim_error("User already exists in the database.")
    )
    with pytest.raises(Conflict) as info:
        await sentry.scim.provision_user(ORG, user_name="ada@northwind.example")
    assert info.value.detail == "User already exists in the database."
    assert info.value.status == 409
    assert len(sent(mocked)) == 1  # a POST answered 409 is final


async def test_set_active_false_sends_the_patch_op_and_204_gives_none(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.patch(at(f"{USERS}/730"), status=204)

    result = await sentry.scim.set_active(ORG, "730", False)

    request = the_one(mocked)
    assert result is None
    assert (request.method, request.path) == ("PATCH", f"{USERS}/730")
    assert request.json == {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }


async def test_set_active_true_is_refused_by_sentry(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.patch(
        at(f"{USERS}/730"), status=400, payload=payloads.scim_error("Invalid Patch Operation.")
    )
    with pytest.raises(BadRequest, match="Invalid Patch Operation"):
        await sentry.scim.set_active(ORG, 730, True)
    assert the_one(mocked).json["Operations"] == [
        {"op": "replace", "path": "active", "value": True}
    ]


async def test_patch_user_answered_200_returns_the_user(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.patch(at(f"{USERS}/730"), status=200, payload=payloads.scim_user())
    operations = [{"op": "replace", "value": {"active": "False"}}]

    user = await sentry.scim.patch_user(ORG, "730", operations)

    assert the_one(mocked).json == {"schemas": [PATCH_OP], "Operations": operations}
    assert user is not None and user.id == "730"


async def test_patch_user_needs_operations(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="operations"):
        await sentry.scim.patch_user(ORG, "730", [])
    assert mocked.requests == {}


async def test_set_role_puts_sentry_org_role(sentry: SentryClient, mocked: MockHttp) -> None:
    promoted = payloads.scim_user()
    promoted["sentryOrgRole"] = "admin"
    mocked.put(at(f"{USERS}/730"), payload=promoted)

    user = await sentry.scim.set_role(ORG, "730", "admin")

    request = the_one(mocked)
    assert (request.method, request.path) == ("PUT", f"{USERS}/730")
    assert request.json == {"sentryOrgRole": "admin"}
    assert user.sentry_org_role == "admin"


async def test_delete_user_answers_204_and_returns_none(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.delete(at(f"{USERS}/730"), status=204)
    assert await sentry.scim.delete_user(ORG, "730") is None
    request = the_one(mocked)
    assert (request.method, request.path, request.json) == ("DELETE", f"{USERS}/730", NO_BODY)


@pytest.mark.parametrize("active", ["false", 0, None, "true"])
async def test_set_active_refuses_anything_but_a_bool(
    sentry: SentryClient, mocked: MockHttp, active: Any
) -> None:
    # bool("false") is True: a string must never reactivate (or deactivate) anyone.
    with pytest.raises(TypeError, match="active must be True or False"):
        await sentry.scim.set_active(ORG, 730, active)
    assert mocked.requests == {}
