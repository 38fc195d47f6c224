"""``sentry.releases``: list, get, create (201/208), update, delete; deploys and commits."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from sentry_async import AmbiguousWriteError, SentryClient
from tests import payloads

from ._endpoint_helpers import NO_BODY, at, sent, the_one
from ._mockhttp import MockHttp

ORG = payloads.ORG_SLUG
RELEASES = f"/organizations/{ORG}/releases/"
UTC = timezone.utc
VERSION = "checkout@2.14.0+build.5"
SEGMENT = "checkout%402.14.0%2Bbuild.5"


def release(version: str = VERSION, **extra: Any) -> dict[str, Any]:
    return {
        "id": 1402,
        "version": version,
        "shortVersion": "2.14.0+build.5",
        "status": "open",
        "ref": None,
        "url": None,
        "dateCreated": "2024-03-01T09:00:00Z",
        "dateReleased": None,
        "newGroups": 0,
        "commitCount": 0,
        "deployCount": 1,
        "lastDeploy": deploy(),
        "authors": [],
        "projects": [{"id": 5102, "slug": "checkout-api", "name": "Checkout Api", "platform": ""}],
        **extra,
    }


def deploy(id: str = "61") -> dict[str, Any]:
    return {
        "id": id,
        "environment": "production",
        "name": "deploy 61",
        "url": None,
        "dateStarted": None,
        "dateFinished": "2024-03-01T09:30:00Z",
    }


async def test_list_sends_query_and_numeric_projects(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.get(at(RELEASES), payload=[release()])
    releases = await sentry.releases.list(ORG, query="checkout", project=[5102, 5103]).collect()
    request = the_one(mocked)
    assert (request.method, request.path) == ("GET", RELEASES)
    assert request.query == [("query", "checkout"), ("project", "5102"), ("project", "5103")]
    item = releases[0]
    assert (item.version, item.id, item.deploy_count) == (VERSION, 1402, 1)
    assert item.projects is not None and item.projects[0].platform is None
    assert item.last_deploy is not None and item.last_deploy.environment == "production"


@pytest.mark.parametrize(
    ("version", "segment"),
    [
        (VERSION, SEGMENT),
        ("app@2.3", "app%402.3"),
        ("my release 1", "my%20release%201"),
        ("...", "%2E%2E%2E"),
        ("%2F", "%252F"),
    ],
)
async def test_get_encodes_the_version_as_one_segment(
    sentry: SentryClient, mocked: MockHttp, version: str, segment: str
) -> None:
    mocked.get(at(f"{RELEASES}{segment}/"), payload=release(version))
    found = await sentry.releases.get(ORG, version)
    assert the_one(mocked).path == f"{RELEASES}{segment}/"
    assert found.version == version


@pytest.mark.parametrize("version", ["", "  ", ".", "..", "a/b", "../../projects", "/"])
async def test_versions_no_release_can_have_are_refused_before_any_request(
    sentry: SentryClient, mocked: MockHttp, version: str
) -> None:
    calls = [
        sentry.releases.get(ORG, version),
        sentry.releases.update(ORG, version, ref="x"),
        sentry.releases.delete(ORG, version),
        sentry.releases.create_deploy(ORG, version, environment="production"),
        sentry.releases.create(ORG, version=version, projects=["web"]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="version"):
            await call
    for lister in (sentry.releases.list_deploys, sentry.releases.list_commits):
        with pytest.raises(ValueError, match="version"):
            lister(ORG, version)
    assert sent(mocked) == []


@pytest.mark.parametrize("version", ["latest", "LATEST", "a\\b", "a\nb", "a\tb", "v" * 201])
async def test_create_refuses_versions_sentry_refuses(
    sentry: SentryClient, mocked: MockHttp, version: str
) -> None:
    with pytest.raises(ValueError, match="refuses"):
        await sentry.releases.create(ORG, version=version, projects=["web"])
    assert sent(mocked) == []


async def test_list_takes_numeric_project_ids_only(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="numeric project ids"):
        sentry.releases.list(ORG, project="backend")
    with pytest.raises(ValueError, match="numeric project ids"):
        sentry.issues.list(ORG, project=[1, "web"])
    sentry.issues.list(ORG, project=-1)
    assert sent(mocked) == []


@pytest.mark.parametrize("status", [201, 208])
async def test_create_returns_the_release_for_201_and_208(
    sentry: SentryClient, mocked: MockHttp, status: int
) -> None:
    mocked.post(at(RELEASES), status=status, payload=release())
    created = await sentry.releases.create(
        ORG,
        version=VERSION,
        projects=["checkout-api"],
        ref="5e2b8f0",
        date_released=datetime(2024, 3, 1, 9, tzinfo=UTC),
        refs=[{"repository": "northwind/checkout", "commit": "5e2b8f0"}],
    )
    request = the_one(mocked)
    assert (request.method, request.path, request.query) == ("POST", RELEASES, [])
    assert request.json == {
        "version": VERSION,
        "projects": ["checkout-api"],
        "ref": "5e2b8f0",
        "dateReleased": "2024-03-01T09:00:00Z",
        "refs": [{"repository": "northwind/checkout", "commit": "5e2b8f0"}],
    }
    assert created.version == VERSION


async def test_create_is_never_resent_after_an_ambiguous_failure(
    sentry: SentryClient, mocked: MockHttp
) -> None:
    mocked.post(at(RELEASES), exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(AmbiguousWriteError):
        await sentry.releases.create(ORG, version=VERSION, projects=["checkout-api"])
    assert len(sent(mocked)) == 1


async def test_create_checks_its_input(sentry: SentryClient, mocked: MockHttp) -> None:
    with pytest.raises(ValueError, match="at least one project"):
        await sentry.releases.create(ORG, version=VERSION, projects=[])
    with pytest.raises(TypeError, match="not one string"):
        await sentry.releases.create(ORG, version=VERSION, projects="checkout-api")
    with pytest.raises(ValueError, match="not a release version"):
        await sentry.releases.create(ORG, version=" ", projects=["checkout-api"])
    assert sent(mocked) == []


async def test_update_sends_only_given_fields(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.put(at(f"{RELEASES}{SEGMENT}/"), payload=release(ref="abc"))
    await sentry.releases.update(
        ORG, VERSION, ref="abc", url=None, commits=[{"id": "abc", "repository": "r"}]
    )
    request = the_one(mocked)
    assert (request.method, request.path) == ("PUT", f"{RELEASES}{SEGMENT}/")
    assert request.json == {
        "ref": "abc",
        "url": None,
        "commits": [{"id": "abc", "repository": "r"}],
    }


async def test_delete(sentry: SentryClient, mocked: MockHttp) -> None:
    mocked.delete(at(f"{RELEASES}{SEGMENT}/"), status=204)
    await sentry.releases.delete(ORG, VERSION)
    request = the_one(mocked)
    assert (request.method, request.path, request.json) == (
        "DELETE",
        f"{RELEASES}{SEGMENT}/",
        NO_BODY,
    )


async def test_deploys_list_and_create(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"{RELEASES}{SEGMENT}/deploys/"
    mocked.get(at(path), payload=[deploy()])
    mocked.post(at(path), status=201, payload=deploy("62"))

    deploys = await sentry.releases.list_deploys(ORG, VERSION).collect()
    created = await sentry.releases.create_deploy(
        ORG,
        VERSION,
        environment="production",
        name="deploy 62",
        date_started=datetime(2024, 3, 1, 9, 20, tzinfo=UTC),
        date_finished=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        projects=["checkout-api"],
    )

    listed, posted = sent(mocked)
    assert (listed.method, listed.path, listed.query) == ("GET", path, [])
    assert (posted.method, posted.path) == ("POST", path)
    assert posted.json == {
        "environment": "production",
        "name": "deploy 62",
        "dateStarted": "2024-03-01T09:20:00Z",
        "dateFinished": "2024-03-01T09:30:00Z",
        "projects": ["checkout-api"],
    }
    assert deploys[0].date_finished == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert created.id == "62"


async def test_create_deploy_is_never_resent(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"{RELEASES}{SEGMENT}/deploys/"
    mocked.post(at(path), exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(AmbiguousWriteError):
        await sentry.releases.create_deploy(ORG, VERSION, environment="production")
    assert len(sent(mocked)) == 1


async def test_list_commits(sentry: SentryClient, mocked: MockHttp) -> None:
    path = f"{RELEASES}{SEGMENT}/commits/"
    mocked.get(at(path), payload=[payloads.commit()])
    commits = await sentry.releases.list_commits(ORG, VERSION, per_page=20).collect()
    request = the_one(mocked)
    assert (request.path, request.query) == (path, [("per_page", "20")])
    assert commits[0].id == "5e2b8f0c1d9a7e6b3c4d2f1a0b9c8d7e6f5a4b3c"
