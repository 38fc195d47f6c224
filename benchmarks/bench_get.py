"""Benchmark 1: GET + decode throughput of ``projects.get`` against raw aiohttp.

Run ``python benchmarks/bench_get.py [--quick]``. Both sides fetch the same project details
from the same fake Sentry process, with the same concurrency and the same driver (a fixed
pool of workers pulling URLs from a shared iterator), so the only difference is the work
per request: ours goes through the full pipeline (route building, rate-limit gate, retry
loop, header parsing, orjson, cattrs structuring into a ``Project``); the baseline is
``session.get(url)`` + ``await resp.json()``. Runs alternate and the best of each side is
kept. Target (issue 4): ours at >= 0.95x the raw throughput.

Also reported, for information: client CPU seconds per side (the fake's CPU is in its own
process), which shows the client's overhead even when the server is the bottleneck.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import _common
import aiohttp
from _common import ORG, TOKEN, FakeProcess, Row, Timing, fake_process, row

from sentry_async import SentryClient

TARGET = 0.95
CONCURRENCY = 16


async def drive(fetch: Callable[[str], Awaitable[Any]], slugs: list[str], workers: int) -> int:
    """Call ``fetch`` on every slug with ``workers`` workers; return how many succeeded."""
    queue: Iterator[str] = iter(slugs)
    done = 0

    async def worker() -> None:
        nonlocal done
        for slug in queue:
            await fetch(slug)
            done += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return done


async def ours(fake: FakeProcess, slugs: list[str]) -> int:
    async with SentryClient(TOKEN, fake.url) as sentry:

        async def fetch(slug: str) -> Any:
            project = await sentry.projects.get(ORG, slug)
            assert project.slug == slug
            return project

        return await drive(fetch, slugs, CONCURRENCY)


async def raw(fake: FakeProcess, slugs: list[str]) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        base = f"{fake.api}/projects/{ORG}/"

        async def fetch(slug: str) -> Any:
            async with session.get(f"{base}{slug}/") as resp:
                resp.raise_for_status()
                data = await resp.json()
            assert data["slug"] == slug
            return data

        return await drive(fetch, slugs, CONCURRENCY)


def timed(
    side: Callable[[FakeProcess, list[str]], Coroutine[Any, Any, int]],
    fake: FakeProcess,
    slugs: list[str],
) -> Callable[[], Timing]:
    def once() -> Timing:
        with Timing() as timing:
            done = asyncio.run(side(fake, slugs))
        assert done == len(slugs)
        return timing

    return once


def run(quick: bool) -> list[Row]:
    """Run benchmark 1; one wall-time row (the target) and one client-CPU row (information)."""
    requests = 1000 if quick else 2000
    repeats = 3 if quick else 5
    projects = 500
    with fake_process(projects=projects) as fake:
        slugs = [_slug(fake, i) for i in range(projects)]
        wanted = [slugs[i % projects] for i in range(requests)]
        asyncio.run(ours(fake, wanted[:50]))  # warm up both sides (imports, first connections)
        asyncio.run(raw(fake, wanted[:50]))
        mine, base = _common.best_of_alternating(
            timed(ours, fake, wanted), timed(raw, fake, wanted), repeats
        )
    label = f"projects.get x{requests}, c={CONCURRENCY}"
    ratio = base.wall / mine.wall
    return [
        row(
            f"{label}: throughput vs raw aiohttp",
            ratio=ratio,
            target=f">= {TARGET}",
            ok=ratio >= TARGET,
            ours_s=mine.wall,
            baseline_s=base.wall,
            ours=f"{requests / mine.wall:,.0f} req/s",
            baseline=f"{requests / base.wall:,.0f} req/s",
        ),
        row(
            f"{label}: client CPU (info)",
            ratio=base.cpu / mine.cpu,
            target="info",
            ok=True,
            ours=f"{mine.cpu / requests * 1e6:,.0f} us/req",
            baseline=f"{base.cpu / requests * 1e6:,.0f} us/req",
        ),
    ]


_SLUGS: dict[str, list[str]] = {}


def _slug(fake: FakeProcess, index: int) -> str:
    """The slugs of the fake's projects (listed once per process, raw)."""
    slugs = _SLUGS.get(fake.url)
    if slugs is None:
        slugs = _SLUGS[fake.url] = asyncio.run(list_slugs(fake))
    return slugs[index]


async def list_slugs(fake: FakeProcess) -> list[str]:
    async with SentryClient(TOKEN, fake.url) as sentry:
        return [p.slug async for p in sentry.projects.list(ORG)]


def main(argv: list[str] | None = None) -> int:
    return _common.script_main(__doc__, run, "1,000 requests instead of 2,000", argv)


if __name__ == "__main__":
    sys.exit(main())
