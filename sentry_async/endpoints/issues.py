"""``sentry.issues``: search, read, update, assign, resolve and delete issues; their events."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeAlias

from ..models import Event, Group, IssueChanges, TagValue
from ..models._outgoing import to_wire
from ..pagination import Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint
from ._params import iso, project_ids, repeated

__all__ = ["BULK_CHUNK", "IssueStatus", "Issues"]

#: The ``status`` values Sentry's issue update accepts (``STATUS_UPDATE_CHOICES`` in
#: ``sentry/models/group.py``; ``muted`` is its old name for ``ignored``). Typed strictly so a
#: typo fails the type check; at run time any str is sent as given and Sentry answers 400.
IssueStatus: TypeAlias = Literal[
    "resolved", "unresolved", "ignored", "resolvedInNextRelease", "muted"
]

#: Issue ids per bulk request. Sentry accepts up to 1000 ``id=`` parameters, but a request
#: line that long exceeds the 8 KiB limit of common proxies and load balancers.
BULK_CHUNK = 100

_ISSUES = "/organizations/{org}/issues/"
_ISSUE = "/organizations/{org}/issues/{issue_id}/"


def _ids(ids: Iterable[str | int]) -> builtins.list[str]:
    if isinstance(ids, (str, bytes)):
        raise TypeError("ids must be a sequence of issue ids, not one string")
    out = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TypeError(f"issue ids must be str or int, not {type(value).__name__}")
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            # Sentry reads id= with int(); anything else would fail there, not here.
            raise ValueError(f"issue ids are numeric, got {text!r}")
        out.append(text)
    return builtins.list(dict.fromkeys(out))  # a repeated id would only lengthen the URL


def _changes(
    status: IssueStatus | Unset,
    status_details: Mapping[str, Any] | Unset,
    assigned_to: str | Unset | None,
    has_seen: bool | Unset,
    is_bookmarked: bool | Unset,
    is_subscribed: bool | Unset,
    is_public: bool | Unset,
) -> dict[str, Any]:
    body = to_wire(
        {
            "status": status,
            "status_details": (
                status_details if isinstance(status_details, Unset) else dict(status_details)
            ),
            "assigned_to": assigned_to,
            "has_seen": has_seen,
            "is_bookmarked": is_bookmarked,
            "is_subscribed": is_subscribed,
            "is_public": is_public,
        }
    )
    if not body:
        raise ValueError("nothing to change: give at least one field")
    return body


class Issues(Endpoint):
    """Issue calls (``/organizations/{org}/issues/...``). Sentry calls issues groups; the
    model is :class:`~sentry_async.models.Group`."""

    __slots__ = ()

    def list(
        self,
        org: str,
        *,
        query: str | None = "is:unresolved",
        project: str | int | Sequence[str | int] = (),
        environment: str | Sequence[str] = (),
        stats_period: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        sort: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Group]:
        """Search the organization's issues (``GET /organizations/{org}/issues/``).

        ``query`` uses Sentry's search syntax (``is:unresolved assigned:me level:error``;
        ``""`` for every issue). ``project`` holds numeric project ids (``-1``: all; a slug
        raises ValueError before any request), ``environment`` environment names; both
        repeat. ``stats_period`` (``"14d"``) or
        ``start``/``end`` (aware datetimes) bound when issues were seen. ``sort`` is
        ``date``, ``new``, ``freq``, ``user``... This list pages with ``limit`` (sent from
        ``per_page``, at most 100) and reports the total in ``X-Hits``: see
        :attr:`~sentry_async.pagination.Page.hits`.
        """
        if stats_period is not None and (start is not None or end is not None):
            raise ValueError("give either stats_period or start/end, not both")
        if (start is None) != (end is None):
            raise ValueError("start and end go together")
        params = {
            "query": query,
            "project": project_ids(project),
            "environment": repeated(environment, "environment"),
            "statsPeriod": stats_period,
            "start": iso(start, "start"),
            "end": iso(end, "end"),
            "sort": sort,
        }
        route = Route.build("GET", _ISSUES, org=org)
        return self._paginate(
            route,
            Group,
            params=params,
            cursor=cursor,
            per_page=per_page,
            page_size_param="limit",
        )

    async def get(self, org: str, issue_id: str | int) -> Group:
        """One issue by its numeric id (``GET /organizations/{org}/issues/{issue_id}/``);
        ``NotFound`` for an unknown id."""
        return await self._fetch(Route.build("GET", _ISSUE, org=org, issue_id=issue_id), Group)

    async def update(
        self,
        org: str,
        issue_id: str | int,
        *,
        status: IssueStatus | Unset = UNSET,
        status_details: Mapping[str, Any] | Unset = UNSET,
        assigned_to: str | Unset | None = UNSET,
        has_seen: bool | Unset = UNSET,
        is_bookmarked: bool | Unset = UNSET,
        is_subscribed: bool | Unset = UNSET,
        is_public: bool | Unset = UNSET,
    ) -> Group:
        """Change an issue and return it as it now is; only the arguments given are sent.

        ``status`` is ``resolved``, ``unresolved``, ``ignored`` or ``resolvedInNextRelease``;
        ``status_details`` is sent as given (e.g. ``{"inRelease": "1.2.0"}`` or
        ``{"ignoreDuration": 30}``); ``assigned_to`` is ``"user:<id>"``, ``"team:<id>"``, a
        username, an email or a bare user id, and None unassigns. A PUT that Sentry
        applies idempotently, so it is retried like any PUT
        (``PUT /organizations/{org}/issues/{issue_id}/``). No field given: ValueError;
        ``BadRequest`` for a value Sentry refuses (unknown assignee or release...),
        ``NotFound`` for an unknown issue.
        """
        body = _changes(
            status, status_details, assigned_to, has_seen, is_bookmarked, is_subscribed, is_public
        )
        route = Route.build("PUT", _ISSUE, org=org, issue_id=issue_id)
        return await self._fetch(route, Group, json=body)

    async def bulk_update(
        self,
        org: str,
        *,
        ids: Iterable[str | int],
        status: IssueStatus | Unset = UNSET,
        status_details: Mapping[str, Any] | Unset = UNSET,
        assigned_to: str | Unset | None = UNSET,
        has_seen: bool | Unset = UNSET,
        is_bookmarked: bool | Unset = UNSET,
        is_subscribed: bool | Unset = UNSET,
        is_public: bool | Unset = UNSET,
    ) -> IssueChanges | None:
        """Apply the same change to many issues (``PUT /organizations/{org}/issues/?id=...``).

        ``ids`` (numeric issue ids; one string raises TypeError at run time, as no
        static type can exclude ``str`` from an iterable of ``str``) are sent
        :data:`BULK_CHUNK` at a time, one request per chunk, in order. Fields as for
        :meth:`update`.

        Guarded so only the given ids can change: when none of a request's ``id=`` values
        match, Sentry falls back to its search (default ``is:unresolved``) and changes up to
        1000 matching issues (``get_group_ids_and_group_list`` in
        ``sentry/api/helpers/group_index/update.py``). Each request therefore also carries
        ``query=issue.id:[<the chunk's ids>]``, so that fallback search can only find the
        same ids, and ``project=-1`` (every project the token can reach; without it Sentry
        looks only in the projects of the user's teams, and an id elsewhere would trigger the
        fallback). An empty ``ids`` sends nothing.

        Returns the :class:`~sentry_async.models.IssueChanges` of the last chunk Sentry
        answered with a body; chunks answered 204 (none of their ids matched) are skipped,
        so None means no id matched (or ``ids`` was empty). A failure part-way leaves the
        earlier chunks applied. Raises :class:`~sentry_async.errors.SentryError` subclasses
        as every call (400 for an invalid change, 403/404...).
        """
        body = _changes(
            status, status_details, assigned_to, has_seen, is_bookmarked, is_subscribed, is_public
        )
        route = Route.build("PUT", _ISSUES, org=org)
        result: IssueChanges | None = None
        for chunk in _chunks(_ids(ids)):
            answer = await self._pipeline.send(route, params=_guarded(chunk), json=body)
            if answer.payload is not None:
                result = self._decode(answer, IssueChanges)
        return result

    async def bulk_delete(self, org: str, *, ids: Iterable[str | int]) -> None:
        """Delete many issues (``DELETE /organizations/{org}/issues/?id=...``), sent
        :data:`BULK_CHUNK` ids at a time, each request guarded as :meth:`bulk_update`'s
        (``query=issue.id:[...]``, ``project=-1``; Sentry's delete does not fall back to
        its search when ``id=`` is present, but the guard costs nothing). An empty ``ids``
        sends nothing. Ids that match nothing are ignored (Sentry answers 204 either way).
        Raises ``SentryError`` subclasses (403 without ``event:admin``...)."""
        route = Route.build("DELETE", _ISSUES, org=org)
        for chunk in _chunks(_ids(ids)):
            await self._pipeline.send(route, params=_guarded(chunk))

    async def delete(self, org: str, issue_id: str | int) -> None:
        """Schedule an issue for deletion (``DELETE /organizations/{org}/issues/{issue_id}/``;
        Sentry answers 202 and removes it in the background). Returns None; raises
        :class:`~sentry_async.errors.NotFound` for an unknown id, other ``SentryError``
        subclasses as every call."""
        await self._send(Route.build("DELETE", _ISSUE, org=org, issue_id=issue_id))

    def list_events(
        self,
        org: str,
        issue_id: str | int,
        *,
        full: bool = False,
        environment: str | Sequence[str] = (),
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Event]:
        """The issue's events, newest first
        (``GET /organizations/{org}/issues/{issue_id}/events/``).

        ``full=True`` asks for the whole event (entries, contexts...) and is sent as
        ``full=1``; otherwise ``full`` is left out. Returns a ``Paginator[Event]``;
        ``NotFound`` for an unknown issue.
        """
        route = Route.build(
            "GET", "/organizations/{org}/issues/{issue_id}/events/", org=org, issue_id=issue_id
        )
        params = {
            "full": True if full else None,
            "environment": repeated(environment, "environment"),
            "query": query,
        }
        return self._paginate(route, Event, params=params, cursor=cursor, per_page=per_page)

    async def get_event(self, org: str, issue_id: str | int, event_id: str = "latest") -> Event:
        """One event of the issue: ``"latest"``, ``"oldest"``, ``"recommended"`` or an event
        id (``GET /organizations/{org}/issues/{issue_id}/events/{event_id}/``), with
        entries and contexts; ``NotFound`` for an unknown issue or event."""
        route = Route.build(
            "GET",
            "/organizations/{org}/issues/{issue_id}/events/{event_id}/",
            org=org,
            issue_id=issue_id,
            event_id=event_id,
        )
        return await self._fetch(route, Event)

    def list_tag_values(
        self,
        org: str,
        issue_id: str | int,
        key: str,
        *,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[TagValue]:
        """Values of tag ``key`` on the issue's events, most frequent first
        (``GET /organizations/{org}/issues/{issue_id}/tags/{key}/values/``): a
        ``Paginator[TagValue]``; ``NotFound`` for an unknown issue or a key never seen.
        For ``key="user"`` Sentry may send ``id: null`` and no ``name``."""
        route = Route.build(
            "GET",
            "/organizations/{org}/issues/{issue_id}/tags/{key}/values/",
            org=org,
            issue_id=issue_id,
            key=key,
        )
        return self._paginate(route, TagValue, cursor=cursor, per_page=per_page)


def _guarded(chunk: builtins.list[str]) -> dict[str, Any]:
    # _ids has checked every id is digits, so the query cannot be widened by an id.
    return {"id": chunk, "query": f"issue.id:[{','.join(chunk)}]", "project": "-1"}


def _chunks(ids: builtins.list[str]) -> Iterable[builtins.list[str]]:
    for start in range(0, len(ids), BULK_CHUNK):
        yield ids[start : start + BULK_CHUNK]
