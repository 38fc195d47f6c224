"""The client against the fake over loopback, for the behaviours where real Sentry is messy.

Each test pins one thing the library's docstrings promise and the fake now does as Sentry:
roles sent under both names, teams dropped by a PUT without them, member queries, stats
grouped by project, SCIM provisioning bodies and the one PATCH Sentry supports.
"""

from __future__ import annotations

import pytest

from sentry_async import BadRequest
from sentry_async.models import ScimUser

from .conftest import ORG, make_org, serve


async def test_invite_as_admin_creates_an_admin_and_keeps_teams_on_update() -> None:
    async with serve(make_org(projects=3, members=4)) as (fake, client):
        team = next(iter(fake.org.teams))
        invited = await client.members.add(
            ORG, email="lead@acme.example", role="admin", teams=[team]
        )
        assert invited.role == "admin"
        current = await client.members.get(ORG, invited.id)
        assert current.teams == [team]
        # The documented way to change a role: pass the teams read from members.get.
        kept = await client.members.update(ORG, invited.id, role="manager", teams=current.teams)
        assert (kept.role, kept.teams) == ("manager", [team])
        # A PUT without teams leaves the member in none, as current Sentry does.
        stripped = await client.members.update(ORG, invited.id, role="member")
        assert (stripped.role, stripped.teams) == ("member", [])


async def test_members_query_filters_on_the_server() -> None:
    async with serve(make_org(projects=2, members=12, seed=3)) as (fake, client):
        admins = await client.members.list(ORG, query="role:admin").collect()
        expected = {m.id for m in fake.org.members.values() if m.role == "admin"}
        assert expected and {m.id for m in admins} == expected
        invited = await client.members.list(ORG, query="isInvited:true").collect()
        assert invited and all(m.user is None for m in invited)


async def test_stats_v2_by_project_has_totals_and_no_series() -> None:
    async with serve(make_org(projects=3)) as (_, client):
        stats = await client.organizations.stats_v2(
            ORG, field="sum(quantity)", group_by="project", stats_period="1d"
        )
        assert stats.groups and all(g.series is None and g.totals for g in stats.groups)


async def test_scim_provisioning_and_the_only_supported_patch() -> None:
    async with serve(make_org(projects=1, members=3)) as (fake, client):
        user = await client.scim.provision_user(
            ORG,
            user_name="ida@acme.example",
            given_name="Ida",
            family_name="Park",
            emails=["ida@acme.example"],
            active=True,
        )
        assert isinstance(user, ScimUser) and user.user_name == "ida@acme.example"
        with pytest.raises(BadRequest, match="Invalid Patch Operation"):
            await client.scim.set_active(ORG, user.id, True)
        assert await client.scim.set_active(ORG, user.id, False) is None
        assert user.id not in fake.org.members
