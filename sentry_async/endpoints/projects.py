"""``sentry.projects``: projects, their stats, users, tag values and service hooks."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from ..decode import decode_answer
from ..models import (
    ClientKey,
    ClientKeyRateLimit,
    Event,
    Project,
    ProjectUser,
    ServiceHook,
    StatPoint,
    TagValue,
)
from ..models._outgoing import to_wire
from ..models.projects import decode_stat_points
from ..pagination import Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint

__all__ = ["Projects"]

_PROJECT = "/projects/{org}/{project}/"
_HOOKS = "/projects/{org}/{project}/hooks/"
_HOOK = "/projects/{org}/{project}/hooks/{hook_id}/"
_KEYS = "/projects/{org}/{project}/keys/"
_KEY = "/projects/{org}/{project}/keys/{key_id}/"


def _rate_limit(value: ClientKeyRateLimit | Unset | None) -> dict[str, int] | Unset | None:
    if value is None or isinstance(value, Unset):
        return value
    if value.window is None or value.count is None:
        raise ValueError("rate_limit needs both window (seconds) and count")
    return {"window": value.window, "count": value.count}


def _epoch(value: datetime | float | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime or epoch seconds")
        return int(value.timestamp())
    return int(value)


class Projects(Endpoint):
    """Project calls (``/projects/{org}/{project}/...`` and the org's project list)."""

    __slots__ = ()

    def list(
        self,
        org: str,
        *,
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Project]:
        """Every project of the organization."""
        route = Route.build("GET", "/organizations/{org}/projects/", org=org)
        return self._paginate(
            route, Project, params={"query": query}, cursor=cursor, per_page=per_page
        )

    async def create(
        self,
        org: str,
        team: str,
        *,
        name: str,
        slug: str | Unset | None = None,
        platform: str | Unset | None = None,
    ) -> Project:
        """Create a project owned by ``team`` (Sentry answers 201 with the project).

        ``slug`` and ``platform`` are sent only when given; None lets Sentry derive the slug
        from the name and leaves the platform unset. A POST: never re-sent after an unclear
        failure; a slug already taken answers Conflict.
        """
        body = to_wire(
            {
                "name": name,
                "slug": UNSET if slug is None else slug,
                "platform": UNSET if platform is None else platform,
            }
        )
        route = Route.build("POST", "/teams/{org}/{team}/projects/", org=org, team=team)
        return await self._fetch(route, Project, json=body)

    async def get(self, org: str, project: str) -> Project:
        """One project's details. A renamed slug is followed to the new one."""
        return await self._fetch(Route.build("GET", _PROJECT, org=org, project=project), Project)

    async def update(
        self,
        org: str,
        project: str,
        *,
        name: str | Unset = UNSET,
        slug: str | Unset = UNSET,
        platform: str | Unset | None = UNSET,
        is_bookmarked: bool | Unset = UNSET,
    ) -> Project:
        """Change a project; only the arguments given are sent. Renaming the slug returns the
        project under its new slug: use ``result.slug`` from then on."""
        body = to_wire(
            {"name": name, "slug": slug, "platform": platform, "is_bookmarked": is_bookmarked}
        )
        route = Route.build("PUT", _PROJECT, org=org, project=project)
        return await self._fetch(route, Project, json=body)

    async def delete(self, org: str, project: str) -> None:
        """Schedule a project for deletion."""
        await self._send(Route.build("DELETE", _PROJECT, org=org, project=project))

    async def stats(
        self,
        org: str,
        project: str,
        *,
        stat: str = "received",
        since: datetime | float | None = None,
        until: datetime | float | None = None,
        resolution: str | None = None,
    ) -> builtins.list[StatPoint]:
        """Event counts over time: ``stat`` is received, rejected, blacklisted or generated;
        ``since``/``until`` are aware datetimes or epoch seconds; ``resolution`` 10s, 1h, 1d.
        """
        params = {
            "stat": stat,
            "since": _epoch(since, "since"),
            "until": _epoch(until, "until"),
            "resolution": resolution,
        }
        route = Route.build("GET", "/projects/{org}/{project}/stats/", org=org, project=project)
        answer = await self._pipeline.send(route, params=params)
        return decode_answer(answer, decode_stat_points, "a list of [timestamp, count] points")

    def list_users(
        self,
        org: str,
        project: str,
        *,
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[ProjectUser]:
        """Users seen by the project; ``query`` like ``email:jane@example.com``."""
        route = Route.build("GET", "/projects/{org}/{project}/users/", org=org, project=project)
        return self._paginate(
            route, ProjectUser, params={"query": query}, cursor=cursor, per_page=per_page
        )

    def list_tag_values(
        self,
        org: str,
        project: str,
        key: str,
        *,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[TagValue]:
        """Values seen for tag ``key`` (Sentry returns at most 1000)."""
        route = Route.build(
            "GET", "/projects/{org}/{project}/tags/{key}/values/", org=org, project=project, key=key
        )
        return self._paginate(route, TagValue, cursor=cursor, per_page=per_page)

    def list_hooks(
        self, org: str, project: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[ServiceHook]:
        """The project's service hooks (needs the ``servicehooks`` feature)."""
        route = Route.build("GET", _HOOKS, org=org, project=project)
        return self._paginate(route, ServiceHook, cursor=cursor, per_page=per_page)

    async def create_hook(
        self, org: str, project: str, *, url: str, events: Sequence[str]
    ) -> ServiceHook:
        """Register a service hook (Sentry answers 201); keep the returned ``secret`` to verify
        deliveries. Needs a user token: Sentry answers 401 to tokens without a user."""
        if isinstance(events, str):
            raise TypeError("events must be a sequence of event names, not one string")
        body = to_wire({"url": url, "events": list(events)})
        route = Route.build("POST", _HOOKS, org=org, project=project)
        return await self._fetch(route, ServiceHook, json=body)

    async def get_hook(self, org: str, project: str, hook_id: str) -> ServiceHook:
        """One service hook."""
        route = Route.build("GET", _HOOK, org=org, project=project, hook_id=hook_id)
        return await self._fetch(route, ServiceHook)

    async def update_hook(
        self,
        org: str,
        project: str,
        hook_id: str,
        *,
        url: str | Unset = UNSET,
        events: Sequence[str] | Unset = UNSET,
        is_active: bool | Unset = UNSET,
    ) -> ServiceHook:
        """Change a hook's URL, events or state (``is_active=False`` disables it); only what
        is given is sent."""
        if isinstance(events, str):
            raise TypeError("events must be a sequence of event names, not one string")
        body = to_wire(
            {
                "url": url,
                "events": events if isinstance(events, Unset) else list(events),
                "is_active": is_active,
            }
        )
        route = Route.build("PUT", _HOOK, org=org, project=project, hook_id=hook_id)
        return await self._fetch(route, ServiceHook, json=body)

    async def delete_hook(self, org: str, project: str, hook_id: str) -> None:
        """Remove a service hook."""
        await self._send(Route.build("DELETE", _HOOK, org=org, project=project, hook_id=hook_id))

    def list_events(
        self,
        org: str,
        project: str,
        *,
        full: bool = False,
        query: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Event]:
        """The project's error events, newest first (``GET /projects/{org}/{project}/events/``).

        This endpoint reads only ``query``, ``full``, ``sample`` and ``cursor``, and takes
        any non-empty ``full`` as true: it is sent only for ``full=True`` (entries,
        contexts... in each event). Returns a ``Paginator[Event]``; ``NotFound`` for an
        unknown project.
        """
        route = Route.build("GET", "/projects/{org}/{project}/events/", org=org, project=project)
        params = {"full": True if full else None, "query": query}
        return self._paginate(route, Event, params=params, cursor=cursor, per_page=per_page)

    async def get_event(self, org: str, project: str, event_id: str) -> Event:
        """One event, with entries and contexts, by its 32-hex id
        (``GET /projects/{org}/{project}/events/{event_id}/``); ``NotFound`` if unknown."""
        route = Route.build(
            "GET",
            "/projects/{org}/{project}/events/{event_id}/",
            org=org,
            project=project,
            event_id=event_id,
        )
        return await self._fetch(route, Event)

    def list_keys(
        self,
        org: str,
        project: str,
        *,
        status: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[ClientKey]:
        """The project's client keys (DSNs) (``GET /projects/{org}/{project}/keys/``): a
        ``Paginator[ClientKey]``. ``status`` is ``active`` or ``inactive`` (anything else:
        ValueError before any request). ``NotFound`` for an unknown project."""
        if status is not None and status not in ("active", "inactive"):
            raise ValueError(f"status must be 'active' or 'inactive', not {status!r}")
        route = Route.build("GET", _KEYS, org=org, project=project)
        return self._paginate(
            route, ClientKey, params={"status": status}, cursor=cursor, per_page=per_page
        )

    async def get_key(self, org: str, project: str, key_id: str) -> ClientKey:
        """One client key by its id, the public key
        (``GET /projects/{org}/{project}/keys/{key_id}/``); ``NotFound`` if unknown."""
        route = Route.build("GET", _KEY, org=org, project=project, key_id=key_id)
        return await self._fetch(route, ClientKey)

    async def create_key(
        self,
        org: str,
        project: str,
        *,
        name: str | None = None,
        rate_limit: ClientKeyRateLimit | None = None,
    ) -> ClientKey:
        """Create a client key and return it (``POST /projects/{org}/{project}/keys/``;
        Sentry answers 201). ``rate_limit`` caps its events per window (both ``window``,
        seconds, and ``count`` are needed: ValueError otherwise). A POST: never re-sent
        after an unclear failure (:class:`~sentry_async.errors.AmbiguousWriteError`).
        ``NotFound`` for an unknown project, ``Forbidden`` without ``project:write``."""
        body = to_wire(
            {
                "name": UNSET if name is None else name,
                "rate_limit": UNSET if rate_limit is None else _rate_limit(rate_limit),
            }
        )
        route = Route.build("POST", _KEYS, org=org, project=project)
        return await self._fetch(route, ClientKey, json=body)

    async def update_key(
        self,
        org: str,
        project: str,
        key_id: str,
        *,
        name: str | Unset = UNSET,
        is_active: bool | Unset = UNSET,
        rate_limit: ClientKeyRateLimit | Unset | None = UNSET,
    ) -> ClientKey:
        """Rename, enable/disable or re-limit a key and return it
        (``PUT /projects/{org}/{project}/keys/{key_id}/``); only what is given is sent
        (``rate_limit=None`` removes the limit). ``NotFound`` for an unknown key,
        ``BadRequest`` for values Sentry refuses."""
        body = to_wire(
            {"name": name, "is_active": is_active, "rate_limit": _rate_limit(rate_limit)}
        )
        route = Route.build("PUT", _KEY, org=org, project=project, key_id=key_id)
        return await self._fetch(route, ClientKey, json=body)

    async def delete_key(self, org: str, project: str, key_id: str) -> None:
        """Delete a client key (``DELETE /projects/{org}/{project}/keys/{key_id}/``;
        Sentry answers 204): events sent with its DSN are rejected from then on. Returns
        None; ``NotFound`` for an unknown key."""
        await self._send(Route.build("DELETE", _KEY, org=org, project=project, key_id=key_id))
