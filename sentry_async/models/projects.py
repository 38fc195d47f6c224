"""Projects and what hangs off them: teams, users, tag values and stats points."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._codegen import _to_int
from ._time import parse_datetime
from .common import Avatar

if TYPE_CHECKING:
    from .organizations import Organization

__all__ = [
    "Project",
    "ProjectTeam",
    "ProjectUser",
    "StatPoint",
    "TagValue",
    "decode_stat_points",
]


@attrs.frozen(kw_only=True)
class ProjectTeam:
    """The short team reference embedded in projects."""

    id: str
    slug: str
    name: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Project:
    """A project, from the organization list or the project details endpoint.

    List items omit ``status``, ``organization``, ``options`` and friends; those are None.
    Only ``id`` and ``slug`` are required; everything else is None when absent, null or not
    convertible, and everything Sentry sends stays reachable in ``raw``.
    """

    id: str
    slug: str
    name: str | None = None
    date_created: datetime | None = None
    #: Platform identifier such as ``python``. Sentry sends ``""`` for projects created without
    #: one; that is decoded as None, so "no platform" has a single spelling.
    platform: str | None = None
    platforms: list[str] | None = None
    #: None until the project receives its first event.
    first_event: datetime | None = None
    first_transaction_event: bool | None = None
    #: ``active``, ``pending_deletion``... (details only; plain ``str``: Sentry adds values).
    status: str | None = None
    is_bookmarked: bool | None = None
    is_member: bool | None = None
    has_access: bool | None = None
    is_public: bool | None = None
    is_internal: bool | None = None
    color: str | None = None
    features: list[str] | None = None
    access: list[str] | None = None
    environments: list[str] | None = None
    #: The owning team; None for projects without one.
    team: ProjectTeam | None = None
    teams: list[ProjectTeam] | None = None
    avatar: Avatar | None = None
    #: Raw ``sentry:*``, ``filters:*``... project options (details only).
    options: Mapping[str, Any] | None = None
    #: Summary of the owning organization (details only; None in list items). Decoded once,
    #: with the project; if it cannot be decoded it is None and stays in ``raw``.
    organization: "Organization | None" = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ProjectUser:
    """A user seen by a project's SDK events (not a Sentry account).

    Nothing is required: Sentry sends ``"id": null`` (or ``"None"``) for users known only
    from event data, and some rows carry only ``username`` or ``email``.
    """

    id: str | None = None
    #: ``email:...``, ``id:...``, ``username:...`` or ``ip:...``: how the user is tagged.
    tag_value: str | None = None
    identifier: str | None = None
    username: str | None = None
    email: str | None = None
    name: str | None = None
    ip_address: str | None = None
    avatar_url: str | None = None
    hash: str | None = None
    #: Often null: Sentry does not always know when the user was first seen.
    date_created: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class TagValue:
    """One value of a tag key, with how often and when it was seen (``name`` may be absent
    when Sentry sends only ``key`` and ``value``)."""

    name: str | None = None
    key: str | None = None
    value: str | None = None
    count: int | None = None
    last_seen: datetime | None = None
    first_seen: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class StatPoint:
    """One bucket of project stats v1: events counted from ``timestamp`` on.

    The wire sends a bare ``[epoch_seconds, count]`` pair, so ``raw`` stays empty. ``count``
    is None when Sentry sent null or something that is not a count: "unknown", not zero
    (Sentry sends 0 for an empty bucket).
    """

    timestamp: datetime
    count: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def from_pair(cls, value: Any) -> "StatPoint":
        """Decode one ``[epoch_seconds, count]`` pair; the count may be quoted (``"7"``).

        Raises TypeError/ValueError when ``value`` is not a pair or the timestamp is not
        one; never over the count.
        """
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise TypeError(f"expected a [timestamp, count] pair, got {type(value).__name__}")
        if len(value) != 2:
            raise ValueError(f"expected a [timestamp, count] pair, got {len(value)} items")
        ts, count = value
        if count.__class__ is not int:
            try:
                count = None if count is None else _to_int(count)
            except (TypeError, ValueError):
                count = None
        return cls(timestamp=parse_datetime(ts), count=count)


def decode_stat_points(data: Iterable[Any]) -> list[StatPoint]:
    """Decode a project stats v1 body (``[[epoch_seconds, count], ...]``).

    A point that is not a pair or has no readable timestamp is left out (one bad point
    never fails the call); a bad count gives ``count=None``. Raises TypeError when the body
    is not a list.
    """
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable):
        raise TypeError(f"expected a list of [timestamp, count] pairs, got {type(data).__name__}")
    points: list[StatPoint] = []
    for item in data:
        try:
            points.append(StatPoint.from_pair(item))
        except (TypeError, ValueError):
            continue
    return points
