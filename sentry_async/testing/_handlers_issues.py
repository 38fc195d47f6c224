"""Issues: search, details, updates (single and bulk by ``id=``), deletion; their events and
tag values; project event lists.

Search understands ``is:``/``!is:`` (statuses, substatuses, ``assigned``, ``unassigned``,
``linked``, ``unlinked``, ``for_review``; plus the fake's ``bookmarked`` and ``unseen``),
``issue.id:N`` and ``issue.id:[N,M]``, ``assigned:``, ``level:``, ``release:``, relative
``age:``/``firstSeen:``/``lastSeen:`` (``-24h`` within, ``+7d`` longer ago; other date forms
answer 400),
``has:``/``!has:`` (``assigned``, ``release``, ``user``, ``environment`` and event tags), and
free text on title and culprit. Approximate: any other key matches nothing (Sentry searches
tags); ``for_review`` means unseen and ``linked`` nothing (the fake has no inbox or
integrations); ``me`` matches nobody (the token has no user). Bulk updates reproduce
Sentry's fallback: when ``id=`` is given but none match, the search (default
``is:unresolved``) picks up to 1000 issues instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ._http import ApiError, Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import project_of
from ._pagination import link_header, paged_reply, per_page, row_page
from ._records_issues import Issue, IssueEvent
from ._routes import Route
from ._serialize_issues import actor_json, event_json, issue_json
from ._util import iso
from ._validate import boolean

__all__ = ["ROUTES", "search"]

_STATUSES = ("resolved", "unresolved", "ignored", "resolvedInNextRelease", "muted")
_TOKEN = re.compile(r'(!?[\w.]+):"([^"]*)"|(!?[\w.]+):(\S+)|"([^"]*)"|(\S+)')
_ID_LIST = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]|(\d+)")
_SORTS: dict[str, Callable[[Issue], float]] = {
    "date": lambda i: i.last_seen,
    "new": lambda i: i.first_seen,
    "freq": lambda i: i.count,
    "user": lambda i: i.user_count,
}
BULK_LIMIT = 1000


def _actor_matches(ctx: Ctx, issue: Issue, value: str) -> bool:
    if value == "me":
        return False  # the fake's token has no user
    if value in ("none", "[]"):
        return issue.assigned_to is None
    actor = _resolve_actor(ctx, value, strict=False)
    return actor is not None and issue.assigned_to == actor


def search(ctx: Ctx, query: str) -> list[Issue]:
    """Issues matching Sentry-style ``query`` (every term must match)."""
    checks: list[Callable[[Issue], bool]] = []
    for match in _TOKEN.finditer(query):
        key = match.group(1) or match.group(3)
        value = match.group(2) if match.group(1) else match.group(4)
        text = match.group(5) if match.group(5) is not None else match.group(6)
        if key is not None:
            checks.append(_term(ctx, key, value))
        elif text in ("OR", "AND") and match.group(6) is not None:
            # Issue search is built with allow_boolean=False.
            raise ApiError(
                400,
                {
                    "detail": 'Boolean statements containing "OR" or "AND" are not supported'
                    " in this search"
                },
            )
        elif text:
            checks.append(_text(text.casefold()))
    return [issue for issue in ctx.org.issues.values() if all(c(issue) for c in checks)]


def _text(needle: str) -> Callable[[Issue], bool]:
    def check(issue: Issue) -> bool:
        return needle in issue.title.casefold() or needle in issue.culprit.casefold()

    return check


def _term(ctx: Ctx, key: str, value: str) -> Callable[[Issue], bool]:
    negate = key.startswith("!")
    check = _positive_term(ctx, key.removeprefix("!"), value)
    if negate:
        return lambda issue: not check(issue)
    return check


def _positive_term(ctx: Ctx, key: str, value: str) -> Callable[[Issue], bool]:
    if key == "is":
        return _is_check(value)
    if key == "has":
        return _has_check(value)
    if key in _AGE_KEYS:
        return _age_check(ctx, _AGE_KEYS[key], value)
    if key == "issue.id":
        match = _ID_LIST.fullmatch(value)
        if match is None:
            raise ApiError(400, {"detail": f"Invalid number: {value}"})
        ids = {part.strip() for part in (match.group(1) or match.group(2)).split(",")}
        return lambda issue: issue.id in ids

    def check(issue: Issue) -> bool:
        if key == "assigned":
            return _actor_matches(ctx, issue, value)
        if key == "level":
            return issue.level == value
        if key == "release":
            return any(e.release == value for e in issue.events)
        return False  # keys the fake does not know match nothing

    return check


_AGE_KEYS: dict[str, Callable[[Issue], float]] = {
    "age": lambda i: i.first_seen,
    "firstSeen": lambda i: i.first_seen,
    "first_seen": lambda i: i.first_seen,
    "lastSeen": lambda i: i.last_seen,
    "last_seen": lambda i: i.last_seen,
}
_RELATIVE = re.compile(r"([+-])(\d+)([mhdw])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def _age_check(ctx: Ctx, when: Callable[[Issue], float], value: str) -> Callable[[Issue], bool]:
    # Sentry's relative form: -24h is "within the last 24 hours", +24h "longer ago".
    match = _RELATIVE.fullmatch(value)
    if match is None:
        raise ApiError(400, {"detail": f"Invalid date: {value}"})
    sign, amount, unit = match.groups()
    cutoff = ctx.now - int(amount) * _UNIT_SECONDS[unit]
    if sign == "-":
        return lambda issue: when(issue) >= cutoff
    return lambda issue: when(issue) < cutoff


def _has_check(value: str) -> Callable[[Issue], bool]:
    if value == "assigned":
        return lambda i: i.assigned_to is not None
    if value == "release":
        return lambda i: any(e.release for e in i.events)
    if value in ("user", "environment"):
        return lambda i: bool(i.events)
    return lambda i: any(value in e.tags for e in i.events)


def _substatus(*names: str) -> Callable[[Issue], bool]:
    return lambda i: i.substatus in names


def _is_check(value: str) -> Callable[[Issue], bool]:
    checks: dict[str, Callable[[Issue], bool]] = {
        "unresolved": lambda i: i.status == "unresolved",
        "resolved": lambda i: i.status == "resolved",
        "ignored": lambda i: i.status == "ignored",
        "archived": lambda i: i.status == "ignored",
        "muted": lambda i: i.status == "ignored",
        "reprocessing": lambda i: False,
        "ongoing": _substatus("ongoing"),
        "escalating": _substatus("escalating"),
        "regressed": _substatus("regressed"),
        "new": _substatus("new"),
        "archived_until_escalating": _substatus("archived_until_escalating"),
        "archived_until_condition_met": _substatus("archived_until_condition_met"),
        "archived_forever": _substatus("archived_forever"),
        "assigned": lambda i: i.assigned_to is not None,
        "unassigned": lambda i: i.assigned_to is None,
        "for_review": lambda i: i.status == "unresolved" and not i.has_seen,
        "linked": lambda i: False,
        "unlinked": lambda i: True,
        "bookmarked": lambda i: i.is_bookmarked,
        "unseen": lambda i: not i.has_seen,
    }
    check = checks.get(value)
    if check is None:
        raise ApiError(400, {"detail": f"Invalid value for 'is' filter: {value}"})
    return check


def _filtered(ctx: Ctx) -> list[Issue]:
    issues = search(ctx, ctx.query.get("query", "is:unresolved"))
    projects = ctx.query.getall("project", [])
    if not all(p.lstrip("-").isdigit() for p in projects):
        raise ApiError(400, {"detail": "Invalid project parameter. Values must be numbers."})
    if projects and "-1" not in projects:
        wanted = set(projects)
        issues = [i for i in issues if str(i.project.id) in wanted]
    environments = set(ctx.query.getall("environment", []))
    if environments:
        issues = [i for i in issues if any(e.environment in environments for e in i.events)]
    sort = ctx.query.get("sort", "date")
    key = _SORTS.get(sort)
    if key is None:
        raise ApiError(400, {"detail": f"Unsupported sort: {sort}"})
    return sorted(issues, key=lambda i: (-key(i), int(i.id)))


async def list_issues(ctx: Ctx) -> Reply:
    issues = _filtered(ctx)
    # Sentry's issue list pages with `limit`, 25 by default.
    page = row_page(ctx, len(issues), limit=per_page(ctx, "limit", 25))
    body = [issue_json(ctx.org, i, ctx.base_url) for i in issues[page.start : page.stop]]
    headers = {"Link": link_header(ctx, page), "X-Hits": str(len(issues)), "X-Max-Hits": "1000"}
    return json_reply(body, headers=headers)


def _issue(ctx: Ctx) -> Issue:
    issue = ctx.org.issues.get(ctx.params["issue_id"])
    if issue is None:
        raise not_found()
    return issue


async def get_issue(ctx: Ctx) -> Reply:
    return json_reply(issue_json(ctx.org, _issue(ctx), ctx.base_url))


def _resolve_actor(ctx: Ctx, value: str, *, strict: bool = True) -> str | None:
    kind, _, ident = value.partition(":")
    org = ctx.org
    if kind == "team" and any(t.id == ident for t in org.teams.values()):
        return value
    if value.startswith("#") and value[1:] in org.teams:
        return f"team:{org.teams[value[1:]].id}"
    for member in org.members.values():
        if member.user_id is None:
            continue
        # Sentry's Actor.from_identifier reads bare digits as a user id.
        if value in (f"user:{member.user_id}", member.user_id, member.username) or (
            value.casefold() == member.email.casefold()
        ):  # Sentry looks a user up by email ignoring case
            return f"user:{member.user_id}"
    if strict:
        raise field_error("assignedTo", "Unknown actor input")
    return None


def _apply(ctx: Ctx, body: dict[str, Any], issues: Iterable[Issue]) -> dict[str, Any]:
    """Validate the update body, apply it to ``issues`` and return what changed."""
    changes: dict[str, Any] = {}
    status = body.get("status")
    details = body.get("statusDetails")
    if status is not None and status not in _STATUSES:
        raise field_error("status", f'"{status}" is not a valid choice.')
    if details is not None and not isinstance(details, dict):
        raise field_error("statusDetails", "Invalid data.")
    details = _checked_details(ctx, details or {})
    actor: str | None = None
    assign = "assignedTo" in body
    if assign and body["assignedTo"] is not None:
        given = body["assignedTo"]
        if isinstance(given, int) and not isinstance(given, bool):
            given = str(given)  # a bare user id, as Sentry's ActorField accepts
        if not isinstance(given, str):
            raise field_error("assignedTo", "Unknown actor input")
        actor = _resolve_actor(ctx, given)
    flags = {
        name: boolean(body, name)
        for name in ("hasSeen", "isBookmarked", "isSubscribed", "isPublic")
    }
    items = list(issues)
    for issue in items:
        if status is not None:
            _set_status(ctx, issue, status, details)
        if assign:
            issue.assigned_to = actor
        for name, value in flags.items():
            if value is not None:
                setattr(issue, _ATTRS[name], value)
    if status is not None:
        changes["status"] = items[0].status if items else status
        changes["statusDetails"] = items[0].status_details if items else {}
        changes["substatus"] = items[0].substatus if items else None
    if assign:
        changes["assignedTo"] = actor_json(ctx.org, actor)
    changes.update({name: value for name, value in flags.items() if value is not None})
    return changes


_ATTRS = {
    "hasSeen": "has_seen",
    "isBookmarked": "is_bookmarked",
    "isSubscribed": "is_subscribed",
    "isPublic": "is_public",
}


def _checked_details(ctx: Ctx, details: dict[str, Any]) -> dict[str, Any]:
    """Sentry's statusDetails validation, as far as the fake models it."""
    version = details.get("inRelease")
    if version is not None:
        if version == "latest" and ctx.org.releases:
            details = {
                **details,
                "inRelease": max(ctx.org.releases.values(), key=lambda r: r.date_created).version,
            }
        elif version not in ctx.org.releases:
            raise ApiError(
                400,
                {
                    "statusDetails": {
                        "inRelease": ["Unable to find a release with the given version."]
                    }
                },
            )
    duration = details.get("ignoreDuration")
    bad = isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    if duration is not None and bad:
        raise ApiError(400, {"statusDetails": {"ignoreDuration": ["A valid integer is required."]}})
    return details


