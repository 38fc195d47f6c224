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
import itertools
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

import attrs

from .clock import Clock
from .ratelimit import MAX_RESET_AHEAD, ClockSkew, RateSnapshot, RouteBudget, bounded
from .stores._memory import MAX_ROUTES, MemoryRateLimitStore, RouteState
from .stores._protocol import Lease, RateLimitStore

__all__ = ["PacingRefused", "RateGate", "Ticket"]

#: What :meth:`RateGate.acquire` hands out and :meth:`RateGate.release` takes back, opaque to
#: callers: in-process, when the request was let through (on the server's clock); with a
#: shared store, the store's lease for it (see :mod:`sentry_async.stores`).
Ticket = object


class PacingRefused(Exception):
    """The gate would have to wait longer than the call may: raised instead of waiting.

    ``wait`` is the seconds the window still needs (None: no in-flight slot came free in
    time); ``snapshot`` what this process knows of the route's window. The pipeline turns
    this into :class:`~sentry_async.errors.RateLimited`. ``client_wide`` is True when the
    slot waited for was one of the client's own ``max_concurrency`` slots (not Sentry's).
    """

    def __init__(
        self, wait: float | None, snapshot: RateSnapshot | None, *, client_wide: bool = False
    ) -> None:
        super().__init__(wait)
        self.wait = wait
        self.snapshot = snapshot
        self.client_wide = client_wide


