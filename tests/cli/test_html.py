"""The HTML report: self-contained, escaped, and rendered by a real headless Chromium."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from selenium.webdriver.common.by import By

from sentry_async.cli._html import CHART_ROWS, render_html, sparkline
from sentry_async.cli._model import (
    CHECKED,
    ORG_SECTIONS,
    AuditData,
    Check,
)
from sentry_async.cli._report import build_report
from sentry_async.testing import FakeSentry, Fault, FaultKind

from .browser import chromium, console_problems
from .builders import member, org, project, team
from .helpers import MEMBERS, PROJECTS, audit

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
EVIL = '<script>document.title="owned"</script><img src=x onerror=alert(1)>'
RLO = "\u202e"  # right-to-left override: "\u202etxt.exe" shows as "exe.txt"
LONG = "x" * 3000


def hostile() -> AuditData:
    """Names and URLs that would break out of the markup if they were not escaped."""
    return AuditData(
        org_slug="acme",
        stats_period="14d",
        org=org("acme", f"Acme {EVIL}", require_2fa=False),
        members=[
            member("1", f"x{EVIL}@acme.example", name=EVIL, role="owner", has_2fa=False),
            member("2", f"{LONG}@acme.example", name=f"{RLO}evil"),
            member(
                "3", "new@acme.example", pending=True, invite_status="approved", date_created=NOW
            ),
            member(
                "4",
                "asked@acme.example",
                pending=True,
                invite_status="requested_to_join",
                date_created=NOW,
            ),
        ],
        projects=[
            project(
                "web",
                name=EVIL,
                platform=EVIL,
                date_created=NOW - timedelta(days=2),
                audited=True,
                keys=(),
                hooks=(),
                checks={"event_stats": Check(CHECKED), "service_hooks": Check(CHECKED)},
                event_series=(0, 0),
            )
        ],
        repos=[],
        installations=[],
        relays=[],
        teams=[team("9", LONG, f"{RLO}team", 0)],
        sections={name: Check(CHECKED) for name in ORG_SECTIONS},
        region="https://de.sentry.io",
    )


def test_the_page_is_self_contained() -> None:
    page = render_html(build_report(hostile(), now=NOW))
    assert page.startswith("<!doctype html>")
    # Nothing to fetch: no scripts, stylesheets, images or frames from anywhere.
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_everything_from_sentry_is_escaped() -> None:
    page = render_html(build_report(hostile(), now=NOW))
    assert EVIL not in page
    assert "&lt;script&gt;document.title=&quot;owned&quot;&lt;/script&gt;" in page


def test_bidi_controls_are_removed_and_names_isolated() -> None:
    page = render_html(build_report(hostile(), now=NOW))
    assert RLO not in page
    assert "<bdi>evil</bdi>" in page and "<bdi>team</bdi>" in page


def test_pending_invites_are_never_shown_as_approved() -> None:
    page = render_html(build_report(hostile(), now=NOW))
    assert ">approved<" not in page
    assert '<span class="badge pending">pending invite</span>' in page
    assert '<span class="badge pending">asked to join</span>' in page


def test_the_region_is_in_the_header() -> None:
    page = render_html(build_report(hostile(), now=NOW))
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert "<dt>Region</dt><dd><code>https://de.sentry.io</code></dd>" in header


def test_a_big_org_charts_the_busiest_projects_only() -> None:
    data = hostile()
    data.series_resolution = "1d"
    template = data.projects[0] if data.projects else None
    assert template is not None
    data.projects = [
        replace(
            template,
            project=attrs.evolve(template.project, id=str(n), slug=f"p{n}"),
            event_series=(n, 0),
        )
        for n in range(CHART_ROWS + 50)
    ]
    page = render_html(build_report(data, now=NOW))
    assert page.count('<svg class="spark') == CHART_ROWS
    assert "show the 50 quieter projects" in page
    assert "peak 249/day" in page  # the busiest, first, with its own scale said


def test_sparkline_shapes() -> None:
    chart = sparkline([0, 5, 10], label="web")
    assert chart.startswith("<svg") and 'data-points="3"' in chart
    assert "web: 15 events, peak 10 per bucket" in chart
    # The peak touches the top margin, zero sits on the baseline.
    assert 'points="0.0,26.0 60.0,14.0 120.0,2.0"' in chart
    assert 'class="spark flat"' in sparkline([0, 0], label="quiet")
    assert "<svg" not in sparkline(None)  # not read: a dash, not a flat line


def test_the_escaped_page_renders_without_running_anything(tmp_path: Path) -> None:
    target = tmp_path / "hostile.html"
    target.write_text(render_html(build_report(hostile(), now=NOW)), encoding="utf-8")
    with chromium() as browser:
        browser.get(target.as_uri())
        assert browser.title.startswith("Sentry audit: Acme <script>")  # shown, not run
        assert browser.find_elements(By.CSS_SELECTOR, "main script, main img") == []
        assert console_problems(browser) == []


def rows(browser: Any, selector: str) -> list[Any]:
    return list(browser.find_elements(By.CSS_SELECTOR, selector))


async def test_the_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = await audit(
        None, "--demo", "--demo-size", "small", "--no-progress", "-o", str(target), org=None
    )
    assert result.code == 0, result.err
    with chromium(1280, 900) as browser:
        browser.get(target.as_uri())
        assert console_problems(browser) == []
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Acme")
        assert rows(browser, "#unread") == []  # everything was read
        # Every project has a row and a chart of its event volume over the period.
        projects = rows(browser, "#projects tbody tr")
        assert len(projects) == 60
        charts = rows(browser, "#projects svg.spark")
        assert len(charts) == 60
        assert {c.get_attribute("data-points") for c in charts} == {"15"}  # 14d at 1d
        first = charts[0].rect
        assert first["width"] == 120 and first["height"] == 28  # laid out, not collapsed
        # Findings grouped by severity, most severe first, each rule with what to do.
        severities = [h.text.split()[0].lower() for h in rows(browser, "#findings h3")]
        assert severities == ["high", "medium", "low", "info"]
        rules = rows(browser, "#findings .rule")
        assert {r.get_attribute("data-rule") for r in rules} >= {
            "hook-not-https",
            "member-without-2fa",
            "project-never-received-event",
        }
        assert all(r.find_element(By.CSS_SELECTOR, ".todo").text for r in rules)
        # The projects that received nothing, and the members with role and 2FA.
        assert rows(browser, "#silent table.never tbody tr")
        members = rows(browser, "#members tbody tr")
        # 70 in the demo, one a request to be invited, which Sentry does not list.
        assert len(members) == 69
        cells = [c.text for c in members[0].find_elements(By.TAG_NAME, "td")]
        assert cells[2] == "owner" and cells[4] in ("on", "off")
        # Teams: the demo's team with no members, and its projects with no team.
        teams = {r.text.split()[0] for r in rows(browser, "#teams tbody tr")}
        assert "legacy-ops" in teams
        assert {r.get_attribute("data-rule") for r in rules} >= {
            "team-without-members",
            "project-without-team",
        }
        coverage = rows(browser, "#coverage tbody tr")
        assert len(coverage) == 10 and all("checked" in r.text for r in coverage)


async def test_a_report_with_gaps_shows_them_first(fake: FakeSentry, tmp_path: Path) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/members/", status=403))
    target = tmp_path / "gaps.html"
    result = await audit(fake, "--no-progress", "-o", str(target))
    assert result.code == 6
    with chromium(1280, 900) as browser:
        browser.get(target.as_uri())
        assert console_problems(browser) == []
        callout = browser.find_element(By.ID, "unread").text
        assert "Partial audit." in callout
        assert "members: not available" in callout and "member:read" in callout
        assert "could not be read" in browser.find_element(By.ID, "members").text
        unread = [c.text for c in rows(browser, "#totals .card.unread")]
        assert unread[:2] == [
            "not read\nmembers (joined)",
            "not read\npending invites, counted apart",
        ]
        # Members feed medium and low findings: their counts are not a clean bill.
        flagged = [text.split("\n", 1)[1] for text in unread[2:]]
        assert [f.split(":")[0] for f in flagged] == ["medium findings", "low findings"]
        assert all("not fully checked (members not fully read)" in f for f in flagged)
        status = browser.find_element(By.CSS_SELECTOR, "header .status").text
        assert status == "partial"
        assert len(rows(browser, "#projects tbody tr")) == PROJECTS
        assert MEMBERS  # the org has members; none may be shown as read


@pytest.mark.parametrize("width", [1280, 640])
def test_the_page_never_scrolls_sideways(tmp_path: Path, width: int) -> None:
    target = tmp_path / "r.html"
    target.write_text(render_html(build_report(hostile(), now=NOW)), encoding="utf-8")
    with chromium(width, 900) as browser:
        browser.get(target.as_uri())
        # Wide tables scroll inside their own box; the page itself stays within the window.
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0
        assert console_problems(browser) == []
