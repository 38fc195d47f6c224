"""Every exception sentry_async raises, in one place.

::

    SentryError                      base of everything below; all have method, route, url
    ├── ConfigurationError           bad client set-up (no token, bad base URL); also a ValueError
    ├── TransportError               no usable HTTP answer: connection, timeout, TLS
    ├── DecodeError                  an answer came, but its body is not the JSON expected
    │   ├── ResponseTooLarge         the body passed the client's max_body_size
    │   └── UndecodableItemsError    list items that could not be decoded (after the good ones)
    ├── AmbiguousWriteError          a POST/PATCH was sent and its outcome is unknown
    ├── PaginationError              the server's paging went wrong (a cursor repeated)
    └── APIError                     the server answered with an error status
        ├── BadRequest               400
        ├── Unauthorized             401
        ├── Forbidden                403
        ├── NotFound                 404
        ├── Conflict                 409
        ├── RateLimited              429 (``retry_after``, ``rate``)
        ├── ResourceMoved            3xx that was not followed (``location``, ``new_slug``)
        │   └── RedirectRefused      3xx to where the token may not go (another origin)
        └── ServerError              5xx

``APIError`` instances are built by :func:`error_from_response` from the status alone, so a
caller can always ``except NotFound`` whatever body the server sent. Messages name the method,
route and status, and say what to check; they are built from route templates, URLs and server
bodies only, and the pipeline redacts the token from them before they are raised (a server may
echo it). No error keeps an aiohttp exception (whose request carries the Authorization
header) as its cause or context. Every error survives ``pickle`` with its attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .ratelimit import RateSnapshot

__all__ = [
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
]

_SNIPPET = 200
# How deep and how much of a server's error detail is rendered into a message: a detail
# nested 900 levels deep or with a million keys costs no more than a flat one.
_DETAIL_DEPTH = 16
_DETAIL_ITEMS = 64

E = TypeVar("E", bound=BaseException)


def _restore(cls: type[E], args: tuple[Any, ...], state: dict[str, Any]) -> E:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class _RequestContext(TypedDict):
    """The keywords naming its request that every request error's constructor takes."""

    method: str
    route: str
    url: str


class SentryError(Exception):
    """Base class of every error raised by sentry_async.

    ``method`` (``"GET"``), ``route`` (the template, ``"/organizations/{org}/"``) and ``url``
    (the URL sent, without its query string: search terms and cursors stay out of messages
    and logs) name the request the error is about, the same way on every error:
    ``except SentryError as e: log(e.method, e.route)``. The errors a request raises
    (``TransportError``, ``DecodeError``, ``AmbiguousWriteError``, ``APIError`` and their
    subclasses) always have all three, typed ``str``. Elsewhere they are ``str | None``: None
    where no request was involved (``ConfigurationError``, a closed client); a
    ``PaginationError`` names the list's method, route and URL (the URL is None when it
    refuses a caller's cursor before any request).
    """

    def __init__(
        self,
        *args: object,
        method: str | None = None,
        route: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(*args)
        self.method = method
        self.route = route
        self.url = url

    def __reduce__(self) -> Any:
        # Exception's own pickling calls cls(*args), which keyword-only attributes break:
        # restore args and attributes as they were (process pools, multiprocessing queues).
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(SentryError, ValueError):
    """The client was set up wrongly (for example: no token anywhere)."""


class _RequestError(SentryError):
    """An error a request raised: its ``method``, ``route`` and ``url`` are always known."""

    # Narrowed from the base's ``str | None``: these errors are never raised without a request.
    method: str
    route: str
    url: str

    def __init__(self, message: str, *, method: str, route: str, url: str) -> None:
        # Required here, so a request error built without its context fails at run time too.
        super().__init__(message, method=method, route=route, url=url)


class TransportError(_RequestError):
    """No usable HTTP answer: the connection failed, timed out or broke mid-answer.

    ``reason`` is one of ``"connect"`` (nothing was sent: refused, DNS, connect timeout),
    ``"tls"``, ``"timeout"`` or ``"connection lost"``.
    """

    def __init__(self, message: str, *, reason: str, **context: Unpack[_RequestContext]) -> None:
        super().__init__(message, **context)
        self.reason = reason

    @property
    def sent(self) -> bool:
        """False only when the request provably never reached the server."""
        return self.reason not in ("connect", "tls")


class DecodeError(_RequestError):
    """The server answered, but the body is not the JSON (or the shape) that was expected."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        snippet: str,
        content_type: str = "",
        **context: Unpack[_RequestContext],
    ) -> None:
        super().__init__(message, **context)
        self.status = status
        self.snippet = snippet
        self.content_type = content_type


class ResponseTooLarge(DecodeError):
    """The answer's body passed the client's ``max_body_size`` and was not read further, or
    could not be decompressed within the HTTP library's limits (a compression bomb, or a
    broken ``Content-Encoding``: then ``status`` is 0 and ``snippet`` empty).

    ``limit`` is ``max_body_size`` in bytes. Never retried (it would be as large again): narrow the
    request (fewer results per page, a shorter period) or raise ``max_body_size``.
    """

    def __init__(self, message: str, *, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class UndecodableItemsError(DecodeError):
    """Some items of a list page could not be decoded; every other item was delivered.

    Raised by a paginator right after the page's decodable items (``async for`` has yielded
    them, ``pages()`` has yielded the page). ``items`` holds each undecodable item's JSON
    value as received, secrets included (unlike the message, which masks them: do not log
    ``items`` as such), ``reasons`` why it failed (same order). ``next_cursor`` is the
    cursor of the page after this one (None if it was the last): pass it as ``cursor=`` to
    go on. ``collected`` holds, for ``collect()``, every item gathered before the error;
    it is empty when the items were already yielded.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        items: list[Any],
        reasons: list[str],
        next_cursor: str | None,
        **context: Unpack[_RequestContext],
    ) -> None:
        super().__init__(message, status=status, snippet="", **context)
        self.items = items
        self.reasons = reasons
        self.next_cursor = next_cursor
        self.collected: list[Any] = []


