"""Benchmark 5: completion and time under faults, against the same work without faults.

Run ``python benchmarks/bench_faults.py [--quick]``. Two fake Sentry processes serve the
same generated organization; one injects faults into 10% of answers as a 5xx, drops the
connection without an answer on 3% (of the rest), and delays a fifth of all answers by
50 ms. The job is the usual audit shape: ``fan_out`` over ``sentry.projects.list(org)``
(the paginator itself is the input) fetching each project's details, concurrency 16, with
``return_exceptions=True`` so that a lost item is counted instead of ending the run.

Rows: completion under faults (target: every item, each exactly once), and speed under
faults relative to the fault-free run (information: it is mostly the retry backoff, so it
is shown with the default 0.5 s initial backoff and with 50 ms).
Completion is checked twice: with ``RetryPolicy(attempts=8)`` (the row with the target) and
with the default ``RetryPolicy()`` (4 attempts), which at a 13% failure rate per request
loses about one GET in 3,500 (0.13**4): shown for information.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

import _common
from _common import ORG, TOKEN, FakeProcess, Row, Timing, fake_process, row

from sentry_async import RetryPolicy, SentryClient, fan_out
from sentry_async.models import Project

FAULTS = ("--fault", "slow:0.2:0.05", "--fault", "server_error:0.1", "--fault", "drop:0.03")
CONCURRENCY = 16
PATIENT = RetryPolicy(attempts=8)
# The same, with backoff starting at 50 ms instead of 500 ms: how much of the slowdown is
# the policy's waiting rather than the faults themselves.
BRISK = RetryPolicy(attempts=8, initial_backoff=0.05)


class Outcome:
    def __init__(self) -> None:
        self.fetched: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.timing = Timing()


async def audit(fake: FakeProcess, retry: RetryPolicy, outcome: Outcome) -> None:
    async with SentryClient(TOKEN, fake.url, retry=retry) as sentry:

        async def details(project: Project) -> Project:
            return await sentry.projects.get(ORG, project.slug)

        listing = sentry.projects.list(ORG)
        async with fan_out(
            details, listing, concurrency=CONCURRENCY, return_exceptions=True
        ) as results:
            async for listed, result in results:
                if isinstance(result, Exception):
                    outcome.failures[type(result).__name__] += 1
                else:
                    assert result.id == listed.id
                    outcome.fetched[result.id] += 1


def measure(fake: FakeProcess, retry: RetryPolicy) -> Outcome:
    outcome = Outcome()
    with outcome.timing:
        try:
            asyncio.run(audit(fake, retry, outcome))
        except Exception as exc:  # the listing itself gave up: the rest is lost
            outcome.failures[f"listing: {type(exc).__name__}"] += 1
    return outcome


def completion(outcome: Outcome, items: int) -> float:
    once = sum(1 for count in outcome.fetched.values() if count == 1)
    return once / items


def run(quick: bool) -> list[Row]:
    """Run benchmark 5: completion under faults, and speed relative to no faults."""
    items = 1000 if quick else 3000
    with fake_process(projects=items) as clean_fake, fake_process(*FAULTS, projects=items) as bad:
        clean = measure(clean_fake, PATIENT)
        faulty = measure(bad, PATIENT)
        brisk = measure(bad, BRISK)
        default = measure(bad, RetryPolicy())
    assert completion(clean, items) == 1.0
    done = completion(faulty, items)
    lost = ", ".join(f"{n} {kind}" for kind, n in faulty.failures.items()) or "none lost"
    default_done = completion(default, items)
    default_lost = ", ".join(f"{n} {kind}" for kind, n in default.failures.items())
    label = f"{items:,} projects listed + fetched, c={CONCURRENCY}"
    return [
        row(
            f"faults: completion, {label}",
            ratio=done,
            target="= 1.00 (each once)",
            ok=done == 1.0,
            ours=f"{sum(faulty.fetched.values()):,}/{items:,} ({lost})",
            baseline=f"{sum(clean.fetched.values()):,}/{items:,} fault-free",
        ),
        row(
            "faults: speed vs fault-free (attempts=8)",
            ratio=clean.timing.wall / faulty.timing.wall,
            target="info",
            ok=True,
            ours_s=faulty.timing.wall,
            baseline_s=clean.timing.wall,
        ),
        row(
            "faults: speed vs fault-free (attempts=8, backoff from 50 ms)",
            ratio=clean.timing.wall / brisk.timing.wall,
            target="info",
            ok=True,
            ours_s=brisk.timing.wall,
            baseline_s=clean.timing.wall,
            ours=f"{brisk.timing.wall:.3f} s, {completion(brisk, items):.0%} complete",
        ),
        row(
            "faults: completion, default RetryPolicy() (info)",
            ratio=default_done,
            target="info",
            ok=True,
            ours=f"{sum(default.fetched.values()):,}/{items:,}"
            + (f" ({default_lost})" if default_lost else ""),
            baseline=f"{default.timing.wall:.2f} s",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    return _common.script_main(__doc__, run, "1,000 projects instead of 3,000", argv)


if __name__ == "__main__":
    sys.exit(main())