def _set_status(ctx: Ctx, issue: Issue, status: str, details: dict[str, Any]) -> None:
    if status == "resolvedInNextRelease" or (status == "resolved" and details.get("inNextRelease")):
        issue.status, issue.substatus = "resolved", None
        issue.status_details = {"inNextRelease": True}
    elif status == "resolved":
        issue.status, issue.substatus = "resolved", None
        issue.status_details = {k: v for k, v in details.items() if k in ("inRelease", "inCommit")}
    elif status in ("ignored", "muted"):
        kept = {k: v for k, v in details.items() if k.startswith("ignore")}
        duration = kept.pop("ignoreDuration", None)
        if duration:
            # Sentry turns a duration (minutes) into the moment the issue comes back.
            kept["ignoreUntil"] = iso(ctx.now + duration * 60)
        issue.status = "ignored"
        issue.substatus = "archived_until_condition_met" if kept else "archived_until_escalating"
        issue.status_details = kept
    else:
        issue.status, issue.substatus, issue.status_details = "unresolved", "ongoing", {}


async def update_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    _apply(ctx, await ctx.body(), [issue])
    return json_reply(issue_json(ctx.org, issue, ctx.base_url))


async def delete_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    del ctx.org.issues[issue.id]
    ctx.deleted["issue"] += 1
    return Reply(202, b"", None)


