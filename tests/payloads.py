"""Example Sentry payloads for tests, as the wire sends them (camelCase JSON).

Every function builds a fresh object, so a test may mutate what it gets. Keyword arguments
vary the values tests usually care about (ids, slugs, nullable parts). The shapes follow
Sentry's published API schema; the values are invented for this project and include the
surprises real responses carry (``platform: ""``, ``user: null`` on invites, integer
``projectId``, ``rateLimit: null``, colon keys in ``flags``, unknown extra keys).
"""

from typing import Any

JSON = dict[str, Any]

ORG_SLUG = "northwind"
ORG_ID = "4071"


def avatar(kind: str = "letter_avatar", uuid: str | None = None) -> JSON:
    return {"avatarType": kind, "avatarUuid": uuid, "avatarUrl": None}


def project_team(slug: str = "payments", id: str = "88", name: str | None = None) -> JSON:
    return {"id": id, "slug": slug, "name": name or slug.replace("-", " ").title()}


def organization_summary(
    slug: str = ORG_SLUG, id: str = ORG_ID, *, region_url: str = "https://de.sentry.io"
) -> JSON:
    """The summary shape: organization lists, ``?detailed=0``, nested in project details."""
    return {
        "id": id,
        "slug": slug,
        "name": "Northwind Traders",
        "dateCreated": "2019-03-11T08:15:42.503117Z",
        "status": {"id": "active", "name": "active"},
        "isEarlyAdopter": True,
        "require2FA": True,
        "allowMemberInvite": False,
        "allowMemberProjectCreation": True,
        "allowSuperuserAccess": False,
        "hasAuthProvider": True,
        "avatar": {"avatarType": "upload", "avatarUuid": "5d0c7e2a91b84f7da3c6e1f0b2a4d8e9"},
        "links": {
            "organizationUrl": f"https://{slug}.sentry.io",
            "regionUrl": region_url,
        },
        "features": ["session-replay", "discover-basic", "crons"],
    }


def organization_detailed(
    slug: str = ORG_SLUG, id: str = ORG_ID, *, region_url: str = "https://de.sentry.io"
) -> JSON:
    """``GET /organizations/{org}/`` (detailed by default)."""
    org = organization_summary(slug, id, region_url=region_url)
    org.update(
        {
            "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
            "access": ["org:read", "org:write", "member:read", "project:read", "team:read"],
            "quota": {
                "maxRate": None,
                "maxRateInterval": 60,
                "accountLimit": 0,
                "projectLimit": 100,
            },
            "role": "manager",
            "orgRole": "manager",
            "requireEmailVerification": False,
            "isDefault": False,
            "defaultRole": "member",
            "openMembership": False,
            "allowJoinRequests": True,
            "allowSharedIssues": True,
            "enhancedPrivacy": True,
            "dataScrubber": True,
            "dataScrubberDefaults": True,
            "scrubIPAddresses": True,
            "scrapeJavaScript": False,
            "sensitiveFields": ["iban", "card_number"],
            "safeFields": ["order_id"],
            "storeCrashReports": 5,
            "attachmentsRole": "member",
            "debugFilesRole": "admin",
            "eventsMemberAdmin": False,
            "alertsMemberWrite": True,
            "pendingAccessRequests": 2,
            "onboardingTasks": [{"task": "setup_release_tracking", "status": "pending"}],
            "orgRoleList": [{"id": "member", "name": "Member", "scopes": ["org:read"]}],
            "trustedRelays": [],
            "teams": [
                {
                    "id": "88",
                    "slug": "payments",
                    "name": "Payments",
                    "dateCreated": "2019-03-11T08:20:01.000000Z",
                    "isMember": True,
                    "teamRole": "admin",
                    "flags": {"idp:provisioned": True},
                    "access": ["team:read", "team:write"],
                    "hasAccess": True,
                    "isPending": False,
                    "memberCount": 7,
                    "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
                }
            ],
            "projects": [project("checkout-api", "5102")],
        }
    )
    return org


