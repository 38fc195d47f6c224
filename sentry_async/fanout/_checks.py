"""Argument checks for the fan-out functions: clear ``TypeError``/``ValueError`` up front.

Each check names the public function it guards (``fan_out`` or ``gather_bounded``) and says
what to pass instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["NotAwaitableError", "check_concurrency", "check_items", "checked_fn"]

T = TypeVar("T")
R = TypeVar("R")


class NotAwaitableError(TypeError):
    """``fn`` returned something that cannot be awaited: a usage error, never a result."""


def _is_async_callable(fn: Callable[..., object]) -> bool:
    # inspect unwraps functools.partial itself; objects with ``async def __call__`` need a look
    # at their class, because inspect only answers for functions.
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def checked_fn(name: str, fn: Callable[[T], Awaitable[R]]) -> Callable[[T], Awaitable[R]]:
    """Return ``fn``, wrapped in a check of its result unless it is plainly ``async def``.

    A lambda or partial may well return a coroutine (``lambda p: fetch(org, p)``), so only
    calling it can tell; the wrapper costs a little per call, and ``async def`` skips it.
    """
    if not callable(fn):
        raise TypeError(
            f"{name}() needs an async function as fn, got {type(fn).__name__} {fn!r}, which "
            "is not callable"
        )
    if inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"{name}() got an async generator function as fn; it needs an `async def` "
            "function that returns one result per item (use `return`, not `yield`)"
        )
    if _is_async_callable(fn):
        return fn
    label = getattr(fn, "__qualname__", None) or type(fn).__name__

    def call(item: T) -> Awaitable[R]:
        awaitable = fn(item)
        if not inspect.isawaitable(awaitable):
            raise NotAwaitableError(
                f"{name}() needs an async function, but {label}(item) returned "
                f"{type(awaitable).__name__}, which cannot be awaited. Define fn with "
                "`async def`, or run blocking code with `await asyncio.to_thread(...)` inside "
                "one. A lambda works only if it returns a coroutine: `lambda p: fetch(org, p)`."
            )
        return awaitable

    return call


def check_concurrency(name: str, concurrency: object) -> int:
    """``concurrency`` as a positive int, or TypeError/ValueError."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(
            f"{name}() concurrency must be a positive int, got {type(concurrency).__name__} "
            f"{concurrency!r}"
        )
    if concurrency < 1:
        raise ValueError(
            f"{name}() concurrency must be at least 1, got {concurrency}: it is how many "
            "calls of fn may run at once"
        )
    return concurrency


def check_items(name: str, items: object) -> bool:
    """Validate ``items``; return True for an async iterable, False for a plain iterable."""
    if isinstance(items, (str, bytes, bytearray)):
        raise TypeError(
            f"{name}() got a {type(items).__name__} as items, which would fan out over its "
            "characters; pass a list of values instead, e.g. [slug]"
        )
    if hasattr(type(items), "__aiter__"):
        return True
    if inspect.isawaitable(items):
        raise TypeError(
            f"{name}() got an awaitable ({type(items).__name__}) as items; did you forget "
            "`await`, or mean to pass the async iterable itself?"
        )
    if hasattr(type(items), "__iter__") or hasattr(type(items), "__getitem__"):
        return False
    raise TypeError(
        f"{name}() needs an iterable or async iterable of items, got {type(items).__name__}"
    )
