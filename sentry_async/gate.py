"""The rate/concurrency gate every request passes, shared by all tasks of a client.

A thin async shell around :class:`~sentry_async.ratelimit.RouteBudget`: it waits for an
in-flight slot on the route (and on the client, with ``max_concurrency``), then for request
budget in the current window, and feeds each answer's headers back.
"""

from __future__ import annotations

import asyncio
from collections import deque

from .clock import Clock
from .ratelimit import RateSnapshot, RouteBudget

__all__ = ["RateGate"]


class _Slots:
    """Waiters for one route's in-flight slots, woken in arrival order."""

    __slots__ = ("budget", "waiters")

    def __init__(self) -> None:
        self.budget = RouteBudget()
        self.waiters: deque[asyncio.Future[None]] = deque()


class RateGate:
    """Waits before each request so that Sentry's limits are met, never exceeded."""

    def __init__(self, clock: Clock, max_concurrency: int | None = None) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1 (or None for no limit)")
        self._clock = clock
        self._routes: dict[str, _Slots] = {}
        self._max = max_concurrency
        self._global: asyncio.Semaphore | None = None

    def budget(self, key: str) -> RouteBudget:
        """The budget state of a route key (created empty on first use)."""
        return self._slots(key).budget

    def _slots(self, key: str) -> _Slots:
        slots = self._routes.get(key)
        if slots is None:
            slots = self._routes[key] = _Slots()
        return slots

    async def acquire(self, key: str) -> None:
        """Wait until a request on route ``key`` may be sent; pair with :meth:`release`."""
        if self._max is not None:
            if self._global is None:
                self._global = asyncio.Semaphore(self._max)
            await self._global.acquire()
        try:
            slots = self._slots(key)
            await self._take_slot(slots)
            try:
                budget = slots.budget
                while (delay := budget.reserve(self._clock.time())) > 0:
                    await self._clock.sleep(delay)
            except BaseException:
                self._give_back(slots)
                raise
        except BaseException:
            if self._global is not None:
                self._global.release()
            raise

    def release(self, key: str, snapshot: RateSnapshot | None, *, answered: bool) -> None:
        """Give back the slot taken by :meth:`acquire`, learning from the answer's headers."""
        slots = self._slots(key)
        if answered:
            slots.budget.observe(snapshot, self._clock.time())
        self._give_back(slots)
        if self._global is not None:
            self._global.release()

    def note_blocked(self, key: str, seconds: float) -> None:
        """A 429 without window headers: hold the route's requests for ``seconds``."""
        self._slots(key).budget.block_until(self._clock.time() + seconds)

    async def _take_slot(self, slots: _Slots) -> None:
        budget = slots.budget
        if not slots.waiters and budget.can_start():
            budget.in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        slots.waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # We were handed a slot just as we were cancelled: pass it on.
                budget.in_flight -= 1
                self._wake(slots)
            elif waiter in slots.waiters:
                slots.waiters.remove(waiter)
            raise
        # The slot was counted for us by _wake.

    def _give_back(self, slots: _Slots) -> None:
        slots.budget.in_flight -= 1
        self._wake(slots)

    def _wake(self, slots: _Slots) -> None:
        budget = slots.budget
        while slots.waiters and budget.can_start():
            waiter = slots.waiters.popleft()
            if not waiter.done():
                budget.in_flight += 1
                waiter.set_result(None)
