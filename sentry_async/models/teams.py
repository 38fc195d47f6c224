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
    name: str | None = None
    date_created: datetime | None = None
    is_member: bool | None = None
    #: The caller's role in the team (``contributor``, ``admin``...), None when not a member.
    team_role: str | None = None
    has_access: bool | None = None
    is_pending: bool | None = None
    member_count: int | None = None
    #: Keys contain colons, e.g. ``idp:provisioned``.
    flags: Mapping[str, bool] | None = None
    access: list[str] | None = None
    avatar: Avatar | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
