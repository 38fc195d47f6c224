"""Bounded-concurrency fan-out: run an async function over many items, a few at a time.

This module knows nothing about HTTP or Sentry; pacing against rate limits is the client's
job, done by the shared gate every request passes.

How it works: a small worker pool grown on demand, up to ``concurrency`` tasks. Each worker
pulls the next item straight from the shared input, awaits ``fn(item)`` and hands the result
over, then pulls again. Compared with one task per item this creates a handful of tasks in
total, and compared with a queue feeding the workers it saves a hop per item: when ``fn``
does not suspend, a worker runs through many items in one go without touching the event
loop. Nothing is ever read from the input before a worker is ready for it, so memory grows
with ``concurrency``, never with the number of items.

Two guarantees hold whatever happens: when a fan-out ends (normally, by ``break``, by an
error or by cancellation of the caller) no task it started is left running or pending, and
an async-generator input that was not exhausted has been closed with ``aclose()``.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, cast, overload

__all__ = ["FanOut", "fan_out", "gather_bounded"]

T = TypeVar("T")
R = TypeVar("R")


class _NotAwaitableError(TypeError):
    """``fn`` returned something that cannot be awaited: a usage error, never a result."""


# --------------------------------------------------------------------------- validation


def _is_async_callable(fn: Callable[..., object]) -> bool:
    # inspect unwraps functools.partial itself; objects with ``async def __call__`` need a look
    # at their class, because inspect only answers for functions.
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def _checked_fn(name: str, fn: Callable[[T], Awaitable[R]]) -> Callable[[T], Awaitable[R]]:
    """Return ``fn``, wrapped in a check of its result unless it is plainly ``async def``.

    A lambda or partial may well return a coroutine (``lambda p: fetch(org, p)``), so only
    calling it can tell; the wrapper costs a little per call, and ``async def`` skips it.
    """
    if not callable(fn):
        raise TypeError(
            f"{name}() needs an async function as fn, got {type(fn).__name__} {fn!r}, which "
            "is not callable"
        )
    if inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"{name}() got an async generator function as fn; it needs an `async def` "
            "function that returns one result per item (use `return`, not `yield`)"
        )
    if _is_async_callable(fn):
        return fn
    label = getattr(fn, "__qualname__", None) or type(fn).__name__

    def call(item: T) -> Awaitable[R]:
        awaitable = fn(item)
        if not inspect.isawaitable(awaitable):
            raise _NotAwaitableError(
                f"{name}() needs an async function, but {label}(item) returned "
                f"{type(awaitable).__name__}, which cannot be awaited. Define fn with "
                "`async def`, or run blocking code with `await asyncio.to_thread(...)` inside "
                "one. A lambda works only if it returns a coroutine: `lambda p: fetch(org, p)`."
            )
        return awaitable

    return call


def _check_concurrency(name: str, concurrency: object) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(
            f"{name}() concurrency must be a positive int, got {type(concurrency).__name__} "
            f"{concurrency!r}"
        )
    if concurrency < 1:
        raise ValueError(
            f"{name}() concurrency must be at least 1, got {concurrency}: it is how many "
            "calls of fn may run at once"
        )
    return concurrency


def _check_items(name: str, items: object) -> bool:
    """Validate ``items``; return True for an async iterable, False for a plain iterable."""
    if isinstance(items, (str, bytes, bytearray)):
        raise TypeError(
            f"{name}() got a {type(items).__name__} as items, which would fan out over its "
            "characters; pass a list of values instead, e.g. [slug]"
        )
    if hasattr(type(items), "__aiter__"):
        return True
    if inspect.isawaitable(items):
        raise TypeError(
            f"{name}() got an awaitable ({type(items).__name__}) as items; did you forget "
            "`await`, or mean to pass the async iterable itself?"
        )
    if hasattr(type(items), "__iter__") or hasattr(type(items), "__getitem__"):
        return False
    raise TypeError(
        f"{name}() needs an iterable or async iterable of items, got {type(items).__name__}"
    )


# --------------------------------------------------------------------------- the pool


class _Pool(Generic[T, R]):
    """The worker pool shared by :class:`FanOut` and :func:`gather_bounded`.

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
        self._fn = _checked_fn(self._name, fn)
        self._limit = _check_concurrency(self._name, concurrency)
        self._is_async = _check_items(self._name, items)
        self._items = items
        self._return_exceptions = return_exceptions
        self._window = window
        self._source: Iterator[T] | AsyncIterator[T] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0  # workers spawned and not yet finished
        self._ahead = 0  # items pulled and not yet handed to the consumer
        self._recruit_pending = False
        self._spawning = False
        self._idle: deque[asyncio.Future[None]] = deque()
        self._pulling = False  # an async input is being read: one reader at a time
        self._pull_waiters: deque[asyncio.Future[None]] = deque()
        self._exhausted = False
        self._halted = False  # stop pulling: input exhausted, failed, or shutting down
        self._stopping = False  # failed or shutting down
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None  # the consumer, waiting for news

    # -- life cycle -------------------------------------------------------------------------

    def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        items = self._items
        if self._is_async:
            self._source = cast(AsyncIterable[T], items).__aiter__()
        else:
            self._source = iter(cast(Iterable[T], items))
        del self._items  # the iterator is all we need; do not pin the input
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
        if source is not None and not self._exhausted:
            try:
                await self._close_input(source)
            except Exception:
                if not (propagating or cancelled):
                    raise
        if cancelled:
            raise asyncio.CancelledError

    async def _close_input(self, source: Iterator[T] | AsyncIterator[T]) -> None:
        if self._is_async:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()
        elif inspect.isgenerator(source):
            # Only generators: closing some other iterator (a file, say) would be rude.
            source.close()

    # -- workers ----------------------------------------------------------------------------

    def _recruit(self) -> None:
        if self._idle:
            self._recruit_pending = True
            self._idle.popleft().set_result(None)
        elif len(self._tasks) < self._limit:
            self._spawn()

    def _end_of_input(self) -> None:
        self._exhausted = self._halted = True
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

    async def _pull_slow(self) -> T:
        """Wait for the reader's turn, then read one item from the async input."""
        assert self._loop is not None
        if self._pulling:
            waiter = self._loop.create_future()
            self._pull_waiters.append(waiter)
            try:
                await waiter  # the previous reader hands its turn straight to us
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release_pull()
                else:
                    self._pull_waiters.remove(waiter)
                raise
        else:
            self._pulling = True
        try:
            if self._halted:
                raise StopAsyncIteration
            return await cast(AsyncIterator[T], self._source).__anext__()
        finally:
            self._release_pull()

    def _release_pull(self) -> None:
        waiters = self._pull_waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand over the turn: _pulling stays True
                return
        self._pulling = False

    def _deliver(self, index: int, item: T, result: R) -> None:
        raise NotImplementedError

    def _reserve(self) -> int:
        """Called right after an item is pulled, in input order; returns its index."""
        return 0

    async def _work(self) -> None:
        if self._spawning:
            await asyncio.sleep(0)  # started eagerly inside _spawn: step out first
        self._recruit_pending = False  # the pending recruit was us
        fn = self._fn
        is_async = self._is_async
        source = self._source
        sync_source: Iterator[T] | None
        if is_async:
            async_next = cast(AsyncIterator[T], source).__anext__
            sync_source = None
        else:
            async_next = self._pull_slow  # never called for a plain iterable
            sync_source = cast(Iterator[T], source)
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
                    if sync_source is not None:
                        item = next(sync_source)
                    elif self._pulling:
                        item = await self._pull_slow()
                    else:
                        # Fast path of _pull_slow, inlined: nobody else is reading.
                        self._pulling = True
                        try:
                            item = await async_next()
                        finally:
                            if self._pull_waiters:
                                self._release_pull()
                            else:
                                self._pulling = False
                except (StopIteration, StopAsyncIteration):
                    self._ahead -= 1
                    if not self._halted:  # else _pull_slow only says "stop", not "exhausted"
                        self._end_of_input()
                    return
                index = reserve()
                try:
                    result = await fn(item)
                except Exception as exc:
                    if not self._return_exceptions or isinstance(exc, _NotAwaitableError):
                        raise
                    result = cast(R, exc)
                deliver(index, item, result)
        except BaseException as exc:
            self._fail(exc)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise


