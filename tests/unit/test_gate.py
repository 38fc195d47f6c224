"""The shared gate: probe first, then the announced concurrency; waits for the window."""

from __future__ import annotations

import asyncio

import pytest

from sentry_async import ManualClock
from sentry_async.gate import RateGate
from sentry_async.ratelimit import RateSnapshot

KEY = "GET /projects/{org}/{project}/"


async def test_one_probe_until_the_route_is_known() -> None:
    gate = RateGate(ManualClock())
    await gate.acquire(KEY)
    second = asyncio.ensure_future(gate.acquire(KEY))
    await asyncio.sleep(0)
    assert not second.done()  # nothing known yet: the probe goes alone
    gate.release(KEY, None, answered=True)  # no headers: not limited
    await second
    assert gate.budget(KEY).in_flight == 1


async def test_concurrency_cap_from_headers_is_never_exceeded() -> None:
    clock = ManualClock()
    gate = RateGate(clock)
    await gate.acquire(KEY)
    gate.release(
        KEY,
        RateSnapshot(limit=1000, remaining=999, reset=clock.time() + 1, concurrent_limit=3),
        answered=True,
    )
    peak = 0
    running = 0

    async def work() -> None:
        nonlocal peak, running
        await gate.acquire(KEY)
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        gate.release(KEY, None, answered=True)

    await asyncio.gather(*(work() for _ in range(50)))
    assert peak == 3
    assert gate.budget(KEY).in_flight == 0


async def test_cancelled_waiter_leaves_no_slot_behind() -> None:
    gate = RateGate(ManualClock())
    await gate.acquire(KEY)
    waiter = asyncio.ensure_future(gate.acquire(KEY))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.release(KEY, None, answered=False)
    assert gate.budget(KEY).in_flight == 0
    await gate.acquire(KEY)  # the slot is free again
    assert gate.budget(KEY).in_flight == 1


async def test_spent_window_waits_on_the_clock() -> None:
    clock = ManualClock()
    gate = RateGate(clock)
    await gate.acquire(KEY)
    gate.release(KEY, RateSnapshot(limit=2, remaining=0, reset=clock.time() + 4), answered=True)
    await gate.acquire(KEY)
    assert sum(clock.sleeps) == pytest.approx(4.0, abs=0.05)


async def test_max_concurrency_caps_all_routes_together() -> None:
    gate = RateGate(ManualClock(), max_concurrency=2)
    for key in ("a", "b"):
        await gate.acquire(key)
    third = asyncio.ensure_future(gate.acquire("c"))
    await asyncio.sleep(0)
    assert not third.done()
    gate.release("a", None, answered=True)
    await third


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        RateGate(ManualClock(), max_concurrency=0)
