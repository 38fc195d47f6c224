"""Benchmark 4: goodput under Sentry-style rate limits, against the usual hand-written code.

Run ``python benchmarks/bench_goodput.py [--quick]``. The fake Sentry process enforces 40
requests per 1 s window and 25 concurrent requests per route (Sentry's limiter, as in its
429 messages), and every answer takes 0.1 s, as real API calls do. Each contender fetches
project details (``GET /projects/{org}/{project}/``) for a fixed number of whole windows
(10; 4 with ``--quick``):

- ours: ``fan_out(sentry.projects.get, endless stream of slugs, concurrency=64)`` with the
  default ``RetryPolicy`` (it learns the limits from the headers and paces itself);
- naive gather: ``asyncio.gather`` of raw aiohttp GETs for the whole job (limit x windows
  requests) at once, no retry: what fails, fails;
- fixed backoff: the same gather, each GET wrapped in the usual retry loop (on 429, sleep
  1 s and try again: tenacity's ``wait_fixed(1)``).

How goodput is measured, the same way for everyone: the run starts exactly at a window
boundary (epoch second, as Sentry's windows are aligned) and lasts a whole number of
windows; only successful answers that *arrived within that span* count, and whatever is
still running at the end is cancelled and not counted. Goodput = successes per second /
allowed requests per second (40). Every HTTP exchange is also counted by status through an
aiohttp ``TraceConfig`` on each contender's session (retries included), giving the share of
429s among all answers received in the span. Contenders run one after another, each after a
short pause so that the previous one's requests cannot leak into its windows.

Target (issue 4): ours >= 0.95 of the limit with <= 1% of answers being 429s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

import _common
import aiohttp
from _common import ORG, TOKEN, FakeProcess, Row, fake_process, row

from sentry_async import SentryClient, fan_out

LIMIT = 40
CONCURRENT = 25
ANSWER_DELAY = 0.1
GOODPUT_TARGET = 0.95
THROTTLE_TARGET = 0.01
PROJECTS = 200


class Tally:
    """Successes and HTTP statuses seen between ``start`` and ``end`` (epoch seconds)."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end
        self.successes = 0
        self.statuses: Counter[int] = Counter()
        self.errors = 0

    def _inside(self) -> bool:
        return self.start <= time.time() < self.end

    def success(self) -> None:
        if self._inside():
            self.successes += 1

    def answered(self, status: int) -> None:
        if self._inside():
            self.statuses[status] += 1

    def failed(self) -> None:
        if self._inside():
            self.errors += 1

    def session(self) -> aiohttp.ClientSession:
        """An aiohttp session that reports every answer's status to this tally."""
        trace = aiohttp.TraceConfig()

        async def on_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            self.answered(params.response.status)

        trace.on_request_end.append(on_end)
        return aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
            trace_configs=[trace],
        )

    @property
    def answers(self) -> int:
        return sum(self.statuses.values())

    @property
    def throttled_share(self) -> float:
        return self.statuses[429] / self.answers if self.answers else 0.0

    def goodput(self) -> float:
        return self.successes / (self.end - self.start) / LIMIT


Contender = Callable[[FakeProcess, list[str], Tally, int], Coroutine[Any, Any, None]]


async def ours(fake: FakeProcess, slugs: list[str], tally: Tally, job: int) -> None:
    async with tally.session() as session, SentryClient(TOKEN, fake.url, session=session) as s:

        async def get(slug: str) -> Any:
            project = await s.projects.get(ORG, slug)
            tally.success()
            return project

        async with fan_out(get, itertools.cycle(slugs), concurrency=64) as results:
            async for _slug, _project in results:
                pass


async def _raw_get(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as resp:
        if resp.status == 200:
            await resp.json()
        else:
            await resp.read()
        return resp.status


async def naive(fake: FakeProcess, slugs: list[str], tally: Tally, job: int) -> None:
    base = f"{fake.api}/projects/{ORG}/"
    async with tally.session() as session:

        async def get(slug: str) -> None:
            status = await _raw_get(session, f"{base}{slug}/")
            if status == 200:
                tally.success()
            else:
                tally.failed()

        await asyncio.gather(*(get(slugs[i % len(slugs)]) for i in range(job)))


async def fixed_backoff(fake: FakeProcess, slugs: list[str], tally: Tally, job: int) -> None:
    base = f"{fake.api}/projects/{ORG}/"
    async with tally.session() as session:

        async def get(slug: str) -> None:
            while True:
                status = await _raw_get(session, f"{base}{slug}/")
                if status != 429:
                    break
                await asyncio.sleep(1.0)
            if status == 200:
                tally.success()
            else:
                tally.failed()

        await asyncio.gather(*(get(slugs[i % len(slugs)]) for i in range(job)))


async def measure(contender: Contender, fake: FakeProcess, slugs: list[str], windows: int) -> Tally:
    """Run ``contender`` over ``windows`` whole windows, starting at a window boundary."""
    now = time.time()
    start = math.ceil(now + 2 * ANSWER_DELAY)  # the previous run's answers are all in
    tally = Tally(start, start + windows)
    await asyncio.sleep(start - time.time())
    task = asyncio.create_task(contender(fake, slugs, tally, LIMIT * windows))
    await asyncio.sleep(max(0.0, tally.end - time.time()))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return tally


async def list_slugs(fake: FakeProcess) -> list[str]:
    async with SentryClient(TOKEN, fake.url) as sentry:
        return [p.slug async for p in sentry.projects.list(ORG)]


def describe(tally: Tally) -> str:
    per_second = tally.successes / (tally.end - tally.start)
    return (
        f"{per_second:.1f} req/s ({tally.goodput():.2f} of limit), "
        f"{tally.throttled_share:.1%} 429 of {tally.answers}"
    )


def run(quick: bool) -> list[Row]:
    """Run benchmark 4: ours against the limit, then against each hand-written pattern."""
    windows = 4 if quick else 10
    args = ["--rate-limit", str(LIMIT), "--concurrent-limit", str(CONCURRENT)]
    args += ["--fault", f"slow:1:{ANSWER_DELAY}"]
    contenders: dict[str, Contender] = {
        "naive gather": naive,
        "fixed 1 s backoff": fixed_backoff,
    }
    with fake_process(*args, projects=PROJECTS) as fake:
        slugs = asyncio.run(list_slugs(fake))
        mine = asyncio.run(measure(ours, fake, slugs, windows))
        others = {
            name: asyncio.run(measure(contender, fake, slugs, windows))
            for name, contender in contenders.items()
        }
    span = f"{windows} x 1 s windows, {LIMIT}/s + {CONCURRENT} concurrent"
    ok = mine.goodput() >= GOODPUT_TARGET and mine.throttled_share <= THROTTLE_TARGET
    rows = [
        row(
            f"goodput at the limit ({span})",
            ratio=mine.goodput(),
            target=f">= {GOODPUT_TARGET} of limit, <= {THROTTLE_TARGET:.0%} 429",
            ok=ok,
            ours=describe(mine),
            baseline=f"allowed {LIMIT} req/s",
        )
    ]
    for name, other in others.items():
        rows.append(
            row(
                f"goodput vs {name}",
                ratio=mine.goodput() / other.goodput() if other.goodput() else math.inf,
                target="info",
                ok=True,
                ours=describe(mine),
                baseline=describe(other) + (f", {other.errors} failed" if other.errors else ""),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    return _common.script_main(__doc__, run, "4 windows instead of 10", argv)


if __name__ == "__main__":
    sys.exit(main())