class AmbiguousWriteError(_RequestError):
    """A write (POST/PATCH) was sent and no clear answer came back.

    The server may or may not have applied it, so it is never re-sent automatically: check
    whether it took effect (for example, list members before inviting again) and then retry.
    The underlying failure is ``__cause__``.
    """


class PaginationError(SentryError):
    """The server's pagination cannot be followed safely (for example, a cursor repeated)."""


class APIError(_RequestError):
    """The server answered with an error status.

    ``detail`` is the JSON ``detail`` field when there is one (a string, list or object),
    otherwise the whole decoded body; ``body`` is the decoded body or, when it is not JSON,
    a short text snippet.
    """

    status: int

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: Any,
        body: Any,
        **context: Unpack[_RequestContext],
    ) -> None:
        super().__init__(message, **context)
        self.status = status
        self.detail = detail
        self.body = body


class BadRequest(APIError):
    """400: the request's parameters or body were rejected."""


class Unauthorized(APIError):
    """401: the token is missing, invalid, expired or for another organization."""


class Forbidden(APIError):
    """403: the token lacks a scope, or the feature is not enabled for the organization."""


class NotFound(APIError):
    """404: the organization, project or object does not exist (or is not visible)."""


class Conflict(APIError):
    """409: the object already exists."""


class ServerError(APIError):
    """5xx: Sentry (or a proxy in front of it) failed."""