class FanOut(_Pool[T, R]):
    """Results of :func:`fan_out`: an async context manager and async iterator of pairs.

    Use it only as ``async with fan_out(...) as results: async for item, result in results``.
    """

    def __init__(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        concurrency: int,
        return_exceptions: bool,
    ) -> None:
        super().__init__(fn, items, concurrency, return_exceptions, window=concurrency)
        self._buffer: deque[tuple[T, R]] = deque()
        self._entered = False

    def __repr__(self) -> str:
        state = "stopped" if self._stopping else "running" if self._entered else "not started"
        return (
            f"<FanOut concurrency={self._limit} {state} in_flight={self._ahead} "
            f"ready={len(self._buffer)}>"
        )

    def _deliver(self, index: int, item: T, result: R) -> None:
        self._buffer.append((item, result))
        if self._waiter is not None:
            self._notify()

    async def __aenter__(self) -> FanOut[T, R]:
        if self._entered:
            raise RuntimeError("a fan_out() can be entered only once; call fan_out() again")
        self._entered = True
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Results nobody read are dropped; work still running is cancelled and awaited.
        self._buffer.clear()
        await self._shutdown(propagating=exc is not None)

    def __aiter__(self) -> FanOut[T, R]:
        return self

    async def __anext__(self) -> tuple[T, R]:
        if not self._entered:
            raise RuntimeError(
                "iterate a fan_out() inside its block: "
                "`async with fan_out(fn, items) as results: async for item, result in results`"
            )
        buffer = self._buffer
        while True:
            error = self._error
            if error is not None:
                self._error = None  # raise it once; afterwards the iteration is just over
                raise error
            if buffer:
                pair = buffer.popleft()
                self._ahead -= 1
                if self._idle and not self._recruit_pending:
                    self._recruit()
                return pair
            if self._running == 0 or self._stopping:
                raise StopAsyncIteration
            await self._wait()


