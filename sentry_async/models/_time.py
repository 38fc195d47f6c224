"""Timestamp parsing for Sentry payloads.

Sentry writes ISO 8601 in several spellings (``Z`` or ``+00:00``, no fraction, 1 to 9 fraction
digits) and project stats use epoch seconds. ``datetime.fromisoformat`` on Python 3.10 rejects
``Z`` and fractions that are not 3 or 6 digits long, so a fallback parser here reads what
the C parser refuses; every spelling Sentry uses gives the same result on every supported
Python. Results are always timezone-aware and in UTC.
"""

import re
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["format_datetime", "parse_datetime"]

UTC = timezone.utc

_fromisoformat = datetime.fromisoformat

_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)"
    r"(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
    r"\s*(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?"
)


def parse_datetime(value: Any) -> datetime:
    """Turn a Sentry timestamp into an aware UTC ``datetime``.

    Accepts ISO 8601 strings (a missing offset means UTC, as everywhere in Sentry), epoch
    seconds as ``int``/``float``, and ``datetime`` objects. Raises ``TypeError`` for other
    types (``None`` and ``bool`` included) and ``ValueError`` for unparseable strings.
    """
    cls = value.__class__
    if cls is str:
        # Fast path: the C parser. Spelling "Z" as "+00:00" lets Python 3.10 read Sentry's
        # usual forms and yields the ``timezone.utc`` singleton (``replace`` is much slower).
        try:
            if value[-1:] == "Z":
                return _fromisoformat(value[:-1] + "+00:00")
            parsed = _fromisoformat(value)
        except ValueError:
            return _parse_iso(value)
        tz = parsed.tzinfo
        if tz is UTC:
            return parsed
        if tz is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    if cls is int or cls is float:
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    raise TypeError(f"expected an ISO 8601 string or epoch seconds, got {cls.__name__}")


def _parse_iso(text: str) -> datetime:
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    # Fractions beyond microseconds are truncated: Python cannot hold them.
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    result = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        tzinfo=UTC,
    )
    if sign and not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
        # The wall time was read as UTC; undo the offset to reach the real UTC instant.
        result = result - offset if sign == "+" else result + offset
    return result


def format_datetime(value: datetime) -> str:
    """Render a ``datetime`` as Sentry expects it in request bodies (UTC, ``Z`` suffix).

    Naive values are taken to be UTC already.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
