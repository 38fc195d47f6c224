"""Trusted Relays seen by an organization."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["RelayUsage"]


@attrs.frozen(kw_only=True)
class RelayUsage:
    """One Relay and when it was seen."""

    relay_id: str
    version: str | None = None
    public_key: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
