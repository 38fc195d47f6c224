"""The tasks of one fan-out: started, counted, stopped at the first failure, all awaited.

A small task group with the guarantees the fan-out functions promise: the first error (or
an outside cancellation of a worker) is recorded once and cancels the rest; shutdown cancels
and awaits every task even when it is itself cancelled meanwhile; the consumer waits on one
future that any news (a failure, the last worker leaving) resolves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["Crew"]


class Crew:
    """Worker tasks plus the state that stops them; subclasses do the work."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0  # workers started and not yet finished
        self._spawning = False  # a worker is being created (it may run eagerly, 3.12+)
        self._halted = False  # take no new work: input exhausted, failed, or shutting down
        self._stopping = False  # failed or shutting down
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None  # the consumer, waiting for news

    def _launch(self, work: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None
        self._running += 1
        # With an eager task factory (3.12+) the new worker starts running inside this call;
        # the flag lets it step out first, so a chain of spawns cannot nest deeply.
        self._spawning = True
        try:
            task = self._loop.create_task(work)
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
        """Cancel every worker, wait for all of them, then :meth:`_close_input`."""
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
        try:
            await self._close_input()
        except Exception:
            if not (propagating or cancelled):
                raise
        if cancelled:
            raise asyncio.CancelledError

    async def _close_input(self) -> None:
        """Release what the work read from, once every worker has finished."""
