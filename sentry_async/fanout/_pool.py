"""The worker pool both fan-out functions share: growth on demand, hand-over, shutdown.

Subclasses say what happens to a result (``_deliver``) and, if they keep input order, how
an item gets its place (``_reserve``); here is how many workers run, when one waits for the
consumer, and the worker loop itself. Starting, failing and stopping the tasks is
:class:`~._crew.Crew`'s job.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar, cast

from ._checks import NotAwaitableError, check_concurrency, check_items, checked_fn
from ._crew import Crew
from ._source import Source

__all__ = ["Pool"]

T = TypeVar("T")
R = TypeVar("R")


class Pool(Crew, Generic[T, R]):
    """Up to ``concurrency`` workers, each pulling an item, awaiting ``fn(item)`` and
    delivering the result, until the input ends or the pool stops.

    ``window`` bounds how many items may be pulled from the input but not yet handed to the
    consumer (in flight plus finished and waiting). Workers that find the window full park
    in ``_idle`` until the consumer frees a slot.

    Waking and spawning are chained: at most one recruit (a spawned or woken worker that
    has not run yet) is pending at a time, and each worker that takes a slot recruits the
    next only if slots are still free. When ``fn`` never suspends, one worker fills the whole
    window before the recruit even runs, so a batch of ``concurrency`` items costs a couple
    of loop wake-ups instead of one per item; when ``fn`` does I/O the chain grows the pool
    to ``concurrency`` busy workers one step at a time.
    """

    _name = "fan_out"

    def __init__(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        concurrency: int,
        return_exceptions: bool,
        window: int,
    ) -> None:
        super().__init__()
        self._fn = checked_fn(self._name, fn)
        self._limit = check_concurrency(self._name, concurrency)
        self._is_async = check_items(self._name, items)
        self._items: Iterable[T] | AsyncIterable[T] | None = items
        self._return_exceptions = return_exceptions
        self._window = window
        self._source: Source[T] | None = None
        self._ahead = 0  # items pulled and not yet handed to the consumer
        self._recruit_pending = False
        self._idle: deque[asyncio.Future[None]] = deque()

    # -- life cycle -------------------------------------------------------------------------

    def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        assert self._items is not None
        self._source = Source(self._items, self._is_async)
        self._items = None  # the iterator is all we need; do not pin the input
        self._spawn()

    def _spawn(self) -> None:
        self._recruit_pending = True
        self._launch(self._work())

    async def _close_input(self) -> None:
        source = self._source
        self._source = None  # do not pin the input past the end
        if source is not None:
            await source.close()

    # -- workers ----------------------------------------------------------------------------

    def _recruit(self) -> None:
        if self._idle:
            self._recruit_pending = True
            self._idle.popleft().set_result(None)
        elif len(self._tasks) < self._limit:
            self._spawn()

    def _end_of_input(self, source: Source[T]) -> None:
        source.exhausted = self._halted = True
        idle = self._idle
        while idle:  # everyone parked must wake up to leave
            idle.popleft().set_result(None)

    async def _wait_for_slot(self) -> None:
        assert self._loop is not None
        waiter = self._loop.create_future()
        self._idle.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if not waiter.done() or waiter.cancelled():
                self._idle.remove(waiter)
            raise
        self._recruit_pending = False

    def _is_halted(self) -> bool:
        return self._halted

    def _deliver(self, index: int, item: T, result: R) -> None:
        raise NotImplementedError

    def _reserve(self) -> int:
        """Called right after an item is pulled, in input order; returns its index."""
        return 0

    async def _work(self) -> None:
        if self._spawning:
            await asyncio.sleep(0)  # started eagerly inside _spawn: step out first
        self._recruit_pending = False  # the pending recruit was us
        source = self._source
        assert source is not None
        fn = self._fn
        sync_next: Iterator[T] | None = None
        if source.is_async:
            async_next = cast(AsyncIterator[T], source.iterator).__anext__
        else:
            sync_next = cast(Iterator[T], source.iterator)
        window = self._window
        limit = self._limit
        deliver = self._deliver
        reserve = self._reserve
        try:
            while not self._halted:
                if self._ahead >= window:
                    await self._wait_for_slot()
                    continue
                self._ahead += 1
                if (
                    not self._recruit_pending
                    and self._ahead < window
                    and (self._idle or len(self._tasks) < limit)
                ):
                    self._recruit()
                try:
                    if sync_next is not None:
                        item = next(sync_next)
                    elif source.pulling:
                        item = await source.pull_in_turn(self._is_halted)
                    else:
                        # Fast path of pull_in_turn, inlined: nobody else is reading.
                        source.pulling = True
                        try:
                            item = await async_next()
                        finally:
                            if source.waiters:
                                source.release()
                            else:
                                source.pulling = False
                except (StopIteration, StopAsyncIteration):
                    self._ahead -= 1
                    if not self._halted:  # else pull_in_turn only says "stop", not "exhausted"
                        self._end_of_input(source)
                    return
                index = reserve()
                try:
                    result = await fn(item)
                except Exception as exc:
                    if not self._return_exceptions or isinstance(exc, NotAwaitableError):
                        raise
                    result = cast(R, exc)
                deliver(index, item, result)
        except BaseException as exc:
            self._fail(exc)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
