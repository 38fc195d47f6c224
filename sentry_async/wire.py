"""Sentry's wire format, sans I/O: (status, headers, body) in, payload or typed error out.

Knows nothing of aiohttp, endpoints or models. Headers are any mapping with
case-insensitive lookups (aiohttp's and multidict's are).
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping
from datetime import timezone
from typing import Any

import attrs

from .errors import DecodeError, error_from_response, snippet
from .ratelimit import RateSnapshot, parse_rate_headers

try:  # optional speed-up, same results
    import orjson

    _loads: Any = orjson.loads

    def dumps(value: Any) -> bytes:
        """Serialise a request body."""
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - exercised when the extra is absent
    _loads = json.loads

    def dumps(value: Any) -> bytes:
        """Serialise a request body."""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


__all__ = [
    "Answer",
    "LinkEntry",
    "decipher",
    "dumps",
    "loads",
    "next_cursor",
    "parse_link_header",
    "parse_retry_after",
]

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_PARAM = re.compile(r';\s*([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|([^;,\s]*))')


def loads(body: bytes) -> Any:
    """Decode a JSON body (orjson when installed)."""
    return _loads(body)


@attrs.frozen(slots=True)
class LinkEntry:
    """One entry of a ``Link`` header."""

    url: str
    rel: str
    results: bool | None
    cursor: str | None


def parse_link_header(value: str) -> dict[str, LinkEntry]:
    """Parse Sentry's ``Link`` header into entries by ``rel`` (``previous``, ``next``).

    Tolerant: entries without ``rel`` are skipped; ``results`` is None when absent.
    """
    entries: dict[str, LinkEntry] = {}
    for match in _LINK.finditer(value):
        params = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _PARAM.finditer(match.group(2))
        }
        rel = params.get("rel")
        if not rel:
            continue
        results = params.get("results")
        entries[rel] = LinkEntry(
            url=match.group(1),
            rel=rel,
            results=None if results is None else results.lower() == "true",
            cursor=params.get("cursor") or None,
        )
    return entries


def next_cursor(headers: Mapping[str, str]) -> str | None:
    """The cursor of the next page, or None on the last page or without a Link header.

    Only the ``cursor`` attribute is used: the URL may name another host (Sentry builds it
    from its configured URL prefix), so it is never followed.
    """
    value = headers.get("Link")
    if not value:
        return None
    entry = parse_link_header(value).get("next")
    if entry is None or entry.results is False:
        return None
    return entry.cursor


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": HTTP dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


class _Unset:
    """``rate`` not given: parse it from the headers."""


_UNSET = _Unset()


@attrs.frozen(slots=True)
class Answer:
    """A successful answer: decoded payload plus what paging and pacing need."""

    method: str
    route: str
    url: str
    status: int
    headers: Mapping[str, str]
    payload: Any
    rate: RateSnapshot | None
    next_cursor: str | None


def _decode_error_body(body: bytes) -> Any:
    """An error body as JSON when it is JSON (whatever Content-Type says), else a snippet."""
    if not body.strip():
        return None
    try:
        return _loads(body)
    except ValueError:
        return snippet(body)


def decipher(
    *,
    method: str,
    route: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    rate: RateSnapshot | _Unset | None = _UNSET,
) -> Answer:
    """Turn one HTTP exchange into an :class:`Answer`, or raise the matching error.

    2xx bodies must be JSON (or empty, e.g. 204); anything else raises
    :class:`~sentry_async.errors.DecodeError` with a snippet. Other statuses raise the
    :class:`~sentry_async.errors.APIError` subclass for the status, with ``retry_after``
    on 429s taken from Retry-After or else the window reset. ``rate`` may be passed when the
    caller has already parsed the rate-limit headers.
    """
    if isinstance(rate, _Unset):
        rate = parse_rate_headers(headers)
    if 200 <= status <= 299:
        if not body.strip():
            payload = None
        else:
            try:
                payload = _loads(body)
            except ValueError as exc:
                kind = headers.get("Content-Type", "")
                shown = snippet(body)
                if method in _READS:
                    what = f"answered {status} with a body that is not JSON"
                    hint = "is the base URL a Sentry API?"
                else:
                    # The write went through; saying so keeps a caller from repeating it.
                    what = f"was accepted ({status}) but its answer is not JSON"
                    hint = "the change was applied: do not send it again"
                raise DecodeError(
                    f"{method} {route} {what} ({kind or 'no Content-Type'}): {shown!r} "
                    f"({hint}; url: {url})",
                    method=method,
                    route=route,
                    url=url,
                    status=status,
                    snippet=shown,
                    content_type=kind,
                ) from exc
        return Answer(
            method=method,
            route=route,
            url=url,
            status=status,
            headers=headers,
            payload=payload,
            rate=rate,
            next_cursor=next_cursor(headers),
        )
    retry_after = None
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        # The reset is when the *request window* ends: worth waiting for only when that
        # window is what refused us. A concurrency refusal leaves budget and is backed off.
        window_spent = rate is not None and not rate.remaining
        if retry_after is None and window_spent and rate is not None and rate.reset is not None:
            retry_after = max(0.0, rate.reset - now)
    raise error_from_response(
        status=status,
        body=_decode_error_body(body),
        method=method,
        route=route,
        url=url,
        retry_after=retry_after,
        rate=rate,
        location=headers.get("Location"),
    )
