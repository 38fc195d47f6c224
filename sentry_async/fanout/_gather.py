"""``gather_bounded``: every result, in input order, as one list.

There is no consumer to wait for, so the pool's window is unbounded: each item reserves its
place in the result list when it is pulled and its result goes straight there.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, Literal, TypeVar, overload

from ._pool import Pool

__all__ = ["gather_bounded"]

T = TypeVar("T")
R = TypeVar("R")


class _Gather(Pool[T, R]):
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
