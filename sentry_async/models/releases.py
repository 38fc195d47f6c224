"""Releases, their deploys, and the environments deploys go to."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["Deploy", "Environment", "Release", "ReleaseProject"]


@attrs.frozen(kw_only=True)
class Environment:
    """An environment of the organization (``production``, ``staging``...)."""

    id: str
    name: str
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Deploy:
    """A deploy of a release to an environment."""

    id: str
    environment: str | None = None
    name: str | None = None
    url: str | None = None
    date_started: datetime | None = None
    date_finished: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ReleaseProject:
    """A project a release belongs to (the short form embedded in releases)."""

    #: An integer on the wire here, unlike most project ids.
    id: int | None = None
    slug: str
    name: str | None = None
    platform: str | None = None
    new_groups: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Release:
    """A release (``version`` is its identity; ``id`` is Sentry's integer row id)."""

    version: str
    id: int | None = None
    short_version: str | None = None
    status: str | None = None
    ref: str | None = None
    url: str | None = None
    date_created: datetime | None = None
    date_released: datetime | None = None
    first_event: datetime | None = None
    last_event: datetime | None = None
    new_groups: int | None = None
    commit_count: int | None = None
    deploy_count: int | None = None
    last_deploy: Deploy | None = None
    last_commit: Mapping[str, Any] | None = None
    authors: list[Mapping[str, Any]] | None = None
    projects: list[ReleaseProject] | None = None
    data: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
