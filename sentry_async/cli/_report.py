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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sentry_async import __version__

from ._findings import DEFAULT_THRESHOLDS, Finding, Thresholds, evaluate, totals
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
    HookInfo,
    InstallationInfo,
    KeyInfo,
    MemberInfo,
    ProjectInfo,
    RelayInfo,
    RepoInfo,
)

__all__ = [
    "CSV_COLUMNS",
    "Report",
    "build_report",
    "coverage",
    "gaps",
    "iso",
    "render_csv",
    "render_json",
    "render_markdown",
    "shown_total",
]

CSV_COLUMNS = ("rule", "severity", "subject", "message")
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

    def _listed(self, section: str, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """A section's items, or None (json null) when the section was not read."""
        state = self.coverage.get(section, {}).get("state", CHECKED)
        return None if state != CHECKED and not items else items

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": f"sentry-async {__version__}",
            "org": self.org,
            "generated_at": iso(self.generated_at),
            "partial": self.partial,
            "interrupted": self.interrupted,
            "stats_period": self.stats_period,
            "series_resolution": self.series_resolution,
            "coverage": self.coverage,
            "totals": self.totals,
            "findings": [f.to_dict() for f in self.findings],
            "projects": self._listed("projects", self.projects),
            "members": self._listed("members", self.members),
            "repositories": self._listed("repositories", self.repositories),
            "installations": self._listed("installations", self.installations),
            "relays": self._listed("relays", self.relays),
            "unavailable": self.unavailable,
            "errors": self.errors,
        }


# --------------------------------------------------------------------------- records → dicts


def _key(key: KeyInfo) -> dict[str, Any]:
    limit = None
    if key.rate_limit_count is not None:
        limit = {"count": key.rate_limit_count, "window": key.rate_limit_window}
    return {"id": key.id, "label": key.label, "is_active": key.is_active, "rate_limit": limit}


def _hook(hook: HookInfo) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "status": hook.status, "events": list(hook.events)}


def _project(project: ProjectInfo) -> dict[str, Any]:
    return {
        "id": project.id,
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
        "team": project.team,
        "date_created": iso(project.date_created),
        "first_event": iso(project.first_event),
        "audited": project.audited,
        "events_in_period": project.events_in_period,
        "keys": [_key(k) for k in project.keys] if project.keys is not None else None,
        "hooks": [_hook(h) for h in project.hooks] if project.hooks is not None else None,
        "event_series": list(project.event_series) if project.event_series is not None else None,
        "checks": {name: _check(c) for name, c in project.checks.items()},
        "errors": list(project.errors),
    }


def _check(check: Check) -> dict[str, Any]:
    return {"state": check.state, "why": check.why, "scope": check.scope}


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
        out[name] = {
            "state": worst,
            "why": why,
            "scope": scope,
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


def shown_total(report: Report, key: str) -> str:
    """A total as text: ``1,234``; ``not read``; or ``1,234 (partial)`` when only some
    projects could be read for it."""
    value = report.totals[key]
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
        if entry["state"] == CHECKED:
            continue
        label = name.replace("_", " ")
        state = entry["state"].replace("_", " ")
        line = f"{label}: {state}" + (f" -- {entry['why']}" if entry["why"] else "")
        if entry["scope"] and entry["state"] == NOT_AVAILABLE:
            line += f" (a token with the {entry['scope']} scope would read it)"
        lines.append(line)
    return lines


def _member(member: MemberInfo, now: datetime) -> dict[str, Any]:
    age = None
    if member.pending and member.date_created is not None:
        age = int((now - member.date_created).total_seconds() // DAY)
    return {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "role": member.role,
        "pending": member.pending,
        "invite_status": member.invite_status,
        "invite_age_days": age,
        "date_created": iso(member.date_created),
        "has_2fa": member.has_2fa,
        "sso_linked": member.sso_linked,
        "last_active": iso(member.last_active),
    }


def _repo(repo: RepoInfo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "name": repo.name,
        "provider": repo.provider,
        "status": repo.status,
        "url": repo.url,
    }


def _installation(inst: InstallationInfo) -> dict[str, Any]:
    return {"uuid": inst.uuid, "app": inst.app, "status": inst.status}


def _relay(relay: RelayInfo) -> dict[str, Any]:
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
            "name": data.org.name,
            "id": data.org.id,
            "require_2fa": data.org.require_2fa,
            "has_auth_provider": data.org.has_auth_provider,
        }
    else:
        org = {"slug": data.org_slug, "name": None, "id": None}
    covered = coverage(data, interrupted=interrupted)
    errors = [*data.errors, *(f"{p.slug}: {e}" for p in data.projects or () for e in p.errors)]
    complete = all(entry["state"] == CHECKED for entry in covered.values()) and not errors
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
        unavailable=dict(data.unavailable),
        errors=errors,
    )


# --------------------------------------------------------------------------- renderers


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_csv(report: Report) -> str:
    """The findings, one per row, with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for finding in report.findings:
        writer.writerow([finding.rule, finding.severity, finding.subject, finding.message])
    return buffer.getvalue()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split())
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
    title = f"{org.get('name') or org['slug']} (`{org['slug']}`)"
    out = [
        f"# Sentry audit: {title}",
        "",
        f"- Generated: {iso(report.generated_at)}",
        f"- Stats period: {report.stats_period}",
        f"- Partial: {_partial(report)}",
        "",
        "## Totals",
        "",
        _md_table(["Metric", "Value"], ((k, shown_total(report, k)) for k in report.totals), "lr"),
        "",
        f"## Findings ({len(report.findings)})",
        "",
        _md_table(
            ["Severity", "Rule", "Subject", "Message"],
            ((f.severity, f.rule, f.subject, f.message) for f in report.findings),
        ),
        "",
        f"## Projects ({len(report.projects)})",
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
        f"## Members ({len(report.members)})",
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
    unread = gaps(report.coverage)
    if unread:
        out += ["", "## Not read", "", *(f"- {_flat(line)}" for line in unread)]
    if report.errors:
        out += ["", "## Errors", "", *(f"- {_flat(error)}" for error in report.errors)]
    return "\n".join(out) + "\n"


def _partial(report: Report) -> str:
    if report.interrupted:
        return "yes (interrupted)"
    if report.partial:
        return "yes (some sections could not be read: see Not read)"
    return "no"
