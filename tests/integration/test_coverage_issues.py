"""Issues, events and project keys end to end against the fake Sentry over 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from sentry_async import AmbiguousWriteError, BadRequest, NotFound
from sentry_async.models import ClientKeyRateLimit
from sentry_async.testing import Fault, FaultKind

from .conftest import ORG, make_org, serve

ISSUES_PUT = "PUT /organizations/{org}/issues/"
ISSUE_PUT = "PUT /organizations/{org}/issues/{issue_id}/"


async def test_search_pages_with_limit_and_reports_hits() -> None:
    org = make_org(projects=60)
    unresolved = [i for i in org.issues.values() if i.status == "unresolved"]
    assert len(unresolved) > 10
    async with serve(org) as (fake, sentry):
        pages = [page async for page in sentry.issues.list(ORG, per_page=10).pages()]

        assert {page.hits for page in pages} == {len(unresolved)}
        ids = [issue.id for page in pages for issue in page.items]
        assert sorted(ids) == sorted(i.id for i in unresolved)
        assert all(len(page) <= 10 for page in pages)
        logged = [entry.path for entry in fake.counters.log]
        assert all("limit=10" in path for path in logged)
        every = await sentry.issues.list(ORG, query="").collect()
        assert len(every) == len(org.issues)
        resolved = await sentry.issues.list(ORG, query="is:resolved").collect()
        assert {i.status for i in resolved} == {"resolved"}


async def test_free_text_project_and_environment_filters() -> None:
    org = make_org(projects=40)
    project = org.projects[2]
    mine = org.add_issue(project, "PaymentDeclined: card refused by issuer", events=3)
    async with serve(org) as (_, sentry):
        found = await sentry.issues.list(ORG, query="is:unresolved refused by issuer").collect()
        assert [i.id for i in found] == [mine.id]
        in_project = await sentry.issues.list(ORG, project=project.id, query="").collect()
        assert {i.project.slug for i in in_project if i.project} == {project.slug}
        assert mine.id in {i.id for i in in_project}
        nowhere = await sentry.issues.list(ORG, environment="no-such-env").collect()
        assert nowhere == []
        with pytest.raises(BadRequest):
            await sentry.issues.list(ORG, query="is:sleepy").collect()


async def test_assign_resolve_and_read_back() -> None:
    org = make_org(projects=30, members=6)
    member = next(m for m in org.members.values() if m.user_id is not None)
    issue = org.add_issue(org.projects[0], "KeyError: 'cart'", events=2)
    org.add_release("app@1.0", [org.projects[0]])
    async with serve(org) as (_, sentry):
        with pytest.raises(BadRequest, match="Unable to find a release"):
            await sentry.issues.update(
                ORG, issue.id, status="resolved", status_details={"inRelease": "app@9.9"}
            )
        assigned = await sentry.issues.update(ORG, issue.id, assigned_to=member.email)
        assert assigned.assigned_to is not None
        assert (assigned.assigned_to.type, assigned.assigned_to.id) == ("user", member.user_id)
        resolved = await sentry.issues.update(
            ORG, issue.id, status="resolved", status_details={"inRelease": "app@1.0"}
        )
        assert (resolved.status, resolved.substatus) == ("resolved", None)
        assert resolved.status_details is not None
        assert resolved.status_details.in_release == "app@1.0"
        again = await sentry.issues.get(ORG, issue.id)
        assert again.status == "resolved" and again.assigned_to is not None
        with pytest.raises(BadRequest):
            await sentry.issues.update(ORG, issue.id, assigned_to="nobody@nowhere.example")
        cleared = await sentry.issues.update(ORG, issue.id, assigned_to=None, status="unresolved")
        assert (cleared.assigned_to, cleared.status) == (None, "unresolved")


async def test_an_update_is_retried_after_a_server_error() -> None:
    org = make_org(projects=20)
    issue = org.add_issue(org.projects[0], "ValueError: x")
    async with serve(org) as (fake, sentry):
        fake.faults.fail_next(ISSUE_PUT, 1, FaultKind.SERVER_ERROR)
        updated = await sentry.issues.update(ORG, issue.id, status="ignored")
        assert updated.status == "ignored"
        assert fake.counters.by_route[ISSUE_PUT] == 2


async def test_bulk_update_touches_only_the_given_ids_in_chunks() -> None:
    org = make_org(projects=20)
    project = org.projects[0]
    mine = [org.add_issue(project, f"Bulk: number {n}") for n in range(130)]
    others = [i for i in org.issues.values() if i not in mine and i.status == "unresolved"]
    assert others
    async with serve(org) as (fake, sentry):
        changes = await sentry.issues.bulk_update(
            ORG, ids=[i.id for i in mine], status="resolved", is_bookmarked=True
        )
        assert changes is not None and (changes.status, changes.is_bookmarked) == (
            "resolved",
            True,
        )
        assert fake.counters.by_route[ISSUES_PUT] == 2  # 100 + 30
        assert {i.status for i in mine} == {"resolved"}
        assert {i.status for i in others} == {"unresolved"}  # nothing else was touched
        assert await sentry.issues.bulk_update(ORG, ids=[], status="resolved") is None
        assert fake.counters.by_route[ISSUES_PUT] == 2  # the empty call sent nothing
        assert {i.status for i in others} == {"unresolved"}

        await sentry.issues.bulk_delete(ORG, ids=[i.id for i in mine[:3]])
        assert not any(i.id in org.issues for i in mine[:3])
        await sentry.issues.delete(ORG, mine[3].id)
        with pytest.raises(NotFound):
            await sentry.issues.get(ORG, mine[3].id)


async def test_events_latest_oldest_and_tag_values() -> None:
    org = make_org(projects=20)
    project = org.projects[1]
    issue = org.add_issue(project, "TimeoutError: slow", events=4)
    async with serve(org) as (_, sentry):
        events = await sentry.issues.list_events(ORG, issue.id, per_page=2).collect()
        assert [e.event_id for e in events] == [e.id for e in issue.events]
        assert all(e.entries is None for e in events)
        full = await sentry.issues.list_events(ORG, issue.id, full=True).collect()
        assert all(e.entries for e in full)
        latest = await sentry.issues.get_event(ORG, issue.id)
        oldest = await sentry.issues.get_event(ORG, issue.id, "oldest")
        assert (latest.event_id, oldest.event_id) == (issue.events[0].id, issue.events[-1].id)
        assert latest.contexts and latest.user and latest.user["id"] == issue.events[0].user_id
        by_id = await sentry.issues.get_event(ORG, issue.id, issue.events[2].id)
        assert by_id.group_id == issue.id
        values = await sentry.issues.list_tag_values(ORG, issue.id, "environment").collect()
        assert sum(v.count or 0 for v in values) == 4
        with pytest.raises(NotFound):
            await sentry.issues.get_event(ORG, issue.id, "../../projects")

        project_events = await sentry.projects.list_events(ORG, project.slug).collect()
        assert {e.id for e in issue.events} <= {e.event_id for e in project_events}
        one = await sentry.projects.get_event(ORG, project.slug, issue.events[1].id)
        assert one.entries is not None and one.group_id == issue.id


async def test_project_keys_lifecycle() -> None:
    org = make_org(projects=10)
    slug = org.projects[0].slug
    async with serve(org) as (_, sentry):
        before = await sentry.projects.list_keys(ORG, slug).collect()
        key = await sentry.projects.create_key(
            ORG, slug, name="ci", rate_limit=ClientKeyRateLimit(window=60, count=500)
        )
        assert key.rate_limit is not None and key.rate_limit.count == 500
        off = await sentry.projects.update_key(ORG, slug, key.id, is_active=False, rate_limit=None)
        assert (off.is_active, off.rate_limit) == (False, None)
        inactive = await sentry.projects.list_keys(ORG, slug, status="inactive").collect()
        assert key.id in {k.id for k in inactive}
        assert (await sentry.projects.get_key(ORG, slug, key.id)).name == "ci"
        await sentry.projects.delete_key(ORG, slug, key.id)
        after = await sentry.projects.list_keys(ORG, slug).collect()
        assert [k.id for k in after] == [k.id for k in before]


async def test_a_dropped_create_key_is_not_resent() -> None:
    org = make_org(projects=5)
    slug = org.projects[0].slug
    async with serve(org) as (fake, sentry):
        fake.set_faults(Fault(FaultKind.DROP, "POST /projects/{org}/{project}/keys/"))
        with pytest.raises(AmbiguousWriteError):
            await sentry.projects.create_key(ORG, slug, name="x")
        assert fake.counters.by_route["POST /projects/{org}/{project}/keys/"] == 1


async def test_the_fake_like_sentry_applies_a_bulk_call_without_ids_to_every_match() -> None:
    # Why bulk_update never sends a request without id=: this is what such a request does.
    org = make_org(projects=30)
    async with serve(org) as (_, sentry):
        before = [i for i in org.issues.values() if i.status == "unresolved"]
        assert before
        raw = await sentry.request_raw(
            "PUT", f"/organizations/{ORG}/issues/", json={"status": "resolved"}
        )
        assert raw.status == 200 and raw.body["status"] == "resolved"
        assert {i.status for i in before} == {"resolved"}


async def test_the_fake_like_sentry_falls_back_to_search_when_no_given_id_matches() -> None:
    # Sentry's update_groups: ids given but none found -> the search decides (up to 1000).
    org = make_org(projects=30)
    async with serve(org) as (_, sentry):
        before = [i for i in org.issues.values() if i.status == "unresolved"]
        assert before
        raw = await sentry.request_raw(
            "PUT",
            f"/organizations/{ORG}/issues/",
            params={"id": "999999999"},
            json={"status": "ignored"},
        )
        assert raw.status == 200
        assert {i.status for i in before} == {"ignored"}


async def test_bulk_update_with_unknown_ids_touches_nothing() -> None:
    org = make_org(projects=30)
    mine = org.add_issue(org.projects[0], "Bulk: known")
    async with serve(org) as (fake, sentry):
        before = {i.id: i.status for i in org.issues.values()}
        gone = ["999999998", "999999999"]
        assert await sentry.issues.bulk_update(ORG, ids=gone, status="resolved") is None
        await sentry.issues.bulk_delete(ORG, ids=gone)
        assert {i.id: i.status for i in org.issues.values()} == before
        # A chunk with one unknown id and one known changes only the known one.
        changes = await sentry.issues.bulk_update(ORG, ids=[gone[0], mine.id], status="resolved")
        assert changes is not None and changes.status == "resolved"
        after = {i.id: i.status for i in org.issues.values()}
        assert after == {**before, mine.id: "resolved"}
        assert fake.counters.by_route[ISSUES_PUT] == 2


async def test_search_grammar_the_fake_understands() -> None:
    org = make_org(projects=30, members=4)
    member = next(m for m in org.members.values() if m.user_id is not None)
    a = org.add_issue(org.projects[0], "Grammar: a", events=2)
    b = org.add_issue(org.projects[0], "Grammar: b")
    org.add_release("app@2.0", [org.projects[0]])
    started = time.time()
    # The fake's clock starts at the org's generation time, so relative dates line up.
    clock = lambda: org.now + (time.time() - started)  # noqa: E731
    async with serve(org, clock=clock) as (_, sentry):
        by_id = await sentry.issues.list(ORG, query=f"issue.id:[{a.id},{b.id}]").collect()
        assert sorted(i.id for i in by_id) == sorted([a.id, b.id])
        one = await sentry.issues.list(ORG, query=f"issue.id:{a.id}").collect()
        assert [i.id for i in one] == [a.id]
        await sentry.issues.update(ORG, a.id, assigned_to=member.user_id)  # bare user id
        assigned = await sentry.issues.list(ORG, query="is:assigned Grammar").collect()
        assert [i.id for i in assigned] == [a.id]
        not_assigned = await sentry.issues.list(ORG, query="!is:assigned Grammar").collect()
        assert [i.id for i in not_assigned] == [b.id]
        has = await sentry.issues.list(ORG, query="has:assigned Grammar").collect()
        assert [i.id for i in has] == [a.id]
        for value in (
            "for_review",
            "escalating",
            "regressed",
            "new",
            "ongoing",
            "archived",
            "linked",
            "unlinked",
            "unassigned",
            "muted",
        ):
            await sentry.issues.list(ORG, query=f"is:{value}").collect()
        for key in ("age", "firstSeen", "lastSeen"):
            recent = {i.id for i in await sentry.issues.list(ORG, query=f"{key}:-3h").collect()}
            older = {i.id for i in await sentry.issues.list(ORG, query=f"{key}:+3h").collect()}
            # An explicit query replaces the default is:unresolved: every status counts.
            assert recent | older == set(org.issues) and not recent & older
            assert a.id in recent and older
        with pytest.raises(BadRequest, match="Invalid date"):
            await sentry.issues.list(ORG, query="age:yesterday").collect()
        with pytest.raises(BadRequest, match="Boolean statements"):
            await sentry.issues.list(ORG, query="is:unresolved OR is:resolved").collect()
        upper = await sentry.issues.update(ORG, b.id, assigned_to=member.email.upper())
        assert upper.assigned_to is not None and upper.assigned_to.id == member.user_id
        await sentry.issues.update(ORG, b.id, assigned_to=None)
        with pytest.raises(BadRequest, match="Values must be numbers"):
            await sentry.request_raw(
                "GET", f"/organizations/{ORG}/issues/", params={"project": "backend"}
            )
        next_release = await sentry.issues.update(
            ORG, b.id, status="resolved", status_details={"inNextRelease": True}
        )
        assert next_release.status_details is not None
        assert next_release.status_details.in_next_release is True
        ignored = await sentry.issues.update(
            ORG, a.id, status="ignored", status_details={"ignoreDuration": 30}
        )
        assert ignored.status_details is not None
        assert ignored.status_details.ignore_until is not None
        assert ignored.substatus == "archived_until_condition_met"


def test_generated_issues_and_releases_repeat_for_the_same_seed() -> None:
    def shape(seed: int) -> list[tuple[str, str, str, int, list[str]]]:
        org = make_org(projects=80, seed=seed)
        return [
            (i.id, i.short_id, i.status, i.count, [e.id for e in i.events])
            for i in org.issues.values()
        ] + [(r.version, "", "", r.id, [p.slug for p in r.projects]) for r in org.releases.values()]

    assert shape(3) == shape(3)
    assert shape(3) != shape(4)
    statuses = {i.status for i in make_org(projects=80, seed=3).issues.values()}
    assert statuses == {"unresolved", "resolved", "ignored"}
