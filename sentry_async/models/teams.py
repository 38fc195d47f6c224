"""Teams as they appear inside detailed organizations."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .common import Avatar

__all__ = ["Team"]


@attrs.frozen(kw_only=True)
class Team:
    """A team of an organization."""

    id: str
    slug: str
    name: str
    date_created: datetime | None = None
    is_member: bool = False
    #: The caller's role in the team (``contributor``, ``admin``...), None when not a member.
    team_role: str | None = None
    has_access: bool = False
    is_pending: bool = False
    member_count: int | None = None
    #: Keys contain colons, e.g. ``idp:provisioned``.
    flags: Mapping[str, bool] = attrs.field(factory=dict)
    access: list[str] = attrs.field(factory=list)
    avatar: Avatar | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
