"""``sentry.integrations``: Sentry App installations and external issue links."""

from __future__ import annotations

import pytest

from sentry_async import SentryClient
from sentry_async.errors import NotFound
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, link, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
UUID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
EXTERNAL = f"/sentry-app-installations/{UUID}/external-issues/"


async def test_list_installations_pages(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"/organizations/{ORG}/sentry-app-installations/"
    pending = payloads.sentry_app_installation("0f0e0d0c-0b0a-4909-8807-060504030201")
    pending["status"] = "pending"
    del pending["app"]["sentryAppId"]
    mocked.get(
        at(path),
        payload=[payloads.sentry_app_installation()],
        headers={"Link": link(path, "1:1:0", more=True, previous="1:-1:1")},
    )
    mocked.get(at(path), payload=[pending], headers={"Link": link(path, "1:2:0", more=False)})

    installs = await sentry.integrations.list_installations(ORG, per_page=1).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", path, [("per_page", "1")])
    assert second.query == [("cursor", "1:1:0"), ("per_page", "1")]
    installed, waiting = installs
    assert (installed.uuid, installed.status) == (UUID, "installed")
    assert (installed.app.slug, installed.app.sentry_app_id) == ("ticket-bridge-3f9a1c", 77)
    assert installed.organization.slug == ORG
    assert (waiting.status, waiting.app.sentry_app_id) == ("pending", None)


async def test_list_external_issues_of_an_issue_pages(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    # Sentry lists links per Sentry issue; the installation path only takes POST.
    path = f"/organizations/{ORG}/issues/3301/external-issues/"
    mocked.get(
        at(path),
        payload=[payloads.external_issue()],
        headers={"Link": link(path, "4410:0:0", more=True)},
    )
    mocked.get(
        at(path),
        payload=[payloads.external_issue("4411")],
        headers={"Link": link(path, "4411:0:0", more=False)},
    )

    links = await sentry.integrations.list_external_issues(ORG, 3301).collect()

    first, second = sent(mocked)
    assert (first.method, first.path, first.query) == ("GET", path, [])
    assert second.query == [("cursor", "4410:0:0")]
    assert [(x.id, x.issue_id) for x in links] == [("4410", "3301"), ("4411", "3301")]
    assert (links[0].service_type, links[0].display_name) == ("ticket-bridge", "OPS#1187")
    assert links[0].web_url == "https://tickets.northwind.example/OPS/1187"


async def test_create_external_issue_posts_the_four_fields_and_takes_a_200(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(EXTERNAL), status=200, payload=payloads.external_issue())

    link_ = await sentry.integrations.create_external_issue(
        UUID,
        issue_id="3301",
        web_url="https://tickets.northwind.example/OPS/1187",
        project="OPS",
        identifier="1187",
    )

    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("POST", EXTERNAL, [])
    assert request.json == {
        "issueId": 3301,
        "webUrl": "https://tickets.northwind.example/OPS/1187",
        "project": "OPS",
        "identifier": "1187",
    }
    assert (link_.id, link_.issue_id, link_.display_name) == ("4410", "3301", "OPS#1187")


async def test_create_external_issue_for_an_unknown_issue_is_not_found(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(
        at(EXTERNAL), status=404, payload={"detail": "Could not find issue from given groupId"}
    )
    with pytest.raises(NotFound) as info:
        await sentry.integrations.create_external_issue(
            UUID, issue_id=1, web_url="https://t.example/1", project="OPS", identifier="1"
        )
    assert info.value.route == "/sentry-app-installations/{uuid}/external-issues/"
    assert info.value.detail == "Could not find issue from given groupId"
    assert len(sent(mocked)) == 1


async def test_delete_external_issue_answers_204_and_returns_none(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.delete(at(f"{EXTERNAL}4410/"), status=204)

    assert await sentry.integrations.delete_external_issue(UUID, 4410) is None

    request = the_one(mocked)
    assert (request.method, request.path, request.json) == ("DELETE", f"{EXTERNAL}4410/", NO_BODY)
