"""The audit's rules: pure functions from gathered models to findings an admin acts on.

No I/O and no clock: "now" is passed in. Each rule looks at one kind of model and skips
what was not gathered (None), so a partial audit still yields sound findings.

=================================  ========  =============================================
rule                               severity  fires when
=================================  ========  =============================================
hook-not-https                     high      a service hook posts to a plain http:// URL
member-without-2fa                 medium    a joined member has no 2FA (where Sentry says)
org-2fa-not-required               medium    the organization does not require 2FA
too-many-owners                    medium    more owners than ``max_owners`` (invites too)
key-without-rate-limit             medium    an active client key has no rate limit
hook-disabled                      medium    a service hook is disabled
invite-stale                       low       an invitation pending > ``stale_invite_days``
project-never-received-event       low       a project never received an event
project-no-events-in-period        low       no events in the stats period
project-without-team               low       no team has access to the project
team-without-members               low       a team has no members
repo-not-active                    info      a repository is disabled or otherwise inactive
installation-pending               info      a Sentry App installation is still pending
=================================  ========  =============================================

Requests to join (``requested_to_join``, ``requested_to_be_invited``) are not audited:
Sentry's members list holds only approved members and invitations; the requests live at
a separate endpoint (``/organizations/{org}/invite-requests/``) this audit does not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sentry_async.models import Member, Organization, Team

from ._model import (
    AuditData,
    ProjectAudit,
    installation_app,
    key_active,
    key_label,
    key_rate_limit,
    member_has_2fa,
    member_pending,
    project_teams,
)

__all__ = [
    "ACTIONS",
    "DEFAULT_THRESHOLDS",
    "RULE_SEVERITY",
    "SEVERITIES",
    "Finding",
    "Thresholds",
    "evaluate",
    "installation_findings",
    "member_findings",
    "org_findings",
    "owner_findings",
    "project_findings",
    "repo_findings",
    "team_findings",
    "totals",
]

#: Most urgent first; findings are sorted in this order.
SEVERITIES = ("high", "medium", "low", "info")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
DAY = 86400.0

#: What to do about each rule's findings, in a few words (the terminal summary shows it).
ACTIONS = {
    "hook-not-https": "switch these service hooks to https://",
    "member-without-2fa": "ask these members to enable two-factor authentication",
    "org-2fa-not-required": "require 2FA: Organization Settings > Security",
    "too-many-owners": "demote owners who do not need to be owners",
    "key-without-rate-limit": "set a rate limit on these client keys",
    "hook-disabled": "fix the receivers and re-enable, or delete the hooks",
    "invite-stale": "resend or revoke these invitations",
    "project-never-received-event": "finish the SDK set-up, or remove the projects",
    "project-no-events-in-period": "check the SDKs still send, or archive the projects",
    "project-without-team": "give each of these projects an owning team",
    "team-without-members": "add members to these teams, or delete them",
    "repo-not-active": "reconnect or remove these repositories",
    "installation-pending": "finish or remove these app installations",
}


#: Each rule's severity (as in the module's table).
RULE_SEVERITY = {
    "hook-not-https": "high",
    "member-without-2fa": "medium",
    "org-2fa-not-required": "medium",
    "too-many-owners": "medium",
    "key-without-rate-limit": "medium",
    "hook-disabled": "medium",
    "invite-stale": "low",
    "project-never-received-event": "low",
    "project-no-events-in-period": "low",
    "project-without-team": "low",
    "team-without-members": "low",
    "repo-not-active": "info",
    "installation-pending": "info",
}


@dataclass(frozen=True)
class Finding:
    """Something to act on: which rule, how urgent, about what, and what to do."""

    rule: str
    severity: str
    subject: str
    message: str
    #: What an organization-wide finding is about (the owners of too-many-owners).
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = asdict(self)
        if self.items:
            found["items"] = list(self.items)
        else:
            del found["items"]
        return found


@dataclass(frozen=True)
class Thresholds:
    """The tunable parts of the rules."""

    stale_invite_days: float = 30.0
    max_owners: int = 3


#: The thresholds the command uses.
DEFAULT_THRESHOLDS = Thresholds()


def _days(seconds: float) -> int:
    return int(seconds // DAY)


def _days_text(days: int) -> str:
    return f"{days:,} day{'' if days == 1 else 's'}"


def _date(value: datetime) -> str:
    return value.date().isoformat()


# --------------------------------------------------------------------------- projects


def project_findings(audit: ProjectAudit, *, period: str, now: datetime) -> list[Finding]:
    """Event flow, client keys and service hooks of one project."""
    found: list[Finding] = []
    project = audit.project
    slug = project.slug
    if project.first_event is None:
        age = ""
        if project.date_created is not None:
            days = _days_text(_days((now - project.date_created).total_seconds()))
            age = f" in the {days} since it was created"
        found.append(
            Finding(
                "project-never-received-event",
                "low",
                slug,
                f"never received an event{age}: finish the SDK set-up or remove the project",
            )
        )
    elif audit.events_in_period == 0:
        found.append(
            Finding(
                "project-no-events-in-period",
                "low",
                slug,
                f"no events in the last {period} (first event {_date(project.first_event)}): "
                "check the SDK is still sending, or archive the project",
            )
        )
    if project_teams(project) == ():
        found.append(
            Finding(
                "project-without-team",
                "low",
                slug,
                "no team owns this project, so team-based alert routing, issue ownership and "
                "access reach nobody: add it to a team under Project Settings > Teams",
            )
        )
    for key in audit.keys or ():
        if key_active(key) and key_rate_limit(key) is None:
            name = key_label(key) or key.id
            found.append(
                Finding(
                    "key-without-rate-limit",
                    "medium",
                    f"{slug}/key:{name}",
                    f"active client key {name!r} has no rate limit: one noisy "
                    "client can use up the organization's quota; set one under Project "
                    "Settings > Client Keys",
                )
            )
    for hook in audit.hooks or ():
        subject, url = f"{slug}/hook:{hook.id}", hook.url or ""
        if url.lower().startswith("http://"):
            found.append(
                Finding(
                    "hook-not-https",
                    "high",
                    subject,
                    f"service hook sends event data over plain HTTP to {url}: switch it "
                    "to https://",
                )
            )
        if hook.status == "disabled":
            found.append(
                Finding(
                    "hook-disabled",
                    "medium",
                    subject,
                    f"service hook to {url} is disabled, so nothing is delivered: fix the "
                    "receiver and re-enable it, or delete it",
                )
            )
    return found


# --------------------------------------------------------------------------- members


def member_findings(
    members: Iterable[Member], *, now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    """Stale invitations and members without 2FA (only where Sentry reported the flag)."""
    found: list[Finding] = []
    limit = thresholds.stale_invite_days
    for member in members:
        email = member.email or ""
        if member_pending(member):
            if member.date_created is None:
                continue
            age = (now - member.date_created).total_seconds() / DAY
            if age <= limit:
                continue
            message = (
                f"invitation pending for {_days_text(int(age))} (sent "
                f"{_date(member.date_created)}): resend it or revoke it"
            )
            found.append(Finding("invite-stale", "low", email, message))
        elif member_has_2fa(member) is False:
            found.append(
                Finding(
                    "member-without-2fa",
                    "medium",
                    email,
                    f"{member.role or ''} has no two-factor authentication: ask them to enable it, "
                    "or require 2FA for the organization",
                )
            )
    return found


def owner_findings(
    org_slug: str, members: Sequence[Member], *, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    """One finding when the organization has more owners (joined or invited) than needed."""
    owners = [m for m in members if m.role == "owner"]
    if len(owners) <= thresholds.max_owners:
        return []
    pending = sum(1 for m in owners if member_pending(m))
    names = ", ".join((m.email or "") + (" (invited)" if member_pending(m) else "") for m in owners)
    invited = f" ({pending} of them invited)" if pending else ""
    return [
        Finding(
            "too-many-owners",
            "medium",
            org_slug,
            f"{len(owners)} owners{invited}, more than the {thresholds.max_owners} needed: "
            f"owners can delete the organization and change billing; demote those who do "
            f"not need it (owners: {names})",
            items=tuple(m.email or "" for m in owners),
        )
    ]


def org_findings(org: Organization) -> list[Finding]:
    """Organization-wide settings."""
    if org.require_2fa is False:
        return [
            Finding(
                "org-2fa-not-required",
                "medium",
                org.slug,
                "the organization does not require two-factor authentication: turn on "
                "Require Two-Factor Authentication under Organization Settings > Security",
            )
        ]
    return []


def team_findings(teams: Iterable[Team]) -> list[Finding]:
    """Teams with no members (only where Sentry gave the count)."""
    return [
        Finding(
            "team-without-members",
            "low",
            f"team:{team.slug}",
            "the team has no members, so alerts, issue assignments and project access routed "
            "to it reach nobody: add members under Settings > Teams, or delete the team",
        )
        for team in teams
        if team.member_count == 0
    ]


def repo_findings(data: AuditData) -> list[Finding]:
    return [
        Finding(
            "repo-not-active",
            "info",
            f"repo:{repo.name or repo.id}",
            f"repository is {repo.status}: commits are no longer tracked; reconnect it or "
            "remove it",
        )
        for repo in data.repos or ()
        if repo.status not in (None, "active")
    ]


def installation_findings(data: AuditData) -> list[Finding]:
    return [
        Finding(
            "installation-pending",
            "info",
            f"app:{installation_app(inst)}",
            f"Sentry App {installation_app(inst)!r} was never fully installed (status "
            f"{inst.status}): finish or remove the installation",
        )
        for inst in data.installations or ()
        if inst.status == "pending"
    ]


# --------------------------------------------------------------------------- all of them


def _order(finding: Finding) -> tuple[int, str, str]:
    return (_RANK.get(finding.severity, len(SEVERITIES)), finding.rule, finding.subject)


def evaluate(
    data: AuditData, *, now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    """Every finding, most severe first, then by rule and subject."""
    found: list[Finding] = []
    if data.org is not None:
        found += org_findings(data.org)
    for project in data.projects or ():
        found += project_findings(project, period=data.stats_period, now=now)
    if data.members is not None:
        found += member_findings(data.members, now=now, thresholds=thresholds)
        found += owner_findings(data.org_slug, data.members, thresholds=thresholds)
    found += team_findings(data.teams or ())
    found += repo_findings(data)
    found += installation_findings(data)
    found.sort(key=_order)
    return found


def totals(data: AuditData, findings: Sequence[Finding]) -> dict[str, int]:
    """Counts for the report header (flat, so every format can show them)."""
    projects = data.projects or []
    members = data.members or []
    rules = Counter(f.rule for f in findings)
    severities = Counter(f.severity for f in findings)
    keys = [key for p in projects for key in p.keys or ()]
    hooks = [hook for p in projects for hook in p.hooks or ()]
    counts = {
        "projects": len(projects),
        "projects_audited": sum(1 for p in projects if p.audited),
        "projects_never_received_event": rules["project-never-received-event"],
        "projects_no_events_in_period": rules["project-no-events-in-period"],
        "events_in_period": sum(p.events_in_period or 0 for p in projects),
        "members": sum(1 for m in members if not member_pending(m)),
        "pending_invites": sum(1 for m in members if member_pending(m)),
        "stale_invites": rules["invite-stale"],
        "owners": sum(1 for m in members if m.role == "owner"),
        "members_without_2fa": rules["member-without-2fa"],
        "client_keys": len(keys),
        "client_keys_without_rate_limit": rules["key-without-rate-limit"],
        "service_hooks": len(hooks),
        "service_hooks_disabled": rules["hook-disabled"],
        "service_hooks_not_https": rules["hook-not-https"],
        "teams": len(data.teams or ()),
        "teams_without_members": rules["team-without-members"],
        "projects_without_team": rules["project-without-team"],
        "repositories": len(data.repos or ()),
        "installations": len(data.installations or ()),
        "relays": len(data.relays or ()),
        "findings": len(findings),
    }
    for severity in SEVERITIES:
        counts[f"findings_{severity}"] = severities[severity]
    counts["errors"] = len(data.errors) + sum(len(p.errors) for p in projects)
    return counts
