"""Serving the fake from a thread, for code that is not itself running an event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ._org import FakeOrg
from ._server import FakeSentry

__all__ = ["serve_in_thread"]


@contextlib.contextmanager
def serve_in_thread(org: FakeOrg | None = None, **options: Any) -> Iterator[FakeSentry]:
    """A running ``FakeSentry(org, **options)`` served by its own event loop on a thread.

    For synchronous tests and for worker processes, and for tests that inspect
    ``asyncio.all_tasks()``: the fake's handlers live in the other loop, so they cannot be
    mistaken for tasks the client left behind. Read its counters once the client is done.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-sentry", daemon=True)
    thread.start()
    try:
        fake = FakeSentry(org, **options)
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=30)
        try:
            yield fake
        finally:
            asyncio.run_coroutine_threadsafe(fake.close(), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
