"""Sentry's wire format, sans I/O: (status, headers, body) in, payload or typed error out.

Knows nothing of aiohttp, endpoints or models. Headers are any mapping with
case-insensitive lookups (aiohttp's and multidict's are).
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

from .errors import DecodeError, error_from_response, snippet
from .ratelimit import RateSnapshot, parse_http_date, parse_rate_headers

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
_PARAM = re.compile(r';\s*([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|([^;,\s]*))')
_DELTA_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")
# Retry-After beyond this is read as this: far past any wait a call accepts, still a float.
_MAX_RETRY_AFTER = 10.0**9
_BOM = b"\xef\xbb\xbf"
# Integers orjson keeps as int; beyond them it gives a float (and the stdlib path does too).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _bounded_int(text: str) -> int | float:
    if len(text) <= 20:
        value = int(text)
        if _INT_MIN <= value <= _INT_MAX:
            return value
    return _finite_float(text)


_STRICT = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
)


def _stdlib_loads(body: bytes) -> Any:
    """The standard library's decoder, made to decide every body as orjson does."""
    text = body.decode("utf-8")  # UTF-16/32 and invalid UTF-8 are refused (RFC 8259 §8.1)
    try:
        value = _STRICT.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    # A one-character search first: it runs at memory speed, a two-character one does not.
    if "\\" in text and "\\u" in text and _LONE_SURROGATE.search(text):
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())


# Deeper request bodies are refused (orjson's own limit is 255 levels).
_MAX_DUMP_DEPTH = 200
_SCALARS = (str, bool, type(None))
_AS_TEXT = (datetime.datetime, datetime.date, datetime.time, uuid.UUID)


def _as_text(value: Any) -> Any:
    """What both encoders write for the non-JSON types a request body may hold."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")  # pragma: no cover


def _check_body(value: Any) -> None:
    """Refuse, before anything is sent, what either encoder would write differently or not.

    TypeError: a type JSON has no form for (set, bytes, an object; a dict key that is not
    a str). ValueError: NaN or an infinity, an int beyond 64 bits, a lone surrogate,
    nesting deeper than 200 levels. Iterative, so no depth raises RecursionError.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, _SCALARS):
            if isinstance(item, str) and not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(
                        "the json body holds a str with a lone surrogate, which is not text"
                    ) from None
        elif isinstance(item, int):
            if not _INT_MIN <= item <= _INT_MAX:
                raise ValueError(f"the json body holds an int beyond 64 bits: {str(item)[:40]}")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"the json body holds {item!r}, which JSON cannot carry")
        elif isinstance(item, (list, tuple, dict)):
            if depth >= _MAX_DUMP_DEPTH:
                raise ValueError(f"the json body is nested deeper than {_MAX_DUMP_DEPTH} levels")
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, str):
                        raise TypeError(
                            f"the json body has a dict key {key!r} of type {type(key).__name__};"
                            " JSON object keys must be str"
                        )
                values: Any = item.values()
            else:
                values = item
            stack.extend((v, depth + 1) for v in values)
        elif isinstance(item, enum.Enum):
            stack.append((item.value, depth))
        elif not isinstance(item, _AS_TEXT):
            raise TypeError(
                f"the json body holds a {type(item).__name__}, which has no JSON form (use "
                "dict, list, str, int, float, bool, None; datetimes, dates, UUIDs and enums "
                "are written as their text / value)"
            )


try:  # optional speed-up, same results
    import orjson

    _fast_loads: Any = orjson.loads
    _ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME

    def dumps(value: Any) -> bytes:
        """Serialise a request body (see :func:`_check_body` for what is refused)."""
        _check_body(value)
        return orjson.dumps(value, default=_as_text, option=_ORJSON_OPTIONS)

except ImportError:  # pragma: no cover - exercised when the extra is absent
    _fast_loads = _stdlib_loads

    def dumps(value: Any) -> bytes:
        """Serialise a request body (see :func:`_check_body` for what is refused)."""
        _check_body(value)
        return _stdlib_dumps(value)


def _stdlib_dumps(value: Any) -> bytes:
    """The standard library's encoder, writing what orjson writes for a checked body."""
    text = json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_as_text
    )
    return text.encode()


