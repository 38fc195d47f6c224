"""The client process of ``bench_core.py``: one JSON decoder, every scenario, alternating.

    python benchmarks/_core_client.py --mode json|orjson --url http://127.0.0.1:PORT \
        [--calls 2000] [--pages 200] [--repeats 5]

With ``--mode json`` orjson is hidden (``sys.modules["orjson"] = None``) before
``sentry_async`` is imported, which is what a default install without the ``speed`` extra
sees. Each run of a scenario is its own ``asyncio.run``: it opens its client or session,
warms it up with a few untimed calls (connections, caches), then times the measured calls
(wall with ``perf_counter``, this process's CPU with ``process_time``). Prints one JSON line:
``{"decoder": ..., "runs": {scenario: [[wall_s, cpu_s], ...]}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
parser.add_argument("--mode", choices=("json", "orjson"), required=True)
parser.add_argument("--url", required=True)
parser.add_argument("--calls", type=int, default=2000)
parser.add_argument("--pages", type=int, default=200)
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--only", default="", help="comma-separated scenarios (default: all)")
ARGS = parser.parse_args()

if ARGS.mode == "json":
    sys.modules["orjson"] = None  # type: ignore[assignment]  # import orjson -> ImportError

import aiohttp  # noqa: E402

from sentry_async import SentryClient, gather_bounded, wire  # noqa: E402
from sentry_async.models import Project  # noqa: E402
from sentry_async.models._converter import structurer  # noqa: E402

# The decoder sentry_async picked at import (``wire._fast_loads``; ``_loads`` before).
PICKED = getattr(wire, "_fast_loads", None) or getattr(wire, "_loads", None)
if ARGS.mode == "json":
    assert getattr(PICKED, "__module__", "") != "orjson", "json mode, but orjson is in use"
    LOADS: Callable[[str], Any] = json.loads
else:
    import orjson

    assert PICKED is orjson.loads, "orjson mode, but sentry_async did not pick orjson"
    LOADS = orjson.loads

TOKEN = "sntryu_" + "be7c4" * 12 + "beef"
ORG = "acme"
CONCURRENCY = 32
PER_PAGE = 100
WARM_UP = 64
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
NEXT_LINK = re.compile(r'rel="next"; results="(true|false)"; cursor="([^"]*)"')
SLUGS = [f"project-{i % 64}" for i in range(ARGS.calls)]
ITEMS = ARGS.pages * PER_PAGE

Measured = tuple[float, float]


class Clock:
    """Wall and process CPU seconds of the block it brackets."""

    def __enter__(self) -> Clock:
        gc.collect()
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


async def with_semaphore(fetch: Callable[[str], Awaitable[Any]], slugs: list[str]) -> list[Any]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def bounded(slug: str) -> Any:
        async with semaphore:
            return await fetch(slug)

    return await asyncio.gather(*(bounded(slug) for slug in slugs))


async def with_gather_bounded(
    fetch: Callable[[str], Awaitable[Any]], slugs: list[str]
) -> list[Any]:
    return await gather_bounded(fetch, slugs, concurrency=CONCURRENCY)


Driver = Callable[[Callable[[str], Awaitable[Any]], list[str]], Awaitable[list[Any]]]


async def ours_get(drive: Driver) -> Measured:
    async with SentryClient(TOKEN, ARGS.url) as sentry:

        async def fetch(slug: str) -> str:
            project = await sentry.projects.get(ORG, slug)
            return project.slug

        await drive(fetch, SLUGS[:WARM_UP])
        with Clock() as clock:
            slugs = await drive(fetch, SLUGS)
    assert slugs == SLUGS
    return clock.wall, clock.cpu


async def raw_get(drive: Driver) -> Measured:
    base = f"{ARGS.url}/api/0/projects/{ORG}/"
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def fetch(slug: str) -> str:
            async with session.get(f"{base}{slug}/") as resp:
                resp.raise_for_status()
                data = await resp.json(loads=LOADS)
            slug_: str = data["slug"]
            return slug_

        await drive(fetch, SLUGS[:WARM_UP])
        with Clock() as clock:
            slugs = await drive(fetch, SLUGS)
    assert slugs == SLUGS
    return clock.wall, clock.cpu


async def ours_list() -> Measured:
    count = 0
    async with SentryClient(TOKEN, ARGS.url) as sentry:
        async for _ in sentry.projects.list(ORG, per_page=PER_PAGE):
            break  # warm-up: first page
        with Clock() as clock:
            async for project in sentry.projects.list(ORG, per_page=PER_PAGE):
                count += 1 if project.slug else 0
    assert count == ITEMS, (count, ITEMS)
    return clock.wall, clock.cpu


async def raw_list(models: bool = False) -> Measured:
    """The hand-written Link loop; with ``models``, it also builds the library's ``Project``
    from each item (the same structuring function), which the plain loop skips."""
    url = f"{ARGS.url}/api/0/organizations/{ORG}/projects/"
    build = structurer(Project)
    count = 0
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        async with session.get(url, params={"per_page": str(PER_PAGE)}) as resp:
            await resp.read()  # warm-up: first page
        with Clock() as clock:
            cursor: str | None = None
            while True:
                params = {"per_page": str(PER_PAGE)}
                if cursor is not None:
                    params["cursor"] = cursor
                async with session.get(url, params=params) as resp:
                    resp.raise_for_status()
                    items = await resp.json(loads=LOADS)
                    link = resp.headers.get("Link", "")
                if models:
                    for item in items:
                        count += 1 if build(item).slug else 0
                else:
                    for item in items:
                        count += 1 if item["slug"] else 0
                found = NEXT_LINK.search(link)
                if found is None or found.group(1) != "true":
                    break
                cursor = found.group(2)
    assert count == ITEMS, (count, ITEMS)
    return clock.wall, clock.cpu


SCENARIOS: dict[str, Callable[[], Coroutine[Any, Any, Measured]]] = {
    "raw_sem": lambda: raw_get(with_semaphore),
    "ours_gather": lambda: ours_get(with_gather_bounded),
    "raw_gather": lambda: raw_get(with_gather_bounded),
    "ours_sem": lambda: ours_get(with_semaphore),
    "raw_list": raw_list,
    "ours_list": ours_list,
    "raw_list_models": lambda: raw_list(models=True),
}


def main() -> None:
    chosen = [s for s in ARGS.only.split(",") if s] or list(SCENARIOS)
    runs: dict[str, list[Measured]] = {name: [] for name in chosen}
    for name in chosen:  # one untimed pass: imports, first connections, code caches
        asyncio.run(SCENARIOS[name]())
    for _ in range(ARGS.repeats):  # raw, ours, raw, ours...: load drift hits both alike
        for name in chosen:
            runs[name].append(asyncio.run(SCENARIOS[name]()))
    print(json.dumps({"decoder": ARGS.mode, "runs": runs}))


if __name__ == "__main__":
    main()
