"""Client keys (DSNs) of projects."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._secret import secret_field

__all__ = ["ClientKey", "ClientKeyDsn", "ClientKeyRateLimit"]


@attrs.frozen(kw_only=True)
class ClientKeyDsn:
    """The DSN and per-endpoint ingest URLs of a client key."""

    public: str | None = None
    #: The DSN with the secret key in it: readable, but left out of the repr.
    secret: str | None = secret_field()
    csp: str | None = None
    security: str | None = None
    minidump: str | None = None
    nel: str | None = None
    unreal: str | None = None
    cdn: str | None = None
    crons: str | None = None
    playstation: str | None = None
    integration: str | None = None
    otlp_traces: str | None = None
    otlp_logs: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ClientKeyRateLimit:
    """At most ``count`` events per ``window`` seconds."""

    window: int | None = None
    count: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ClientKey:
    """A project's client key."""

    id: str
    name: str | None = None
    label: str | None = None
    public: str | None = None
    #: The secret key: readable, but left out of the repr.
    secret: str | None = secret_field()
    #: An integer on the wire, unlike every other id.
    project_id: int | None = None
    is_active: bool | None = None
    date_created: datetime | None = None
    dsn: ClientKeyDsn | None = None
    #: None when the key is not rate limited.
    rate_limit: ClientKeyRateLimit | None = None
    browser_sdk_version: str | None = None
    dynamic_sdk_loader_options: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