def loads(body: bytes) -> Any:
    """Decode a JSON body; ValueError (never RecursionError) if it is not JSON.

    One meaning whichever decoder runs (orjson when installed, else the standard library):
    UTF-8 only, a leading UTF-8 byte-order mark ignored; ``NaN``, ``Infinity``, numbers
    beyond a double (``1e999999``), lone surrogates, UTF-16/32 and nesting deeper than
    ~1000 levels are refused; integers beyond 64 bits become floats.
    """
    if body[:3] == _BOM:
        body = body[3:]
    try:
        return _fast_loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


@attrs.frozen(slots=True)
class LinkEntry:
    """One entry of a ``Link`` header."""

    url: str
    rel: str
    results: bool | None
    cursor: str | None


def parse_link_header(value: str) -> dict[str, LinkEntry]:
    """Parse Sentry's ``Link`` header into entries by ``rel`` (``previous``, ``next``).

    Tolerant: entries without ``rel`` are skipped; ``results`` is None when absent. Each
    entry is ``<url>`` followed by its parameters up to the next ``<``. Runs in time linear
    in the header's length, whatever it holds.
    """
    entries: dict[str, LinkEntry] = {}
    end = len(value)
    start = value.find("<")
    while start >= 0:
        close = value.find(">", start + 1)
        if close < 0:
            break
        following = value.find("<", close + 1)
        stop = following if following >= 0 else end
        params = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _PARAM.finditer(value, close + 1, stop)
        }
        url = value[start + 1 : close]
        start = following
        rel = params.get("rel")
        if not rel:
            continue
        results = params.get("results")
        entries[rel] = LinkEntry(
            url=url,
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
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date.

    ``now`` is the server's epoch time as best known. Garbage (NaN, a sign, 400 digits) is
    None; a date in the past is 0.0; the result is never above 10**9 seconds.
    """
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), _MAX_RETRY_AFTER)
    when = parse_http_date(value)
    if when is None:
        return None
    return min(max(0.0, when - now), _MAX_RETRY_AFTER)


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


def _blank(body: bytes) -> bool:
    return not body or body.isspace()  # no copy, unlike strip() of a large body


def _decode_error_body(body: bytes) -> Any:
    """An error body as JSON when it is JSON (whatever Content-Type says), else a snippet."""
    if _blank(body):
        return None
    try:
        return loads(body)
    except ValueError:
        return snippet(body)


def _undecodable(
    method: str, route: str, url: str, status: int, body: bytes, kind: str
) -> DecodeError:
    shown = snippet(body)
    said = f"{shown!r}" if shown else "an empty body"
    if method in _READS:
        what = f"answered {status} with a body that is not JSON"
        hint = "is the base URL a Sentry API?"
    else:
        # The write went through; saying so keeps a caller from repeating it.
        what = f"was accepted ({status}) but its answer is not JSON"
        hint = "the change was applied: do not send it again"
    return DecodeError(
        f"{method} {route} {what} ({kind or 'no Content-Type'}): {said} ({hint}; url: {url})",
        method=method,
        route=route,
        url=url,
        status=status,
        snippet=shown,
        content_type=kind,
    )


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
    :class:`~sentry_async.errors.DecodeError` with a snippet. A 200/201 labelled JSON with an
    empty body is malformed too (cut short; not for HEAD or DELETE). Other statuses raise the
    :class:`~sentry_async.errors.APIError` subclass for the status, with ``retry_after``
    on 429s taken from Retry-After or else the window reset. ``now`` is the server's epoch
    time as best known (read only for a 429). ``rate`` may be passed when the caller has
    already parsed the rate-limit headers.
    """
    if isinstance(rate, _Unset):
        rate = parse_rate_headers(headers)
    if 200 <= status <= 299:
        kind = headers.get("Content-Type", "")
        if _blank(body):
            payload = None
            if status in (200, 201) and method not in ("HEAD", "DELETE") and "json" in kind.lower():
                raise _undecodable(method, route, url, status, body, kind)
        else:
            try:
                payload = loads(body)
                failed = False
            except ValueError:
                failed = True
            if failed:
                # Raised outside the except block: the decoder's error holds the whole body.
                raise _undecodable(method, route, url, status, body, kind)
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
