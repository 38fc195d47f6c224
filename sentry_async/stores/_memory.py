"""The in-process store: every route's :class:`~sentry_async.ratelimit.RouteBudget` in a dict.

This is the default and the fast path. :class:`~sentry_async.gate.RateGate` recognises it and
works on its :class:`RouteState` objects directly, synchronously, with no await that
suspends unless a request really has to wait; the :class:`RateLimitStore` methods are for
everything else (a shared store's fallback, other callers).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque

from ..ratelimit import RateSnapshot, RouteBudget
from ._protocol import Admission, Lease

__all__ = ["LocalLease", "MemoryRateLimitStore", "RouteState"]


class LocalLease(float):
    """The lease of an in-process slot: the request's ticket (see ``RouteBudget.reserve``).

    The slot count itself lives in ``RouteBudget.in_flight``.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"LocalLease({float(self)!r})"


# How long a caller of acquire() waits for a slot before asking again, at most; a release
# through this store wakes the gate's waiters sooner.
SLOT_POLL = 0.05
#: Routes remembered per store. ``SentryClient.request()`` keys state by concrete path, so
#: an audit over 100k paths would otherwise keep 100k budgets forever; past this many, the
#: least recently used idle routes are forgotten (a forgotten route starts over with a probe).
MAX_ROUTES = 4096


class RouteState:
    """One route's budget, and the tasks waiting for one of its in-flight slots (FIFO)."""

    __slots__ = ("budget", "refills", "waiters")

    def __init__(self) -> None:
        self.budget = RouteBudget()
        self.waiters: deque[asyncio.Future[None]] = deque()
        # Tasks sleeping until the window resets, woken early when an answer gives budget
        # back (a charge returned) or brings a new window.
        self.refills: list[asyncio.Future[None]] = []

    def refilled(self) -> None:
        """The window has budget again: wake the tasks waiting for it."""
        refills, self.refills = self.refills, []
        for refill in refills:
            if not refill.done():
                refill.set_result(None)

    def give_back(self) -> None:
        """One request finished: free its slot and hand it to the next waiter."""
        self.budget.in_flight -= 1
        self.wake()

    def wake(self) -> None:
        """Hand free slots to waiters, in arrival order (each is counted for its waiter)."""
        budget = self.budget
        waiters = self.waiters
        while waiters and budget.can_start():
            waiter = waiters.popleft()
            if not waiter.done():
                budget.in_flight += 1
                waiter.set_result(None)


class MemoryRateLimitStore:
    """Rate-limit state kept in this process: what every client uses unless told otherwise.

    Pass one instance to several clients (``SentryClient(..., rate_limit_store=store)``) to
    make them share one budget per token within a process. Use it from one event loop.
    """

    __slots__ = ("_max_routes", "_routes")

    def __init__(self, max_routes: int = MAX_ROUTES) -> None:
        if max_routes < 1:
            raise ValueError("max_routes must be at least 1")
        self._routes: OrderedDict[tuple[str, str], RouteState] = OrderedDict()
        self._max_routes = max_routes

    def route_state(self, scope: str, route: str) -> RouteState:
        """The state of ``route`` under ``scope`` (created empty on first use)."""
        key = (scope, route)
        routes = self._routes
        state = routes.get(key)
        if state is None:
            state = routes[key] = RouteState()
            if len(routes) > self._max_routes:
                self._evict()
        else:
            routes.move_to_end(key)
        return state

    def _evict(self) -> None:
        """Forget the least recently used routes that nothing is in flight or waiting on."""
        routes = self._routes
        excess = len(routes) - self._max_routes
        # Look at a bounded prefix: busy routes are rare among the oldest, and the newest
        # (just created, about to be used) is never looked at.
        for key in list(itertools.islice(routes, excess + 64))[: len(routes) - 1]:
            if excess <= 0:
                break
            state = routes[key]
            if state.budget.in_flight == 0 and not state.waiters and not state.refills:
                del routes[key]
                excess -= 1

    def try_acquire(self, scope: str, route: str, now: float) -> Admission:
        """:meth:`acquire` without the coroutine: answers at once."""
        state = self.route_state(scope, route)
        budget = state.budget
        if state.waiters or not budget.can_start():
            return Admission(False, None, SLOT_POLL, "slot")
        delay = budget.reserve(now)
        if delay > 0:
            return Admission(False, None, delay, "window")
        budget.in_flight += 1
        return Admission(True, LocalLease(now))

    async def acquire(self, scope: str, route: str, now: float) -> Admission:
        return self.try_acquire(scope, route, now)

    def release(
        self,
        scope: str,
        route: str,
        lease: Lease | None,
        snapshot: RateSnapshot | None,
        *,
        answered: bool,
        now: float,
    ) -> None:
        state = self.route_state(scope, route)
        if lease is not None:  # let through by try_acquire, whose ticket it carries
            ticket = float(lease) if isinstance(lease, LocalLease) else None
            state.budget.settle(snapshot, now, answered=answered, ticket=ticket)
            state.give_back()
        elif answered:
            state.budget.observe(snapshot, now)
            state.wake()  # the answer may have raised the cap (the probe came back)

    def block(self, scope: str, route: str, seconds: float, now: float) -> None:
        self.route_state(scope, route).budget.block_until(now + seconds)

    def __len__(self) -> int:
        return len(self._routes)

    def __repr__(self) -> str:
        return f"<MemoryRateLimitStore routes={len(self._routes)}>"
