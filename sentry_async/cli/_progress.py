"""Progress while the audit runs, always on stderr.

- On a terminal with rich importable: a live bar with counts, rate and time left
  (:mod:`._richui`, imported only then).
- Otherwise: plain lines, one per phase and then at most one a second while fanning out
  (``audit: projects 120/540 (22%), 39.8/s, ~11s left``). No control codes, so logs and CI
  output stay clean.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

__all__ = [
    "NO_RICH_ENV",
    "NullProgress",
    "PlainProgress",
    "Progress",
    "make_progress",
    "rich_available",
    "use_rich_for",
]

#: Set (to anything but "" or "0") to force plain output even on a terminal.
NO_RICH_ENV = "SENTRY_ASYNC_NO_RICH"


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

    def _write(self, text: str) -> None:
        self._stream.write(f"audit: {text}\n")
        self._stream.flush()

    def status(self, message: str) -> None:
        self._write(message)

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done = label, total, 0
        self._started = self._last_line = self._clock()
        self._active = True
        self._line()

    def advance(self, n: int = 1) -> None:
        self._done += n
        now = self._clock()
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
        if self._done and elapsed > 0:
            rate = self._done / elapsed
            left = (total - self._done) / rate
            text += f", {rate:.1f}/s, ~{left:.0f}s left"
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
