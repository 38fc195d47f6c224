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

    by: Mapping[str, Any] = attrs.field(factory=dict)
    totals: Mapping[str, float | int] = attrs.field(factory=dict)
    #: One number per entry of ``StatsV2.intervals``.
    series: Mapping[str, list[float | int]] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class StatsV2:
    """Outcome counts over time, grouped as requested."""

    start: datetime
    end: datetime
    intervals: list[datetime] = attrs.field(factory=list)
    groups: list[StatsGroup] = attrs.field(factory=list)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
