"""``sentry-async audit`` end to end, in-process, against the fake Sentry."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from sentry_async.cli import run
from sentry_async.cli._findings import ACTIONS
from sentry_async.cli._signals import Interrupt
from sentry_async.testing import FakeOrg, FakeSentry, Fault, FaultKind, RateLimitConfig

from .helpers import (
    ESC,
    PROJECTS,
    TOKEN,
    audit,
    closed_port,
    names_in,
    parse_csv,
    parse_markdown,
)

DAY = 86400
STATS = "GET /projects/{org}/{project}/stats/"
HOOKS = "GET /projects/{org}/{project}/hooks/"


def listed_members(org: FakeOrg) -> list[Any]:
    """The members Sentry lists: requests to be invited are not members yet."""
    return [m for m in org.members.values() if m.invite_status == "approved"]


def expected_findings(org: FakeOrg) -> dict[str, int]:
    """What the rules should find in ``org``, counted from the fake's own records."""
    now = time.time()
    projects = list(org.projects)
    hooks = [h for p in projects for h in org.hooks_of(p)]
    members = listed_members(org)
    owners = sum(1 for m in members if m.role == "owner")
    return {
        "project-never-received-event": sum(1 for p in projects if p.first_event is None),
        "project-no-events-in-period": sum(
            1
            for p in projects
            if p.first_event is not None
            and p.last_event is not None
            and p.last_event < now - 15 * DAY
        ),
        "key-without-rate-limit": sum(
            1 for k in org.all_keys() if k.is_active and k.rate_limit is None
        ),
        "hook-disabled": sum(1 for h in hooks if h.status == "disabled"),
        "hook-not-https": sum(1 for h in hooks if h.url.startswith("http://")),
        "invite-stale": sum(1 for m in members if m.pending and now - m.date_created > 30 * DAY),
        "member-without-2fa": sum(1 for m in members if not m.pending and not m.has_2fa),
        "too-many-owners": int(owners > 3),
        "org-2fa-not-required": 1,
        "repo-not-active": sum(1 for r in org.repos.values() if r.status != "active"),
        "installation-pending": sum(1 for i in org.installations.values() if i.status == "pending"),
    }


