"""Bounded-concurrency fan-out: run an async function over many items, a few at a time.

Two public functions: :func:`fan_out` yields ``(item, result)`` pairs in completion order,
:func:`gather_bounded` returns the results in input order. This package knows nothing about
HTTP or Sentry; pacing against rate limits is the client's job, done by the shared gate
every request passes.

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

One concept per module:

- ``_checks``: argument validation, with the errors a caller sees;
- ``_source``: the input, read by one worker at a time, and closed when left unfinished;
- ``_pool``: the worker pool both functions share (growth, hand-over, shutdown);
- ``_fan_out`` and ``_gather``: the two public functions, each a pool with its own way of
  handing results to the caller.
"""

from ._fan_out import FanOut, fan_out
from ._gather import gather_bounded

__all__ = ["FanOut", "fan_out", "gather_bounded"]