class RateLimited(APIError):
    """429: a rate or concurrency limit was hit.

    ``retry_after`` is how many seconds to wait (from Retry-After, else the window reset);
    ``rate`` is the parsed ``X-Sentry-Rate-Limit-*`` snapshot, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        rate: RateSnapshot | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.rate = rate


class ResourceMoved(APIError):
    """3xx that was not followed: a non-GET to a renamed project, or too many redirects.

    ``location`` is the Location header; ``new_slug`` the slug Sentry names in the body.
    """

    def __init__(self, message: str, *, location: str | None, new_slug: str | None, **kw: Any):
        super().__init__(message, **kw)
        self.location = location
        self.new_slug = new_slug


class RedirectRefused(ResourceMoved):
    """A redirect to somewhere the token may not go, or to a ``Location`` that is no URL.

    Only same-origin redirects (scheme, host and port equal) and the https upgrade of the
    base URL's host are followed. ``location`` is the target as the server sent it.
    Usually ``base_url`` names an old or proxied address: set it to where the API lives.
    """


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}

_HINTS: dict[type[APIError], str] = {
    BadRequest: "check the parameters and body sent",
    Unauthorized: "check that the token (SENTRY_AUTH_TOKEN) is valid, unexpired and for this "
    "organization",
    Forbidden: "check the token's scopes and that the organization has the feature enabled",
    NotFound: "check the organization and project slugs / ids in the call",
    Conflict: "the object already exists; fetch it instead of creating it again",
    RateLimited: "slow down, or lower concurrency",
    RedirectRefused: "set base_url to the address the API really lives at",
    ServerError: "Sentry failed; retry later or check status.sentry.io",
    ResourceMoved: "the resource was renamed; call again with the new slug",
    APIError: "see the response body",
}


def snippet(text: str | bytes, limit: int = _SNIPPET) -> str:
    """A one-line, bounded excerpt of a body for error messages (reads only a prefix)."""
    text = text[: limit * 8]  # whitespace runs collapse; a 40 MB page is never copied whole
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _describe(detail: Any, limit: int = _SNIPPET * 2) -> str:
    """A human reading of a detail (str, list, dict, nested), bounded in depth and length.

    Iterative, so no nesting depth can raise RecursionError; it stops once ``limit``
    characters are gathered, so no size costs more than that.
    """
    out: list[str] = []
    size = 0
    # A stack of things still to write: values (with their depth) or literal separators.
    stack: list[tuple[Any, int] | str] = [(detail, 0)]
    while stack and size < limit:
        item = stack.pop()
        if isinstance(item, str):
            text = item
        else:
            value, depth = item
            if value is None:
                continue
            if isinstance(value, str):
                text = value
            elif isinstance(value, (list, dict)):
                if depth >= _DETAIL_DEPTH:
                    text = "…"
                else:
                    message = value.get("message") if isinstance(value, dict) else None
                    if isinstance(message, str):
                        text = message
                    else:
                        pairs: list[tuple[Any, int] | str] = []
                        items = list(value.items() if isinstance(value, dict) else value)
                        for n, entry in enumerate(items[:_DETAIL_ITEMS]):
                            if n:
                                pairs.append("; ")
                            if isinstance(value, dict):
                                pairs.append(f"{str(entry[0])[:limit]}: ")
                                entry = entry[1]
                            pairs.append((entry, depth + 1))
                        if len(items) > _DETAIL_ITEMS:
                            pairs.append("; …")
                        stack.extend(reversed(pairs))
                        continue
            else:
                text = str(value)[:limit]
        out.append(text)
        size += len(text)
    return "".join(out)


def preview(value: Any, limit: int = _SNIPPET) -> str:
    """A bounded one-line rendering of a decoded payload, for messages (never RecursionError).

    Like ``repr`` for small values; deep or large ones are cut with ``…``.
    """
    out: list[str] = []
    size = 0
    stack: list[tuple[Any, int] | str] = [(value, 0)]
    while stack and size < limit:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            size += len(item)
            continue
        obj, depth = item
        if isinstance(obj, (list, dict)):
            if depth >= _DETAIL_DEPTH:
                text = "[…]" if isinstance(obj, list) else "{…}"
                out.append(text)
                size += len(text)
                continue
            parts: list[tuple[Any, int] | str] = ["[" if isinstance(obj, list) else "{"]
            for n, entry in enumerate(obj.items() if isinstance(obj, dict) else obj):
                if n >= _DETAIL_ITEMS:
                    parts.append(", …")
                    break
                if n:
                    parts.append(", ")
                if isinstance(obj, dict):
                    parts.append(f"{repr(entry[0])[:limit]}: ")
                    entry = entry[1]
                parts.append((entry, depth + 1))
            parts.append("]" if isinstance(obj, list) else "}")
            stack.extend(reversed(parts))
        else:
            text = repr(obj)[:limit]
            out.append(text)
            size += len(text)
    return snippet("".join(out), limit)


#: Secrets shorter than this are not masked: no Sentry token is (they are 40+ characters),
#: and masking a one-letter test token would garble every body and message.
MIN_REDACTED_LENGTH = 8


def redact(error: E, secret: str, mask: str = "<redacted>") -> E:
    """Remove ``secret`` from every string an error carries (message, args, attributes).

    Server bodies end up in messages and attributes; a server (or proxy) that echoes the
    Authorization header would otherwise hand the token to whoever logs the error. Nested
    bodies are walked iteratively and bounded; containers are rebuilt, not mutated.
    """
    if len(secret) < MIN_REDACTED_LENGTH:
        return error  # too short to be a real token; masking it would garble every message

    def clean(value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            value = value.replace(secret, mask) if secret in value else value
            return _mask_cut(value, secret, mask)
        if depth > _DETAIL_DEPTH * 4:
            return value
        if isinstance(value, list):
            return [clean(v, depth + 1) for v in value]
        if isinstance(value, tuple):
            return tuple(clean(v, depth + 1) for v in value)
        if isinstance(value, dict):
            return {clean(k, depth + 1): clean(v, depth + 1) for k, v in value.items()}
        return value

    error.args = clean(error.args)
    for name, value in list(vars(error).items()):
        if isinstance(value, (str, list, tuple, dict)):
            setattr(error, name, clean(value))
    return error


# The shortest start of a secret masked at the end of a text cut short: below this, a
# few characters are too common to mean anything (and tell an attacker little).
_MIN_CUT = 6


def _mask_cut(text: str, secret: str, mask: str) -> str:
    """``text`` with a secret's first characters masked where a cut (``…``) ended them."""
    body = text[:-1] if text.endswith("…") else text
    if secret[:_MIN_CUT] not in body[-len(secret) :]:
        return text  # the common case, decided in C
    for size in range(min(len(secret) - 1, len(body)), _MIN_CUT - 1, -1):
        if body.endswith(secret[:size]):
            return body[:-size] + mask + text[len(body) :]
    return text