def rule_counts(findings: list[dict[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["rule"]] = counts.get(finding["rule"], 0) + 1
    return counts


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {rule: n for rule, n in counts.items() if n}


# --------------------------------------------------------------------------- reports


async def test_json_report_covers_the_whole_org(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    org = fake.org
    assert report["partial"] is False
    assert report["org"]["slug"] == "acme"
    assert [p["slug"] for p in report["projects"]] == [p.slug for p in org.projects]
    assert all(p["audited"] for p in report["projects"])
    assert sorted(m["email"] for m in report["members"]) == sorted(
        m.email for m in listed_members(org)
    )
    assert rule_counts(report["findings"]) == nonzero(expected_findings(org))
    totals = report["totals"]
    assert totals["projects"] == totals["projects_audited"] == PROJECTS
    assert totals["members"] + totals["pending_invites"] == len(listed_members(org))
    assert totals["client_keys"] == len(org.all_keys())
    assert totals["service_hooks"] == sum(len(org.hooks_of(p)) for p in org.projects)
    assert totals["repositories"] == len(org.repos)
    assert totals["relays"] == len(org.relays)
    assert totals["installations"] == len(org.installations)
    assert totals["errors"] == 0
    # Keys are grouped onto their projects; no secret ever reaches the report.
    by_slug = {p["slug"]: p for p in report["projects"]}
    for project in org.projects:
        assert len(by_slug[project.slug]["keys"]) == len(org.keys_of(project))
    for key in org.all_keys():
        assert key.secret not in result.out
    result.assert_no_token()


async def test_counts_of_events_come_from_project_stats(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "json", "--stats-period", "24h")
    report = json.loads(result.out)
    assert report["stats_period"] == "24h"
    flowing = [p for p in report["projects"] if p["events_in_period"]]
    silent = {p["slug"] for p in report["projects"] if p["events_in_period"] == 0}
    never = {p.slug for p in fake.org.projects if p.first_event is None}
    assert flowing and never <= silent
    assert report["totals"]["events_in_period"] == sum(
        p["events_in_period"] for p in report["projects"]
    )
    queries = [r.path for r in fake.counters.log if r.route == STATS]
    assert len(queries) == PROJECTS
    assert all("resolution=1h" in q and "since=" in q and "until=" in q for q in queries)


async def test_every_format_parses_back_to_the_same_findings(fake: FakeSentry) -> None:
    as_json = json.loads((await audit(fake, "--format", "json")).out)
    findings = as_json["findings"]
    assert findings

    csv_result = await audit(fake, "--format", "csv")
    assert csv_result.code == 0
    assert parse_csv(csv_result.out) == findings

    md_result = await audit(fake, "--format", "markdown")
    md = parse_markdown(md_result.out)
    assert md["title"].endswith("(`acme`)")
    rows = md["tables"][f"Findings ({len(findings)})"]
    assert [{k.lower(): v for k, v in r.items()} for r in rows] == findings
    assert len(md["tables"][f"Projects ({PROJECTS})"]) == PROJECTS
    listed = len(listed_members(fake.org))
    assert len(md["tables"][f"Members ({listed})"]) == listed

    table = await audit(fake)  # the default: a plain summary when not on a terminal
    assert table.code == 0
    assert ESC not in table.out
    assert f"Findings ({len(findings)})" in table.out
    for rule, count in rule_counts(findings).items():
        row = next(line for line in table.out.splitlines() if f" {rule} " in line)
        assert row.split()[2] == str(count)
    for result in (csv_result, md_result, table):
        result.assert_no_token()


async def test_rich_summary_when_forced(fake: FakeSentry) -> None:
    result = await audit(fake, rich=True, stderr=io.StringIO())
    assert result.code == 0
    assert "Sentry audit of" in result.out and "hook-not-https" in result.out
    result.assert_no_token()


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
async def test_output_file_is_written_and_stdout_stays_empty(
    fake: FakeSentry, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    result = await audit(fake, "--format", fmt, "--output", str(target))
    assert result.code == 0
    assert result.out == ""
    assert f"{fmt} report written to {target}" in result.err
    text = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["partial"] is False
    elif fmt == "csv":
        assert parse_csv(text)
    elif fmt == "markdown":
        assert parse_markdown(text)["tables"]
    else:
        assert "Findings (" in text
    assert names_in(tmp_path) == [target.name]  # no temp file left
    result.assert_no_token(target)


async def test_progress_without_a_terminal_is_plain_lines(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "json")
    lines = result.err.splitlines()
    assert lines, "expected progress on stderr"
    assert all(line.startswith("sentry-async: ") for line in lines)
    assert ESC not in result.err and "\r" not in result.err
    assert f"sentry-async: projects 0/{PROJECTS} (0%)" in lines
    assert any(
        line.startswith(f"sentry-async: projects {PROJECTS}/{PROJECTS} (100%)") for line in lines
    )
    assert lines[-1].startswith(f"sentry-async: projects: {PROJECTS}/{PROJECTS} done in ")
    listed = listed_members(fake.org)
    pending = sum(1 for m in listed if m.pending)
    # The member count says what it counts, as the totals do.
    assert (
        f"sentry-async: found {PROJECTS} projects and {len(listed) - pending} members "
        f"(+ {pending} pending invitations, counted apart)"
    ) in lines


async def test_no_progress(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "csv", "--no-progress")
    assert result.code == 0 and result.err == ""


async def test_the_demo_in_process() -> None:
    result = await audit(None, "--demo", "--demo-size", "small", "--format", "json", org=None)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["org"]["slug"] == "acme"
    assert report["totals"]["projects"] == report["totals"]["projects_audited"] == 60
    # 70 members, one of them a request to be invited, which Sentry does not list.
    assert report["totals"]["members"] + report["totals"]["pending_invites"] == 69
    planted = rule_counts(report["findings"])
    assert set(planted) == set(ACTIONS)  # every rule has something to find in the demo
    for rule in (
        "project-never-received-event",
        "project-no-events-in-period",
        "key-without-rate-limit",
        "hook-disabled",
        "hook-not-https",
        "invite-stale",
    ):
        assert planted.get(rule, 0) > 0, rule
    assert "40 requests/s per route" in result.err


# --------------------------------------------------------------------------- failures


async def test_bad_token_exits_3_and_names_the_variable(fake: FakeSentry) -> None:
    wrong = "sntryu_WRONG-TOKEN-ALSO-SECRET-55aa"
    result = await audit(fake, "--format", "json", token=wrong)
    assert result.code == 3
    assert result.out == ""
    error = result.err.splitlines()[-1]
    assert error.startswith("sentry-async: ") and "SENTRY_AUTH_TOKEN" in error
    assert "Traceback" not in result.err
    result.assert_no_token(token=wrong)
    result.assert_no_token()


async def test_missing_token_exits_3(fake: FakeSentry) -> None:
    result = await audit(fake, token=None)
    assert result.code == 3
    assert "SENTRY_AUTH_TOKEN" in result.err
    assert fake.counters.requests == 0


async def test_token_from_the_command_line_is_never_echoed(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "json", "--token", TOKEN, token=None)
    assert result.code == 0
    result.assert_no_token()


async def test_unknown_org_exits_4_and_names_it(fake: FakeSentry) -> None:
    result = await audit(fake, "--no-progress", org="no-such-org")
    assert result.code == 4
    assert result.err.count("\n") == 1
    assert "'no-such-org'" in result.err and "not found" in result.err
    result.assert_no_token()


async def test_network_error_exits_5() -> None:
    port = closed_port()
    out, err = io.StringIO(), io.StringIO()
    code = await run(
        ["audit", "acme", "--base-url", f"http://127.0.0.1:{port}", "--no-progress"],
        stdout=out,
        stderr=err,
        environ={"SENTRY_AUTH_TOKEN": TOKEN},
        rich=False,
    )
    assert code == 5
    assert err.getvalue().count("\n") == 1
    assert f"could not reach http://127.0.0.1:{port}" in err.getvalue()
    assert TOKEN not in out.getvalue() + err.getvalue()


async def test_unreachable_host_says_what_it_tries_and_advises_once() -> None:
    port = closed_port()
    result = await audit(None, "--base-url", f"http://127.0.0.1:{port}")
    assert result.code == 5
    lines = result.err.splitlines()
    assert all(line.startswith("sentry-async: ") for line in lines)  # one prefix throughout
    assert lines[0] == f"sentry-async: connecting to http://127.0.0.1:{port}"
    retries = [line for line in lines if "retrying in" in line]
    # While it retries, each attempt is announced (the library's retry log, shown).
    assert retries and all("GET /organizations/{org}/" in line for line in retries)
    assert lines[-1].startswith(f"sentry-async: could not reach http://127.0.0.1:{port} (")
    assert result.err.count("check --base-url") == 1  # the advice, once
    assert "base_url" not in lines[-1]  # not the library's own advice on top
    result.assert_no_token()


async def test_org_the_token_may_not_read_exits_3_naming_the_scope(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/", status=403))
    result = await audit(fake, "--no-progress")
    assert result.code == 3
    assert "org:read" in result.err and result.err.count("\n") == 1


async def test_other_sentry_errors_exit_1(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/", status=400))
    result = await audit(fake, "--no-progress")
    assert result.code == 1
    assert result.err.startswith("sentry-async: the audit stopped: GET /organizations/{org}/")
    assert result.err.count("\n") == 1


async def test_token_revoked_mid_audit_stops_with_3(fake: FakeSentry) -> None:
    fake.faults.fail_next(STATS, 1, status=401)
    result = await audit(fake, "--format", "json")
    assert result.code == 3
    assert result.out == ""
    assert "SENTRY_AUTH_TOKEN" in result.err.splitlines()[-1]


# --------------------------------------------------------------------------- a wrong URL


async def test_an_html_404_is_not_an_unknown_org(fake: FakeSentry) -> None:
    # A self-hosted Sentry under a path prefix, or a web server that is not Sentry at all,
    # answers the API's paths with an HTML page.
    fake.set_faults(Fault(FaultKind.HTML_ERROR, "GET /organizations/{org}/", status=404))
    result = await audit(fake, "--no-progress")
    assert result.code == 7
    assert "does not answer like a Sentry API" in result.err
    assert "not found" not in result.err
    assert result.err.count("\n") == 1


async def test_an_html_page_with_200_is_not_a_sentry_api(tmp_path: Path) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>Welcome</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        result = await audit(None, "--no-progress", "--base-url", f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
    assert result.code == 7
    assert f"http://127.0.0.1:{port}/api/0/organizations/acme/ does not answer" in result.err
    assert "text/html" in result.err


async def test_an_unknown_org_on_a_real_sentry_is_still_exit_4(fake: FakeSentry) -> None:
    result = await audit(fake, "--no-progress", org="nope")
    assert result.code == 4 and "'nope' not found" in result.err


# --------------------------------------------------------------------------- gaps


def coverage_of(result_out: str) -> dict[str, dict[str, object]]:
    report = json.loads(result_out)
    assert report["partial"] is True and report["interrupted"] is False
    return dict(report["coverage"])


async def test_forbidden_members_do_not_abort_the_audit(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/members/", status=403))
    result = await audit(fake, "--format", "json")
    assert result.code == 6, result.err
    report = json.loads(result.out)
    assert report["members"] is None  # not read: null, not an empty list
    coverage = coverage_of(result.out)
    assert coverage["members"]["state"] == "not_available"
    assert coverage["members"]["scope"] == "member:read"
    assert {n for n, e in coverage.items() if e["state"] != "checked"} == {"members"}
    # Everything else was audited.
    assert report["totals"]["projects_audited"] == PROJECTS
    rules = rule_counts(report["findings"])
    assert "key-without-rate-limit" in rules and "member-without-2fa" not in rules
    assert "not read: members: not available" in result.err
    assert "member:read" in result.err
    assert "members not readable" in result.err  # the progress line, not "0 members"
    result.assert_no_token()


async def test_forbidden_members_in_the_table_say_so(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/members/", status=403))
    result = await audit(fake, "--no-progress")
    assert result.code == 6
    assert "! PARTIAL: not everything could be read" in result.out
    assert "! not read: members: not available" in result.out
    # Counts of what was not read are not zeros.
    block = result.out.split("Totals\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    totals = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in block)
    assert totals["members (joined; pending invites counted apart)"] == "not read"
    assert totals["owners"] == "not read"
    assert totals["projects"] == f"{PROJECTS}"


async def test_the_written_summary_does_not_count_unread_members_as_zero(
    fake: FakeSentry, tmp_path: Path
) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/members/", status=403))
    result = await audit(fake, "--no-progress", "-o", str(tmp_path / "a.json"))
    assert result.code == 6
    assert (
        f"json report written to {tmp_path / 'a.json'}: {PROJECTS} projects, not read members "
        "(+ not read pending invites)"
    ) in result.err


async def test_forbidden_projects_leave_the_per_project_checks_unread(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/projects/", status=403))
    result = await audit(fake, "--format", "json")
    assert result.code == 6
    coverage = coverage_of(result.out)
    assert coverage["projects"]["scope"] == "project:read"
    assert (
        coverage["event_stats"]["state"] == coverage["service_hooks"]["state"] == ("not_available")
    )
    assert json.loads(result.out)["projects"] is None
    assert fake.counters.by_route[STATS] == fake.counters.by_route[HOOKS] == 0


async def test_hooks_not_available_are_a_gap_not_zero_hooks(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, HOOKS, status=403, times=2))
    result = await audit(fake, "--format", "json")
    assert result.code == 6
    report = json.loads(result.out)
    assert sum(1 for p in report["projects"] if p["hooks"] is None) == 2
    hooks = report["coverage"]["service_hooks"]
    assert hooks["state"] == "not_available"
    assert hooks["projects"] == {"checked": PROJECTS - 2, "not_available": 2}
    assert hooks["why"].startswith(f"2 of {PROJECTS} projects: 403 Forbidden")
    assert report["totals"]["errors"] == 0
    assert "not read: service hooks: not available" in result.err


async def test_one_failing_project_is_recorded_and_the_audit_goes_on(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, STATS, status=400, times=1))
    result = await audit(fake, "--format", "json")
    assert result.code == 6
    report = json.loads(result.out)
    broken = [p for p in report["projects"] if p["errors"]]
    assert len(broken) == 1 and broken[0]["events_in_period"] is None
    assert broken[0]["errors"][0].startswith("event stats: 400 BadRequest")
    assert broken[0]["checks"]["event_stats"]["state"] == "failed"
    assert report["coverage"]["event_stats"]["projects"] == {"checked": PROJECTS - 1, "failed": 1}
    assert report["totals"]["errors"] == 1 and len(report["errors"]) == 1
    assert "not read: event stats: failed -- 1 of 30 projects: 400 BadRequest" in result.err


async def test_lists_the_token_may_not_read_are_noted(fake: FakeSentry) -> None:
    fake.set_faults(
        Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/relay_usage/", status=403)
    )
    result = await audit(fake, "--format", "json")
    assert result.code == 6
    report = json.loads(result.out)
    assert set(report["unavailable"]) == {"relays"}
    assert report["relays"] is None
    assert report["coverage"]["relays"]["scope"] == "org:read"


async def test_a_missing_endpoint_is_not_available_without_a_scope(fake: FakeSentry) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, "GET /organizations/{org}/repos/", status=404))
    result = await audit(fake, "--format", "json")
    assert result.code == 6
    repos = json.loads(result.out)["coverage"]["repositories"]
    assert repos["state"] == "not_available" and repos["scope"] is None
    assert repos["why"].startswith("this Sentry or plan does not offer it")


async def test_a_clean_audit_reads_everything_and_exits_0(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["partial"] is False
    assert {e["state"] for e in report["coverage"].values()} == {"checked"}
    assert report["coverage"]["service_hooks"]["projects"] == {"checked": PROJECTS}
    assert "not read" not in result.err


# --------------------------------------------------------------------------- output formats


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.json", "json"),
        ("a.csv", "csv"),
        ("a.md", "markdown"),
        ("a.html", "html"),
        ("a.txt", "table"),
        ("report", "table"),
    ],
)
async def test_the_output_extension_picks_the_format(
    fake: FakeSentry, tmp_path: Path, name: str, fmt: str
) -> None:
    target = tmp_path / name
    result = await audit(fake, "--no-progress", "-o", str(target))
    assert result.code == 0, result.err
    text = target.read_text(encoding="utf-8")
    starts = {
        "json": "{",
        "csv": "rule,severity",
        "markdown": "# Sentry audit",
        "html": "<!doctype html>",
        "table": "Sentry audit of",
    }
    assert text.startswith(starts[fmt])
    assert f"{fmt} report written to {target}" in result.err


async def test_a_format_that_contradicts_the_extension_is_refused(
    fake: FakeSentry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "audit.json"
    result = await audit(fake, "--format", "csv", "-o", str(target))
    assert result.code == 2
    assert "--format csv contradicts --output" in capsys.readouterr().err  # argparse's stream
    assert not target.exists() and fake.counters.requests == 0


# --------------------------------------------------------------------------- interruption


async def _interrupt_when_under_way(fake: FakeSentry, interrupt: Interrupt) -> None:
    # The fake's counters offer no event to wait on: poll them.
    while fake.counters.by_route[HOOKS] < 4 or fake.counters.by_route[STATS] < 4:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    interrupt.trigger(2)  # SIGINT


async def test_interrupt_writes_a_partial_report(fake: FakeSentry, tmp_path: Path) -> None:
    fake.rate_limit = RateLimitConfig(limit=8)  # slow enough to stop half-way
    interrupt = Interrupt()
    target = tmp_path / "partial.json"
    stopper = asyncio.ensure_future(_interrupt_when_under_way(fake, interrupt))
    result = await audit(fake, "--format", "json", "-o", str(target), interrupt=interrupt)
    await stopper
    assert result.code == 130
    assert result.out == ""
    report = json.loads(target.read_text())
    assert report["partial"] is True and report["interrupted"] is True
    assert report["coverage"]["event_stats"]["state"] == "not_run"
    audited = report["totals"]["projects_audited"]
    assert 0 < audited < PROJECTS
    assert sum(1 for p in report["projects"] if p["audited"]) == audited
    assert report["totals"]["projects"] == PROJECTS
    assert f"interrupted (SIGINT) after {audited} of {PROJECTS} projects" in result.err
    assert "Traceback" not in result.err
    # Nothing is left running: no request is in flight once the command has returned.
    await asyncio.sleep(0.05)
    assert fake.counters.in_flight == 0
    result.assert_no_token(target)


async def test_interrupt_without_output_writes_nothing(fake: FakeSentry) -> None:
    fake.rate_limit = RateLimitConfig(limit=8)
    interrupt = Interrupt()
    stopper = asyncio.ensure_future(_interrupt_when_under_way(fake, interrupt))
    result = await audit(fake, "--format", "json", interrupt=interrupt)
    await stopper
    assert result.code == 130
    assert result.out == ""
    assert "no report written" in result.err.splitlines()[-1]


# --------------------------------------------------------------------------- odd endings


class BrokenStdout(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


async def test_a_closed_stdout_is_left_to_main(fake: FakeSentry) -> None:
    err = io.StringIO()
    with pytest.raises(BrokenPipeError):
        await run(
            ["audit", "acme", "--base-url", fake.url, "--no-progress"],
            stdout=BrokenStdout(),
            stderr=err,
            environ={"SENTRY_AUTH_TOKEN": TOKEN},
            rich=False,
        )
    assert "internal error" not in err.getvalue()


@pytest.mark.parametrize("debug", [False, True])
async def test_a_bug_is_one_line_unless_debugging(
    fake: FakeSentry, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    from sentry_async.cli import _collect

    async def broken(self: object) -> None:
        raise RuntimeError(f"boom with {TOKEN} in it")

    monkeypatch.setattr(_collect.Collector, "run", broken)
    out, err = io.StringIO(), io.StringIO()
    environ = {"SENTRY_AUTH_TOKEN": TOKEN, **({"SENTRY_ASYNC_DEBUG": "1"} if debug else {})}
    code = await run(
        ["audit", "acme", "--base-url", fake.url, "--no-progress"],
        stdout=out,
        stderr=err,
        environ=environ,
        rich=False,
    )
    assert code == 1
    last = err.getvalue().splitlines()[-1]
    assert last.startswith("sentry-async: internal error: RuntimeError: boom with <redacted>")
    assert ("Traceback" in err.getvalue()) is debug
    assert TOKEN not in out.getvalue() + err.getvalue()


async def test_html_to_stdout(fake: FakeSentry) -> None:
    result = await audit(fake, "--format", "html", "--no-progress")
    assert result.code == 0 and result.err == ""
    assert result.out.startswith("<!doctype html>") and result.out.endswith("</html>\n")
    for project in fake.org.projects:
        assert f'aria-label="{project.slug}: ' in result.out  # a chart per project
    result.assert_no_token()
