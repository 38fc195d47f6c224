"""Building the report and rendering every format, each parsed back."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import attrs
from rich.console import Console

from sentry_async.cli._findings import Finding
from sentry_async.cli._html import render_html
from sentry_async.cli._model import (
    CHECKED,
    NOT_AVAILABLE,
    ORG_SECTIONS,
    AuditData,
    Check,
    ProjectAudit,
)
from sentry_async.cli._report import (
    CSV_COLUMNS,
    CSV_GAP_RULE,
    Report,
    build_report,
    render_csv,
    render_json,
    render_markdown,
)
from sentry_async.cli._richui import print_summary
from sentry_async.cli._table import render_plain
from sentry_async.models import (
    ClientKey,
    Member,
    Organization,
    Project,
    RelayUsage,
    Repository,
    SentryAppInstallation,
    ServiceHook,
    Team,
)

from .builders import hook, installation, key, member, org, project, relay, repo
from .helpers import ESC, parse_csv, parse_markdown

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def data() -> AuditData:
    return AuditData(
        org_slug="acme",
        stats_period="14d",
        org=org("acme", "Acme | Corp", require_2fa=False, has_auth_provider=True),
        members=[
            member(
                "10",
                "owner@acme.example",
                name="Owner",
                role="owner",
                invite_status="approved",
                date_created=NOW - timedelta(days=400),
                has_2fa=True,
                sso_linked=True,
                last_active=NOW - timedelta(days=1),
            ),
            member(
                "11",
                "late@acme.example",
                pending=True,
                invite_status="approved",
                date_created=NOW - timedelta(days=45, hours=3),
            ),
        ],
        projects=[
            project(
                "web",
                id="1",
                platform="python",
                team="platform",
                date_created=NOW - timedelta(days=300),
                first_event=NOW - timedelta(days=299),
                audited=True,
                keys=(key("k1", "Default"), key("k2", "Backend", True, 100, 60)),
                hooks=(hook("h1", "http://hooks.example/a|b", "disabled", ("event.alert",)),),
                checks={"event_stats": Check(CHECKED), "service_hooks": Check(CHECKED)},
                event_series=(100, 0, 1134),
            ),
            project(
                "never",
                id="2",
                date_created=NOW - timedelta(days=50),
                audited=True,
                keys=(),
                hooks=None,
                checks={
                    "event_stats": Check(CHECKED),
                    "service_hooks": Check(NOT_AVAILABLE, "feature not enabled"),
                },
                event_series=(0, 0, 0),
            ),
            project(
                "later",
                id="3",
                platform="go",
                team="infra",
                date_created=NOW - timedelta(days=5),
                keys=(),
                errors=("stats: 400 BadRequest: nope",),
            ),
        ],
        repos=[repo("r1", "acme/api", "GitHub", "disabled", "https://github.example/a")],
        installations=[installation("u1", "pager", "pending")],
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
        org=org("acme", "Acme", require_2fa=True),
        members=[],
        projects=[
            project(
                "web",
                platform="python",
                date_created=NOW - timedelta(days=3),
                first_event=NOW - timedelta(days=3),
                audited=True,
                keys=(),
                hooks=(),
                checks={"event_stats": Check(CHECKED), "service_hooks": Check(CHECKED)},
                event_series=(2, 3),
            )
        ],
        repos=[],
        installations=[],
        relays=[relay("relay-1", "24.1.0", NOW - timedelta(days=9), NOW)],
        keys_listed=True,
        sections={name: Check(CHECKED) for name in ORG_SECTIONS},
    )


def test_json_report_has_the_documented_top_level_and_round_trips() -> None:
    report = build_report(data(), now=NOW)
    parsed = json.loads(render_json(report))
    assert list(parsed)[:10] == [
        "generator",
        "org",
        "region",
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
        "unreadable": 0,
    }
    assert parsed["totals"]["relays"] is None  # not read: null, never a 0
    assert parsed["totals"]["members"] is not None
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
    gap_rows = [row for row in rows if row["rule"] == CSV_GAP_RULE]
    # What was not read comes first, in the same columns, so a spreadsheet shows it.
    assert rows[: len(gap_rows)] == gap_rows
    assert {row["subject"] for row in gap_rows} == {
        name for name, entry in report.coverage.items() if entry["state"] != "checked"
    }
    assert all(row["severity"] == "gap" for row in gap_rows)
    assert rows[len(gap_rows) :] == [f.to_dict() for f in report.findings]
    # A comma, a quote or a pipe inside a field survives the round trip.
    assert any("http://hooks.example/a|b" in row["message"] for row in rows)


def test_csv_cells_never_start_a_formula() -> None:
    findings = [
        Finding("r", "low", subject, message)
        for subject, message in [
            ('=HYPERLINK("http://evil")', "+cmd|calc"),
            ("-2+3", "@SUM(A1)"),
            ("plain", "fine"),
        ]
    ]
    report = build_report(data(), now=NOW)
    report.findings = findings
    report.coverage = {}
    rows = parse_csv(render_csv(report))
    assert [(r["subject"], r["message"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil")', "'+cmd|calc"),
        ("'-2+3", "'@SUM(A1)"),
        ("plain", "fine"),
    ]


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
            "findings_high",
            "findings_medium",
            "findings_low",
        )
    }
    # Severities fed by a section not fully read say so, beside the count.
    assert totals["findings_high"] == f"{report.totals['findings_high']} (not fully checked)"
    assert totals["findings_info"] == str(report.totals["findings_info"])
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


def _every_rendering(report: Report) -> dict[str, str]:
    return {
        "json": render_json(report),
        "csv": render_csv(report),
        "markdown": render_markdown(report),
        "html": render_html(report),
        "plain": render_plain(report),
        "rich": _rich_text(report),
    }


def test_secrets_never_enter_the_report() -> None:
    # The audit holds the library's models, secrets included (a key's secret and DSN, a
    # hook's signing secret, an invite link, each also in ``raw``); no format shows one.
    gathered = data()
    key_secret, hook_secret, invite = "KEYSECRET0a1b2c", "HOOKSECRET3d4e5f", "INVITETOKEN6a7b"
    assert gathered.projects is not None and gathered.members is not None
    gathered.projects[0] = replace(
        gathered.projects[0],
        keys=(key("k9", "Leaky", secret=key_secret),),
        hooks=(hook("h9", "https://hooks.example/z", secret=hook_secret),),
    )
    gathered.members.append(
        member(
            "12",
            "new@acme.example",
            pending=True,
            invite_link=f"https://sentry.example/accept/12/{invite}/",
        )
    )
    for fmt, text in _every_rendering(build_report(gathered, now=NOW)).items():
        for secret in (key_secret, hook_secret, invite):
            assert secret not in text, (fmt, secret)
        assert '"secret"' not in text and "dsn" not in text.lower(), fmt


def test_models_with_only_their_identity_render_in_every_format() -> None:
    # Lenient: every field the rules and renderers read may be None.
    gathered = AuditData(
        org_slug="acme",
        stats_period="14d",
        org=Organization(id="1", slug="acme"),
        members=[Member(id="1"), Member(id="2", pending=True)],
        projects=[
            ProjectAudit(
                Project(id="1", slug="web"),
                audited=True,
                keys=(ClientKey(id="k"),),
                hooks=(ServiceHook(id="h"),),
                event_series=(),
            )
        ],
        teams=[Team(id="1", slug="t")],
        repos=[Repository(id="r")],
        installations=[SentryAppInstallation(uuid="u", status="pending")],
        relays=[RelayUsage(relay_id="relay")],
        sections={name: Check(CHECKED) for name in ORG_SECTIONS},
    )
    report = build_report(gathered, now=NOW)
    assert [(f.rule, f.subject) for f in report.findings] == [
        ("key-without-rate-limit", "web/key:k"),  # unknown activity counts as active
        ("project-never-received-event", "web"),
        ("installation-pending", "app:"),  # no app named: still reported
    ]
    parsed = json.loads(_every_rendering(report)["json"])
    assert parsed["projects"][0]["keys"] == [
        {"id": "k", "label": "", "is_active": True, "rate_limit": None}
    ]
    assert parsed["projects"][0]["hooks"] == [{"id": "h", "url": "", "status": None, "events": []}]
    assert parsed["members"][0]["email"] == "" and parsed["members"][0]["pending"] is True
    assert parsed["repositories"][0]["name"] == "r"
    assert parsed["org"]["name"] == "acme"


def test_the_terminal_summary_drops_bidi_and_control_characters() -> None:
    gathered = data()
    assert gathered.org is not None
    gathered.org = attrs.evolve(gathered.org, name="Acme \u202eevil\x1b[31m")
    gathered.projects = [
        replace(p, project=attrs.evolve(p.project, slug=f"{p.slug}\u202e\x1b[2J"))
        if p.slug == "never"
        else p
        for p in gathered.projects or ()
    ]
    report = build_report(gathered, now=NOW)
    for text in (render_plain(report), _rich_text(report)):
        assert "\u202e" not in text and "\x1b[31m" not in text and "\x1b[2J" not in text
        assert "never[2J" in text  # the rest of the name is still shown
    # Read by people too: no name in them can reorder what is around it.
    assert "\u202e" not in render_markdown(report) and "\x1b" not in render_markdown(report)
    assert "\u202e" not in render_csv(report)


def _rich_text(report: Report) -> str:
    out = io.StringIO()
    print_summary(report, Console(file=out, width=160, color_system=None))
    return out.getvalue()
