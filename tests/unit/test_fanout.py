"""fan_out / gather_bounded: ordering, laziness, the concurrency bound, and clean endings.

No test sleeps for real: work is driven by events the test sets, or by ``sleep(0)`` steps.
Every test also checks, on the way out, that nothing was left pending and that the event
loop saw no unretrieved exception.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from sentry_async.fanout import fan_out, gather_bounded


@pytest.fixture(autouse=True)
async def _no_leftovers() -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    yield
    gc.collect()  # a task destroyed while pending reports itself from __del__
    await asyncio.sleep(0)
    assert problems == []
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def steps(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def drain(fn: Any, items: Any, **options: Any) -> list[tuple[Any, Any]]:
    """All pairs of a fan_out, in the order it yields them."""
    async with fan_out(fn, items, **options) as results:
        return [pair async for pair in results]


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


class Source:
    """An async generator of ints that records how far it was read and whether it closed."""

    def __init__(self, n: int, *, suspend: bool = False, fail_at: int | None = None) -> None:
        self.n = n
        self.suspend = suspend
        self.fail_at = fail_at
        self.pulled = 0
        self.closed = False
        self.finished = False

    async def items(self) -> AsyncIterator[int]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise LookupError(f"source broke at {i}")
                if self.suspend:
                    await asyncio.sleep(0)  # like a paginator fetching its next page
                self.pulled += 1
                yield i
            self.finished = True
        finally:
            self.closed = True


class Blocker:
    """fn that blocks on an event per item, counting starts, cancellations and peak load."""

    def __init__(self) -> None:
        self.events: dict[int, asyncio.Event] = {}
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.running = 0
        self.peak = 0

    def release(self, item: int) -> None:
        self.events.setdefault(item, asyncio.Event()).set()

    async def __call__(self, item: int) -> str:
        self.started.append(item)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self.events.setdefault(item, asyncio.Event()).wait()
        except asyncio.CancelledError:
            self.cancelled.append(item)
            raise
        finally:
            self.running -= 1
        return f"r{item}"


# --------------------------------------------------------------------------- ordering


async def test_fan_out_yields_in_completion_order() -> None:
    blocker = Blocker()
    async with fan_out(blocker, range(3), concurrency=3) as results:
        await steps(10)
        assert sorted(blocker.started) == [0, 1, 2]
        got = []
        for item in (2, 0, 1):
            blocker.release(item)
            got.append(await results.__anext__())
        assert got == [(2, "r2"), (0, "r0"), (1, "r1")]
        with pytest.raises(StopAsyncIteration):
            await results.__anext__()


async def test_gather_bounded_keeps_input_order() -> None:
    blocker = Blocker()

    async def release_backwards() -> None:
        await steps(5)
        for item in reversed(range(6)):
            blocker.release(item)
            await steps(2)

    releaser = asyncio.create_task(release_backwards())
    values = await gather_bounded(blocker, range(6), concurrency=6)
    await releaser
    assert values == [f"r{i}" for i in range(6)]


async def test_concurrency_one_is_sequential() -> None:
    async with fan_out(double, range(10), concurrency=1) as results:
        assert [pair async for pair in results] == [(i, 2 * i) for i in range(10)]


async def test_empty_input() -> None:
    nothing: list[int] = []
    async with fan_out(double, nothing, concurrency=4) as results:
        assert [pair async for pair in results] == []
    assert await gather_bounded(double, nothing, concurrency=4) == []
    assert await gather_bounded(double, Source(0).items(), concurrency=4) == []


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_in_flight_never_exceeds_the_bound_and_reaches_it(concurrency: int) -> None:
    running = peak = 0

    async def work(x: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await steps(10 + x % 7)  # long enough for the pool to grow to its bound
        running -= 1
        return x

    source = Source(200)
    async with fan_out(work, source.items(), concurrency=concurrency) as results:
        assert sorted([item async for item, _ in results]) == list(range(200))
    assert peak == concurrency

    running = peak = 0
    assert await gather_bounded(work, range(200), concurrency=concurrency) == list(range(200))
    assert peak == concurrency


@pytest.mark.parametrize("suspend", [False, True])
async def test_pulls_lazily_never_more_than_concurrency_ahead(suspend: bool) -> None:
    source = Source(300, suspend=suspend)
    consumed = 0
    async with fan_out(double, source.items(), concurrency=5) as results:
        async for _ in results:
            consumed += 1
            assert source.pulled - consumed <= 5
            await steps(consumed % 3)  # a consumer slower than the workers, at times
    assert consumed == 300
    assert source.finished


async def test_pulls_a_sync_generator_lazily() -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(100):
            pulled += 1
            yield i

    consumed = 0
    async with fan_out(double, items(), concurrency=4) as results:
        async for _ in results:
            consumed += 1
            assert pulled - consumed <= 4


async def test_gather_bounded_pulls_at_most_concurrency_ahead_of_completions() -> None:
    source = Source(100)
    done = 0

    async def work(x: int) -> int:
        nonlocal done
        await steps(x % 4)
        assert source.pulled - done <= 7
        done += 1
        return x

    assert await gather_bounded(work, source.items(), concurrency=7) == list(range(100))


async def test_memory_is_flat_in_the_number_of_items() -> None:
    async def ident(x: int) -> int:
        return x

    async def run(n: int) -> int:
        total = 0
        async with fan_out(ident, Source(n).items(), concurrency=32) as results:
            async for _item, value in results:
                total += value
        return total

    await run(1000)  # warm up caches so they do not count
    tracemalloc.start()
    try:
        assert await run(50_000) == sum(range(50_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A task or a result per item would cost tens of megabytes here.
    assert peak < 1_000_000


# --------------------------------------------------------------------------- input kinds


class OnlyAiter:
    """An object with ``__aiter__`` only, returning a hand-written async iterator."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __aiter__(self) -> AsyncIterator[int]:
        return _Counter(self.n)