def project(
    slug: str = "checkout-api",
    id: str = "5102",
    *,
    platform: str | None = "python-django",
    team: JSON | None = None,
    first_event: str | None = "2020-05-02T17:44:09.918Z",
) -> JSON:
    """One item of ``GET /organizations/{org}/projects/``."""
    owner = project_team() if team is None else team
    return {
        "id": id,
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "dateCreated": "2020-05-02T17:40:31.004521Z",
        "platform": platform,
        "platforms": ["python", "javascript"],
        "firstEvent": first_event,
        "firstTransactionEvent": True,
        "isBookmarked": True,
        "isMember": True,
        "hasAccess": True,
        "access": ["project:read", "event:read"],
        "features": ["releases", "servicehooks"],
        "environments": ["production", "staging"],
        "team": owner,
        "teams": [owner],
        "latestRelease": {"version": "checkout@2.14.0"},
        "hasSessions": True,
        "hasReplays": False,
        "hasProfiles": False,
        "hasMonitors": True,
        "hasInsightsHttp": True,
        "hasLogs": False,
    }


def project_without_team(slug: str = "sandbox", id: str = "5188") -> JSON:
    """A list item for a project that lost its team and never got a platform or event."""
    item = project(slug, id, platform="", first_event=None)
    item["team"] = None
    item["teams"] = []
    return item


def project_detailed(slug: str = "checkout-api", id: str = "5102") -> JSON:
    """``GET /projects/{org}/{project}/``."""
    detail = project(slug, id)
    detail.update(
        {
            "status": "active",
            "isPublic": False,
            "isInternal": False,
            "color": "#bf6e3f",
            "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
            "organization": organization_summary(),
            "options": {"sentry:resolve_age": 72, "filters:blacklisted_ips": ""},
            "securityToken": "9e1f0c3b2a7d4e6f8a5b1c0d2e3f4a5b",
            "dynamicSamplingBiases": [{"id": "boostEnvironments", "active": True}],
            "digestsMinDelay": 300,
            "digestsMaxDelay": 1800,
        }
    )
    return detail


def team(slug: str = "payments", id: str = "88") -> JSON:
    """A team as listed in the detailed organization (and by the org teams endpoint)."""
    item: JSON = organization_detailed()["teams"][0]
    item.update(slug=slug, id=id, name=slug.replace("-", " ").title())
    return item


_FLAGS = {
    "idp:provisioned": False,
    "idp:role-restricted": False,
    "sso:linked": True,
    "sso:invalid": False,
    "member-limit:restricted": False,
    "partnership:restricted": False,
}


def member(id: str = "730", email: str = "ada@northwind.example", role: str = "admin") -> JSON:
    """A joined member (``GET /organizations/{org}/members/{id}/``)."""
    return {
        "id": id,
        "email": email,
        "name": "Ada Okafor",
        "user": {
            "id": "91004",
            "name": "Ada Okafor",
            "username": "aokafor",
            "email": email,
            "avatarUrl": "https://gravatar.example/avatar/ab12?s=32&d=mm",
            "isActive": True,
            "isSuspended": False,
            "hasPasswordAuth": False,
            "isManaged": False,
            "dateJoined": "2019-04-02T10:00:00Z",
            "lastLogin": "2024-02-29T07:45:12.5+00:00",
            "has2fa": True,
            "lastActive": "2024-03-01T12:00:00.123456789Z",
            "isSuperuser": False,
            "isStaff": False,
            "experiments": {},
            "emails": [{"id": "51", "email": email, "is_verified": True}],
            "avatar": {"avatarType": "gravatar", "avatarUuid": None},
            "canReset2fa": True,
        },
        "role": role,
        "orgRole": role,
        "roleName": role.title(),
        "pending": False,
        "expired": False,
        "flags": dict(_FLAGS),
        "dateCreated": "2019-04-01T16:30:00.250000Z",
        "inviteStatus": "approved",
        "inviterName": "root@northwind.example",
        "teams": ["payments", "platform"],
        "teamRoles": [
            {"teamSlug": "payments", "role": "admin"},
            {"teamSlug": "platform", "role": None},
        ],
        "invite_link": None,
        "isOnlyOwner": False,
    }


