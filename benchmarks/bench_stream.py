"""Benchmark 2: streaming a big project list through ``projects.list`` against raw aiohttp.

Run ``python benchmarks/bench_stream.py [--quick]``. Both sides page through the same
organization (100,000 projects; 20,000 with ``--quick``) in pages of 100 from the same fake
Sentry process, one page at a time as paging requires. Ours iterates ``async for project in
sentry.projects.list(org, per_page=100)``, which builds a ``Project`` model per item; the
baseline is the loop a careful user writes by hand: ``session.get`` with the cursor, a
precompiled regex over the ``Link`` header for the next cursor, ``await resp.json()``, and
plain dicts (no models). Runs alternate and the best of each side is kept. Target (issue 4):
>= 0.95x the raw speed.

Memory: in separate runs under tracemalloc, ours iterates 10% and then 100% of the items
without keeping them; the traced peaks must be about equal (flat in the number of items:
at most 1.5x, or 1 MB apart, whichever is looser).
"""

from __future__ import annotations

import asyncio
import gc
import re
import sys
import tracemalloc
from collections.abc import Callable, Coroutine
from typing import Any

import _common
import aiohttp
from _common import ORG, TOKEN, FakeProcess, Row, Timing, fake_process, row

from sentry_async import SentryClient

TARGET = 0.95
PER_PAGE = 100
# One Link entry: <url>; rel="next"; results="true"; cursor="..."
NEXT_LINK = re.compile(r'rel="next"; results="(true|false)"; cursor="([^"]*)"')


async def ours(fake: FakeProcess, limit: int) -> int:
    count = 0
    async with SentryClient(TOKEN, fake.url) as sentry:
        async for project in sentry.projects.list(ORG, per_page=PER_PAGE):
            count += 1 if project.slug else 0
            if count == limit:
                break
    return count


async def raw(fake: FakeProcess, limit: int) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    url = f"{fake.api}/organizations/{ORG}/projects/"
    count = 0
    cursor: str | None = None
    async with aiohttp.ClientSession(headers=headers) as session:
        while True:
            params = {"per_page": str(PER_PAGE)}
            if cursor is not None:
                params["cursor"] = cursor
            async with session.get(url, params=params) as resp:
                resp.raise_for_status()
                items = await resp.json()
                link = resp.headers.get("Link", "")
            for item in items:
                count += 1 if item["slug"] else 0
                if count == limit:
                    return count
            found = NEXT_LINK.search(link)
            if found is None or found.group(1) != "true":
                return count
            cursor = found.group(2)


def timed(
    side: Callable[[FakeProcess, int], Coroutine[Any, Any, int]], fake: FakeProcess, items: int
) -> Callable[[], Timing]:
    def once() -> Timing:
        with Timing() as timing:
            count = asyncio.run(side(fake, items))
        assert count == items, (count, items)
        return timing

    return once


def peak_mb(fake: FakeProcess, items: int) -> float:
    async def traced() -> int:
        gc.collect()
        tracemalloc.start()
        try:
            await ours(fake, items)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    return asyncio.run(traced()) / 1e6


def run(quick: bool) -> list[Row]:
    """Run benchmark 2: a speed row (the target), a client-CPU row and a memory row."""
    items = 20_000 if quick else 100_000
    repeats = 3
    with fake_process(projects=items) as fake:
        asyncio.run(ours(fake, 500))  # warm up both sides
        asyncio.run(raw(fake, 500))
        mine, base = _common.best_of_alternating(
            timed(ours, fake, items), timed(raw, fake, items), repeats
        )
        small = items // 10
        peak_small = peak_mb(fake, small)
        peak_all = peak_mb(fake, items)
    ratio = base.wall / mine.wall
    flat = peak_all <= max(peak_small * 1.5, peak_small + 1.0)
    label = f"projects.list {items // 1000}k items"
    return [
        row(
            f"{label}: speed vs raw Link loop",
            ratio=ratio,
            target=f">= {TARGET}",
            ok=ratio >= TARGET,
            ours_s=mine.wall,
            baseline_s=base.wall,
            ours=f"{items / mine.wall:,.0f} items/s",
            baseline=f"{items / base.wall:,.0f} items/s",
        ),
        row(
            f"{label}: client CPU (info)",
            ratio=base.cpu / mine.cpu,
            target="info",
            ok=True,
            ours=f"{mine.cpu / items * 1e6:,.1f} us/item",
            baseline=f"{base.cpu / items * 1e6:,.1f} us/item",
        ),
        row(
            f"{label}: traced peak, {small // 1000}k vs {items // 1000}k items",
            ratio=peak_all / peak_small,
            target="flat (<= 1.5x)",
            ok=flat,
            peak_mb=peak_all,
            ours=f"{peak_all:.2f} MB at {items // 1000}k",
            baseline=f"{peak_small:.2f} MB at {small // 1000}k",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    return _common.script_main(__doc__, run, "20,000 items instead of 100,000", argv)


if __name__ == "__main__":
    sys.exit(main())
