"""``sentry.releases``: releases, their deploys and commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..models import Commit, Deploy, Release
from ..models._outgoing import to_wire
from ..pagination import Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint
from ._params import iso, project_ids

__all__ = ["Releases"]

_RELEASES = "/organizations/{org}/releases/"
_RELEASE = "/organizations/{org}/releases/{version}/"
_DEPLOYS = "/organizations/{org}/releases/{version}/deploys/"


#: Characters Sentry refuses in a version (``Release.is_valid_version``); it also refuses
#: ``.``, ``..``, ``latest`` and versions longer than 200 characters.
_BAD_VERSION_CHARS = frozenset("\r\n\f\t/\\")
_MAX_VERSION = 200


def _version(version: str) -> str:
    """A version some release can have; anything else raises ValueError before a request."""
    if not isinstance(version, str):
        raise TypeError(f"version must be a str, not {type(version).__name__}")
    if not version.strip() or version in (".", ".."):
        raise ValueError(f"{version!r} is not a release version")
    if "/" in version:
        raise ValueError(f"release versions cannot contain '/': {version!r}")
    return version


def _new_version(version: str) -> str:
    _version(version)
    bad = sorted(_BAD_VERSION_CHARS & set(version))
    if bad or version.lower() == "latest" or len(version) > _MAX_VERSION:
        raise ValueError(
            f"Sentry refuses the version {version!r}: no '/', '\\' or line breaks, "
            f"not 'latest', at most {_MAX_VERSION} characters"
        )
    return version


def _slugs(projects: Sequence[str], name: str) -> list[str]:
    if isinstance(projects, str):
        raise TypeError(f"{name} must be a sequence of project slugs, not one string")
    return list(projects)


def _objects(value: Sequence[Mapping[str, Any]] | Unset | None, name: str) -> Any:
    if value is None or isinstance(value, Unset):
        return value
    if isinstance(value, (str, Mapping)):
        raise TypeError(f"{name} must be a sequence of objects")
    return [dict(item) for item in value]


def _when(value: datetime | Unset | None, name: str) -> str | Unset | None:
    return value if isinstance(value, Unset) else iso(value, name)


class Releases(Endpoint):
    """Release calls (``/organizations/{org}/releases/...``)."""

    __slots__ = ()

    def list(
        self,
        org: str,
        *,
        query: str | None = None,
        project: str | int | Sequence[str | int] = (),
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[Release]:
        """The organization's releases, newest first
        (``GET /organizations/{org}/releases/``): a ``Paginator[Release]``.

        ``query`` keeps versions containing it, ignoring case (Sentry's
        ``version__icontains``, not a prefix match); ``project`` holds numeric project ids
        (repeated; a slug raises ValueError before any request).
        """
        route = Route.build("GET", _RELEASES, org=org)
        params = {"query": query, "project": project_ids(project)}
        return self._paginate(route, Release, params=params, cursor=cursor, per_page=per_page)

    async def get(self, org: str, version: str) -> Release:
        """One release by version (``GET /organizations/{org}/releases/{version}/``), sent as
        one encoded path segment. Raises ValueError for a version no release can have
        (empty, ``.``, ``..``, containing ``/``) and :class:`~sentry_async.errors.NotFound`
        for an unknown one."""
        route = Route.build("GET", _RELEASE, org=org, version=_version(version))
        return await self._fetch(route, Release)

    async def create(
        self,
        org: str,
        *,
        version: str,
        projects: Sequence[str],
        ref: str | None = None,
        url: str | None = None,
        date_released: datetime | None = None,
        commits: Sequence[Mapping[str, Any]] | None = None,
        refs: Sequence[Mapping[str, Any]] | None = None,
    ) -> Release:
        """Create a release for ``projects`` (slugs) and return it
        (``POST /organizations/{org}/releases/``).

        Sentry answers 201 for a new release and 208 when ``version`` already exists (the
        projects are then added to it): both return the release. ``commits`` are
        ``{"id", "repository", "message"...}`` objects and ``refs`` are ``{"repository",
        "commit", "previousCommit"}`` objects, sent as given. A POST: never re-sent after
        an unclear failure; call :meth:`get` to see whether it exists.

        Raises ValueError before any request for a version Sentry refuses (empty, ``.``,
        ``..``, ``latest``, containing ``/``, ``\\`` or a line break, over 200
        characters) or no projects; TypeError for ``projects`` given as one string (a
        ``str`` is a ``Sequence[str]`` to the type checker, so this is checked at run time);
        :class:`~sentry_async.errors.BadRequest` for an unknown project slug.
        """
        _new_version(version)
        slugs = _slugs(projects, "projects")
        if not slugs:
            raise ValueError("a release needs at least one project")
        body = to_wire(
            {
                "version": version,
                "projects": slugs,
                "ref": UNSET if ref is None else ref,
                "url": UNSET if url is None else url,
                "date_released": UNSET if date_released is None else iso(date_released, "d"),
                "commits": UNSET if commits is None else _objects(commits, "commits"),
                "refs": UNSET if refs is None else _objects(refs, "refs"),
            }
        )
        route = Route.build("POST", _RELEASES, org=org)
        return await self._fetch(route, Release, json=body)

    async def update(
        self,
        org: str,
        version: str,
        *,
        ref: str | Unset | None = UNSET,
        url: str | Unset | None = UNSET,
        date_released: datetime | Unset | None = UNSET,
        commits: Sequence[Mapping[str, Any]] | Unset = UNSET,
        refs: Sequence[Mapping[str, Any]] | Unset = UNSET,
    ) -> Release:
        """Change a release and return it (``PUT /organizations/{org}/releases/{version}/``);
        only the arguments given are sent (None clears a field). Raises ValueError for an
        impossible version, :class:`~sentry_async.errors.NotFound` for an unknown one."""
        body = to_wire(
            {
                "ref": ref,
                "url": url,
                "date_released": _when(date_released, "date_released"),
                "commits": _objects(commits, "commits"),
                "refs": _objects(refs, "refs"),
            }
        )
        route = Route.build("PUT", _RELEASE, org=org, version=_version(version))
        return await self._fetch(route, Release, json=body)

    async def delete(self, org: str, version: str) -> None:
        """Delete a release (``DELETE /organizations/{org}/releases/{version}/``; Sentry
        answers 204). Returns None; raises :class:`~sentry_async.errors.BadRequest` when
        the release has health data or events, ``NotFound`` for an unknown version,
        ValueError for an impossible one."""
        route = Route.build("DELETE", _RELEASE, org=org, version=_version(version))
        await self._send(route)

    def list_deploys(
        self, org: str, version: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[Deploy]:
        """The release's deploys, newest first
        (``GET /organizations/{org}/releases/{version}/deploys/``): a ``Paginator[Deploy]``;
        ``NotFound`` for an unknown version."""
        route = Route.build("GET", _DEPLOYS, org=org, version=_version(version))
        return self._paginate(route, Deploy, cursor=cursor, per_page=per_page)

    async def create_deploy(
        self,
        org: str,
        version: str,
        *,
        environment: str,
        name: str | None = None,
        url: str | None = None,
        date_started: datetime | None = None,
        date_finished: datetime | None = None,
        projects: Sequence[str] | None = None,
    ) -> Deploy:
        """Record a deploy of the release to ``environment`` and return it
        (``POST /organizations/{org}/releases/{version}/deploys/``; Sentry answers 201).

        ``date_finished`` defaults to now on Sentry's side; ``projects`` (slugs) limits the
        deploy to some of the release's projects. A POST: never re-sent after an unclear
        failure; list the deploys to see whether it was recorded. Raises ValueError for
        an empty environment or impossible version, ``NotFound`` for an unknown version,
        ``BadRequest`` for a project not in the release.
        """
        if not environment.strip():
            raise ValueError("environment must not be empty")
        body = to_wire(
            {
                "environment": environment,
                "name": UNSET if name is None else name,
                "url": UNSET if url is None else url,
                "date_started": UNSET if date_started is None else iso(date_started, "d"),
                "date_finished": UNSET if date_finished is None else iso(date_finished, "d"),
                "projects": UNSET if projects is None else _slugs(projects, "projects"),
            }
        )
        route = Route.build("POST", _DEPLOYS, org=org, version=_version(version))
        return await self._fetch(route, Deploy, json=body)

    def list_commits(
        self, org: str, version: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[Commit]:
        """The commits associated with the release
        (``GET /organizations/{org}/releases/{version}/commits/``): a ``Paginator[Commit]``;
        ``NotFound`` for an unknown version."""
        route = Route.build(
            "GET",
            "/organizations/{org}/releases/{version}/commits/",
            org=org,
            version=_version(version),
        )
        return self._paginate(route, Commit, cursor=cursor, per_page=per_page)
