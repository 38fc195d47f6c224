"""The report: built from gathered data and findings, rendered as json, csv or markdown.

The JSON report is the complete one; its top level is ``generator``, ``org``,
``generated_at``, ``partial``, ``interrupted``, ``stats_period``, ``series_resolution``,
``coverage``, ``totals``, ``findings``, ``projects``, ``members``, ``repositories``,
``installations``, ``relays``, ``unavailable`` and ``errors``.

``partial`` is true whenever anything was not read: a section or a project's check that was
not available, failed, or was not reached (``interrupted``). ``coverage`` says, for every
section (``members``, ``client_keys``...) and per-project check (``event_stats``,
``service_hooks``), its ``state`` (``checked``, ``not_available``, ``failed``,
``not_run``), ``why``, the ``scope`` that would unlock it, and for per-project checks the
count of ``projects`` in each state.

The CSV holds the findings, one per row (``rule,severity,subject,message``): the list to
work through in a spreadsheet. Markdown holds all of it as tables; HTML (``_html``) is a
self-contained page of it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sentry_async import __version__
from sentry_async.models import (
    ClientKey,
    Member,
    RelayUsage,
    Repository,
    SentryAppInstallation,
    ServiceHook,
    Team,
)

from ._findings import DEFAULT_THRESHOLDS, RULE_SEVERITY, Finding, Thresholds, evaluate, totals
from ._model import (
    CHECKED,
    FAILED,
    NOT_AVAILABLE,
    NOT_RUN,
    ORG_SECTIONS,
    PROJECT_CHECKS,
    SCOPES,
    AuditData,
    Check,
    ProjectAudit,
    installation_app,
    key_active,
    key_label,
    key_rate_limit,
    member_has_2fa,
    member_pending,
    member_sso_linked,
    project_teams,
    repo_provider,
)

__all__ = [
    "CSV_COLUMNS",
    "Report",
    "build_report",
    "clean",
    "coverage",
    "gaps",
    "iso",
    "render_csv",
    "render_json",
    "render_markdown",
    "shown_total",
    "total_or_none",
    "unchecked_sources",
]

#: Unicode bidirectional controls: a name holding them can reorder the text around it
#: (a "right-to-left override" makes ``txt.exe`` read as ``exe.txt``). Removed, and names
#: are isolated in <bdi> so right-to-left scripts still show correctly.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: C0/C1 control characters except tab and newline (an ESC would restyle a terminal).
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without bidi controls and control characters (tab and newline kept)."""
    return CONTROLS.sub("", BIDI_CONTROLS.sub("", text))


CSV_COLUMNS = ("rule", "severity", "subject", "message")
#: The CSV rows that say what was not read carry this rule (severity ``gap``), first.
CSV_GAP_RULE = "audit-incomplete"
DAY = 86400.0


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ``2024-05-01T12:00:00Z`` (None stays None)."""
    if value is None:
        return None
    text = value.astimezone(timezone.utc).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


@dataclass
class Report:
    """A finished (or partial) audit, ready to render."""

    org: dict[str, Any]
    generated_at: datetime
    partial: bool
    stats_period: str
    totals: dict[str, int]
    findings: list[Finding]
    interrupted: bool = False
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    series_resolution: str | None = None
    projects: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    repositories: list[dict[str, Any]] = field(default_factory=list)
    installations: list[dict[str, Any]] = field(default_factory=list)
    relays: list[dict[str, Any]] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    #: The API host serving the organization (its region), when known.
    region: str | None = None

    def _listed(self, section: str, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """A section's items, or None (json null) when the section was not read."""
        state = self.coverage.get(section, {}).get("state", CHECKED)
        return None if state != CHECKED and not items else items

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": f"sentry-async {__version__}",
            "org": self.org,
            "region": self.region,
            "generated_at": iso(self.generated_at),
            "partial": self.partial,
            "interrupted": self.interrupted,
            "stats_period": self.stats_period,
            "series_resolution": self.series_resolution,
            "coverage": self.coverage,
            "totals": {k: total_or_none(self, k) for k in self.totals},
            "findings": [f.to_dict() for f in self.findings],
            "projects": self._listed("projects", self.projects),
            "members": self._listed("members", self.members),
            "teams": self._listed("teams", self.teams),
            "repositories": self._listed("repositories", self.repositories),
            "installations": self._listed("installations", self.installations),
            "relays": self._listed("relays", self.relays),
            "unavailable": self.unavailable,
            "errors": self.errors,
        }


