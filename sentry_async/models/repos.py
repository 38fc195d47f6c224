"""Repositories connected to an organization, and their commits."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["Commit", "CommitAuthor", "Repository", "RepositoryProvider"]


@attrs.frozen(kw_only=True)
class RepositoryProvider:
    """The code host integration, e.g. id ``integrations:github``, name ``GitHub``."""

    id: str
    name: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Repository:
    """A repository known to the organization."""

    id: str
    name: str | None = None
    url: str | None = None
    provider: RepositoryProvider | None = None
    #: ``active``, ``disabled``, ``hidden``, ``pending_deletion``... (plain ``str``).
    status: str | None = None
    date_created: datetime | None = None
    integration_id: str | None = None
    external_slug: str | None = None
    external_id: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class CommitAuthor:
    """Who wrote a commit, as the code host reported it."""

    name: str | None = None
    email: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Commit:
    """A commit of a repository; ``id`` is the full SHA."""

    id: str
    message: str | None = None
    date_created: datetime | None = None
    author: CommitAuthor | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