def member_pending(id: str = "731", email: str = "newhire@northwind.example") -> JSON:
    """An invitation not yet accepted: ``user`` is null, and only ``orgRole`` is sent."""
    return {
        "id": id,
        "email": email,
        "name": email,
        "user": None,
        "orgRole": "member",
        "pending": True,
        "expired": False,
        "flags": dict(_FLAGS, **{"sso:linked": False}),
        "dateCreated": "2024-03-04T09:12:44.871203Z",
        "inviteStatus": "approved",
        "inviterName": "ada@northwind.example",
    }


def project_user(id: str = "2207", *, date_created: str | None = None) -> JSON:
    return {
        "id": id,
        "tagValue": "email:lin@shop.example",
        "identifier": "cust-3391",
        "username": "lin",
        "email": "lin@shop.example",
        "name": "Lin Mbeki",
        "ipAddress": "203.0.113.9",
        "avatarUrl": "https://gravatar.example/avatar/77aa?s=32",
        "hash": "3b5d5c3712955042212316173ccf37be",
        "dateCreated": date_created,
    }


def tag_value(value: str = "firefox", count: int = 42) -> JSON:
    return {
        "key": "browser.name",
        "name": value.title(),
        "value": value,
        "count": count,
        "lastSeen": "2024-03-02T11:00:00Z",
        "firstSeen": "2023-12-24T23:59:59.5Z",
    }


def tag_value_stub(name: str = "lemon_tart") -> JSON:
    """The project tag-values list item as documented: only ``name``."""
    return {"name": name}


def project_stats(start: int = 1_700_000_000, counts: tuple[int, ...] = (12, 0, 37)) -> list[Any]:
    """``GET /projects/{org}/{project}/stats/``: ``[epoch_seconds, count]`` pairs, 1h apart."""
    return [[start + 3600 * i, n] for i, n in enumerate(counts)]


def service_hook(id: str = "b7e1c9d04f2a4e3c9d8f7a6b5c4d3e2f", status: str = "active") -> JSON:
    return {
        "id": id,
        "url": "https://hooks.northwind.example/sentry",
        "secret": "f00dfacecafe" * 5 + "0123",
        "status": status,
        "events": ["event.alert", "event.created"],
        "dateCreated": "2023-08-19T05:06:07.089Z",
    }


def client_key(
    id: str = "d41d8cd98f00b204e9800998ecf8427e",
    *,
    project_id: int = 5102,
    rate_limit: JSON | None = None,
) -> JSON:
    """A client key; ``rateLimit`` is null unless given (``{"window": ..., "count": ...}``)."""
    host = "o4071.ingest.de.sentry.io"
    return {
        "id": id,
        "name": "Default",
        "label": "Default",
        "public": id,
        "secret": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "projectId": project_id,
        "isActive": True,
        "rateLimit": rate_limit,
        "dsn": {
            "public": f"https://{id}@{host}/{project_id}",
            "secret": f"https://{id}:0f1e2d3c4b5a69788796a5b4c3d2e1f0@{host}/{project_id}",
            "csp": f"https://{host}/api/{project_id}/csp-report/?sentry_key={id}",
            "security": f"https://{host}/api/{project_id}/security/?sentry_key={id}",
            "minidump": f"https://{host}/api/{project_id}/minidump/?sentry_key={id}",
            "nel": f"https://{host}/api/{project_id}/nel/?sentry_key={id}",
            "unreal": f"https://{host}/api/{project_id}/unreal/{id}/",
            "cdn": f"https://js-de.sentry-cdn.com/{id}.min.js",
            "crons": f"https://{host}/api/{project_id}/cron/___MONITOR_SLUG___/{id}/",
            "integration": f"https://{host}/api/{project_id}/integration/",
            "otlp_traces": f"https://{host}/api/{project_id}/integration/otlp/v1/traces",
            "otlp_logs": f"https://{host}/api/{project_id}/integration/otlp/v1/logs",
            "playstation": f"https://{host}/api/{project_id}/playstation/?sentry_key={id}",
        },
        "browserSdkVersion": "8.x",
        "browserSdk": {"choices": [["latest", "latest"], ["8.x", "8.x"]]},
        "dateCreated": "2020-05-02T17:40:31.2Z",
        "dynamicSdkLoaderOptions": {"hasReplay": False, "hasPerformance": True, "hasDebug": False},
    }


