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
    probe = await gate.acquire(KEY)
    second = asyncio.ensure_future(gate.acquire(KEY))
    await asyncio.sleep(0)
    assert not second.done()  # nothing known yet: the probe goes alone
    gate.release(KEY, None, answered=True, ticket=probe)  # no headers: not limited
    await second
    assert gate.budget(KEY).in_flight == 1


async def test_concurrency_cap_from_headers_is_never_exceeded() -> None:
    clock = ManualClock()
    gate = RateGate(clock)
    probe = await gate.acquire(KEY)
    gate.release(
        KEY,
        RateSnapshot(limit=1000, remaining=999, reset=clock.time() + 1, concurrent_limit=3),
        answered=True,
        ticket=probe,
    )
    peak = 0
    running = 0

    async def work() -> None:
        nonlocal peak, running
        ticket = await gate.acquire(KEY)
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        gate.release(KEY, None, answered=True, ticket=ticket)

    await asyncio.gather(*(work() for _ in range(50)))
    assert peak == 3
    assert gate.budget(KEY).in_flight == 0


async def test_cancelled_waiter_leaves_no_slot_behind() -> None:
    gate = RateGate(ManualClock())
    ticket = await gate.acquire(KEY)
    waiter = asyncio.ensure_future(gate.acquire(KEY))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.release(KEY, None, answered=False, ticket=ticket)
    assert gate.budget(KEY).in_flight == 0
    await gate.acquire(KEY)  # the slot is free again
    assert gate.budget(KEY).in_flight == 1


async def test_spent_window_waits_on_the_clock() -> None:
    clock = ManualClock()
    gate = RateGate(clock)
    ticket = await gate.acquire(KEY)
    answer = RateSnapshot(limit=2, remaining=0, reset=clock.time() + 4)
    gate.release(KEY, answer, answered=True, ticket=ticket)
    await gate.acquire(KEY)
    assert sum(clock.sleeps) == pytest.approx(4.0, abs=0.05)


async def test_max_concurrency_caps_all_routes_together() -> None:
    gate = RateGate(ManualClock(), max_concurrency=2)
    tickets = [await gate.acquire(key) for key in ("a", "b")]
    third = asyncio.ensure_future(gate.acquire("c"))
    await asyncio.sleep(0)
    assert not third.done()
    gate.release("a", None, answered=True, ticket=tickets[0])
    await third


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        RateGate(ManualClock(), max_concurrency=0)


async def test_each_request_is_settled_with_its_own_ticket() -> None:
    """Tickets name when each request was let through; its window charge is settled by it."""
    clock = ManualClock()
    gate = RateGate(clock)
    probe = await gate.acquire(KEY)
    answer = RateSnapshot(limit=40, remaining=39, reset=clock.time() + 1)
    gate.release(KEY, answer, answered=True, ticket=probe)
    first = await gate.acquire(KEY)
    clock.advance(0.25)
    second = await gate.acquire(KEY)
    assert first != second
    assert gate.budget(KEY).recent == [first, second]
    gate.release(KEY, None, answered=True, ticket=second)
    assert gate.budget(KEY).recent == [first]
    gate.release(KEY, None, answered=False, ticket=first)  # lost: it may yet arrive
    assert gate.budget(KEY).recent == [first]


class StoppedClock(ManualClock):
    """Time moves only when the test says: a pacing sleep never ends by itself."""

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.get_running_loop().create_future()


async def test_a_task_waiting_for_the_window_wakes_when_a_charge_comes_back() -> None:
    """The new window was charged with a request still on its way; its answer shows it was
    counted in the old window, so the charge comes back, and a task sleeping until the
    next reset takes it now rather than a window later."""
    clock = StoppedClock()
    gate = RateGate(clock)
    probe = await gate.acquire(KEY)
    old_reset = clock.time() + 1
    gate.release(KEY, RateSnapshot(2, 1, old_reset), answered=True, ticket=probe)
    clock.advance(0.9)
    late = await gate.acquire(KEY)  # the window's last, shortly before its reset
    clock.advance(0.15)
    await gate.acquire(KEY)  # the new window: 2, less 1 charged for `late`
    waiter = asyncio.ensure_future(gate.acquire(KEY))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not waiter.done() and clock.sleeps  # asleep until the next reset
    gate.release(KEY, RateSnapshot(2, 0, old_reset), answered=True, ticket=late)
    await asyncio.wait_for(waiter, 1)