# --------------------------------------------------------------------------- models → dicts
# Each picks the fields the report shows: a secret (a key's secret and DSN, a hook's secret,
# an invite link) or anything from ``raw`` is never among them.


def _key(key: ClientKey) -> dict[str, Any]:
    limit = key_rate_limit(key)
    shown = None if limit is None else {"count": limit.count, "window": limit.window}
    return {
        "id": key.id,
        "label": key_label(key),
        "is_active": key_active(key),
        "rate_limit": shown,
    }


def _hook(hook: ServiceHook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url or "",
        "status": hook.status,
        "events": list(hook.events or ()),
    }


def _project(audit: ProjectAudit) -> dict[str, Any]:
    project, teams = audit.project, project_teams(audit.project)
    return {
        "id": project.id,
        "slug": project.slug,
        "name": project.name or project.slug,
        "platform": project.platform,
        "team": project.team.slug if project.team is not None else None,
        "teams": list(teams) if teams is not None else None,
        "date_created": iso(project.date_created),
        "first_event": iso(project.first_event),
        "audited": audit.audited,
        "events_in_period": audit.events_in_period,
        "keys": [_key(k) for k in audit.keys] if audit.keys is not None else None,
        "hooks": [_hook(h) for h in audit.hooks] if audit.hooks is not None else None,
        "event_series": list(audit.event_series) if audit.event_series is not None else None,
        "checks": {name: _check(c) for name, c in audit.checks.items()},
        "errors": list(audit.errors),
    }


def _check(check: Check) -> dict[str, Any]:
    return {
        "state": check.state,
        "why": check.why,
        "scope": check.scope,
        "unreadable": check.unreadable,
    }


def _worst(states: Counter[str]) -> str:
    for state in (FAILED, NOT_AVAILABLE, NOT_RUN):
        if states[state]:
            return state
    return CHECKED


def coverage(data: AuditData, *, interrupted: bool = False) -> dict[str, dict[str, Any]]:
    """Per section and per-project check: read or not, and why (see the module docstring)."""
    not_reached = "the audit was interrupted first" if interrupted else "not reached"
    out: dict[str, dict[str, Any]] = {}
    for name in ORG_SECTIONS:
        out[name] = _check(data.sections.get(name) or Check(NOT_RUN, not_reached))
    for name in PROJECT_CHECKS:
        if data.projects is None:
            listed = "projects" in data.sections
            out[name] = {
                "state": NOT_AVAILABLE if listed else NOT_RUN,
                "why": "the projects could not be listed" if listed else not_reached,
                "scope": SCOPES["projects"] if listed else None,
                "unreadable": 0,
                "projects": {},
            }
            continue
        checks = [p.checks.get(name) or Check(NOT_RUN, not_reached) for p in data.projects]
        states = Counter(c.state for c in checks)
        worst = _worst(states)
        why: str | None = None
        scope: str | None = None
        if worst != CHECKED:
            reasons = Counter(c.why for c in checks if c.state == worst)
            reason, _ = reasons.most_common(1)[0]
            why = f"{states[worst]} of {len(checks)} projects: {reason}"
            scope = next((c.scope for c in checks if c.state == worst and c.scope), None)
        unreadable = sum(c.unreadable for c in checks)
        if worst == CHECKED and unreadable:
            hit = sum(1 for c in checks if c.unreadable)
            why = (
                f"{hit} of {len(checks)} projects read with unreadable items "
                f"({unreadable} left out)"
            )
        out[name] = {
            "state": worst,
            "why": why,
            "scope": scope,
            "unreadable": unreadable,
            "projects": {state: states[state] for state in sorted(states)},
        }
    return out


