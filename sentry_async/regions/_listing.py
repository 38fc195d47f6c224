"""Parsers for what the server says about regions (lenient: garbage means "nothing said").

- ``GET /users/me/regions/`` (control silo, main host only) answers
  ``{"regions": [{"name": "us", "url": "https://us.sentry.io"}, ...]}``: the regions where
  the user has organizations (getsentry/sentry ``users/api/endpoints/user_regions.py``).
- An organization's details carry ``links.regionUrl`` (``""`` on self-hosted).
"""

from __future__ import annotations

from typing import Any

import attrs

from ._origin import Origin

__all__ = ["ListedRegion", "parse_region_listing", "region_url_of"]

# Sentry runs a handful of regions; a listing of thousands is not one to act on.
_MAX_REGIONS = 64


@attrs.frozen(slots=True)
class ListedRegion:
    """One entry of ``/users/me/regions/``: its name (``"de"``) and origin."""

    name: str | None
    origin: Origin


def parse_region_listing(payload: Any) -> tuple[ListedRegion, ...] | None:
    """The regions listed in a ``/users/me/regions/`` answer, or None if it is not one.

    Entries whose ``url`` is not an absolute http(s) origin are skipped; duplicates of an
    origin are kept once (the first name wins). Never raises.
    """
    if not isinstance(payload, dict):
        return None
    entries = payload.get("regions")
    if not isinstance(entries, list) or len(entries) > _MAX_REGIONS:
        return None
    out: dict[Origin, ListedRegion] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        origin = Origin.parse(entry.get("url"))
        if origin is None or origin in out:
            continue
        name = entry.get("name")
        out[origin] = ListedRegion(name if isinstance(name, str) and name else None, origin)
    return tuple(out.values())


def region_url_of(payload: Any) -> str | None:
    """``links.regionUrl`` of an organization's details, or None if absent or empty."""
    if not isinstance(payload, dict):
        return None
    links = payload.get("links")
    if not isinstance(links, dict):
        return None
    url = links.get("regionUrl")
    return url if isinstance(url, str) and url.strip() else None
