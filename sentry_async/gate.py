"""The rate/concurrency gate every request passes, shared by all tasks of a client.

A thin async shell around a :class:`~sentry_async.stores.RateLimitStore`: it waits for an
in-flight slot on the route (and on the client, with ``max_concurrency``), then for request
budget in the current window, and feeds each answer's headers back.

Two paths, chosen once when the gate is built:

- the in-memory store (the default) is driven directly: its
  :class:`~sentry_async.ratelimit.RouteBudget` objects are plain state, so a request that
  need not wait passes without any await that suspends;
- any other store (shared through Redis) is asked through the store protocol. Per route, one
  task of this process at a time asks it (the others queue behind it in arrival order), so
  a crowd of local tasks costs the store one question at a time, not a stampede.
"""

from __future__ import annotations

import asyncio
import contextlib

from .clock import Clock
from .ratelimit import RateSnapshot, RouteBudget
from .stores._memory import MemoryRateLimitStore, RouteState
from .stores._protocol import Lease, RateLimitStore

__all__ = ["RateGate"]


class _SharedRoute:
    """This process's side of one route in a shared store."""

    __slots__ = ("freed", "leases", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # the head of the local queue asks the store
        self.freed = asyncio.Event()  # set whenever a request of this process finishes
        self.leases: list[Lease | None] = []  # one per request in flight (interchangeable)


class RateGate:
    """Waits before each request so that Sentry's limits are met, never exceeded.

    ``store`` holds the state (default: a private :class:`MemoryRateLimitStore`, as before
    stores existed); ``scope`` names this client's token in it (a fingerprint, never the
    token).
    """

    def __init__(
        self,
        clock: Clock,
        max_concurrency: int | None = None,
        *,
        store: RateLimitStore | None = None,
        scope: str = "",
    ) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1 (or None for no limit)")
        self._clock = clock
        self._max = max_concurrency
        self._global: asyncio.Semaphore | None = None
        if store is None:
            store = MemoryRateLimitStore()
        self._store = store
        self._scope = scope
        self._memory = store if isinstance(store, MemoryRateLimitStore) else None
        self._routes: dict[str, RouteState] = {}  # memory path: route key -> its state
        self._shared: dict[str, _SharedRoute] = {}  # shared path

    @property
    def store(self) -> RateLimitStore:
        return self._store

    def budget(self, key: str) -> RouteBudget:
        """The budget state of a route key (created empty on first use; in-memory store)."""
        if self._memory is None:
            raise TypeError(f"the budget of a route lives in {self._store!r}, not in this process")
        return self._slots(key).budget

    def _slots(self, key: str) -> RouteState:
        slots = self._routes.get(key)
        if slots is None:
            assert self._memory is not None
            slots = self._routes[key] = self._memory.route_state(self._scope, key)
        return slots

    async def acquire(self, key: str) -> None:
        """Wait until a request on route ``key`` may be sent; pair with :meth:`release`."""
        if self._max is not None:
            if self._global is None:
                self._global = asyncio.Semaphore(self._max)
            await self._global.acquire()
        try:
            if self._memory is not None:
                slots = self._slots(key)
                await self._take_slot(slots)
                try:
                    budget = slots.budget
                    while (delay := budget.reserve(self._clock.time())) > 0:
                        await self._clock.sleep(delay)
                except BaseException:
                    slots.give_back()
                    raise
            else:
                await self._acquire_shared(key)
        except BaseException:
            if self._global is not None:
                self._global.release()
            raise

    def release(self, key: str, snapshot: RateSnapshot | None, *, answered: bool) -> None:
        """Give back the slot taken by :meth:`acquire`, learning from the answer's headers."""
        if self._memory is not None:
            slots = self._slots(key)
            if answered:
                slots.budget.observe(snapshot, self._clock.time())
            slots.give_back()
        else:
            try:
                self._release_shared(key, snapshot, answered)
            finally:
                if self._global is not None:
                    self._global.release()
            return
        if self._global is not None:
            self._global.release()

    def note_blocked(self, key: str, seconds: float) -> None:
        """A 429 without window headers: hold the route's requests for ``seconds``."""
        if self._memory is not None:
            self._slots(key).budget.block_until(self._clock.time() + seconds)
        else:
            self._store.block(self._scope, key, seconds, self._clock.time())

    # -- the in-memory path ------------------------------------------------------------

    async def _take_slot(self, slots: RouteState) -> None:
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
                slots.give_back()
            elif waiter in slots.waiters:
                slots.waiters.remove(waiter)
            raise
        # The slot was counted for us by RouteState.wake.

    # -- the shared path ---------------------------------------------------------------

    async def _acquire_shared(self, key: str) -> None:
        route = self._shared.get(key)
        if route is None:
            route = self._shared[key] = _SharedRoute()
        store, scope, clock = self._store, self._scope, self._clock
        async with route.lock:
            while True:
                freed = route.freed
                freed.clear()  # before asking: a release during the question still counts
                admission = await store.acquire(scope, key, clock.time())
                if admission.admitted:
                    route.leases.append(admission.lease)
                    return
                if admission.waiting_for == "slot":
                    if not freed.is_set():
                        # Past the wait, a process elsewhere may have finished: ask again.
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(freed.wait(), admission.wait)
                else:
                    await clock.sleep(admission.wait)

    def _release_shared(self, key: str, snapshot: RateSnapshot | None, answered: bool) -> None:
        route = self._shared[key]
        leases = route.leases
        lease = leases.pop() if leases else None
        try:
            self._store.release(
                self._scope, key, lease, snapshot, answered=answered, now=self._clock.time()
            )
        finally:
            route.freed.set()