class _SharedRoute:
    """This process's side of one route in a shared store."""

    __slots__ = ("freed", "in_flight", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # the head of the local queue asks the store
        self.freed = asyncio.Event()  # set whenever a request of this process finishes
        self.in_flight = 0  # requests of this process admitted and not yet released


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
        self._shared: OrderedDict[str, _SharedRoute] = OrderedDict()  # shared path
        #: The server's clock relative to ours: windows are paced on the server's time.
        self.skew = ClockSkew()

    @property
    def store(self) -> RateLimitStore:
        return self._store

    @property
    def max_concurrency(self) -> int | None:
        """The client-wide cap on requests in flight (None: no cap)."""
        return self._max

    def budget(self, key: str) -> RouteBudget:
        """The budget state of a route key (created empty on first use; in-memory store)."""
        if self._memory is None:
            raise TypeError(f"the budget of a route lives in {self._store!r}, not in this process")
        return self._slots(key).budget

    def now(self) -> float:
        """The server's epoch time as best known (local time plus the learnt skew)."""
        return self._clock.time() + self.skew.offset

    def _slots(self, key: str) -> RouteState:
        assert self._memory is not None
        return self._memory.route_state(self._scope, key)

    def _time_left(self, deadline: float | None) -> float | None:
        return None if deadline is None else deadline - self._clock.monotonic()

    def _allowed(self, delay: float, deadline: float | None, max_wait: float | None) -> bool:
        left = self._time_left(deadline)
        return (max_wait is None or delay <= max_wait) and (left is None or delay <= left)

    async def acquire(
        self, key: str, *, deadline: float | None = None, max_wait: float | None = None
    ) -> Ticket:
        """Wait until a request on route ``key`` may be sent; pair with :meth:`release`.

        Returns the request's :data:`Ticket`, to be handed to :meth:`release`.

        ``deadline`` (the clock's monotonic seconds) bounds every wait: queueing for a slot
        and pacing alike. A pacing wait longer than ``max_wait`` or than the time left
        raises :class:`PacingRefused` at once instead of waiting (so does a slot that does
        not come free before the deadline); nothing is held when it is raised.
        """
        if self._max is not None:
            if self._global is None:
                self._global = asyncio.Semaphore(self._max)
            semaphore = self._global
            if semaphore.locked():
                try:
                    await self._bounded(semaphore.acquire, semaphore.release, deadline)
                except PacingRefused:
                    raise PacingRefused(None, None, client_wide=True) from None
            else:
                await semaphore.acquire()  # free: taken at once
        try:
            if self._memory is not None:
                slots = self._slots(key)
                budget = slots.budget
                if not slots.waiters and budget.can_start():
                    budget.in_flight += 1  # a free slot: taken without a coroutine's frame
                else:
                    await self._take_slot(slots, deadline)
                try:
                    while (delay := budget.reserve(ticket := self.now())) > 0:
                        if not self._allowed(delay, deadline, max_wait):
                            raise PacingRefused(delay, _snapshot(budget))
                        await self._pace(slots, delay)
                except BaseException:
                    slots.give_back()
                    raise
                return ticket
            return await self._acquire_shared(key, deadline, max_wait)
        except BaseException:
            if self._global is not None:
                self._global.release()
            raise

    async def _pace(self, slots: RouteState, delay: float) -> None:
        """Sleep ``delay`` seconds (until the window resets), or until an answer gives the
        window budget back (a charge returned) or brings a new one."""
        refill: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        slots.refills.append(refill)
        sleep = asyncio.ensure_future(self._clock.sleep(delay))
        try:
            await asyncio.wait({sleep, refill}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            if not refill.done():
                refill.cancel()
                with contextlib.suppress(ValueError):
                    slots.refills.remove(refill)

    async def _bounded(
        self,
        waiting: Callable[[], Coroutine[Any, Any, Any]],
        undo: Callable[[], None],
        deadline: float | None,
    ) -> None:
        """Await ``waiting()`` (an acquire) until the deadline, else raise PacingRefused.

        Not ``asyncio.wait_for``: before Python 3.12 it swallows a cancellation that lands
        just as the acquire succeeds, and the cancelled call would go on to send. ``undo``
        gives back what the acquire took, when it succeeds after we stopped waiting.
        """
        left = self._time_left(deadline)
        if left is None:
            await waiting()
            return
        inner = asyncio.ensure_future(waiting())
        try:
            done, _ = await asyncio.wait({inner}, timeout=max(left, 0.0))
        except BaseException:
            _abandon(inner, undo)
            raise
        if not done:
            _abandon(inner, undo)
            raise PacingRefused(None, None)
        inner.result()

    def release(
        self,
        key: str,
        snapshot: RateSnapshot | None,
        *,
        answered: bool,
        ticket: Ticket,
    ) -> None:
        """Give back the slot taken by :meth:`acquire`, learning from the answer's headers.

        ``answered`` is False when no answer was accepted: then nothing is learnt.
        ``ticket`` is what that :meth:`acquire` returned: the request's own, so that its
        window charge is settled (see :class:`~sentry_async.ratelimit.RouteBudget`).
        """
        now = self.now() if answered else 0.0
        snapshot = bounded(snapshot, now) if answered else None
        if self._memory is not None:
            slots = self._slots(key)
            budget = slots.budget
            before = budget.remaining
            sent_at = ticket if isinstance(ticket, float) else None
            budget.settle(snapshot, now, answered=answered, ticket=sent_at)
            if slots.refills and budget.remaining and (before is None or budget.remaining > before):
                slots.refilled()
            slots.give_back()
        else:
            try:
                self._release_shared(key, snapshot, answered, ticket)
            finally:
                if self._global is not None:
                    self._global.release()
            return
        if self._global is not None:
            self._global.release()

    def note_blocked(self, key: str, seconds: float) -> None:
        """A 429 without window headers: hold the route's requests for ``seconds``.

        At most :data:`~sentry_async.ratelimit.MAX_RESET_AHEAD`: a Retry-After of a year
        must not freeze the route for a year.
        """
        seconds = min(seconds, MAX_RESET_AHEAD)
        if self._memory is not None:
            self._slots(key).budget.block_until(self.now() + seconds)
        else:
            self._store.block(self._scope, key, seconds, self._clock.time())

    # -- the in-memory path ------------------------------------------------------------

    async def _take_slot(self, slots: RouteState, deadline: float | None) -> None:
        budget = slots.budget
        if not slots.waiters and budget.can_start():
            budget.in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        slots.waiters.append(waiter)
        expired = False

        def expire() -> None:
            nonlocal expired
            if not waiter.done():
                expired = True
                waiter.cancel()

        left = self._time_left(deadline)
        timer = None if left is None else waiter.get_loop().call_later(max(left, 0.0), expire)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # We were handed a slot just as we were cancelled: pass it on.
                slots.give_back()
            elif waiter in slots.waiters:
                slots.waiters.remove(waiter)
            if expired and not _cancelling():
                raise PacingRefused(None, _snapshot(budget)) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()
        # The slot was counted for us by RouteState.wake.

    # -- the shared path ---------------------------------------------------------------

    def _shared_route(self, key: str) -> _SharedRoute:
        shared = self._shared
        route = shared.get(key)
        if route is None:
            route = shared[key] = _SharedRoute()
            if len(shared) > MAX_ROUTES:  # bounded, like the memory store: drop idle routes
                for old in list(itertools.islice(shared, 64))[: len(shared) - 1]:
                    idle = shared[old]
                    if not idle.in_flight and not idle.lock.locked():
                        del shared[old]
                        break
        else:
            shared.move_to_end(key)
        return route

    async def _acquire_shared(
        self, key: str, deadline: float | None, max_wait: float | None
    ) -> Lease | None:
        route = self._shared_route(key)
        store, scope, clock = self._store, self._scope, self._clock
        await self._bounded(route.lock.acquire, route.lock.release, deadline)
        try:
            while True:
                freed = route.freed
                freed.clear()  # before asking: a release during the question still counts
                # A shared store keeps time on its own clock (Redis TIME), not the server's:
                # it is handed local time, and resets converted to it (see release).
                admission = await store.acquire(scope, key, clock.time())
                if admission.admitted:
                    route.in_flight += 1
                    return admission.lease
                if admission.waiting_for == "slot":
                    left = self._time_left(deadline)
                    if left is not None and left <= 0:
                        raise PacingRefused(None, None)
                    if not freed.is_set():
                        # Past the wait, a process elsewhere may have finished: ask again.
                        wait = admission.wait if left is None else min(admission.wait, left)
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(freed.wait(), wait)
                else:
                    if not self._allowed(admission.wait, deadline, max_wait):
                        raise PacingRefused(admission.wait, None)
                    await clock.sleep(admission.wait)
        finally:
            route.lock.release()

    def _release_shared(
        self, key: str, snapshot: RateSnapshot | None, answered: bool, lease: Lease | None
    ) -> None:
        route = self._shared_route(key)
        route.in_flight -= 1
        offset = self.skew.whole_seconds
        if snapshot is not None and snapshot.reset is not None and offset:
            # Sentry's Reset is on Sentry's clock; the store compares it with its own.
            # Whole seconds: a window's answers must name one reset, whichever worker.
            snapshot = attrs.evolve(snapshot, reset=snapshot.reset - offset)
        try:
            self._store.release(
                self._scope, key, lease, snapshot, answered=answered, now=self._clock.time()
            )
        finally:
            route.freed.set()


def _snapshot(budget: RouteBudget) -> RateSnapshot:
    """What this process knows of a route's window, as the headers would have said it."""
    return RateSnapshot(
        limit=budget.limit,
        remaining=budget.remaining,
        reset=budget.reset_at,
        concurrent_limit=budget.concurrent_limit,
    )


def _cancelling() -> bool:
    """Whether the current task is being cancelled (Python 3.11+; False before)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


def _abandon(inner: asyncio.Future[Any], undo: Callable[[], None]) -> None:
    """Stop an acquire we no longer wait for; give back what it took if it got there."""
    if inner.done():
        if not inner.cancelled() and inner.exception() is None:
            undo()
        return
    inner.cancel()
    inner.add_done_callback(
        lambda f: undo() if not f.cancelled() and f.exception() is None else None
    )