def _bulk_targets(ctx: Ctx, *, fall_back: bool) -> list[Issue]:
    ids = ctx.query.getall("id", [])
    if len(ids) > BULK_LIMIT:
        raise ApiError(400, {"detail": f"Too many issues: at most {BULK_LIMIT} ids"})
    if not all(i.isdigit() for i in ids):
        raise ApiError(400, {"detail": "Group ids must be integers"})
    found = [ctx.org.issues[i] for i in ids if i in ctx.org.issues]
    if found or (ids and not fall_back):
        return found
    # As Sentry: without id= (and, for updates, when no given id matched) the change
    # applies to up to 1000 issues the search matches (default is:unresolved).
    return _filtered(ctx)[:BULK_LIMIT]


async def bulk_update(ctx: Ctx) -> Reply:
    body = await ctx.body()
    targets = _bulk_targets(ctx, fall_back=True)
    if not targets:
        return no_content()
    ctx.created["bulk_update"] += 1
    return json_reply(_apply(ctx, body, targets))


async def bulk_delete(ctx: Ctx) -> Reply:
    for issue in _bulk_targets(ctx, fall_back=False):
        del ctx.org.issues[issue.id]
        ctx.deleted["issue"] += 1
    return no_content()


def _full(ctx: Ctx) -> bool:
    # The project events list takes any non-empty value, even "false", as true.
    return bool(ctx.query.get("full"))


