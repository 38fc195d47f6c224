"""Every error carries the request it is about the same way: ``method``, ``route``, ``url``."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import sentry_async.errors as errors_module
from sentry_async.errors import (
    AmbiguousWriteError,
    APIError,
    ConfigurationError,
    DecodeError,
    PaginationError,
    RateLimited,
    RedirectRefused,
    ResourceMoved,
    ResponseTooLarge,
    SentryError,
    TransportError,
    UndecodableItemsError,
    error_from_response,
    redact,
)
from sentry_async.errors import _RequestContext as RequestContext
from sentry_async.stores import RateLimitStoreError
from sentry_async.webhooks import WebhookVerificationError

SECRET = "sntryu_" + "f00d" * 16
CONTEXT: RequestContext = {
    "method": "PUT",
    "route": "/projects/{org}/{project}/",
    "url": "https://sentry.example/api/0/projects/acme/web/",
}
API: dict[str, Any] = {"status": 400, "detail": "no", "body": {"detail": "no"}}


def with_request(context: RequestContext) -> list[SentryError]:
    """One instance of every error a request raises, built with ``context``."""
    made: list[SentryError] = [
        TransportError("t", reason="timeout", **context),
        DecodeError("d", status=200, snippet="<html>", **context),
        ResponseTooLarge("b", limit=10, status=200, snippet="", **context),
        UndecodableItemsError(
            "u", status=200, items=[{}], reasons=["id: missing"], next_cursor=None, **context
        ),
        AmbiguousWriteError("a", **context),
        RateLimited("r", retry_after=1.0, rate=None, **API, **context),
        ResourceMoved("m", location="/y/", new_slug="y", **API, **context),
        RedirectRefused("rr", location="file:///", new_slug=None, **API, **context),
    ]
    made += [
        cls("api", **API, **context)
        for cls in vars(errors_module).values()
        if isinstance(cls, type)
        and issubclass(cls, APIError)
        and cls not in (RateLimited, ResourceMoved, RedirectRefused)
    ]
    return made


def without_request() -> list[SentryError]:
    """The errors raised where no request is involved: their context is None."""
    return [
        SentryError("plain"),
        SentryError(),
        ConfigurationError("no token"),
        PaginationError("bad cursor"),
        RateLimitStoreError("store down"),
        WebhookVerificationError("bad signature", header=None),
    ]


def test_every_public_error_class_is_covered() -> None:
    public = {
        obj
        for name, obj in vars(errors_module).items()
        if isinstance(obj, type) and issubclass(obj, SentryError) and name[0] != "_"
    }
    assert public <= {type(e) for e in with_request(CONTEXT) + without_request()}


@pytest.mark.parametrize("error", with_request(CONTEXT), ids=lambda e: type(e).__name__)
def test_request_errors_expose_their_context(error: SentryError) -> None:
    assert (error.method, error.route, error.url) == (
        CONTEXT["method"],
        CONTEXT["route"],
        CONTEXT["url"],
    )


@pytest.mark.parametrize("error", without_request(), ids=lambda e: type(e).__name__)
def test_errors_without_a_request_have_none(error: SentryError) -> None:
    assert (error.method, error.route, error.url) == (None, None, None)


def test_any_error_may_name_a_request() -> None:
    error = PaginationError("cursor repeated", method="GET", route="/organizations/")
    assert (error.method, error.route, error.url) == ("GET", "/organizations/", None)
    assert error.args == ("cursor repeated",)


def test_a_request_error_needs_its_context() -> None:
    with pytest.raises(TypeError):
        AmbiguousWriteError("a", method="POST", route="/x/")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "error",
    with_request(CONTEXT) + without_request() + [SentryError("p", method="GET", route="/r/")],
    ids=lambda e: type(e).__name__,
)
def test_the_context_survives_pickle(error: SentryError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.method, copy.route, copy.url) == (error.method, error.route, error.url)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


@pytest.mark.parametrize(
    "error",
    with_request(
        {"method": "GET", "route": "/x/", "url": f"https://sentry.example/api/0/x/?q={SECRET}"}
    ),
    ids=lambda e: type(e).__name__,
)
def test_redact_cleans_the_context(error: SentryError) -> None:
    redact(error, SECRET)
    assert error.url == "https://sentry.example/api/0/x/?q=<redacted>"
    assert (error.method, error.route) == ("GET", "/x/")
    assert SECRET not in repr(vars(error))


def test_redact_leaves_a_missing_context_alone() -> None:
    error = redact(ConfigurationError(f"bad token {SECRET}"), SECRET)
    assert str(error) == "bad token <redacted>"
    assert (error.method, error.route, error.url) == (None, None, None)


@pytest.mark.parametrize("status", [302, 400, 401, 403, 404, 409, 418, 429, 503])
def test_error_from_response_carries_the_context(status: int) -> None:
    error = error_from_response(status=status, body={"detail": "x"}, **CONTEXT)
    assert (error.method, error.route, error.url) == (
        CONTEXT["method"],
        CONTEXT["route"],
        CONTEXT["url"],
    )
    assert str(error).startswith(f"PUT /projects/{{org}}/{{project}}/ answered {status}")


def test_a_log_line_can_name_any_error_the_same_way() -> None:
    """``except SentryError as e: log(e.method, e.route)`` needs no isinstance checks."""
    lines = [
        f"{e.method or '-'} {e.route or '-'}: {type(e).__name__}"
        for e in with_request(CONTEXT)[:1] + without_request()[:1]
    ]
    assert lines == ["PUT /projects/{org}/{project}/: TransportError", "- -: SentryError"]
