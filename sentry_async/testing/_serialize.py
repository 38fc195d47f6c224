"""Records → the JSON shapes Sentry sends (camelCase, with the real payloads' surprises)."""

from __future__ import annotations

from typing import Any

from ._org import FakeOrg
from ._records import (
    ClientKey,
    ExternalIssue,
    Installation,
    Member,
    Project,
    Relay,
    Repo,
    ServiceHook,
    Team,
)
from ._util import iso, iso_or_none

__all__ = [
    "external_issue_json",
    "hook_json",
    "installation_json",
    "key_json",
    "member_json",
    "org_json",
    "project_detail_json",
    "project_json",
    "relay_json",
    "repo_json",
    "scim_user_json",
    "team_json",
]

SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
_ACCESS = ["project:read", "project:write", "event:read", "event:write", "team:read", "org:read"]
_FEATURES = ["alert-filters", "releases", "servicehooks", "rate-limits", "minidump"]
_ORG_FEATURES = ["advanced-search", "issue-platform", "session-replay", "onboarding"]
# Static project list keys, copied into every item: one dict merge instead of 30 assignments.
_PROJECT_STATIC: dict[str, Any] = {
    "access": _ACCESS,
    "hasAccess": True,
    "isMember": True,
    "environments": ["production", "staging"],
    "features": _FEATURES,
    "firstTransactionEvent": False,
    "hasSessions": False,
    "hasProfiles": False,
    "hasReplays": False,
    "hasFlags": False,
    "hasMinifiedStackTrace": False,
    "hasMonitors": False,
    "hasFeedbacks": False,
    "hasNewFeedbacks": False,
    "hasUserReports": False,
    "hasInsightsHttp": False,
    "hasInsightsDb": False,
    "hasLogs": False,
}
_MEMBER_FLAGS = (
    "idp:provisioned", "idp:role-restricted", "sso:linked", "sso:invalid",
    "member-limit:restricted", "partnership:restricted",
)  # fmt: skip
_ROLE_NAMES = {
    "member": "Member",
    "admin": "Admin",
    "manager": "Manager",
    "owner": "Owner",
    "billing": "Billing",
}


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "slug": team.slug, "name": team.name}


def team_detail_json(team: Team, member_count: int) -> dict[str, Any]:
    return {
        **team_json(team),
        "dateCreated": iso(team.date_created),
        "isMember": False,
        "teamRole": None,
        "flags": {"idp:provisioned": False},
        "access": ["member:read", "org:read", "event:read", "project:read", "team:read"],
        "hasAccess": True,
        "isPending": False,
        "memberCount": member_count,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
    }


def project_json(project: Project) -> dict[str, Any]:
    """The org projects list item: ``platform`` may be "" or null, ``team`` may be null."""
    team = project.team
    release = project.latest_release
    return {
        **_PROJECT_STATIC,
        "id": str(project.id),
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
        "platforms": [project.platform] if project.platform else [],
        "dateCreated": iso(project.date_created),
        "firstEvent": iso_or_none(project.first_event),
        "isBookmarked": project.is_bookmarked,
        "team": team_json(team) if team else None,
        "teams": [team_json(team)] if team else [],
        "latestRelease": {"version": release} if release else None,
    }


def project_detail_json(org: FakeOrg, project: Project) -> dict[str, Any]:
    """Project details: the list item plus status, options, organization, and friends."""
    token = f"{project.id:x}".rjust(32, "0")
    return {
        **project_json(project),
        "status": "active",
        "isInternal": False,
        "isPublic": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "color": "#3f70bf",
        "options": {"sentry:token": token, "sentry:resolve_age": 0},
        "digestsMinDelay": 300,
        "digestsMaxDelay": 1800,
        "subjectPrefix": "",
        "allowedDomains": ["*"],
        "resolveAge": 0,
        "dataScrubber": True,
        "dataScrubberDefaults": True,
        "scrubIPAddresses": False,
        "securityToken": token,
        "securityTokenHeader": None,
        "verifySSL": False,
        "organization": org_json(org, detailed=False),
        "processingIssues": 0,
        "defaultEnvironment": None,
        "dynamicSamplingBiases": [
            {"id": "boostEnvironments", "active": True},
            {"id": "ignoreHealthChecks", "active": True},
        ],
    }


def org_json(org: FakeOrg, *, detailed: bool, base_url: str = "") -> dict[str, Any]:
    """Org summary, or the detailed shape GET sends by default (capped embedded lists)."""
    summary: dict[str, Any] = {
        "id": org.id,
        "slug": org.slug,
        "status": {"id": "active", "name": "active"},
        "name": org.name,
        "dateCreated": iso(org.date_created),
        "isEarlyAdopter": org.is_early_adopter,
        "require2FA": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        # Points back at the fake: anything that follows these stays on loopback.
        "links": {
            "organizationUrl": base_url,
            "regionUrl": base_url if org.region_url is None else org.region_url,
        },
        "hasAuthProvider": org.scim_enabled,
        "allowMemberInvite": True,
        "allowMemberProjectCreation": True,
        "allowSuperuserAccess": False,
        "features": _ORG_FEATURES,
    }
    if not detailed:
        return summary
    return {
        **summary,
        "access": [*_ACCESS, "org:write", "member:read", "member:write"],
        "role": "owner",
        "orgRole": "owner",
        "defaultRole": "member",
        "openMembership": True,
        "requiresSso": False,
        "pendingAccessRequests": 0,
        "quota": {
            "maxRate": None,
            "maxRateInterval": 60,
            "accountLimit": 0,
            "projectLimit": 100,
        },
        "onboardingTasks": [],
        "experiments": {},
        "trustedRelays": [],
        "orgRoleList": [{"id": role, "name": name} for role, name in _ROLE_NAMES.items()],
        "teamRoleList": [
            {"id": "contributor", "name": "Contributor"},
            {"id": "admin", "name": "Team Admin"},
        ],
        # Real Sentry embeds every team and project; capped so a 100k-project org stays fast.
        "teams": [team_json(team) for team in list(org.teams.values())[:100]],
        "projects": [project_json(project) for project in org.projects[:100]],
    }