def _issue_full(ctx: Ctx) -> bool:
    return ctx.query.get("full") in ("1", "true")  # the issue events list reads only these


def _events_matching(ctx: Ctx, pairs: list[tuple[Issue, IssueEvent]]) -> list[Any]:
    query = (ctx.query.get("query") or "").casefold()
    envs = set(ctx.query.getall("environment", []))
    return [
        (issue, event)
        for issue, event in pairs
        if (not envs or event.environment in envs)
        and (not query or query in event.message.casefold() or query in event.id)
    ]


async def list_issue_events(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    full = _issue_full(ctx)
    pairs = _events_matching(ctx, [(issue, e) for e in issue.events])
    return paged_reply(ctx, pairs, lambda p: event_json(p[0], p[1], full=full))


async def get_issue_event(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    wanted = ctx.params["event_id"]
    if not issue.events:
        raise not_found()
    if wanted in ("latest", "recommended"):
        event = issue.events[0]
    elif wanted == "oldest":
        event = issue.events[-1]
    else:
        found = [e for e in issue.events if e.id == wanted.lower()]
        if not found:
            raise not_found()
        event = found[0]
    return json_reply(event_json(issue, event, full=True))


async def list_issue_tag_values(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    key = ctx.params["key"]
    counts: Counter[str] = Counter()
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for event in issue.events:
        value = event.tags.get(key)
        if value is None:
            continue
        counts[value] += 1
        first[value] = min(first.get(value, event.date), event.date)
        last[value] = max(last.get(value, event.date), event.date)
    if not counts:
        raise ApiError(404, {"detail": "The requested resource does not exist"})
    values = [
        {
            "key": key,
            "name": value,
            "value": value,
            "count": n,
            "firstSeen": iso(first[value]),
            "lastSeen": iso(last[value]),
        }
        for value, n in counts.most_common()
    ]
    return paged_reply(ctx, values, lambda v: v)


def _project_pairs(ctx: Ctx) -> list[tuple[Issue, IssueEvent]]:
    project = project_of(ctx)
    pairs = [
        (issue, event)
        for issue in ctx.org.issues.values()
        if issue.project is project
        for event in issue.events
    ]
    pairs.sort(key=lambda p: -p[1].date)
    return pairs


async def list_project_events(ctx: Ctx) -> Reply:
    full = _full(ctx)
    pairs = _events_matching(ctx, _project_pairs(ctx))
    return paged_reply(ctx, pairs, lambda p: event_json(p[0], p[1], full=full))


async def get_project_event(ctx: Ctx) -> Reply:
    wanted = ctx.params["event_id"].lower()
    for issue, event in _project_pairs(ctx):
        if event.id == wanted:
            return json_reply(event_json(issue, event, full=True))
    raise not_found()


_ISSUE = "/organizations/{org}/issues/{issue_id}/"
ROUTES = [
    Route("GET", "/organizations/{org}/issues/", list_issues),
    Route("PUT", "/organizations/{org}/issues/", bulk_update),
    Route("DELETE", "/organizations/{org}/issues/", bulk_delete),
    Route("GET", _ISSUE, get_issue),
    Route("PUT", _ISSUE, update_issue),
    Route("DELETE", _ISSUE, delete_issue),
    Route("GET", _ISSUE + "events/", list_issue_events),
    Route("GET", _ISSUE + "events/{event_id}/", get_issue_event),
    Route("GET", _ISSUE + "tags/{key}/values/", list_issue_tag_values),
    Route("GET", "/projects/{org}/{project}/events/", list_project_events),
    Route("GET", "/projects/{org}/{project}/events/{event_id}/", get_project_event),
]
