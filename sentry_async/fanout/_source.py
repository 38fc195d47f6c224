"""The input of a fan-out: opened once, read by one worker at a time, closed if left unread.

A plain iterable is read with ``next()``, which cannot be interleaved, so it needs no turns.
An async iterable may suspend inside ``__anext__``; async generators refuse a second
``__anext__`` while one is running, so readers take turns in arrival order, each handing
its turn straight to the next.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Generic, TypeVar, cast

__all__ = ["Source"]

T = TypeVar("T")


class Source(Generic[T]):
    """The iterator over ``items`` plus the turn-taking of its async readers.

    ``pulling`` is True while a reader holds the turn; ``waiters`` are the readers queued
    for it. The pool's worker loop reads both to take the turn without a call when nobody
    else is reading (the common case).
    """

    __slots__ = ("closed", "exhausted", "is_async", "iterator", "pulling", "waiters")

    def __init__(self, items: Iterable[T] | AsyncIterable[T], is_async: bool) -> None:
        self.is_async = is_async
        self.iterator: Iterator[T] | AsyncIterator[T]
        if is_async:
            self.iterator = cast(AsyncIterable[T], items).__aiter__()
        else:
            self.iterator = iter(cast(Iterable[T], items))
        self.exhausted = False
        self.closed = False
        self.pulling = False
        self.waiters: deque[asyncio.Future[None]] = deque()

    async def pull_in_turn(self, halted: Callable[[], bool]) -> T:
        """Wait for the reader's turn, then read one item from the async input.

        Raises StopAsyncIteration without reading when ``halted()`` says the fan-out stops.
        """
        if self.pulling:
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await waiter  # the previous reader hands its turn straight to us
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self.release()
                else:
                    self.waiters.remove(waiter)
                raise
        else:
            self.pulling = True
        try:
            if halted():
                raise StopAsyncIteration
            return await cast(AsyncIterator[T], self.iterator).__anext__()
        finally:
            self.release()

    def release(self) -> None:
        """Hand the turn to the next live waiter, or free it."""
        waiters = self.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand over the turn: pulling stays True
                return
        self.pulling = False

    async def close(self) -> None:
        """Close an input that was not read to its end (once; later calls do nothing).

        Async iterators are closed with ``aclose()`` when they have one; of plain iterators
        only generators are closed (closing some other iterator, a file say, would be rude).
        """
        if self.closed or self.exhausted:
            return
        self.closed = True
        iterator = self.iterator
        if self.is_async:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        elif inspect.isgenerator(iterator):
            iterator.close()
