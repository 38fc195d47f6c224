"""Project service hooks."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._secret import secret_field

__all__ = ["ServiceHook"]


@attrs.frozen(kw_only=True)
class ServiceHook:
    """A project service hook (needs the ``servicehooks`` feature).

    ``id`` is the GUID sent as ``X-ServiceHook-GUID``; ``secret`` keys the
    ``X-ServiceHook-Signature`` HMAC of deliveries.
    """

    id: str
    url: str | None = None
    #: Readable, but left out of the repr.
    secret: str | None = secret_field()
    #: ``active`` or ``disabled`` (plain ``str``: Sentry may add states).
    status: str | None = None
    #: ``event.alert``, ``event.created``...
    events: list[str] | None = None
    date_created: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
