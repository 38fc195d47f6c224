"""Progress while the audit runs, always on stderr.

- On a terminal with rich importable: a live bar with counts, rate and time left
  (:mod:`._richui`, imported only then).
- Otherwise: plain lines, one per phase and then at most one a second while fanning out
  (``sentry-async: projects 120/540 (22%), 39.8/s, ~11s left``). No control codes, so logs
  and CI output stay clean.

Rate and time left come from :class:`RateEstimate`: a sliding window, shown only once it
spans a few seconds, so the burst of the first requests does not show as the pace.
"""

from __future__ import annotations

import importlib.util
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

__all__ = [
    "NO_RICH_ENV",
    "NullProgress",
    "PlainProgress",
    "Progress",
    "RateEstimate",
    "make_progress",
    "rich_available",
    "use_rich_for",
]

#: Set (to anything but "" or "0") to force plain output even on a terminal.
NO_RICH_ENV = "SENTRY_ASYNC_NO_RICH"


#: Every line on stderr starts with this (the CLI's own messages too).
PREFIX = "sentry-async"


class RateEstimate:
    """Items per second over the last ``window`` seconds, once ``warmup`` seconds are seen.

    The first requests of a fan-out finish in a burst (connections warm, no pacing yet),
    so an estimate from them alone overstates the pace many times; a sliding window also
    follows the rate limiter's steady pace rather than the average since the start.
    """

    def __init__(self, *, window: float = 10.0, warmup: float = 3.0) -> None:
        self.window = window
        self.warmup = warmup
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> None:
        """Record that ``done`` items were done at time ``now`` (seconds, monotonic)."""
        self._samples.append((now, done))
        # Keep one sample older than the window, so the window stays fully covered.
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.popleft()

    def rate(self, *, finished: bool = False) -> float | None:
        """Items per second, or None while the samples span less than ``warmup``."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        span = t1 - t0
        if span <= 0 or (span < self.warmup and not finished):
            return None
        return (d1 - d0) / span

    def left(self, remaining: int) -> float | None:
        """Seconds until ``remaining`` more items are done at the current rate."""
        rate = self.rate()
        if rate is None or rate <= 0:
            return None
        return remaining / rate


class Progress(Protocol):
    """What the collector reports to."""

    def status(self, message: str) -> None:
        """A phase began (``listing members, ...``)."""

    def start(self, label: str, total: int) -> None:
        """A counted phase began: ``total`` items to go."""

    def advance(self, n: int = 1) -> None:
        """``n`` more items are done."""

    def stop(self) -> None:
        """The counted phase ended (finished or not)."""


class NullProgress:
    """Reports nothing (``--no-progress``)."""

    def status(self, message: str) -> None:
        pass

    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def stop(self) -> None:
        pass


class PlainProgress:
    """Plain text lines: each phase, then the counts at most every ``interval`` seconds."""

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._label = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._last_line = 0.0
        self._shown = -1
        self._active = False
        self._rate = RateEstimate()

    def _write(self, text: str) -> None:
        self._stream.write(f"{PREFIX}: {text}\n")
        self._stream.flush()

    def status(self, message: str) -> None:
        self._write(message)

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done = label, total, 0
        self._started = self._last_line = self._clock()
        self._active = True
        self._rate = RateEstimate()
        self._rate.add(self._started, 0)
        self._line()

    def advance(self, n: int = 1) -> None:
        self._done += n
        now = self._clock()
        self._rate.add(now, self._done)
        if self._done >= self._total or now - self._last_line >= self._interval:
            self._last_line = now
            self._line()

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        if self._shown != self._done:
            self._line()
        elapsed = self._clock() - self._started
        self._write(f"{self._label}: {self._done}/{self._total} done in {elapsed:.1f}s")

    def _line(self) -> None:
        self._shown = self._done
        total = self._total
        percent = 100 * self._done // total if total else 100
        elapsed = self._clock() - self._started
        text = f"{self._label} {self._done}/{total} ({percent}%)"
        finished = self._done >= total
        rate = self._rate.rate(finished=finished)
        if finished and elapsed > 0:
            text += f", {self._done / elapsed:.1f}/s"
        elif rate is not None and rate > 0:
            text += f", {rate:.1f}/s, ~{(total - self._done) / rate:.0f}s left"
        elif self._done:
            text += ", estimating the pace"
        self._write(text)


def rich_available() -> bool:
    """True if rich can be imported (the ``cli`` extra)."""
    return importlib.util.find_spec("rich") is not None


def use_rich_for(stream: TextIO, environ: Mapping[str, str], force: bool | None = None) -> bool:
    """Whether to draw with rich on ``stream``: ``force`` decides if given, else a terminal
    with rich installed and :data:`NO_RICH_ENV` unset."""
    if force is not None:
        return force and rich_available()
    if environ.get(NO_RICH_ENV, "") not in ("", "0"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and rich_available()


def make_progress(
    stream: TextIO, environ: Mapping[str, str], *, enabled: bool, rich: bool | None = None
) -> Progress:
    """The right reporter for ``stream``."""
    if not enabled:
        return NullProgress()
    if use_rich_for(stream, environ, rich):
        from ._richui import RichProgress

        return RichProgress(stream)
    return PlainProgress(stream)
