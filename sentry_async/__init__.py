"""sentry_async: an asyncio client for the Sentry Web API.

::

    async with SentryClient() as sentry:
        async for project in sentry.projects.list("my-org"):
            print(project.slug)
"""

from ._version import __version__
from .client import SentryClient
from .clock import Clock, ManualClock, SystemClock
from .errors import (
    AmbiguousWriteError,
    APIError,
    BadRequest,
    ConfigurationError,
    Conflict,
    DecodeError,
    Forbidden,
    NotFound,
    PaginationError,
    RateLimited,
    RedirectRefused,
    ResourceMoved,
    ResponseTooLarge,
    SentryError,
    ServerError,
    TransportError,
    Unauthorized,
    UndecodableItemsError,
)
from .fanout import fan_out, gather_bounded
from .pagination import Page, Paginator
from .ratelimit import RateSnapshot
from .response import RawResponse
from .retry import RetryPolicy
from .sentinel import UNSET

__all__ = [
    "UNSET",
    "APIError",
    "AmbiguousWriteError",
    "BadRequest",
    "Clock",
    "ConfigurationError",
    "Conflict",
    "DecodeError",
    "Forbidden",
    "ManualClock",
    "NotFound",
    "Page",
    "PaginationError",
    "Paginator",
    "RateLimited",
    "RateSnapshot",
    "RawResponse",
    "RedirectRefused",
    "ResourceMoved",
    "ResponseTooLarge",
    "RetryPolicy",
    "SentryClient",
    "SentryError",
    "ServerError",
    "SystemClock",
    "TransportError",
    "Unauthorized",
    "UndecodableItemsError",
    "__version__",
    "fan_out",
    "gather_bounded",
]
