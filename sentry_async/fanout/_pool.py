"""The worker pool both fan-out functions share: growth on demand, hand-over, shutdown.

Subclasses say what happens to a result (``_deliver``) and, if they keep input order, how
an item gets its place (``_reserve``); everything else — how many workers run, when one
waits for the consumer, how failures stop the rest — is here.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar, cast

from ._checks import NotAwaitableError, check_concurrency, check_items, checked_fn
from ._source import Source

__all__ = ["Pool"]

T = TypeVar("T")
R = TypeVar("R")


class Pool(Generic[T, R]):
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
        self._fn = checked_fn(self._name, fn)
        self._limit = check_concurrency(self._name, concurrency)
        self._is_async = check_items(self._name, items)
        self._items: Iterable[T] | AsyncIterable[T] | None = items
        self._return_exceptions = return_exceptions
        self._window = window
        self._source: Source[T] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0  # workers spawned and not yet finished
        self._ahead = 0  # items pulled and not yet handed to the consumer
        self._recruit_pending = False
        self._spawning = False
        self._idle: deque[asyncio.Future[None]] = deque()
        self._halted = False  # stop pulling: input exhausted, failed, or shutting down
        self._stopping = False  # failed or shutting down
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None  # the consumer, waiting for news

    # -- life cycle -------------------------------------------------------------------------

    def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        assert self._items is not None
        self._source = Source(self._items, self._is_async)
        self._items = None  # the iterator is all we need; do not pin the input
        self._spawn()

    def _spawn(self) -> None:
        assert self._loop is not None
        self._running += 1
        self._recruit_pending = True
        # With an eager task factory (3.12+) the new worker starts running inside this call;
        # the flag lets it step out first, so a chain of spawns cannot nest deeply.
        self._spawning = True
        try:
            task = self._loop.create_task(self._work())
        finally:
            self._spawning = False
        task.add_done_callback(self._worker_done)
        self._tasks.append(task)

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        # Counting here rather than in the worker also covers a worker cancelled before its
        # first step, whose body never runs.
        self._running -= 1
        if task.cancelled():
            if not self._stopping:
                self._fail(asyncio.CancelledError())
        else:
            task.exception()  # only KeyboardInterrupt/SystemExit get here; already recorded
        if self._running == 0:
            self._notify()

    def _notify(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        assert self._loop is not None
        waiter = self._waiter = self._loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    def _fail(self, exc: BaseException) -> None:
        if self._stopping:
            return  # errors while tearing down are consequences, not causes
        self._error = exc
        self._stopping = self._halted = True
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self._notify()

    async def _shutdown(self, propagating: bool) -> None:
        """Cancel every worker, wait for all of them, and close an unfinished input."""
        self._stopping = self._halted = True
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        cancelled = False
        while pending:
            try:
                await asyncio.wait(pending)
            except asyncio.CancelledError:
                # Cancelled again while cleaning up: finish the cleanup anyway (a worker left
                # behind would be destroyed pending), then let the cancellation through.
                cancelled = True
            pending = [task for task in pending if not task.done()]
        source = self._source
        self._source = None
        if source is not None:
            try:
                await source.close()
            except Exception:
                if not (propagating or cancelled):
                    raise
        if cancelled:
            raise asyncio.CancelledError

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
