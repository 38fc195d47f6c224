"""Query-parameter helpers shared by the endpoint namespaces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

__all__ = ["iso", "project_ids", "repeated"]


def iso(value: datetime | None, name: str) -> str | None:
    """An aware datetime as ISO 8601 UTC with ``Z`` (None stays None)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def repeated(value: str | int | Sequence[str | int], name: str) -> list[str] | None:
    """One value or several, sent as a repeated parameter; empty gives None (not sent)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a str, an int or a sequence of them")
    if isinstance(value, (str, int)):
        return [str(value)]
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise TypeError(f"{name} must hold str or int values, not {type(item).__name__}")
        out.append(str(item))
    return out or None


def project_ids(value: str | int | Sequence[str | int], name: str = "project") -> list[str] | None:
    """Numeric project ids (``-1``: every project), repeated; a slug is refused here, before
    Sentry's 400 ("Invalid project parameter. Values must be numbers.")."""
    ids = repeated(value, name)
    for item in ids or ():
        text = item.removeprefix("-")
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"{name} takes numeric project ids (or -1), not {item!r}")
    return ids