class _Counter:
    def __init__(self, n: int) -> None:
        self.i = 0
        self.n = n

    def __aiter__(self) -> _Counter:
        return self

    async def __anext__(self) -> int:
        await asyncio.sleep(0)
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i - 1


class PaginatorLike:
    """``__aiter__`` written as an async generator method, as a paginator might."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[int]:
        try:
            for page_start in range(0, self.n, 10):
                await asyncio.sleep(0)
                for i in range(page_start, min(page_start + 10, self.n)):
                    yield i
        finally:
            self.closed = True


def _inputs() -> list[Any]:
    def gen() -> Iterator[int]:
        yield from range(25)

    return [
        pytest.param(lambda: list(range(25)), id="list"),
        pytest.param(lambda: range(25), id="range"),
        pytest.param(gen, id="generator"),
        pytest.param(lambda: Source(25, suspend=True).items(), id="async-generator"),
        pytest.param(lambda: OnlyAiter(25), id="only-__aiter__"),
        pytest.param(lambda: PaginatorLike(25), id="paginator-like"),
    ]


@pytest.mark.parametrize("make", _inputs())
async def test_accepts_iterables_and_async_iterables(make: Any) -> None:
    async with fan_out(double, make(), concurrency=4) as results:
        pairs = [pair async for pair in results]
    assert sorted(pairs) == [(i, 2 * i) for i in range(25)]
    assert await gather_bounded(double, make(), concurrency=4) == [2 * i for i in range(25)]


if sys.version_info >= (3, 12):  # eager task factories are new in 3.12

    async def test_an_eager_task_factory_does_not_nest_workers() -> None:
        # An eagerly started worker runs inside the call that spawned it; unchecked, a chain of
        # spawns would nest once per worker and overflow the stack.
        loop = asyncio.get_running_loop()
        loop.set_task_factory(asyncio.eager_task_factory)
        try:
            values = await gather_bounded(double, range(5000), concurrency=3000)
            async with fan_out(double, range(5000), concurrency=3000) as results:
                pairs = [pair async for pair in results]
        finally:
            loop.set_task_factory(None)
        assert values == [2 * i for i in range(5000)]
        assert sorted(pairs) == [(i, 2 * i) for i in range(5000)]


async def test_an_async_generator_that_suspends_is_read_by_one_worker_at_a_time() -> None:
    # Two workers calling __anext__ at once would raise "already running".
    source = Source(500, suspend=True)
    values = await gather_bounded(double, source.items(), concurrency=16)
    assert values == [2 * i for i in range(500)]


async def test_lambdas_and_partials_returning_coroutines_work() -> None:
    async def scale(factor: int, x: int) -> int:
        return factor * x

    assert await gather_bounded(lambda x: scale(3, x), range(4)) == [0, 3, 6, 9]
    assert await gather_bounded(functools.partial(scale, 5), range(3)) == [0, 5, 10]

    class Callable:
        async def __call__(self, x: int) -> int:
            return -x

    assert await gather_bounded(Callable(), range(3)) == [0, -1, -2]


# --------------------------------------------------------------------------- endings


async def test_break_cancels_in_flight_work_and_closes_the_generator() -> None:
    blocker = Blocker()
    blocker.release(0)
    source = Source(100)
    async with fan_out(blocker, source.items(), concurrency=4) as results:
        await steps(10)  # the pool grows one worker per loop step
        async for item, result in results:
            assert (item, result) == (0, "r0")
            break
    assert sorted(blocker.cancelled) == [1, 2, 3]
    assert blocker.running == 0
    assert source.closed
    assert not source.finished
    assert source.pulled == 4


async def test_leaving_the_block_without_iterating_cancels_everything() -> None:
    blocker = Blocker()
    source = Source(10)
    async with fan_out(blocker, source.items(), concurrency=3):
        await steps(10)
    assert sorted(blocker.cancelled) == [0, 1, 2]
    assert source.closed


async def test_an_error_in_the_body_cancels_and_propagates() -> None:
    blocker = Blocker()
    blocker.release(1)
    source = Source(10)

    async def body_fails() -> None:
        async with fan_out(blocker, source.items(), concurrency=3) as results:
            await steps(10)
            async for _ in results:
                raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await body_fails()
    # Item 1's finished result holds the third slot of the window until it is read.
    assert sorted(blocker.cancelled) == [0, 2]
    assert source.pulled == 3
    assert source.closed


async def test_fn_error_is_reraised_as_is_and_cancels_the_rest() -> None:
    blocker = Blocker()
    boom = ValueError("item 2 is bad")

    async def work(x: int) -> str:
        if x == 2:
            await steps(2)
            raise boom
        return await blocker(x)

    source = Source(50)
    async with fan_out(work, source.items(), concurrency=4) as results:
        with pytest.raises(ValueError, match="item 2 is bad") as caught:
            await results.__anext__()  # the others block: the error is the first outcome
        assert caught.value is boom
        await steps(1)
        # Cancelled when the error happened, not only when the block is left.
        assert sorted(blocker.cancelled) == [0, 1, 3]
        assert [pair async for pair in results] == []  # the error is raised once
    assert source.closed and not source.finished


async def test_gather_bounded_fn_error_is_reraised_as_is_and_cancels_the_rest() -> None:
    blocker = Blocker()
    boom = ValueError("item 2 is bad")

    async def work(x: int) -> str:
        if x == 2:
            await steps(2)
            raise boom
        return await blocker(x)

    source = Source(50)
    with pytest.raises(ValueError, match="item 2 is bad") as caught:
        await gather_bounded(work, source.items(), concurrency=4)
    assert caught.value is boom
    assert sorted(blocker.cancelled) == [0, 1, 3]
    assert source.closed and not source.finished


@pytest.mark.parametrize("suspend", [False, True])
async def test_an_error_from_the_input_propagates_and_cancels(suspend: bool) -> None:
    blocker = Blocker()
    source = Source(50, suspend=suspend, fail_at=3)
    with pytest.raises(LookupError, match="source broke at 3"):
        await drain(blocker, source.items(), concurrency=8)
    assert sorted(blocker.cancelled) == [0, 1, 2]

    blocker = Blocker()
    source = Source(50, suspend=suspend, fail_at=3)
    with pytest.raises(LookupError, match="source broke at 3"):
        await gather_bounded(blocker, source.items(), concurrency=8)
    assert sorted(blocker.cancelled) == [0, 1, 2]


async def test_an_error_from_a_sync_input_propagates() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        await gather_bounded(double, items(), concurrency=2)


async def test_return_exceptions_keeps_going() -> None:
    async def work(x: int) -> int:
        await steps(x % 3)
        if x % 4 == 0:
            raise ValueError(x)
        return x

    async with fan_out(work, range(20), concurrency=3, return_exceptions=True) as results:
        got = {item: result async for item, result in results}
    assert sorted(got) == list(range(20))
    for item, result in got.items():
        if item % 4 == 0:
            assert isinstance(result, ValueError) and result.args == (item,)
        else:
            assert result == item

    values = await gather_bounded(work, range(20), concurrency=3, return_exceptions=True)
    assert [type(v) if isinstance(v, Exception) else v for v in values] == [
        ValueError if i % 4 == 0 else i for i in range(20)
    ]


async def test_return_exceptions_does_not_swallow_cancellation_raised_by_fn() -> None:
    async def work(x: int) -> int:
        if x == 1:
            raise asyncio.CancelledError
        return x

    with pytest.raises(asyncio.CancelledError):
        await gather_bounded(work, range(5), concurrency=2, return_exceptions=True)


async def test_cancelling_the_caller_cleans_up_fan_out() -> None:
    blocker = Blocker()
    source = Source(100)

    async def consume() -> None:
        async with fan_out(blocker, source.items(), concurrency=5) as results:
            async for _ in results:
                pass

    task = asyncio.create_task(consume())
    await steps(10)
    assert len(blocker.started) == 5
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(blocker.cancelled) == [0, 1, 2, 3, 4]
    assert source.closed
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_cancelling_the_caller_cleans_up_gather_bounded() -> None:
    blocker = Blocker()
    source = Source(100)
    task = asyncio.create_task(gather_bounded(blocker, source.items(), concurrency=5))
    await steps(10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(blocker.cancelled) == [0, 1, 2, 3, 4]
    assert source.closed
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_second_cancellation_during_cleanup_still_waits_for_the_workers() -> None:
    cleaned: list[int] = []

    async def stubborn(x: int) -> int:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await steps(3)  # slow cleanup, e.g. releasing a connection
            cleaned.append(x)
            raise
        return x

    task = asyncio.create_task(gather_bounded(stubborn, range(10), concurrency=3))
    await steps(10)
    task.cancel()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cleaned) == [0, 1, 2]


async def test_a_worker_cancelled_from_outside_fails_the_fan_out() -> None:
    blocker = Blocker()

    async def meddle() -> None:
        async with fan_out(blocker, range(5), concurrency=2) as results:
            await steps(2)
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()
                break
            async for _ in results:
                pass

    with pytest.raises(asyncio.CancelledError):
        await meddle()


# --------------------------------------------------------------------------- misuse


async def test_a_sync_function_gets_a_teaching_error() -> None:
    def not_async(x: int) -> int:
        return x

    for return_exceptions in (False, True):
        with pytest.raises(TypeError, match=r"async def.*to_thread") as caught:
            await gather_bounded(not_async, range(3), return_exceptions=return_exceptions)  # type: ignore[arg-type]
        assert "not_async(item) returned int" in str(caught.value)

    with pytest.raises(TypeError, match="cannot be awaited"):
        await drain(lambda x: x, range(3))


async def test_bad_arguments_are_rejected_up_front() -> None:
    async def agen_fn(x: int) -> AsyncIterator[int]:
        yield x

    with pytest.raises(ValueError, match="at least 1"):
        fan_out(double, range(3), concurrency=0)
    with pytest.raises(TypeError, match="positive int"):
        fan_out(double, range(3), concurrency=2.5)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="positive int"):
        await gather_bounded(double, range(3), concurrency=True)
    with pytest.raises(TypeError, match="not callable"):
        fan_out(42, range(3))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="async generator function"):
        fan_out(agen_fn, range(3))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"characters.*\[slug\]"):
        fan_out(double, "my-project")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable"):
        await gather_bounded(double, 42)  # type: ignore[call-overload]

    async def collect() -> list[int]:
        return [1, 2]

    pending = collect()
    with pytest.raises(TypeError, match="forget `await`"):
        fan_out(double, pending)  # type: ignore[call-overload]
    pending.close()


async def test_fan_out_must_be_used_with_async_with() -> None:
    results = fan_out(double, range(3))
    with pytest.raises(RuntimeError, match="async with"):
        await results.__anext__()
    async with results:
        pass
    with pytest.raises(RuntimeError, match="only once"):
        async with results:
            pass