#: Which section each total is counted from (a total of an unread section is not a zero).
TOTAL_SECTIONS = {
    "projects": "projects",
    "projects_audited": "projects",
    "projects_never_received_event": "projects",
    "projects_no_events_in_period": "event_stats",
    "events_in_period": "event_stats",
    "members": "members",
    "teams": "teams",
    "teams_without_members": "teams",
    "projects_without_team": "projects",
    "pending_invites": "members",
    "stale_invites": "members",
    "owners": "members",
    "members_without_2fa": "members",
    "client_keys": "client_keys",
    "client_keys_without_rate_limit": "client_keys",
    "service_hooks": "service_hooks",
    "service_hooks_disabled": "service_hooks",
    "service_hooks_not_https": "service_hooks",
    "repositories": "repositories",
    "installations": "installations",
    "relays": "relays",
}


#: The sections each rule's findings come from: a severity whose sources were not all read
#: is "not fully checked", never a clean zero.
RULE_SECTIONS = {
    "hook-not-https": ("service_hooks",),
    "hook-disabled": ("service_hooks",),
    "member-without-2fa": ("members",),
    "too-many-owners": ("members",),
    "invite-stale": ("members",),
    "org-2fa-not-required": ("organization",),
    "key-without-rate-limit": ("client_keys",),
    "project-never-received-event": ("projects",),
    "project-no-events-in-period": ("event_stats",),
    "project-without-team": ("projects",),
    "team-without-members": ("teams",),
    "repo-not-active": ("repositories",),
    "installation-pending": ("installations",),
}


def unchecked_sources(report: Report, severity: str) -> list[str]:
    """The sections feeding ``severity``'s rules that were not fully read."""
    out: list[str] = []
    for rule, sections in RULE_SECTIONS.items():
        if RULE_SEVERITY.get(rule) != severity:
            continue
        for name in sections:
            entry = report.coverage.get(name, {})
            if (entry.get("state", CHECKED) != CHECKED or entry.get("unreadable")) and (
                name not in out
            ):
                out.append(name)
    return out


def total_or_none(report: Report, key: str) -> int | None:
    """A total, or None when nothing it counts from was read (json ``null``)."""
    value = report.totals[key]
    if key in TOTAL_SECTIONS and shown_total(report, key) == "not read":
        return None
    return value


def shown_total(report: Report, key: str) -> str:
    """A total as text: ``1,234``; ``not read``; or ``1,234 (partial)`` when only some
    projects could be read for it."""
    value = report.totals[key]
    if key.startswith("findings_") and unchecked_sources(report, key[len("findings_") :]):
        return f"{value:,} (not fully checked)"
    entry = report.coverage.get(TOTAL_SECTIONS.get(key, ""), {})
    if entry.get("state", CHECKED) == CHECKED:
        return f"{value:,}"
    if entry.get("projects", {}).get(CHECKED):
        return f"{value:,} (partial)"
    return "not read"


def gaps(report_coverage: dict[str, dict[str, Any]]) -> list[str]:
    """The sections not fully read, as ``section: why (needs scope X)`` lines."""
    lines = []
    for name, entry in report_coverage.items():
        if entry["state"] == CHECKED and entry.get("unreadable"):
            lines.append(f"{name.replace('_', ' ')}: {entry['why']}")
        label = name.replace("_", " ")
        if entry["state"] == CHECKED:
            continue
        state = entry["state"].replace("_", " ")
        line = f"{label}: {state}" + (f" -- {entry['why']}" if entry["why"] else "")
        if entry["scope"] and entry["state"] == NOT_AVAILABLE:
            line += f" (a token with the {entry['scope']} scope would read it)"
        lines.append(line)
    return lines