class _Gather(_Pool[T, R]):
    _name = "gather_bounded"

    def __init__(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        concurrency: int,
        return_exceptions: bool,
    ) -> None:
        # No consumer to wait for: results go straight into their place in the list.
        super().__init__(fn, items, concurrency, return_exceptions, window=sys.maxsize)
        self._results: list[Any] = []

    def _reserve(self) -> int:
        results = self._results
        results.append(None)
        return len(results) - 1

    def _deliver(self, index: int, item: T, result: R) -> None:
        self._results[index] = result

    async def run(self) -> list[R]:
        self._start()
        try:
            while self._running and self._error is None:
                await self._wait()
        except BaseException:
            await self._shutdown(propagating=True)
            raise
        error, self._error = self._error, None
        await self._shutdown(propagating=error is not None)
        if error is not None:
            raise error
        return self._results


# --------------------------------------------------------------------------- public API


@overload
def fan_out(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: Literal[False] = ...,
) -> FanOut[T, R]: ...
@overload
def fan_out(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: bool,
) -> FanOut[T, R | Exception]: ...
def fan_out(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = 16,
    return_exceptions: bool = False,
) -> FanOut[T, Any]:
    """Run ``fn`` over ``items`` with at most ``concurrency`` calls at once, yielding
    ``(item, result)`` pairs in completion order::

        async with fan_out(fetch_keys, projects, concurrency=32) as results:
            async for project, keys in results:
                ...

    ``items`` may be any iterable or async iterable (a paginator included). It is read
    lazily: at most ``concurrency`` items are ever pulled ahead of what the loop has
    consumed (those in flight plus finished results waiting to be read), so memory depends
    on ``concurrency``, not on the number of items.

    If ``fn`` raises, the exception is re-raised from the ``async for`` (the original
    exception, not a wrapper) and the other calls are cancelled. With
    ``return_exceptions=True`` an ``Exception`` raised by ``fn`` becomes that item's result
    instead and the rest go on; ``BaseException`` such as ``CancelledError`` still stops
    everything.

    Leaving the block, for whatever reason (``break``, an exception, cancellation), cancels
    the calls still running, waits for them to finish, and closes an async-generator input
    that was not exhausted; results not yet read are dropped.

    Raises:
        TypeError: ``fn`` is not an async function (checked on its first call if it is not
            ``async def``), ``items`` is not iterable, or ``concurrency`` is not an int.
        ValueError: ``concurrency`` is less than 1.
    """
    return FanOut(fn, items, concurrency, return_exceptions)


@overload
async def gather_bounded(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: Literal[False] = ...,
) -> list[R]: ...
@overload
async def gather_bounded(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = ...,
    return_exceptions: bool,
) -> list[R | Exception]: ...
async def gather_bounded(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = 16,
    return_exceptions: bool = False,
) -> list[Any]:
    """Run ``fn`` over ``items`` with at most ``concurrency`` calls at once; return the
    results in input order::

        keys = await gather_bounded(fetch_keys, projects, concurrency=32)

    Like :func:`asyncio.gather` with a bound, and without a task per item: ``items`` (any
    iterable or async iterable) is read lazily, and apart from the result list itself
    memory depends on ``concurrency`` only.

    If ``fn`` raises, the other calls are cancelled and awaited, an unfinished
    async-generator input is closed, and the original exception is raised. With
    ``return_exceptions=True`` an ``Exception`` raised by ``fn`` takes that item's place in
    the list instead. Cancelling the caller cancels and awaits all calls in flight.

    Raises:
        TypeError: ``fn`` is not an async function (checked on its first call if it is not
            ``async def``), ``items`` is not iterable, or ``concurrency`` is not an int.
        ValueError: ``concurrency`` is less than 1.
    """
    return await _Gather(fn, items, concurrency, return_exceptions).run()
