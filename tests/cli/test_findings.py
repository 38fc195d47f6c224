"""The audit rules, on hand-built library models: no I/O, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sentry_async.cli._findings import (
    ACTIONS,
    SEVERITIES,
    Finding,
    Thresholds,
    evaluate,
    member_findings,
    org_findings,
    owner_findings,
    project_findings,
    team_findings,
    totals,
)
from sentry_async.cli._model import AuditData, ProjectAudit
from sentry_async.models import Member

from . import builders
from .builders import hook, installation, key, org, repo, team

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def project(slug: str = "web", **changes: object) -> ProjectAudit:
    fields: dict[str, object] = {
        "platform": "python",
        "team": "platform",
        "date_created": ago(100),
        "first_event": ago(90),
        "audited": True,
        "events_in_period": 10,
        "keys": (),
        "hooks": (),
    }
    fields.update(changes)
    return builders.project(slug, **fields)  # type: ignore[arg-type]


def member(email: str = "a@x.example", **changes: object) -> Member:
    fields: dict[str, object] = {
        "name": "A",
        "role": "member",
        "pending": False,
        "invite_status": "approved",
        "date_created": ago(200),
        "has_2fa": True,
        "sso_linked": False,
    }
    fields.update(changes)
    return builders.member("7", email, **fields)  # type: ignore[arg-type]


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# --------------------------------------------------------------------------- projects


def test_a_healthy_project_has_no_findings() -> None:
    keys = (key("k1", "Default", True, 100, 60),)
    hooks = (hook("h1", "https://hooks.example/x", "active", ("event.alert",)),)
    assert project_findings(project(keys=keys, hooks=hooks), period="14d", now=NOW) == []


def test_project_that_never_received_an_event() -> None:
    found = project_findings(project(first_event=None, events_in_period=0), period="14d", now=NOW)
    assert rules(found) == ["project-never-received-event"]
    assert found[0].subject == "web"
    assert found[0].severity == "low"
    assert "100 days" in found[0].message


def test_project_silent_in_the_period_but_not_forever() -> None:
    found = project_findings(project(events_in_period=0), period="7d", now=NOW)
    assert rules(found) == ["project-no-events-in-period"]
    assert "last 7d" in found[0].message
    assert ago(90).date().isoformat() in found[0].message


def test_unknown_event_volume_makes_no_period_finding() -> None:
    # Not audited (interrupted) or the stats call failed: no claim either way.
    assert project_findings(project(events_in_period=None), period="14d", now=NOW) == []


def test_active_keys_without_rate_limit_are_flagged_inactive_ones_not() -> None:
    keys = (
        key("k1", "Default", True, None, None),
        key("k2", "Backend", False, None, None),
        key("k3", "Limited", True, 500, 60),
        key("k4", "", True, None, None),
    )
    found = project_findings(project(keys=keys), period="14d", now=NOW)
    assert rules(found) == ["key-without-rate-limit"] * 2
    assert [f.subject for f in found] == ["web/key:Default", "web/key:k4"]
    assert all(f.severity == "medium" for f in found)


def test_keys_not_listed_are_skipped() -> None:
    assert project_findings(project(keys=None), period="14d", now=NOW) == []


def test_hooks_disabled_and_plain_http() -> None:
    hooks = (
        hook("h1", "http://hooks.example/a", "active"),
        hook("h2", "https://hooks.example/b", "disabled"),
        hook("h3", "HTTP://hooks.example/c", "disabled"),
        hook("h4", "https://hooks.example/d", "active"),
    )
    found = project_findings(project(hooks=hooks), period="14d", now=NOW)
    assert [(f.rule, f.subject) for f in found] == [
        ("hook-not-https", "web/hook:h1"),
        ("hook-disabled", "web/hook:h2"),
        ("hook-not-https", "web/hook:h3"),
        ("hook-disabled", "web/hook:h3"),
    ]
    assert {f.severity for f in found if f.rule == "hook-not-https"} == {"high"}
    assert "http://hooks.example/a" in found[0].message


# --------------------------------------------------------------------------- members


def test_pending_invites_older_than_the_threshold() -> None:
    members = [
        member("old@x.example", pending=True, has_2fa=None, date_created=ago(31)),
        member("new@x.example", pending=True, has_2fa=None, date_created=ago(29)),
        member("edge@x.example", pending=True, has_2fa=None, date_created=ago(30)),
        member("nodate@x.example", pending=True, has_2fa=None, date_created=None),
    ]
    found = member_findings(members, now=NOW)
    assert [(f.rule, f.subject) for f in found] == [("invite-stale", "old@x.example")]
    assert "31 days" in found[0].message and "resend" in found[0].message


def test_one_day_is_singular() -> None:
    found = member_findings(
        [member(pending=True, has_2fa=None, date_created=ago(1.5))],
        now=NOW,
        thresholds=Thresholds(stale_invite_days=1),
    )
    assert "pending for 1 day (" in found[0].message


def test_invite_threshold_is_tunable() -> None:
    members = [member(pending=True, has_2fa=None, date_created=ago(10))]
    assert member_findings(members, now=NOW, thresholds=Thresholds(stale_invite_days=7))
    assert not member_findings(members, now=NOW, thresholds=Thresholds(stale_invite_days=14))


def test_members_without_2fa_only_where_known() -> None:
    members = [
        member("yes@x.example", has_2fa=True),
        member("no@x.example", has_2fa=False, role="admin"),
        member("unknown@x.example", has_2fa=None),
        member("invited@x.example", pending=True, has_2fa=False, date_created=ago(1)),
    ]
    found = member_findings(members, now=NOW)
    assert [(f.rule, f.subject) for f in found] == [("member-without-2fa", "no@x.example")]
    assert found[0].message.startswith("admin ")


def test_owners_above_the_limit_count_invited_owners_too() -> None:
    owners = [member(f"o{n}@x.example", role="owner") for n in range(3)]
    assert owner_findings("acme", owners) == []
    invited = member("o3@x.example", role="owner", pending=True)
    found = owner_findings("acme", [*owners, invited, member("m@x.example")])
    assert [(f.rule, f.subject, f.severity) for f in found] == [
        ("too-many-owners", "acme", "medium")
    ]
    assert found[0].message.startswith("4 owners (1 of them invited)")
    # Every owner is named, so the admin knows whom to ask.
    assert found[0].message.endswith(
        "(owners: o0@x.example, o1@x.example, o2@x.example, o3@x.example (invited))"
    )
    assert found[0].items == ("o0@x.example", "o1@x.example", "o2@x.example", "o3@x.example")
    assert found[0].to_dict()["items"] == list(found[0].items)
    assert owner_findings("acme", [*owners, invited], thresholds=Thresholds(max_owners=4)) == []


def test_org_without_required_2fa() -> None:
    assert rules(org_findings(org(require_2fa=False))) == ["org-2fa-not-required"]
    assert org_findings(org(require_2fa=True)) == []
    assert org_findings(org(require_2fa=None)) == []


# --------------------------------------------------------------------------- everything


def full_data() -> AuditData:
    return AuditData(
        org_slug="acme",
        stats_period="14d",
        org=org(require_2fa=False),
        members=[
            member("a@x.example", has_2fa=False),
            member("b@x.example", pending=True, has_2fa=None, date_created=ago(60)),
        ],
        projects=[
            project("quiet", first_event=None, events_in_period=0),
            project(
                "hooked",
                keys=(key("k", "Default", True, None, None),),
                hooks=(hook("h", "http://x.example", "disabled"),),
            ),
            project("unaudited", audited=False, events_in_period=None, hooks=None),
        ],
        repos=[
            repo("1", "acme/api", "GitHub", "active"),
            repo("2", "acme/old", None, "disabled"),
        ],
        installations=[
            installation("u1", "chat", "installed"),
            installation("u2", "pager", "pending"),
        ],
        relays=[],
    )


def test_evaluate_sorts_by_severity_then_rule_then_subject() -> None:
    found = evaluate(full_data(), now=NOW)
    assert [(f.severity, f.rule, f.subject) for f in found] == [
        ("high", "hook-not-https", "hooked/hook:h"),
        ("medium", "hook-disabled", "hooked/hook:h"),
        ("medium", "key-without-rate-limit", "hooked/key:Default"),
        ("medium", "member-without-2fa", "a@x.example"),
        ("medium", "org-2fa-not-required", "acme"),
        ("low", "invite-stale", "b@x.example"),
        ("low", "project-never-received-event", "quiet"),
        ("info", "installation-pending", "app:pager"),
        ("info", "repo-not-active", "repo:acme/old"),
    ]
    assert {f.severity for f in found} <= set(SEVERITIES)
    assert {f.rule for f in found} <= set(ACTIONS)


def test_evaluate_on_nothing_gathered() -> None:
    assert evaluate(AuditData(org_slug="acme", stats_period="14d"), now=NOW) == []


def test_totals_count_what_was_gathered() -> None:
    data = full_data()
    found = evaluate(data, now=NOW)
    t = totals(data, found)
    assert t["projects"] == 3
    assert t["projects_audited"] == 2
    assert t["members"] == 1 and t["pending_invites"] == 1 and t["stale_invites"] == 1
    assert t["client_keys"] == 1 and t["client_keys_without_rate_limit"] == 1
    assert t["service_hooks"] == 1
    assert t["service_hooks_disabled"] == 1 and t["service_hooks_not_https"] == 1
    assert t["events_in_period"] == 10
    assert t["repositories"] == 2 and t["installations"] == 2 and t["relays"] == 0
    assert t["findings"] == len(found) == 9
    assert (t["findings_high"], t["findings_medium"], t["findings_low"], t["findings_info"]) == (
        1,
        4,
        2,
        2,
    )
    assert t["errors"] == 0


def test_totals_count_errors_of_the_org_and_of_projects() -> None:
    data = full_data()
    data.errors.append("repositories: 500")
    assert data.projects is not None
    data.projects.append(project("broken", errors=("stats: 500", "hooks: 500")))
    assert totals(data, [])["errors"] == 3


@pytest.mark.parametrize("finding", evaluate(full_data(), now=NOW))
def test_every_finding_serialises_to_the_four_keys(finding: Finding) -> None:
    assert set(finding.to_dict()) == {"rule", "severity", "subject", "message"}
    assert all(isinstance(v, str) and v for v in finding.to_dict().values())


# --------------------------------------------------------------------------- teams


def test_a_project_no_team_owns_is_a_finding_only_when_sentry_said_so() -> None:
    orphan = project_findings(project("orphan", teams=()), period="14d", now=NOW)
    assert [(f.rule, f.severity, f.subject) for f in orphan] == [
        ("project-without-team", "low", "orphan")
    ]
    assert "Project Settings > Teams" in orphan[0].message
    owned = project_findings(project("owned", teams=("web",)), period="14d", now=NOW)
    unknown = project_findings(project("unknown", teams=None), period="14d", now=NOW)
    assert owned == unknown == []


def test_teams_without_members_only_where_the_count_is_known() -> None:
    teams = [
        team("1", "empty", "Empty", 0),
        team("2", "busy", "Busy", 4),
        team("3", "unknown", None, None),
    ]
    found = team_findings(teams)
    assert [(f.rule, f.severity, f.subject) for f in found] == [
        ("team-without-members", "low", "team:empty")
    ]
    assert "add members" in found[0].message
    assert ACTIONS["team-without-members"] and ACTIONS["project-without-team"]


def test_team_findings_and_totals_come_from_the_gathered_teams() -> None:
    data = AuditData(
        org_slug="acme",
        stats_period="14d",
        projects=[project("a", teams=()), project("b", teams=("x",))],
        teams=[team("1", "x", "X", 2), team("2", "y", "Y", 0)],
    )
    found = evaluate(data, now=NOW)
    counted = totals(data, found)
    assert counted["teams"] == 2
    assert counted["teams_without_members"] == 1
    assert counted["projects_without_team"] == 1
