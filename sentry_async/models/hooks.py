"""Project service hooks."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["ServiceHook"]


@attrs.frozen(kw_only=True)
class ServiceHook:
    """A project service hook (needs the ``servicehooks`` feature).

    ``id`` is the GUID sent as ``X-ServiceHook-GUID``; ``secret`` keys the
    ``X-ServiceHook-Signature`` HMAC of deliveries.
    """

    id: str
    url: str
    secret: str | None = None
    #: ``active`` or ``disabled`` (plain ``str``: Sentry may add states).
    status: str | None = None
    #: ``event.alert``, ``event.created``...
    events: list[str] = attrs.field(factory=list)
    date_created: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
