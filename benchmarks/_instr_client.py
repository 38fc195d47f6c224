"""The client process of ``bench_instructions.py``: one scenario, once, under callgrind.

    python benchmarks/_instr_client.py --mode json|orjson --url URL --scenario S --count N

Scenarios: ``ours_get`` / ``raw_get`` (N ``projects.get`` through ``gather_bounded`` at
concurrency 32, as in ``bench_core``) and ``ours_list`` / ``raw_list`` (N pages of 100
items). No warm-up and no timing: the caller runs two counts and keeps the difference, so
start-up (imports, the first connections, a region lookup) cancels out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any

parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
parser.add_argument("--mode", choices=("json", "orjson"), required=True)
parser.add_argument("--url", required=True)
parser.add_argument("--scenario", required=True)
parser.add_argument("--count", type=int, required=True)
ARGS = parser.parse_args()

if ARGS.mode == "json":
    sys.modules["orjson"] = None  # type: ignore[assignment]  # import orjson -> ImportError

import aiohttp  # noqa: E402

from sentry_async import SentryClient, gather_bounded  # noqa: E402

LOADS: Callable[[str], Any] = json.loads
if ARGS.mode == "orjson":
    import orjson

    LOADS = orjson.loads

TOKEN = "sntryu_" + "be7c4" * 12 + "beef"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
NEXT_LINK = re.compile(r'rel="next"; results="(true|false)"; cursor="([^"]*)"')
SLUGS = [f"project-{i % 64}" for i in range(ARGS.count)]


async def ours_get() -> None:
    async with SentryClient(TOKEN, ARGS.url) as sentry:

        async def fetch(slug: str) -> str:
            return (await sentry.projects.get("acme", slug)).slug

        assert await gather_bounded(fetch, SLUGS, concurrency=32) == SLUGS


async def raw_get() -> None:
    base = f"{ARGS.url}/api/0/projects/acme/"
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def fetch(slug: str) -> str:
            async with session.get(f"{base}{slug}/") as resp:
                resp.raise_for_status()
                data = await resp.json(loads=LOADS)
            slug_: str = data["slug"]
            return slug_

        assert await gather_bounded(fetch, SLUGS, concurrency=32) == SLUGS


async def ours_list() -> None:
    count = 0
    async with SentryClient(TOKEN, ARGS.url) as sentry:
        async for project in sentry.projects.list("acme", per_page=100):
            count += 1 if project.slug else 0
            if count == ARGS.count * 100:
                break
    assert count == ARGS.count * 100


async def raw_list() -> None:
    url = f"{ARGS.url}/api/0/organizations/acme/projects/"
    count = pages = 0
    cursor: str | None = None
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        while pages < ARGS.count:
            params = {"per_page": "100"}
            if cursor is not None:
                params["cursor"] = cursor
            async with session.get(url, params=params) as resp:
                resp.raise_for_status()
                items = await resp.json(loads=LOADS)
                link = resp.headers.get("Link", "")
            for item in items:
                count += 1 if item["slug"] else 0
            pages += 1
            found = NEXT_LINK.search(link)
            if found is None or found.group(1) != "true":
                break
            cursor = found.group(2)
    assert count == ARGS.count * 100


SCENARIOS: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
    "ours_get": ours_get,
    "raw_get": raw_get,
    "ours_list": ours_list,
    "raw_list": raw_list,
}

if __name__ == "__main__":
    asyncio.run(SCENARIOS[ARGS.scenario]())
