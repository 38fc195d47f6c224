"""Verify requests sent by Sentry, for all three of its signing schemes, in any framework.

Sentry signs each request body with HMAC-SHA256 and sends the digest as lowercase hex:

=====================================  ===========================  =======================
sender                                 signature header             key
=====================================  ===========================  =======================
integration platform (Sentry app)      ``Sentry-Hook-Signature``    the app's client secret
project service hook                   ``X-ServiceHook-Signature``  the hook's ``secret``
Sentry app UI components: issue-link,  ``Sentry-App-Signature``     the app's client secret
alert-rule-action and select-options
=====================================  ===========================  =======================

The select-options request is a GET with an empty body; its signature is the HMAC of the
empty string. :func:`verify` takes any mapping of headers and the raw body, so it works in
Starlette, FastAPI, Django or anything else; :func:`verify_request` wraps it for aiohttp.

The digest covers the exact bytes of the body. Sentry's JSON encoding (spacing, escaping of
non-ASCII characters) is not something a receiver can reproduce, so the raw body must be
verified as received, never a re-serialised copy of the parsed JSON.

The timestamp headers are *not* covered by the signature, so they cannot prove freshness;
they are exposed for logging and ordering only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import attrs

from .errors import SentryError

if TYPE_CHECKING:
    from aiohttp import web

__all__ = [
    "INTEGRATION_SIGNATURE_HEADER",
    "SENTRY_APP_SIGNATURE_HEADER",
    "SERVICE_HOOK_SIGNATURE_HEADER",
    "WebhookDelivery",
    "WebhookVerificationError",
    "verify",
    "verify_request",
    "verify_signature",
]

INTEGRATION_SIGNATURE_HEADER = "Sentry-Hook-Signature"
SERVICE_HOOK_SIGNATURE_HEADER = "X-ServiceHook-Signature"
SENTRY_APP_SIGNATURE_HEADER = "Sentry-App-Signature"

Scheme = Literal["integration", "service_hook", "sentry_app"]


class _SchemeHeaders(NamedTuple):
    scheme: Scheme
    signature: str
    timestamp: str | None
    key_name: str  # what the secret is called on Sentry's side, for error messages


_SCHEMES = (
    _SchemeHeaders(
        "integration", INTEGRATION_SIGNATURE_HEADER, "Sentry-Hook-Timestamp", "app's client secret"
    ),
    _SchemeHeaders(
        "service_hook", SERVICE_HOOK_SIGNATURE_HEADER, "X-ServiceHook-Timestamp", "hook's secret"
    ),
    # Issue-link, alert-rule-action and select-options requests carry no timestamp.
    _SchemeHeaders("sentry_app", SENTRY_APP_SIGNATURE_HEADER, None, "app's client secret"),
)
_TIMESTAMPS = ("Sentry-Hook-Timestamp", "X-ServiceHook-Timestamp")

# Longer header values are refused before any parsing: a digest is 64 characters, an epoch
# timestamp a few dozen, so hostile multi-kilobyte values cost one length check.
_MAX_SIGNATURE = 256
_MAX_TIMESTAMP = 64

# Exactly one SHA-256 digest in hex. Upper case is accepted: the case of hex digits carries
# no information, so refusing it would add no security (Sentry itself sends lower case).
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class WebhookVerificationError(SentryError, ValueError):
    """A webhook request could not be shown to come from Sentry.

    Answer it with 401 and do not act on it. ``header`` names the signature header that was
    checked, or is None when the request carried neither.
    """

    def __init__(self, message: str, header: str | None = None) -> None:
        super().__init__(message)
        self.header = header


def _check_secret(secret: object) -> bytes:
    if not isinstance(secret, str):
        raise TypeError(f"secret must be a str, got {type(secret).__name__}")
    if not secret:
        # With an empty key anyone can compute a valid signature: refuse loudly, since this
        # is almost always an unset environment variable.
        raise ValueError(
            "secret is empty: pass the integration's client secret or the service hook's "
            "secret (is the environment variable holding it set?)"
        )
    return secret.encode("utf-8")


def verify_signature(
    body: bytes | bytearray | memoryview, signature: str | None, secret: str
) -> bool:
    """Tell whether ``signature`` is Sentry's HMAC-SHA256 of ``body`` keyed with ``secret``.

    ``body`` is the raw request body exactly as received (``await request.read()``);
    ``signature`` the value of ``Sentry-Hook-Signature``, ``X-ServiceHook-Signature`` or
    ``Sentry-App-Signature``;
    ``secret`` the integration's client secret or the service hook's secret. The comparison
    takes constant time. A missing, empty, malformed or wrong signature gives False, never an
    exception; surrounding whitespace is ignored and hex digits may be of either case.

    Raises:
        TypeError: ``body`` is a ``str`` (or not bytes-like), or ``secret`` is not a ``str``.
        ValueError: ``secret`` is empty.
    """
    if isinstance(body, str):
        raise TypeError(
            "verify_signature() needs the raw body bytes as received (await request.read()), "
            "not a str: decoding and re-encoding, or re-serialising parsed JSON, can change "
            "the bytes the signature covers"
        )
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be the raw request bytes, got {type(body).__name__}")
    key = _check_secret(secret)
    if not isinstance(signature, str):
        return False
    if len(signature) > _MAX_SIGNATURE:
        return False
    candidate = signature.strip()
    if _HEX_SHA256.fullmatch(candidate) is None:
        return False  # also keeps non-ASCII text away from compare_digest, which rejects it
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, candidate.lower())


def _parse_timestamp(value: str | None) -> datetime | None:
    """Epoch seconds → aware UTC datetime; None when absent or not a usable number."""
    if value is None or len(value) > _MAX_TIMESTAMP:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """A webhook request whose signature checked out.

    ``body`` is the verified raw body (left out of the repr: payloads are large and may hold
    personal data); :meth:`json` decodes it. ``scheme`` says which signature was checked.
    """

    body: bytes = attrs.field(repr=False)
    scheme: Scheme
    resource: str | None = None
    """``Sentry-Hook-Resource``: issue, error, comment, installation, event_alert, …"""
    timestamp: datetime | None = None
    """When Sentry sent it (not signed: do not rely on it for replay protection)."""
    request_id: str | None = None
    """``Request-ID``, unique per delivery: handy to drop retried duplicates."""
    hook_id: str | None = None
    """``X-ServiceHook-GUID``: the id of the service hook that fired."""

    def json(self) -> Any:
        """The body decoded as JSON; None for an empty body (a select-options GET).

        Raises ``ValueError`` (``json.JSONDecodeError``) when the body is not JSON.
        """
        if not self.body.strip():
            return None
        return json.loads(self.body)


def _header_lookup(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names folded to lower case; a signature header sent twice is refused."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    folded: dict[str, str] = {}
    for name, value in items:
        key = _text(name).lower()
        if key in _SIGNATURE_NAMES and key in folded:
            raise WebhookVerificationError(
                f"the request carries {key} more than once: refused as ambiguous", header=key
            )
        folded.setdefault(key, _text(value))
    return folded


def _text(value: object) -> str:
    # ASGI's raw headers are bytes; HTTP header bytes are Latin-1 by definition.
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    raise TypeError(f"header names and values must be str or bytes, got {type(value).__name__}")


_SIGNATURE_NAMES = frozenset(spec.signature.lower() for spec in _SCHEMES)


def verify(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | bytearray | memoryview,
    secret: str,
) -> WebhookDelivery:
    """Verify a request from Sentry given its headers and raw body, in any web framework.

    ``headers`` is any mapping of header names to values (names in any case: Starlette's
    and Django's ``request.headers``, aiohttp's, a plain dict) or an iterable of
    ``(name, value)`` pairs; ``body`` the raw body exactly as received (``await
    request.body()`` in Starlette/FastAPI, ``request.body`` in Django; ``b""`` for the
    select-options GET). Whichever of ``Sentry-Hook-Signature``, ``X-ServiceHook-Signature``
    and ``Sentry-App-Signature`` is present is checked with ``secret`` (first found in
    that order); the result describes the delivery::

        try:
            delivery = verify(request.headers, await request.body(), CLIENT_SECRET)
        except WebhookVerificationError:
            return Response(status_code=401)

    Raises:
        WebhookVerificationError: no signature header, a signature header sent twice, or
            a signature that does not match.
        TypeError: ``body`` is a ``str`` or not bytes-like, ``secret`` is not a ``str``, or
            a header name or value is neither ``str`` nor ``bytes``.
        ValueError: ``secret`` is empty.
    """
    _check_secret(secret)
    if isinstance(body, str) or not isinstance(body, (bytes, bytearray, memoryview)):
        verify_signature(body, None, secret)  # raises the explanatory TypeError
    found_headers = _header_lookup(headers)
    found = next((spec for spec in _SCHEMES if spec.signature.lower() in found_headers), None)
    if found is None:
        raise WebhookVerificationError(
            f"the request carries none of {INTEGRATION_SIGNATURE_HEADER}, "
            f"{SERVICE_HOOK_SIGNATURE_HEADER} or {SENTRY_APP_SIGNATURE_HEADER}: it was not "
            "sent by a Sentry integration, service hook or Sentry app component"
        )
    if not verify_signature(body, found_headers[found.signature.lower()], secret):
        raise WebhookVerificationError(
            f"{found.signature} does not match the request body: check that the secret is "
            f"the {found.key_name}, and that nothing (a proxy, middleware) altered the body "
            "before it was verified",
            header=found.signature,
        )
    # Each scheme has its own timestamp header; take the other one if only that is there.
    names = ((found.timestamp,) if found.timestamp else ()) + _TIMESTAMPS
    timestamp = next((found_headers[n.lower()] for n in names if n.lower() in found_headers), None)
    return WebhookDelivery(
        body=bytes(body),
        scheme=found.scheme,
        resource=found_headers.get("sentry-hook-resource"),
        timestamp=_parse_timestamp(timestamp),
        request_id=found_headers.get("request-id"),
        hook_id=found_headers.get("x-servicehook-guid"),
    )


async def verify_request(request: web.Request, secret: str) -> WebhookDelivery:
    """Verify an incoming aiohttp.web request as a Sentry webhook, and describe it.

    Reads the raw body (aiohttp keeps it, so the handler may read it again) and hands it to
    :func:`verify` with the request's headers::

        async def sentry_hook(request: web.Request) -> web.Response:
            try:
                delivery = await verify_request(request, CLIENT_SECRET)
            except WebhookVerificationError:
                raise web.HTTPUnauthorized() from None
            payload = delivery.json()
            ...

    Raises:
        WebhookVerificationError: no signature header, or the signature does not match.
        ValueError: ``secret`` is empty (a configuration error, raised before reading).
    """
    _check_secret(secret)  # a misconfiguration should fail before any request is judged
    headers = request.headers
    if not any(spec.signature in headers for spec in _SCHEMES):
        return verify(headers, b"", secret)  # raises "no signature" without reading the body
    return verify(headers, await request.read(), secret)
