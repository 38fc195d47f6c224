"""The one place time is read and waited on, so tests can replace it and never really sleep."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Wall time (for Sentry's epoch-second window resets), monotonic time, and sleeping."""

    def time(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...

    def monotonic(self) -> float:
        """A clock that never goes back, for deadlines."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (or not at all, in tests)."""
        ...


class SystemClock:
    """The real clock."""

    # Looked up in ``time`` on every call, so that tests patching ``time.time`` (freezegun,
    # ``unittest.mock``) still move this clock.
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock for tests: ``sleep`` advances time instantly and records what was asked.

    Starts at ``start`` epoch seconds. ``sleeps`` lists every wait, in order.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._now += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self.advance(seconds)
        # Still yield, so other tasks interleave as they would around a real sleep.
        await asyncio.sleep(0)
