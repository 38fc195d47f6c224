"""Event statistics: project stats v1 (``[[epoch_s, count], ...]``) and org stats_v2.

Grouping stats_v2 by ``project`` answers groups with ``by`` and ``totals`` only: Sentry runs
no timeseries query then, so ``series`` is absent (its outcome tests show groups without it).
Counts are synthetic but stable per seed; ``totals`` are the sums of the series.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from datetime import datetime, timezone
from typing import Any

from ._http import ApiError, Ctx, Reply, json_reply
from ._lookup import project_of
from ._routes import Route
from ._synth import event_count
from ._util import mix

__all__ = ["ROUTES"]

MAX_POINTS = 10_000
_RESOLUTIONS = {"10s": 10, "1h": 3600, "1d": 86400}
_STATS = ("received", "rejected", "blacklisted", "generated")
_PERIOD = re.compile(r"^(\d+)([smhdw])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_FIELDS = ("sum(quantity)", "sum(times_seen)")
_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "outcome": ("accepted", "filtered", "rate_limited", "invalid", "client_discard"),
    "category": ("error", "transaction", "attachment", "replay", "profile"),
    "reason": ("none", "sample_rate", "quota", "filter"),
}
_SCALE = {"accepted": 2000, "filtered": 200, "rate_limited": 120, "invalid": 30}


def _detail(message: str) -> ApiError:
    return ApiError(400, {"detail": message})


def _epoch(ctx: Ctx, name: str, default: float) -> float:
    raw = ctx.query.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise _detail(f"Invalid {name}: {raw}") from None


async def project_stats(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    stat = ctx.query.get("stat", "received")
    if stat not in _STATS:
        raise _detail(f"Invalid stat: {stat}")
    until = _epoch(ctx, "until", ctx.now)
    since = _epoch(ctx, "since", until - 86400 + 1)
    raw_resolution = ctx.query.get("resolution")
    if raw_resolution is None:
        # Like Sentry's tsdb: the finest rollup that still covers the range.
        span = until - since
        step = 10 if span <= 3600 else 3600 if span <= 7 * 86400 else 86400
    elif raw_resolution in _RESOLUTIONS:
        step = _RESOLUTIONS[raw_resolution]
    else:
        raise _detail("Not a valid resolution")
    first = int(since // step) * step
    last = int(until // step) * step
    if last < first or (last - first) // step >= MAX_POINTS:
        raise _detail("Invalid time range")
    seed = ctx.org.seed
    points = [
        [ts, event_count(seed, project, ts, step, stat)] for ts in range(first, last + 1, step)
    ]
    return json_reply(points)


def _seconds(text: str, name: str) -> int:
    found = _PERIOD.match(text)
    if not found:
        raise _detail(f"Invalid {name}: {text}")
    return int(found.group(1)) * _UNIT[found.group(2)]


def _iso_param(ctx: Ctx, name: str) -> float:
    raw = ctx.query.get(name, "")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _detail(f"Invalid {name}: {raw}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _iso_z(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def stats_v2(ctx: Ctx) -> Reply:
    query = ctx.query
    fields = query.getall("field", [])
    group_by = query.getall("groupBy", [])
    if not fields:
        raise _detail('Request is missing a "field"')
    if not group_by:
        raise _detail('Request is missing a "groupBy"')
    for field in fields:
        if field not in _FIELDS:
            raise _detail(f'Invalid field: "{field}"')
    for dimension in group_by:
        if dimension not in (*_DIMENSIONS, "project"):
            raise _detail(f'Invalid groupBy: "{dimension}"')
    interval = _seconds(query.get("interval", "1h"), "interval")
    if interval % 3600:
        raise _detail("The interval has to be a multiple of the minimum interval of one hour.")
    if "start" in query or "end" in query:
        start, end = _iso_param(ctx, "start"), _iso_param(ctx, "end")
    else:
        end = ctx.now
        start = end - _seconds(query.get("statsPeriod", "14d"), "statsPeriod")
    first = math.floor(start / interval) * interval
    buckets = list(range(first, int(end) + 1, interval))
    if not buckets or len(buckets) > MAX_POINTS:
        raise _detail("Invalid date range")
    choices: dict[str, tuple[str | int, ...]] = {
        name: _filtered(ctx, name, values) for name, values in _DIMENSIONS.items()
    }
    choices["project"] = _projects(ctx)
    groups = []
    for combo in itertools.islice(itertools.product(*(choices[d] for d in group_by)), 1000):
        by = dict(zip(group_by, combo, strict=True))
        salt = zlib.crc32(repr(sorted(by.items())).encode())
        scale = _SCALE.get(str(by.get("outcome", "accepted")), 60)
        series: dict[str, list[int]] = {}
        for field in fields:
            factor = 1 if field == "sum(quantity)" else 4
            series[field] = [mix(ctx.org.seed, salt, ts) % (scale // factor + 1) for ts in buckets]
        group: dict[str, Any] = {"by": by, "totals": {f: sum(v) for f, v in series.items()}}
        if "project" not in group_by:
            # Sentry runs no timeseries query when grouping by project: totals only.
            group["series"] = series
        groups.append(group)
    return json_reply(
        {
            "start": _iso_z(first),
            "end": _iso_z(end),
            "intervals": [_iso_z(ts) for ts in buckets],
            "groups": groups,
        }
    )


def _filtered(ctx: Ctx, name: str, values: tuple[str, ...]) -> tuple[str, ...]:
    wanted = ctx.query.getall(name, [])
    return tuple(v for v in values if v in wanted) if wanted else values


def _projects(ctx: Ctx) -> tuple[int, ...]:
    raw = [p for p in ctx.query.getall("project", []) if p != "-1"]
    try:
        ids = tuple(int(p) for p in raw)
    except ValueError:
        raise _detail("Invalid project ids") from None
    return ids or tuple(project.id for project in ctx.org.projects[:100])


ROUTES = [
    Route("GET", "/projects/{org}/{project}/stats/", project_stats),
    Route("GET", "/organizations/{org}/stats_v2/", stats_v2),
]
