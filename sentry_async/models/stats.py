"""Organization stats v2 (``/organizations/{org}/stats_v2/``)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["StatsGroup", "StatsV2"]


@attrs.frozen(kw_only=True)
class StatsGroup:
    """One group of a stats v2 answer.

    Keys of ``totals`` and ``series`` are the requested fields verbatim, e.g.
    ``"sum(quantity)"``; ``by`` maps each ``groupBy`` dimension to its value.
    """

    by: Mapping[str, Any] | None = None
    #: A total that is null or not a finite number is None (the other totals stay).
    totals: Mapping[str, float | int | None] | None = None
    #: One number per entry of ``StatsV2.intervals``; a point that is null or not a finite
    #: number is None in its place, so positions still match the intervals.
    series: Mapping[str, list[float | int | None]] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class StatsV2:
    """Outcome counts over time, grouped as requested."""

    start: datetime | None = None
    end: datetime | None = None
    #: An interval that is null or not a date is None in its place (series stay aligned).
    intervals: list[datetime | None] | None = None
    groups: list[StatsGroup] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