# Error bodies are kept to this nesting depth: deeper parts become "…", so that an error
# pickles, redacts and prints without RecursionError whatever the server nested.
_BODY_DEPTH = 32


def _shallow(value: Any, depth: int = 0) -> Any:
    if isinstance(value, list):
        return [_shallow(v, depth + 1) for v in value] if depth < _BODY_DEPTH else "…"
    if isinstance(value, dict):
        if depth >= _BODY_DEPTH:
            return "…"
        return {k: _shallow(v, depth + 1) for k, v in value.items()}
    return value


def extract_detail(body: Any) -> Any:
    """Pick the human-meaningful part of an error body, whatever shape Sentry used."""
    if isinstance(body, dict):
        if "detail" in body:
            return body["detail"]
        if "error" in body:
            return body["error"]
        return {k: v for k, v in body.items() if k != "schemas"} or None
    return body


def error_from_response(
    *,
    status: int,
    body: Any,
    method: str,
    route: str,
    url: str,
    retry_after: float | None = None,
    rate: RateSnapshot | None = None,
    location: str | None = None,
) -> APIError:
    """Build the right :class:`APIError` subclass for an error status and its body.

    ``body`` is the decoded JSON, or a str snippet when the body was not JSON; parts nested
    deeper than 32 levels are kept as ``"…"``.
    """
    body = _shallow(body)
    if 500 <= status <= 599:
        cls: type[APIError] = ServerError
    elif 300 <= status <= 399:
        cls = ResourceMoved
    else:
        cls = _BY_STATUS.get(status, APIError)
    detail = extract_detail(body)
    said = snippet(_describe(detail)) if detail is not None else ""
    message = f"{method} {route} answered {status}"
    if said:
        message += f": {said}"
    message += f" ({_HINTS[cls]}; url: {url})"
    common: dict[str, Any] = {
        "status": status,
        "detail": detail,
        "body": body,
        "method": method,
        "route": route,
        "url": url,
    }
    if cls is RateLimited:
        return RateLimited(message, retry_after=retry_after, rate=rate, **common)
    if cls is ResourceMoved:
        new_slug = body.get("slug") if isinstance(body, dict) else None
        return ResourceMoved(
            message,
            location=location,
            new_slug=new_slug if isinstance(new_slug, str) else None,
            **common,
        )
    return cls(message, **common)