def repository(id: str = "610", name: str = "northwind/checkout") -> JSON:
    return {
        "id": id,
        "name": name,
        "url": f"https://github.com/{name}",
        "provider": {"id": "integrations:github", "name": "GitHub"},
        "status": "active",
        "dateCreated": "2021-01-20T14:02:11.66Z",
        "integrationId": "1207",
        "externalSlug": name,
        "externalId": "482913377",
    }


def repository_minimal(id: str = "611", name: str = "northwind/legacy") -> JSON:
    """A repository as the trimmed documentation shows it: no url, provider or status."""
    return {"id": id, "name": name, "dateCreated": "2018-02-03T04:05:06Z"}


def commit(sha: str = "5e2b8f0c1d9a7e6b3c4d2f1a0b9c8d7e6f5a4b3c", *, author: bool = True) -> JSON:
    item: JSON = {
        "id": sha,
        "message": "Retry card captures on gateway timeouts",
        "dateCreated": "2024-02-14T09:30:00+01:00",
        "pullRequest": None,
        "suspectCommitType": "",
    }
    if author:
        item["author"] = {"name": "Ada Okafor", "email": "ada@northwind.example"}
    return item


def group(id: str = "3301", short_id: str = "CHECKOUT-API-2K") -> JSON:
    return {
        "id": id,
        "shortId": short_id,
        "title": "TimeoutError: card gateway did not answer",
        "culprit": "checkout.payments.capture",
        "permalink": f"https://{ORG_SLUG}.sentry.io/issues/{id}/",
        "status": "unresolved",
        "substatus": "escalating",
        "level": "error",
        "count": "1289",
        "userCount": 214,
        "firstSeen": "2024-02-10T03:00:00Z",
        "lastSeen": "2024-03-01T22:17:45.3Z",
        "platform": "python",
        "project": {"id": "5102", "slug": "checkout-api", "name": "Checkout Api", "platform": ""},
        "assignedTo": None,
        "metadata": {"type": "TimeoutError", "value": "card gateway did not answer"},
        "numComments": 3,
        "priority": "high",
    }


def short_id_resolution(short_id: str = "CHECKOUT-API-2K", group_id: str = "3301") -> JSON:
    return {
        "organizationSlug": ORG_SLUG,
        "projectSlug": "checkout-api",
        "groupId": group_id,
        "shortId": short_id,
        "group": group(group_id, short_id),
    }


def event(event_id: str = "c0ffee00c0ffee00c0ffee00c0ffee00", group_id: str = "3301") -> JSON:
    return {
        "id": "88112233",
        "eventID": event_id,
        "groupID": group_id,
        "projectID": "5102",
        "title": "TimeoutError: card gateway did not answer",
        "message": "",
        "platform": "python",
        "type": "error",
        "location": "checkout/payments.py",
        "dateCreated": "2024-03-01T22:17:45Z",
        "dateReceived": "2024-03-01T22:17:46.004Z",
        "tags": [
            {"key": "environment", "value": "production"},
            {"key": "release", "value": "checkout@2.14.0"},
        ],
        "entries": [{"type": "message", "data": {"formatted": "gateway timeout"}}],
        "contexts": {"runtime": {"name": "CPython", "version": "3.12.2"}},
        "sdk": {"name": "sentry.python", "version": "1.40.0"},
        "_meta": {},
    }