def _member(member: Member, now: datetime) -> dict[str, Any]:
    pending, age = member_pending(member), None
    if pending and member.date_created is not None:
        age = int((now - member.date_created).total_seconds() // DAY)
    return {
        "id": member.id,
        "email": member.email or "",
        "name": member.name,
        "role": member.role or "",
        "pending": pending,
        "invite_status": member.invite_status,
        "invite_age_days": age,
        "date_created": iso(member.date_created),
        "has_2fa": member_has_2fa(member),
        "sso_linked": member_sso_linked(member),
        "last_active": iso(member.user.last_active if member.user is not None else None),
    }


def _repo(repo: Repository) -> dict[str, Any]:
    return {
        "id": repo.id,
        "name": repo.name or repo.id,
        "provider": repo_provider(repo),
        "status": repo.status,
        "url": repo.url,
    }


def _team(team: Team) -> dict[str, Any]:
    return {"id": team.id, "slug": team.slug, "name": team.name, "member_count": team.member_count}


def _installation(inst: SentryAppInstallation) -> dict[str, Any]:
    return {"uuid": inst.uuid, "app": installation_app(inst), "status": inst.status or ""}


def _relay(relay: RelayUsage) -> dict[str, Any]:
    return {
        "relay_id": relay.relay_id,
        "version": relay.version,
        "first_seen": iso(relay.first_seen),
        "last_seen": iso(relay.last_seen),
    }


def build_report(
    data: AuditData,
    *,
    now: datetime,
    interrupted: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Report:
    """Apply the rules to ``data`` and lay everything out for rendering.

    ``interrupted``: a signal stopped the gathering (what was not reached is ``not_run``).
    """
    findings = evaluate(data, now=now, thresholds=thresholds)
    if data.org is not None:
        org: dict[str, Any] = {
            "slug": data.org.slug,
            "name": data.org.name or data.org.slug,
            "id": data.org.id,
            "require_2fa": data.org.require_2fa,
            "has_auth_provider": data.org.has_auth_provider,
        }
    else:
        org = {"slug": data.org_slug, "name": None, "id": None}
    covered = coverage(data, interrupted=interrupted)
    errors = [*data.errors, *(f"{p.slug}: {e}" for p in data.projects or () for e in p.errors)]
    complete = (
        all(entry["state"] == CHECKED and not entry["unreadable"] for entry in covered.values())
        and not errors
    )
    return Report(
        org=org,
        generated_at=now,
        partial=interrupted or not complete,
        interrupted=interrupted,
        coverage=covered,
        series_resolution=data.series_resolution,
        stats_period=data.stats_period,
        totals=totals(data, findings),
        findings=findings,
        projects=[_project(p) for p in data.projects or ()],
        members=[_member(m, now) for m in data.members or ()],
        repositories=[_repo(r) for r in data.repos or ()],
        installations=[_installation(i) for i in data.installations or ()],
        relays=[_relay(r) for r in data.relays or ()],
        teams=[_team(t) for t in data.teams or ()],
        region=data.region,
        unavailable=dict(data.unavailable),
        errors=errors,
    )


# --------------------------------------------------------------------------- renderers


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a quote first;
    bidi controls (which could make a name read as another) are removed."""
    text = BIDI_CONTROLS.sub("", text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: Report) -> str:
    """The findings, one per row, with a header row.

    When anything was not read, the first rows say so, in the same columns (rule
    ``audit-incomplete``, severity ``gap``, the section as subject): a spreadsheet shows
    them, sorts them and filters them like findings. Cells starting like a formula
    (``= + - @``) get a leading ``'`` so a spreadsheet never evaluates them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows: list[tuple[str, str, str, str]] = []
    for name, entry in report.coverage.items():
        if entry["state"] != CHECKED or entry.get("unreadable"):
            why = entry["why"] or entry["state"].replace("_", " ")
            rows.append((CSV_GAP_RULE, "gap", name, f"not fully read: {why}"))
    if report.interrupted:
        rows.insert(0, (CSV_GAP_RULE, "gap", "audit", "interrupted: the findings are partial"))
    rows += [(f.rule, f.severity, f.subject, f.message) for f in report.findings]
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return buffer.getvalue()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(clean(str(value)).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> str:
    """A GitHub-flavoured markdown table; ``align`` has one l/r letter per column."""
    align = align.ljust(len(headers), "l")
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    org = report.org
    title = clean(f"{org.get('name') or org['slug']} (`{org['slug']}`)")
    out = [
        f"# Sentry audit: {title}",
        "",
        f"- Generated: {iso(report.generated_at)}",
        f"- Stats period: {report.stats_period}",
        *([f"- Region: {report.region}"] if report.region else []),
        f"- Partial: {_partial(report)}",
        "",
        "## Totals",
        "",
        _md_table(["Metric", "Value"], ((k, shown_total(report, k)) for k in report.totals), "lr"),
        "",
        f"## Findings ({len(report.findings):,})",
        "",
        _md_table(
            ["Severity", "Rule", "Subject", "Message"],
            ((f.severity, f.rule, f.subject, f.message) for f in report.findings),
        ),
        "",
        f"## Projects ({_md_count(report, 'projects', report.projects)})",
        "",
        _md_table(
            [
                "Slug",
                "Platform",
                "Team",
                f"Events ({report.stats_period})",
                "First event",
                "Keys",
                "Keys without rate limit",
                "Hooks",
            ],
            (
                (
                    p["slug"],
                    p["platform"],
                    p["team"],
                    p["events_in_period"],
                    p["first_event"],
                    len(p["keys"]) if p["keys"] is not None else None,
                    sum(1 for k in p["keys"] if k["rate_limit"] is None)
                    if p["keys"] is not None
                    else None,
                    len(p["hooks"]) if p["hooks"] is not None else None,
                )
                for p in report.projects
            ),
            "lllrlrrr",
        ),
        "",
        f"## Members ({_md_count(report, 'members', report.members)})",
        "",
        _md_table(
            ["Email", "Role", "Pending", "Invite age (days)", "2FA", "SSO linked"],
            (
                (
                    m["email"],
                    m["role"],
                    m["pending"],
                    m["invite_age_days"],
                    m["has_2fa"],
                    m["sso_linked"],
                )
                for m in report.members
            ),
            "lllrll",
        ),
    ]
    if report.repositories:
        out += [
            "",
            f"## Repositories ({len(report.repositories)})",
            "",
            _md_table(
                ["Name", "Provider", "Status"],
                ((r["name"], r["provider"], r["status"]) for r in report.repositories),
            ),
        ]
    if report.installations:
        out += [
            "",
            f"## Sentry App installations ({len(report.installations)})",
            "",
            _md_table(
                ["App", "Status", "UUID"],
                ((i["app"], i["status"], i["uuid"]) for i in report.installations),
            ),
        ]
    if report.relays:
        out += [
            "",
            f"## Relays ({len(report.relays)})",
            "",
            _md_table(
                ["Relay", "Version", "First seen", "Last seen"],
                (
                    (r["relay_id"], r["version"], r["first_seen"], r["last_seen"])
                    for r in report.relays
                ),
            ),
        ]
    if report.teams:
        out += [
            "",
            f"## Teams ({len(report.teams):,})",
            "",
            _md_table(
                ["Team", "Name", "Members"],
                ((t["slug"], t["name"], t["member_count"]) for t in report.teams),
                "llr",
            ),
        ]
    unread = gaps(report.coverage)
    if unread:
        out += ["", "## Not read", "", *(f"- {_flat(line)}" for line in unread)]
    if report.errors:
        out += ["", "## Errors", "", *(f"- {_flat(error)}" for error in report.errors)]
    return "\n".join(out) + "\n"


def _md_count(report: Report, section: str, items: list[dict[str, Any]]) -> str:
    entry = report.coverage.get(section, {})
    if entry.get("state", CHECKED) != CHECKED and not items:
        return "not read"
    return f"{len(items):,}"


def _partial(report: Report) -> str:
    if report.interrupted:
        return "yes (interrupted)"
    if report.partial:
        return "yes (some sections could not be read: see Not read)"
    return "no"
