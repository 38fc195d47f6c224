"""Building the report and rendering every format, each parsed back."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from rich.console import Console

from sentry_async.cli._model import (
    CHECKED,
    NOT_AVAILABLE,
    ORG_SECTIONS,
    AuditData,
    Check,
    HookInfo,
    InstallationInfo,
    KeyInfo,
    MemberInfo,
    OrgInfo,
    ProjectInfo,
    RelayInfo,
    RepoInfo,
)
from sentry_async.cli._report import (
    CSV_COLUMNS,
    build_report,
    render_csv,
    render_json,
    render_markdown,
)
from sentry_async.cli._richui import print_summary
from sentry_async.cli._table import render_plain

from .helpers import ESC, parse_csv, parse_markdown

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def data() -> AuditData:
    return AuditData(
        org_slug="acme",
        stats_period="14d",
        org=OrgInfo("acme", "Acme | Corp", "1", require_2fa=False, has_auth_provider=True),
        members=[
            MemberInfo(
                "10",
                "owner@acme.example",
                "Owner",
                "owner",
                False,
                "approved",
                NOW - timedelta(days=400),
                has_2fa=True,
                sso_linked=True,
                last_active=NOW - timedelta(days=1),
            ),
            MemberInfo(
                "11",
                "late@acme.example",
                None,
                "member",
                True,
                "approved",
                NOW - timedelta(days=45, hours=3),
            ),
        ],
        projects=[
            ProjectInfo(
                "1",
                "web",
                "Web",
                "python",
                "platform",
                NOW - timedelta(days=300),
                NOW - timedelta(days=299),
                audited=True,
                events_in_period=1234,
                keys=(
                    KeyInfo("k1", "Default", True, None, None),
                    KeyInfo("k2", "Backend", True, 100, 60),
                ),
                hooks=(HookInfo("h1", "http://hooks.example/a|b", "disabled", ("event.alert",)),),
                checks={"event_stats": Check(CHECKED), "service_hooks": Check(CHECKED)},
                event_series=(100, 0, 1134),
            ),
            ProjectInfo(
                "2",
                "never",
                "Never",
                None,
                None,
                NOW - timedelta(days=50),
                None,
                audited=True,
                events_in_period=0,
                keys=(),
                hooks=None,
                checks={
                    "event_stats": Check(CHECKED),
                    "service_hooks": Check(NOT_AVAILABLE, "feature not enabled"),
                },
                event_series=(0, 0, 0),
            ),
            ProjectInfo(
                "3",
                "later",
                "Later",
                "go",
                "infra",
                NOW - timedelta(days=5),
                None,
                keys=(),
                errors=("stats: 400 BadRequest: nope",),
            ),
        ],
        repos=[RepoInfo("r1", "acme/api", "GitHub", "disabled", "https://github.example/a")],
        installations=[InstallationInfo("u1", "pager", "pending")],
        relays=None,
        unavailable={"relays": "403 Forbidden: no"},
        sections={
            **{name: Check(CHECKED) for name in ORG_SECTIONS},
            "relays": Check(NOT_AVAILABLE, "403 Forbidden: no", "org:read"),
        },
    )


def clean() -> AuditData:
    """Everything read: one project, fully checked."""
    return AuditData(
        org_slug="acme",
        stats_period="14d",
        org=OrgInfo("acme", "Acme", "1", require_2fa=True),
        members=[],
        projects=[
            ProjectInfo(
                "1",
                "web",
                "Web",
                "python",
                None,
                NOW - timedelta(days=3),
                NOW - timedelta(days=3),
                audited=True,
                events_in_period=5,
                keys=(),
                hooks=(),
                checks={"event_stats": Check(CHECKED), "service_hooks": Check(CHECKED)},
                event_series=(2, 3),
            )
        ],
        repos=[],
        installations=[],
        relays=[RelayInfo("relay-1", "24.1.0", NOW - timedelta(days=9), NOW)],
        keys_listed=True,
        sections={name: Check(CHECKED) for name in ORG_SECTIONS},
    )


def test_json_report_has_the_documented_top_level_and_round_trips() -> None:
    report = build_report(data(), now=NOW)
    parsed = json.loads(render_json(report))
    assert list(parsed)[:9] == [
        "generator",
        "org",
        "generated_at",
        "partial",
        "interrupted",
        "stats_period",
        "series_resolution",
        "coverage",
        "totals",
    ]
    assert {"projects", "members", "findings", "totals", "org", "partial"} <= set(parsed)
    # Relays were refused, one project's hooks not available, one project never reached.
    assert parsed["partial"] is True and parsed["interrupted"] is False
    coverage = parsed["coverage"]
    assert coverage["relays"] == {
        "state": "not_available",
        "why": "403 Forbidden: no",
        "scope": "org:read",
    }
    assert coverage["members"]["state"] == "checked"
    assert coverage["service_hooks"]["projects"] == {"checked": 1, "not_available": 1, "not_run": 1}
    assert coverage["service_hooks"]["state"] == "not_available"
    assert coverage["event_stats"]["state"] == "not_run"
    assert parsed["relays"] is None  # not read: null, never an empty list
    assert parsed["generated_at"] == "2024-06-01T12:00:00Z"
    assert parsed["org"] == {
        "slug": "acme",
        "name": "Acme | Corp",
        "id": "1",
        "require_2fa": False,
        "has_auth_provider": True,
    }
    web = parsed["projects"][0]
    assert web["keys"] == [
        {"id": "k1", "label": "Default", "is_active": True, "rate_limit": None},
        {
            "id": "k2",
            "label": "Backend",
            "is_active": True,
            "rate_limit": {"count": 100, "window": 60},
        },
    ]
    assert web["hooks"][0]["status"] == "disabled"
    assert web["first_event"] == "2023-08-07T12:00:00Z"
    assert parsed["projects"][1]["hooks"] is None
    assert parsed["projects"][2]["audited"] is False
    assert parsed["members"][1]["invite_age_days"] == 45
    assert parsed["members"][0]["invite_age_days"] is None
    assert parsed["findings"] == [f.to_dict() for f in report.findings]
    assert parsed["totals"]["errors"] == 1
    assert parsed["errors"] == ["later: stats: 400 BadRequest: nope"]
    assert parsed["unavailable"] == {"relays": "403 Forbidden: no"}
    assert parsed["projects"][0]["event_series"] == [100, 0, 1134]


def test_partial_is_false_only_when_everything_was_read() -> None:
    parsed = json.loads(render_json(build_report(clean(), now=NOW)))
    assert parsed["partial"] is False
    assert {e["state"] for e in parsed["coverage"].values()} == {"checked"}
    assert parsed["relays"][0]["relay_id"] == "relay-1"
    interrupted = json.loads(render_json(build_report(clean(), now=NOW, interrupted=True)))
    assert interrupted["partial"] is True and interrupted["interrupted"] is True
    one_failure = clean()
    assert one_failure.projects is not None
    one_failure.projects[0] = replace(
        one_failure.projects[0],
        checks={"event_stats": Check("failed", "500"), "service_hooks": Check(CHECKED)},
    )
    parsed = json.loads(render_json(build_report(one_failure, now=NOW)))
    assert parsed["partial"] is True
    assert parsed["coverage"]["event_stats"]["state"] == "failed"
    assert parsed["coverage"]["event_stats"]["why"] == "1 of 1 projects: 500"


def test_report_before_the_org_was_read() -> None:
    report = build_report(AuditData(org_slug="acme", stats_period="7d"), now=NOW, interrupted=True)
    parsed = json.loads(render_json(report))
    assert parsed["org"]["slug"] == "acme"
    assert parsed["projects"] is None and parsed["findings"] == []
    assert parsed["coverage"]["organization"]["state"] == "not_run"
    assert "acme" in render_plain(report) and "acme" in render_markdown(report)


def test_csv_is_the_findings_one_per_row() -> None:
    report = build_report(data(), now=NOW)
    rows = parse_csv(render_csv(report))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows == [f.to_dict() for f in report.findings]
    # A comma, a quote or a pipe inside a field survives the round trip.
    assert any("http://hooks.example/a|b" in row["message"] for row in rows)


def test_markdown_tables_parse_back() -> None:
    report = build_report(data(), now=NOW, interrupted=True)
    md = parse_markdown(render_markdown(report))
    assert md["title"] == "Sentry audit: Acme | Corp (`acme`)"
    assert "Partial: yes (interrupted)" in md["bullets"]
    tables = md["tables"]
    totals = {row["Metric"]: row["Value"] for row in tables["Totals"]}
    assert totals["relays"] == "not read"  # refused: not a zero
    assert totals["service_hooks"] == "1 (partial)"  # one project's hooks were read
    assert {
        k: int(v.replace(",", "")) for k, v in totals.items() if v.replace(",", "").isdigit()
    } == {
        k: v
        for k, v in report.totals.items()
        if k
        not in (
            "relays",
            "service_hooks",
            "service_hooks_disabled",
            "service_hooks_not_https",
            "events_in_period",
            "projects_no_events_in_period",
        )
    }
    findings = tables[f"Findings ({len(report.findings)})"]
    assert [(r["Rule"], r["Subject"], r["Message"]) for r in findings] == [
        (f.rule, f.subject, f.message) for f in report.findings
    ]
    projects = tables["Projects (3)"]
    assert [p["Slug"] for p in projects] == ["web", "never", "later"]
    assert projects[0]["Events (14d)"] == "1234"
    assert projects[0]["Keys without rate limit"] == "1"
    assert projects[1]["Hooks"] == ""  # unknown, not zero
    members = tables["Members (2)"]
    assert members[1] == {
        "Email": "late@acme.example",
        "Role": "member",
        "Pending": "yes",
        "Invite age (days)": "45",
        "2FA": "",
        "SSO linked": "",
    }
    assert tables["Repositories (1)"][0]["Status"] == "disabled"
    assert tables["Sentry App installations (1)"][0]["App"] == "pager"
    assert "Relays (0)" not in tables  # not read: no empty table pretending there are none
    assert any(b.startswith("relays: not available") and "org:read" in b for b in md["bullets"])


def test_plain_summary_lists_rules_with_counts_and_subjects() -> None:
    report = build_report(data(), now=NOW, interrupted=True)
    text = render_plain(report)
    assert ESC not in text
    assert text.startswith("Sentry audit of Acme | Corp (acme)\n")
    assert "! PARTIAL: interrupted after 2 of 3 projects" in text
    lines = text.splitlines()
    rule_rows = {line.split()[1]: line.split()[2] for line in lines if line.startswith("  high ")}
    assert rule_rows == {"hook-not-https": "1"}
    assert "  hook-not-https: web/hook:h1" in lines
    assert "  project-never-received-event: later, never" in lines


def test_plain_summary_without_findings() -> None:
    report = build_report(clean(), now=NOW)
    text = render_plain(report)
    assert "No findings." in text and "PARTIAL" not in text and "not read" not in text


def test_plain_summary_says_what_was_not_read() -> None:
    text = render_plain(build_report(data(), now=NOW))
    assert "! PARTIAL: not everything could be read" in text
    assert (
        "! not read: relays: not available -- 403 Forbidden: no (a token with the "
        "org:read scope would read it)" in text
    )
    assert "members (joined; pending invites counted apart)" in text


def test_rich_summary_renders_the_same_rules() -> None:
    report = build_report(data(), now=NOW)
    out = io.StringIO()
    print_summary(report, Console(file=out, width=120, force_terminal=False))
    text = out.getvalue()
    assert ESC not in text  # not a terminal: rich adds no control codes
    for finding in report.findings:
        assert finding.rule in text
    assert "Sentry audit of Acme | Corp (acme)" in text


def test_secrets_never_enter_the_report() -> None:
    # Records carry no secrets by construction; the rendered report holds no "secret" key.
    report = build_report(data(), now=NOW)
    assert "secret" not in render_json(report)
