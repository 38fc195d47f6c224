"""The public names are a contract: adding one is a decision, losing one is a break."""

from __future__ import annotations

import sentry_async
import sentry_async.errors

PUBLIC = {
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
}

ERRORS = {
    "APIError",
    "AmbiguousWriteError",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "DecodeError",
    "Forbidden",
    "NotFound",
    "PaginationError",
    "RateLimited",
    "RedirectRefused",
    "ResourceMoved",
    "ResponseTooLarge",
    "SentryError",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UndecodableItemsError",
    "error_from_response",
}


def test_top_level_exports_are_pinned() -> None:
    assert set(sentry_async.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(sentry_async, name) is not None


def test_error_exports_are_pinned_and_form_one_tree() -> None:
    assert set(sentry_async.errors.__all__) == ERRORS
    for name in ERRORS - {"error_from_response", "SentryError"}:
        assert issubclass(getattr(sentry_async.errors, name), sentry_async.errors.SentryError)


def test_version_is_a_string() -> None:
    assert sentry_async.__version__.count(".") == 2
