"""Ctrl-C and SIGTERM: the first one stops the audit cleanly; a second one is not caught.

The handler only records the signal and wakes the waiting audit, which then cancels its work
(in-flight requests included) and writes what it has. After the first signal the previous
handlers are back, so a second Ctrl-C stops at once if the clean stop itself hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Any

__all__ = ["Interrupt", "handle_signals"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupt:
    """Which signal asked the audit to stop (None: none yet)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._event = asyncio.Event()

    def trigger(self, signum: int) -> None:
        if self.signum is None:
            self.signum = signum
            self._event.set()

    async def wait(self) -> None:
        await self._event.wait()

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM: 128 + the signal number, as shells report."""
        return 128 + (self.signum or signal.SIGINT)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum or signal.SIGINT).name


@contextlib.contextmanager
def handle_signals(interrupt: Interrupt) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``interrupt`` while the block runs (main thread only)."""
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def restore(sig: int) -> None:
        if sig in previous:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous.pop(sig))

    def on_signal(sig: int) -> None:
        interrupt.trigger(sig)
        for other in SIGNALS:
            restore(other)

    for sig in SIGNALS:
        try:
            before = signal.getsignal(sig)
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread/Windows
            continue
        previous[sig] = before if before is not None else signal.SIG_DFL
    try:
        yield
    finally:
        for sig in SIGNALS:
            restore(sig)
