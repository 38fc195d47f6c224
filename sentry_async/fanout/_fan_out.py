"""``fan_out``: results as ``(item, result)`` pairs, in completion order, read by the caller.

The pool's window is ``concurrency``: finished results wait in a buffer until the caller's
``async for`` takes them, and no worker pulls a new item while the window is full, so a slow
consumer holds the whole fan-out back instead of piling up results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from ._pool import Pool

__all__ = ["FanOut", "fan_out"]

T = TypeVar("T")
R = TypeVar("R")


class FanOut(Pool[T, R]):
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
