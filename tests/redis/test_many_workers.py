"""Many worker processes, one token: one budget through Redis; N budgets without it.

Four spawned processes (each its own interpreter, event loop, client and store) fan out over
400 projects against a fake Sentry limiting ``GET /projects/{org}/{project}/`` to 40 requests
per 1 s window and 25 in flight. Every answer takes 0.25 s, so that the 25-slot cap really
binds when a window opens.

Goodput is measured on the server's own windows: every answer carries
``X-Sentry-Rate-Limit-Reset``, the end of the window it was counted in. The first window is
partial (the fleet starts mid-window and probes first) and so is the last (the work runs out
mid-window), so goodput is the successes in the whole windows between them, divided by
40 per window — empty windows in between included.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

import pytest

from sentry_async.stores import token_fingerprint
from sentry_async.testing import FakeOrg, Fault, FaultKind, RateLimitConfig, RouteLimit

from .conftest import SPAWN, TOKEN, fake_sentry, make_org, start_worker

ROUTE = "GET /projects/{org}/{project}/"
LIMIT, CONCURRENT, LATENCY = 40, 25, 0.25
WORKERS, PROJECTS = 4, 400


def run_fleet(fake_url: str, slugs: list[str], redis_url: str | None) -> list[dict[str, Any]]:
    """Run WORKERS processes on a quarter of ``slugs`` each; return their outcomes."""
    go = SPAWN.Barrier(WORKERS)  # all start together, whatever their start-up time
    results = SPAWN.Queue()
    processes = [
        start_worker(
            {
                "name": f"worker-{n}",
                "fake_url": fake_url,
                "redis_url": redis_url,
                "slugs": slugs[n::WORKERS],
                "concurrency": 32,
            },
            go,
            results,
        )
        for n in range(WORKERS)
    ]
    try:
        return [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def check_items(org: FakeOrg, slugs: list[str], outcomes: list[dict[str, Any]]) -> None:
    assert [o["error"] for o in outcomes] == [None] * len(outcomes)
    found: dict[str, str] = {}
    for outcome in outcomes:
        assert not found.keys() & outcome["found"].keys()
        found.update(outcome["found"])
    assert sorted(found) == sorted(slugs)
    for slug, project_id in found.items():
        project = org.project(slug)
        assert project is not None and project_id == str(project.id)


def measure(outcomes: list[dict[str, Any]]) -> dict[str, float]:
    """429 share of all answers, and goodput over the whole windows (see the module doc)."""
    answers = [answer for outcome in outcomes for answer in outcome["answers"]]
    ok = Counter(int(float(reset)) for status, reset, _at in answers if status == 200)
    first, last = min(ok), max(ok)
    whole = range(first + 1, last)  # 1 s windows, named by their reset second
    throttled = sum(1 for status, _reset, _at in answers if status == 429)
    return {
        "answers": len(answers),
        "throttled": throttled,
        "throttled_share": throttled / len(answers),
        "whole_windows": len(whole),
        "goodput": sum(ok[w] for w in whole) / (len(whole) * LIMIT),
        "goodput_all_windows": sum(ok.values()) / ((last - first + 1) * LIMIT),
    }


def run(redis_url: str | None) -> tuple[dict[str, float], Any]:
    org = make_org(PROJECTS)
    slugs = [project.slug for project in org.projects]
    limits = RateLimitConfig(limit=LIMIT, window=1, concurrent_limit=CONCURRENT)
    slow = Fault(FaultKind.SLOW, ROUTE, probability=1.0, delay=LATENCY)
    with fake_sentry(org, rate_limit=limits, faults=[slow]) as fake:
        outcomes = run_fleet(fake.url, slugs, redis_url)
        counters = fake.counters
    check_items(org, slugs, outcomes)
    stats = measure(outcomes)
    assert stats["answers"] == counters.requests  # the workers saw every answer the fake sent
    assert stats["throttled"] == counters.throttled
    return stats, counters


def test_four_workers_share_one_budget_through_redis(redis_url: str) -> None:
    stats, counters = run(redis_url)
    print(f"\nRedis store, {WORKERS} workers: {stats}")
    assert stats["throttled_share"] <= 0.01, stats
    assert stats["goodput"] >= 0.9, stats
    assert stats["whole_windows"] >= 8, stats  # long enough for the edges not to matter
    assert counters.max_in_flight_by_route[ROUTE] <= CONCURRENT


def test_four_workers_with_local_stores_only_overshoot(redis_url: str) -> None:
    """The contrast: each process paces itself alone, so together they bounce off the limit.

    Only what cannot be flaky is asserted: nothing is lost, and they collect more 429s than
    the shared store is allowed (about four times the limit is attempted each window).
    """
    stats, _counters = run(None)
    print(f"\nMemory stores, {WORKERS} workers: {stats}")
    assert stats["throttled_share"] > 0.01, stats


def test_a_killed_workers_slots_come_back_within_the_lease_ttl(redis_url: str) -> None:
    """SIGKILL a worker holding every slot: its leases expire, the others take over."""
    ttl, cap, latency = 2.0, 5, 0.3
    org = make_org(40)
    slugs = [project.slug for project in org.projects]
    limits = RateLimitConfig(routes={ROUTE: RouteLimit(concurrent=cap)})
    slow = Fault(FaultKind.SLOW, ROUTE, probability=1.0, delay=latency)
    import redis

    client = redis.Redis.from_url(redis_url)
    with fake_sentry(org, rate_limit=limits, faults=[slow]) as fake:
        # Keys are per host as well as per route.
        host = fake.url.removeprefix("http://")
        leases = f"sentry_async:{{{token_fingerprint(TOKEN)}}}:{host} {ROUTE}:leases"
        victim_go, others_go = SPAWN.Event(), SPAWN.Event()
        results = SPAWN.Queue()

        def job(name: str, part: list[str]) -> dict[str, Any]:
            return {
                "name": name,
                "fake_url": fake.url,
                "redis_url": redis_url,
                "store_options": {"lease_ttl": ttl},
                "slugs": part,
                "concurrency": 10,
            }

        victim = start_worker(job("victim", slugs), victim_go, results)
        others = [start_worker(job(f"other-{n}", slugs[n::2]), others_go, results) for n in (0, 1)]
        try:
            victim_go.set()
            deadline = time.monotonic() + 60
            while client.zcard(leases) < cap:
                assert time.monotonic() < deadline, "the victim never held every slot"
                time.sleep(0.01)
            held = cast(list[tuple[bytes, float]], client.zrange(leases, 0, -1, withscores=True))
            assert victim.pid is not None
            os.kill(victim.pid, signal.SIGKILL)
            victim.join(timeout=30)
            seconds, micros = client.time()
            killed_at = seconds + micros / 1e6
            others_go.set()  # they find every slot taken by a dead process
            outcomes = [results.get(timeout=60) for _ in others]
        finally:
            for process in (victim, *others):
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
        counters = fake.counters
    assert victim.exitcode == -signal.SIGKILL
    assert len(held) == cap
    # A dead worker's lease lasts at most lease_ttl past its last renewal, before the kill...
    assert all(expiry <= killed_at + ttl for _lease, expiry in held)
    # ...then it was reaped, and the survivors did all the work without a 429.
    assert all(client.zscore(leases, lease) is None for lease, _expiry in held)
    check_items(org, slugs, outcomes)
    assert counters.concurrency_limited == 0
    assert counters.max_in_flight_by_route[ROUTE] <= cap
    client.close()


@pytest.fixture(autouse=True)
def _no_worker_left_behind() -> Iterator[None]:
    yield
    for child in SPAWN.active_children():
        child.kill()
        child.join(timeout=10)
