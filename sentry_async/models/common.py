"""Small shapes shared by several resource families."""

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Avatar"]


@attrs.frozen(kw_only=True)
class Avatar:
    """An avatar of an organization, team, project or user."""

    #: ``letter_avatar``, ``upload`` or ``gravatar`` (plain ``str``: Sentry adds kinds).
    avatar_type: str | None = None
    avatar_uuid: str | None = None
    avatar_url: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