def event_id_resolution(event_id: str = "c0ffee00c0ffee00c0ffee00c0ffee00") -> JSON:
    return {
        "organizationSlug": ORG_SLUG,
        "projectSlug": "checkout-api",
        "groupId": "3301",
        "eventId": event_id,
        "event": event(event_id),
    }


def stats_v2() -> JSON:
    """``GET .../stats_v2/``, two fields grouped by ``outcome`` and ``category``."""
    return {
        "start": "2024-02-26T00:00:00Z",
        "end": "2024-02-29T00:00:00Z",
        "intervals": ["2024-02-26T00:00:00Z", "2024-02-27T00:00:00Z", "2024-02-28T00:00:00Z"],
        "groups": [
            {
                "by": {"outcome": "accepted", "category": "error"},
                "totals": {"sum(quantity)": 5012, "sum(times_seen)": 88},
                "series": {"sum(quantity)": [1500, 1712, 1800], "sum(times_seen)": [20, 31, 37]},
            },
            {
                "by": {"outcome": "rate_limited", "category": "transaction"},
                "totals": {"sum(quantity)": 12.5, "sum(times_seen)": 2},
                "series": {"sum(quantity)": [0, 12.5, 0], "sum(times_seen)": [0, 2, 0]},
            },
        ],
    }


def relay_usage(relay_id: str = "6f2c1d4e-8a3b-4c5d-9e0f-1a2b3c4d5e6f") -> JSON:
    return {
        "relayId": relay_id,
        "version": "24.2.0",
        "firstSeen": "2024-01-05T06:07:08.9Z",
        "lastSeen": "2024-03-01T00:00:00.000000Z",
        "publicKey": "kJ3n0VvYt2wq1rX8sPzL5mHcA6bD4eF7gUiOyT9R0Qw",
    }


def sentry_app_installation(uuid: str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d") -> JSON:
    return {
        "uuid": uuid,
        "status": "installed",
        "app": {
            "uuid": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "slug": "ticket-bridge-3f9a1c",
            "sentryAppId": 77,
        },
        "organization": {"slug": ORG_SLUG},
    }


def external_issue(id: str = "4410", issue_id: str = "3301") -> JSON:
    return {
        "id": id,
        "issueId": issue_id,
        "serviceType": "ticket-bridge",
        "displayName": "OPS#1187",
        "webUrl": "https://tickets.northwind.example/OPS/1187",
    }


def scim_user(
    id: str = "730", user_name: str = "ada@northwind.example", *, active: bool | None = True
) -> JSON:
    """A SCIM user; ``active=None`` leaves the key out, as Sentry does for Azure AD."""
    user: JSON = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": user_name,
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "name": {"familyName": "N/A", "givenName": "N/A"},
        "meta": {"resourceType": "User"},
        "sentryOrgRole": "member",
    }
    if active is not None:
        user["active"] = active
    return user


def scim_list(resources: list[JSON], *, start_index: int = 1, total: int | None = None) -> JSON:
    """A SCIM ListResponse page around ``resources``."""
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def stats_v2_by_project() -> JSON:
    """``stats_v2`` grouped by ``project``: Sentry then sends totals only, no ``series``."""
    return {
        "start": "2024-02-26T00:00:00Z",
        "end": "2024-02-29T00:00:00Z",
        "intervals": ["2024-02-26T00:00:00Z", "2024-02-27T00:00:00Z", "2024-02-28T00:00:00Z"],
        "groups": [
            {"by": {"project": 5102}, "totals": {"sum(quantity)": 4410}},
            {"by": {"project": 5188}, "totals": {"sum(quantity)": 0}},
        ],
    }


SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_error(detail: str | None = None, *, scim_type: str | None = None) -> JSON:
    """A SCIM error envelope (``detail`` and/or ``scimType`` beside ``schemas``)."""
    body: JSON = {"schemas": [SCIM_ERROR]}
    if detail is not None:
        body["detail"] = detail
    if scim_type is not None:
        body["scimType"] = scim_type
    return body


def issue_status_details() -> JSON:
    """Every status-details key at once (Sentry sends only those that apply)."""
    return {
        "inRelease": "checkout@2.14.0",
        "inNextRelease": False,
        "inCommit": {"id": "5e2b8f0", "repository": "northwind/checkout"},
        "ignoreUntil": "2024-04-01T00:00:00Z",
        "ignoreCount": 100,
        "ignoreWindow": 60,
        "ignoreUserCount": 10,
        "ignoreUserWindow": 1440,
        "actor": {"id": "91004", "name": "Ada Okafor"},
    }


def issue(id: str = "3301") -> JSON:
    """An issue from the issues search: the group plus assignee, flags and status details."""
    return {
        **group(id),
        "assignedTo": {"type": "user", "id": "91004", "name": "Ada", "email": "ada@n.example"},
        "statusDetails": issue_status_details(),
        "issueCategory": "error",
        "issueType": "error",
        "hasSeen": True,
        "isBookmarked": False,
        "isSubscribed": True,
        "isPublic": False,
    }


def issue_changes() -> JSON:
    """A bulk update's answer: the fields it changed."""
    return {
        "status": "resolved",
        "substatus": None,
        "statusDetails": {"inRelease": "latest"},
        "assignedTo": {"type": "team", "id": "88", "name": "payments"},
        "hasSeen": True,
        "isBookmarked": True,
        "isSubscribed": False,
        "isPublic": True,
        "shareId": "9f1c2d3e",
        "priority": "low",
    }


def event_full(event_id: str = "c0ffee00c0ffee00c0ffee00c0ffee00") -> JSON:
    """An event's details: the list shape plus user, culprit and metadata."""
    return {
        **event(event_id),
        "culprit": "checkout.payments in capture",
        "user": {"id": "42", "email": "buyer@example.com", "ip_address": None},
        "metadata": {"type": "TimeoutError", "value": "card gateway did not answer"},
    }


def deploy(id: str = "61") -> JSON:
    return {
        "id": id,
        "environment": "production",
        "name": "deploy 61",
        "url": "https://ci.northwind.example/runs/61",
        "dateStarted": "2024-03-01T09:20:00Z",
        "dateFinished": "2024-03-01T09:30:00Z",
    }


def release(version: str = "checkout@2.14.0") -> JSON:
    """A release as the releases list sends it (``id`` and project ids are integers)."""
    return {
        "id": 1402,
        "version": version,
        "shortVersion": "2.14.0",
        "status": "open",
        "ref": "5e2b8f0",
        "url": "https://github.example/northwind/checkout/releases/2.14.0",
        "dateCreated": "2024-03-01T09:00:00Z",
        "dateReleased": "2024-03-01T09:10:00Z",
        "firstEvent": "2024-03-01T09:31:00Z",
        "lastEvent": "2024-03-02T10:00:00Z",
        "newGroups": 3,
        "commitCount": 12,
        "deployCount": 1,
        "lastDeploy": deploy(),
        "lastCommit": {"id": "5e2b8f0", "message": "Capture retries"},
        "authors": [{"name": "Ada", "email": "ada@n.example"}],
        "projects": [
            {"id": 5102, "slug": "checkout-api", "name": "Checkout Api", "platform": "python",
             "newGroups": 3},
        ],
        "data": {},
    }  # fmt: skip


def environment(id: str = "1", name: str = "production") -> JSON:
    return {"id": id, "name": name}