def member_json(member: Member, *, detailed: bool = False) -> dict[str, Any]:
    """An org member; ``user`` is null for pending invites."""
    flags = dict.fromkeys(_MEMBER_FLAGS, False)
    flags["sso:linked"] = member.sso_linked
    flags["idp:provisioned"] = member.idp_provisioned
    body: dict[str, Any] = {
        "id": member.id,
        "email": member.email,
        "name": member.name if not member.pending else member.email,
        "user": None if member.pending else _user_json(member),
        "role": member.role,
        "orgRole": member.role,
        "roleName": _ROLE_NAMES.get(member.role, member.role.title()),
        "pending": member.pending,
        "expired": False,
        "flags": flags,
        "dateCreated": iso(member.date_created),
        "inviteStatus": member.invite_status,
        "inviterName": None if member.idp_provisioned else "owner@example.com",
    }
    if detailed:
        body["teams"] = list(member.teams)
        body["teamRoles"] = [
            {"teamSlug": slug, "role": member.team_roles.get(slug)} for slug in member.teams
        ]
        body["invite_link"] = None
    return body


def _user_json(member: Member) -> dict[str, Any]:
    return {
        "id": member.user_id,
        "name": member.name,
        "username": member.username,
        "email": member.email,
        "avatarUrl": None,
        "isActive": True,
        "hasPasswordAuth": not member.sso_linked,
        "isManaged": False,
        "dateJoined": iso(member.date_created),
        "lastLogin": iso_or_none(member.last_active),
        "has2fa": member.has_2fa,
        "lastActive": iso_or_none(member.last_active),
        "isSuperuser": False,
        "isStaff": False,
        "experiments": {},
        "emails": [{"id": member.user_id, "email": member.email, "is_verified": True}],
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "canReset2fa": True,
    }


def scim_user_json(member: Member) -> dict[str, Any]:
    """SCIM view of a member: ``userName`` is the username once joined, else the email."""
    return {
        "schemas": [SCIM_USER_SCHEMA],
        "id": member.id,
        "userName": member.email if member.pending else (member.username or member.email),
        "emails": [{"primary": True, "value": member.email, "type": "work"}],
        "name": {"familyName": "N/A", "givenName": "N/A"},
        "active": True,
        "meta": {"resourceType": "User"},
        "sentryOrgRole": member.role,
    }


def key_json(key: ClientKey, org: FakeOrg) -> dict[str, Any]:
    """A client key: integer ``projectId``, ``rateLimit`` object or null."""
    host = f"o{org.id}.ingest.sentry.example"
    pid = key.project_id
    base = f"https://{host}/api/{pid}"
    query = f"?sentry_key={key.id}"
    return {
        "id": key.id,
        "name": key.label,
        "label": key.label,
        "public": key.id,
        "secret": key.secret,
        "projectId": pid,
        "isActive": key.is_active,
        "rateLimit": (
            {"window": key.rate_limit[0], "count": key.rate_limit[1]} if key.rate_limit else None
        ),
        "dsn": {
            "secret": f"https://{key.id}:{key.secret}@{host}/{pid}",
            "public": f"https://{key.id}@{host}/{pid}",
            "csp": f"{base}/csp-report/{query}",
            "security": f"{base}/security/{query}",
            "minidump": f"{base}/minidump/{query}",
            "nel": f"{base}/nel/{query}",
            "unreal": f"{base}/unreal/{key.id}/",
            "crons": f"{base}/crons/___MONITOR_SLUG___/{key.id}/",
            "cdn": f"https://js.sentry-cdn.example/{key.id}.min.js",
        },
        "browserSdkVersion": "8.x",
        "browserSdk": {"choices": [["latest", "latest"], ["8.x", "8.x"]]},
        "dateCreated": iso(key.date_created),
        "dynamicSdkLoaderOptions": {
            "hasReplay": True,
            "hasPerformance": True,
            "hasDebug": False,
        },
    }


def hook_json(hook: ServiceHook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "secret": hook.secret,
        "status": hook.status,
        "events": list(hook.events),
        "dateCreated": iso(hook.date_created),
    }


def repo_json(repo: Repo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "name": repo.name,
        "url": repo.url,
        "provider": {"id": repo.provider, "name": repo.provider.split(":")[-1].title()},
        "status": repo.status,
        "dateCreated": iso(repo.date_created),
        "integrationId": repo.integration_id,
        "externalSlug": repo.name,
    }


def relay_json(relay: Relay) -> dict[str, Any]:
    return {
        "relayId": relay.relay_id,
        "version": relay.version,
        "firstSeen": iso(relay.first_seen),
        "lastSeen": iso(relay.last_seen),
        "publicKey": relay.public_key,
    }


def installation_json(inst: Installation, org: FakeOrg) -> dict[str, Any]:
    return {
        "app": {"uuid": inst.app_uuid, "slug": inst.app_slug, "sentryAppId": inst.app_id},
        "organization": {"slug": org.slug},
        "uuid": inst.uuid,
        "status": inst.status,
    }


def external_issue_json(issue: ExternalIssue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "issueId": issue.issue_id,
        "serviceType": issue.service_type,
        "displayName": issue.display_name,
        "webUrl": issue.web_url,
    }
