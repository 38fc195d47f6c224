"""Organizations, teams, releases and the raw escape hatch against the fake Sentry."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sentry_async import AmbiguousWriteError, BadRequest, Conflict, NotFound
from sentry_async.testing import FaultKind

from .conftest import ORG, make_org, serve

RELEASES_POST = "POST /organizations/{org}/releases/"


async def test_organizations_and_environments() -> None:
    async with serve(make_org(projects=5)) as (_, sentry):
        assert [o.slug for o in await sentry.organizations.list().collect()] == [ORG]
        owned = await sentry.organizations.list(owner=True).collect()
        assert [o.slug for o in owned] == [ORG]
        envs = await sentry.organizations.list_environments(ORG).collect()
        assert [e.name for e in envs] == ["production", "staging"]
        hidden = sentry.organizations.list_environments(ORG, visibility="hidden")
        assert await hidden.collect() == []


async def test_team_lifecycle_with_members_and_projects() -> None:
    org = make_org(projects=40, members=12)
    team = next(iter(org.teams.values()))
    async with serve(org) as (_, sentry):
        teams = await sentry.teams.list(ORG).collect()
        assert {t.slug for t in teams} == set(org.teams)
        projects = await sentry.teams.list_projects(ORG, team.slug).collect()
        assert {p.slug for p in projects} == {p.slug for p in org.projects if p.team is team}
        members = await sentry.teams.list_members(ORG, team.slug).collect()
        assert {m.id for m in members} == {
            m.id
            for m in org.members.values()
            if team.slug in m.teams and m.invite_status == "approved"
        }

        bots = await sentry.teams.create(ORG, name="Chat Bots")
        assert bots.slug == "chat-bots"
        with pytest.raises(Conflict):
            await sentry.teams.create(ORG, slug="chat-bots")
        outsider = next(m for m in org.members.values() if "chat-bots" not in m.teams)
        added = await sentry.teams.add_member(ORG, "chat-bots", outsider.id)
        assert added is not None and added.member_count == 1
        assert await sentry.teams.add_member(ORG, "chat-bots", outsider.id) is None  # 204
        renamed = await sentry.teams.update(ORG, "chat-bots", slug="bots", name="Bots")
        assert (renamed.slug, renamed.name) == ("bots", "Bots")
        assert "bots" in outsider.teams
        assert (await sentry.teams.get(ORG, bots.id)).slug == "bots"  # by id as well
        await sentry.teams.remove_member(ORG, "bots", outsider.id)
        assert await sentry.teams.list_members(ORG, "bots").collect() == []
        await sentry.teams.delete(ORG, "bots")
        with pytest.raises(NotFound):
            await sentry.teams.get(ORG, "bots")


async def test_release_with_deploys_and_awkward_versions() -> None:
    org = make_org(projects=20)
    slug = org.projects[0].slug
    async with serve(org) as (_, sentry):
        generated = await sentry.releases.list(ORG).collect()
        assert {r.version for r in generated} == set(org.releases)
        for version in ("1.0.0+build.5", "app@2.3", "nightly 2024 03 01"):
            created = await sentry.releases.create(ORG, version=version, projects=[slug])
            assert created.version == version
            again = await sentry.releases.create(ORG, version=version, projects=[slug])  # 208
            assert again.version == version
            assert (await sentry.releases.get(ORG, version)).version == version
        deploy = await sentry.releases.create_deploy(
            ORG,
            "app@2.3",
            environment="canary",
            name="first",
            date_started=datetime(2024, 3, 1, 9, tzinfo=timezone.utc),
        )
        assert deploy.environment == "canary"
        deploys = await sentry.releases.list_deploys(ORG, "app@2.3").collect()
        assert [d.id for d in deploys] == [deploy.id]
        release = await sentry.releases.get(ORG, "app@2.3")
        assert release.deploy_count == 1 and release.last_deploy is not None
        updated = await sentry.releases.update(
            ORG, "app@2.3", ref="abc123", commits=[{"id": "abc123", "message": "fix"}]
        )
        assert updated.ref == "abc123" and updated.commit_count == 1
        commits = await sentry.releases.list_commits(ORG, "app@2.3").collect()
        assert [c.id for c in commits] == ["abc123"]
        filtered = await sentry.releases.list(ORG, query="nightly").collect()
        assert [r.version for r in filtered] == ["nightly 2024 03 01"]
        await sentry.releases.delete(ORG, "app@2.3")
        with pytest.raises(NotFound):
            await sentry.releases.get(ORG, "app@2.3")
        with pytest.raises(ValueError, match="not a release version"):
            await sentry.releases.get(ORG, "..")
        middle = await sentry.releases.list(ORG, query="2024 03").collect()
        assert [r.version for r in middle] == ["nightly 2024 03 01"]  # a substring, any case
        assert await sentry.releases.list(ORG, query="NIGHTLY").collect() == filtered
        with pytest.raises(BadRequest, match="Values must be numbers"):
            await sentry.request_raw(
                "GET", f"/organizations/{ORG}/releases/", params={"project": "web"}
            )
        with pytest.raises(BadRequest, match="Release with name a/b is not allowed"):
            await sentry.request_raw(
                "POST",
                f"/organizations/{ORG}/releases/",
                json={"version": "a/b", "projects": [org.projects[0].slug]},
            )


async def test_an_applied_then_failed_release_create_is_not_resent() -> None:
    org = make_org(projects=5)
    async with serve(org) as (fake, sentry):
        fake.faults.fail_next(RELEASES_POST, 1, FaultKind.APPLIED_THEN_500)
        with pytest.raises(AmbiguousWriteError):
            await sentry.releases.create(ORG, version="v9", projects=[org.projects[0].slug])
        assert fake.counters.by_route[RELEASES_POST] == 1
        assert "v9" in org.releases  # it was applied: a get finds it
        assert (await sentry.releases.get(ORG, "v9")).version == "v9"


async def test_paginate_and_request_raw_against_the_fake() -> None:
    org = make_org(projects=35)
    async with serve(org) as (_, sentry):
        items = await sentry.paginate(f"/organizations/{ORG}/projects/", per_page=10).collect()
        assert [p["slug"] for p in items] == [p.slug for p in org.projects]
        raw = await sentry.request_raw(
            "GET", f"/organizations/{ORG}/issues/", params={"limit": 5, "query": ""}
        )
        assert raw.status == 200 and len(raw.body) == 5
        assert raw.headers["X-Hits"] == str(len(org.issues))
        assert raw.next_cursor is not None
        rest = await sentry.paginate(
            f"/organizations/{ORG}/issues/", params={"query": ""}, cursor=raw.next_cursor
        ).collect()
        assert len(rest) == len(org.issues) - 5
