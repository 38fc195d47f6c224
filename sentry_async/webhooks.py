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

A receiver should accept on each route only the scheme meant for it (``schemes=``): an
issue-link or select-options route that also accepted service-hook signatures would let
anyone holding a hook's secret (any project admin) forge UI-component requests. The
select-options signature covers only the empty body, not the query string, so the query of
such a request is not authenticated: treat it as untrusted input.

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
    "SCHEMES",
    "SENTRY_APP_SIGNATURE_HEADER",
    "SERVICE_HOOK_SIGNATURE_HEADER",
    "Scheme",
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


_SENDERS: dict[str, str] = {
    "integration": "a Sentry integration",
    "service_hook": "a service hook",
    "sentry_app": "a Sentry app component",
}

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

#: Every scheme name, in the order ``verify`` looks for their headers.
SCHEMES: tuple[Scheme, ...] = tuple(spec.scheme for spec in _SCHEMES)

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
    if isinstance(headers, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            f"headers must be a mapping of header names to values or an iterable of (name, "
            f"value) pairs (such as request.headers), got {type(headers).__name__}"
        )
    items = headers.items() if isinstance(headers, Mapping) else headers
    folded: dict[str, str] = {}
    for pair in items:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(
                "headers must be a mapping or an iterable of (name, value) pairs; found an "
                f"item of type {type(pair).__name__}"
            )
        name, value = pair
        key = _text(name).lower()
        if key in _SIGNATURE_NAMES and key in folded:
            canonical = _SIGNATURE_NAMES[key]
            raise WebhookVerificationError(
                f"the request carries {canonical} more than once: refused as ambiguous",
                header=canonical,
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


# Lower-cased signature header name -> its canonical spelling.
_SIGNATURE_NAMES = {spec.signature.lower(): spec.signature for spec in _SCHEMES}


def _accepted(schemes: Scheme | Iterable[Scheme] | None) -> tuple[_SchemeHeaders, ...]:
    if schemes is None:
        return _SCHEMES
    wanted = {schemes} if isinstance(schemes, str) else set(schemes)
    unknown = sorted(str(name) for name in wanted - set(SCHEMES))
    if unknown or not wanted:
        raise ValueError(
            f"schemes must name one or more of {', '.join(SCHEMES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return tuple(spec for spec in _SCHEMES if spec.scheme in wanted)


def _none_of(accepted: tuple[_SchemeHeaders, ...]) -> str:
    names = [spec.signature for spec in accepted]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"none of {listed}" if len(names) > 1 else f"no {listed}"


def verify(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | bytearray | memoryview,
    secret: str,
    *,
    schemes: Scheme | Iterable[Scheme] | None = None,
) -> WebhookDelivery:
    """Verify a request from Sentry given its headers and raw body, in any web framework.

    ``headers`` is any mapping of header names to values (names in any case: Starlette's
    and Django's ``request.headers``, aiohttp's, a plain dict) or an iterable of
    ``(name, value)`` pairs; ``body`` the raw body exactly as received (``await
    request.body()`` in Starlette/FastAPI, ``request.body`` in Django; ``b""`` for the
    select-options GET). Whichever of ``Sentry-Hook-Signature``, ``X-ServiceHook-Signature``
    and ``Sentry-App-Signature`` is present is checked with ``secret`` (first found in
    that order); the result describes the delivery.

    ``schemes`` restricts which signatures are accepted: ``"integration"``
    (``Sentry-Hook-Signature``), ``"service_hook"`` (``X-ServiceHook-Signature``) and
    ``"sentry_app"`` (``Sentry-App-Signature``), one name or several. Pass it on every
    route: a route for issue-link or select-options requests must accept only
    ``"sentry_app"`` with the app's client secret, a service hook's route only
    ``"service_hook"`` with that hook's secret. Signature headers of other schemes are then
    ignored, and a request carrying only those is refused. None (the default) accepts all
    three, which is safe only when ``secret`` is the one secret all of them use::

        try:
            delivery = verify(
                request.headers, await request.body(), CLIENT_SECRET, schemes="sentry_app"
            )
        except WebhookVerificationError:
            return Response(status_code=401)

    Raises:
        WebhookVerificationError: no signature header, a signature header sent twice, or
            a signature that does not match.
        TypeError: ``body`` is a ``str`` or not bytes-like, ``secret`` is not a ``str``,
            ``headers`` is not a mapping or iterable of pairs (a ``str``, say), or a header
            name or value is neither ``str`` nor ``bytes``.
        ValueError: ``secret`` is empty, or ``schemes`` is empty or names an unknown scheme.
    """
    _check_secret(secret)
    accepted = _accepted(schemes)
    if isinstance(body, str) or not isinstance(body, (bytes, bytearray, memoryview)):
        verify_signature(body, None, secret)  # raises the explanatory TypeError
    found_headers = _header_lookup(headers)
    found = next((spec for spec in accepted if spec.signature.lower() in found_headers), None)
    if found is None:
        others = [
            spec.signature
            for spec in _SCHEMES
            if spec not in accepted and spec.signature.lower() in found_headers
        ]
        if others:
            raise WebhookVerificationError(
                f"the request carries {_none_of(accepted)} (it carries {', '.join(others)}, "
                "a scheme this receiver does not accept here)"
            )
        senders = [_SENDERS[spec.scheme] for spec in accepted]
        raise WebhookVerificationError(
            f"the request carries {_none_of(accepted)}: it was not sent by "
            + (", ".join(senders[:-1]) + " or " if len(senders) > 1 else "")
            + senders[-1]
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


async def verify_request(
    request: web.Request,
    secret: str,
    *,
    schemes: Scheme | Iterable[Scheme] | None = None,
) -> WebhookDelivery:
    """Verify an incoming aiohttp.web request as a Sentry webhook, and describe it.

    Reads the raw body (aiohttp keeps it, so the handler may read it again) and hands it to
    :func:`verify` with the request's headers; ``schemes`` restricts the accepted
    signatures as there::

        async def sentry_hook(request: web.Request) -> web.Response:
            try:
                delivery = await verify_request(request, CLIENT_SECRET, schemes="integration")
            except WebhookVerificationError:
                raise web.HTTPUnauthorized() from None
            payload = delivery.json()
            ...

    Raises:
        WebhookVerificationError: no accepted signature header, or the signature does not
            match.
        ValueError: ``secret`` is empty, or ``schemes`` is wrong (configuration errors,
            raised before reading).
    """
    _check_secret(secret)  # a misconfiguration should fail before any request is judged
    accepted = _accepted(schemes)
    headers = request.headers
    if not any(spec.signature in headers for spec in accepted):
        # Raises "no signature" without reading the body.
        return verify(headers, b"", secret, schemes=schemes)
    return verify(headers, await request.read(), secret, schemes=schemes)
