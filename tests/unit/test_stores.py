"""Rate-limit stores without Redis: the in-memory store, the protocol, the gate's shared path.

The gate drives a :class:`MemoryRateLimitStore` directly (the fast path) and any other store
through the protocol (the shared path). ``ProtocolOnly`` below wraps the memory store so
that the gate must take the shared path: the same rules then hold through the protocol.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter

import pytest

from sentry_async import ManualClock, SentryClient
from sentry_async.gate import RateGate
from sentry_async.ratelimit import RESET_MARGIN, RateSnapshot
from sentry_async.stores import (
    Admission,
    Lease,
    MemoryRateLimitStore,
    RateLimitStore,
    RateLimitStoreError,
    token_fingerprint,
)
from sentry_async.stores._memory import LocalLease

from ._mockhttp import MockHttp
from .conftest import API, TOKEN

KEY = "GET /projects/{org}/{project}/"
SCOPE = "f" * 24


def known(store: MemoryRateLimitStore, now: float, **values: int | float) -> None:
    """Answer the probe of KEY with the given headers, so the route is known."""
    first = store.try_acquire(SCOPE, KEY, now)
    assert first.admitted
    store.release(SCOPE, KEY, first.lease, RateSnapshot(**values), answered=True, now=now)  # type: ignore[arg-type]


class ProtocolOnly:
    """A store the gate only knows through the protocol (records what it was asked)."""

    def __init__(self) -> None:
        self.inner = MemoryRateLimitStore()
        self.calls: Counter[str] = Counter()
        self.asking = 0
        self.most_asking = 0

    async def acquire(self, scope: str, route: str, now: float) -> Admission:
        self.calls["acquire"] += 1
        self.asking += 1
        self.most_asking = max(self.most_asking, self.asking)
        await asyncio.sleep(0)  # a round trip: let other tasks run meanwhile
        self.asking -= 1
        return self.inner.try_acquire(scope, route, now)

    def release(
        self,
        scope: str,
        route: str,
        lease: Lease | None,
        snapshot: RateSnapshot | None,
        *,
        answered: bool,
        now: float,
    ) -> None:
        self.calls["release"] += 1
        self.inner.release(scope, route, lease, snapshot, answered=answered, now=now)

    def block(self, scope: str, route: str, seconds: float, now: float) -> None:
        self.calls["block"] += 1
        self.inner.block(scope, route, seconds, now)

    def budget(self) -> object:
        return self.inner.route_state(SCOPE, KEY).budget


# -- the protocol and the fingerprint -----------------------------------------------------


def test_the_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(MemoryRateLimitStore(), RateLimitStore)
    assert isinstance(ProtocolOnly(), RateLimitStore)


def test_fingerprint_is_stable_short_hex_and_not_the_token() -> None:
    fp = token_fingerprint(TOKEN)
    assert fp == token_fingerprint(TOKEN)
    assert len(fp) == 24 and int(fp, 16) >= 0
    assert fp not in TOKEN and TOKEN not in fp
    assert token_fingerprint(TOKEN + "x") != fp


def test_store_error_is_a_sentry_error() -> None:
    from sentry_async import SentryError

    assert issubclass(RateLimitStoreError, SentryError)


def test_importing_the_stores_does_not_import_redis() -> None:
    code = (
        "import sys, sentry_async, sentry_async.stores\n"
        "from sentry_async.stores import RedisRateLimitStore\n"
        "assert 'redis' not in sys.modules, 'redis was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_redis_store_without_the_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentry_async.stores import RedisRateLimitStore

    monkeypatch.setitem(sys.modules, "redis", None)  # what `import redis` sees when absent
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ImportError, match=r'pip install "sentry-async\[redis\]"'):
        RedisRateLimitStore("redis://127.0.0.1:1/0")


# -- the memory store through the protocol ------------------------------------------------


async def test_memory_store_probes_once_until_the_route_is_known() -> None:
    store, now = MemoryRateLimitStore(), 1_700_000_000.0
    probe = await store.acquire(SCOPE, KEY, now)
    assert probe == Admission(True, LocalLease(now))
    second = await store.acquire(SCOPE, KEY, now)
    assert not second.admitted and second.waiting_for == "slot" and second.wait > 0
    store.release(SCOPE, KEY, probe.lease, None, answered=True, now=now)  # no headers
    assert all([(await store.acquire(SCOPE, KEY, now)).admitted for _ in range(100)])


async def test_memory_store_spends_the_window_then_says_how_long_to_wait() -> None:
    store, now = MemoryRateLimitStore(), 1_700_000_000.25
    known(store, now, limit=3, remaining=2, reset=1_700_000_001.0)
    assert (await store.acquire(SCOPE, KEY, now)).admitted
    assert (await store.acquire(SCOPE, KEY, now)).admitted
    spent = await store.acquire(SCOPE, KEY, now)
    assert spent.waiting_for == "window" and not spent.admitted
    assert spent.wait == pytest.approx(0.75 + RESET_MARGIN)
    # A refused request took no slot.
    assert store.route_state(SCOPE, KEY).budget.in_flight == 2


async def test_memory_store_caps_slots_and_gives_them_back() -> None:
    store, now = MemoryRateLimitStore(), 1_700_000_000.0
    known(store, now, concurrent_limit=2)
    a, b = [await store.acquire(SCOPE, KEY, now) for _ in range(2)]
    assert a.admitted and b.admitted
    assert (await store.acquire(SCOPE, KEY, now)).waiting_for == "slot"
    store.release(SCOPE, KEY, a.lease, None, answered=False, now=now)
    assert (await store.acquire(SCOPE, KEY, now)).admitted


async def test_memory_store_block_spends_the_budget_for_the_given_time() -> None:
    store, now = MemoryRateLimitStore(), 1_700_000_000.0
    known(store, now)
    store.block(SCOPE, KEY, 3.0, now)
    blocked = await store.acquire(SCOPE, KEY, now)
    assert blocked.waiting_for == "window"
    assert blocked.wait == pytest.approx(3.0 + RESET_MARGIN)
    assert (await store.acquire(SCOPE, KEY, now + 3.5)).admitted


async def test_scopes_are_separate_budgets() -> None:
    store, now = MemoryRateLimitStore(), 1_700_000_000.0
    assert (await store.acquire("a", KEY, now)).admitted
    assert (await store.acquire("b", KEY, now)).admitted  # another token probes on its own
    assert not (await store.acquire("a", KEY, now)).admitted


# -- one memory store, several gates (clients) ---------------------------------------------


async def test_gates_sharing_a_memory_store_share_slots_and_waiters() -> None:
    clock, store = ManualClock(), MemoryRateLimitStore()
    one = RateGate(clock, store=store, scope=SCOPE)
    two = RateGate(clock, store=store, scope=SCOPE)
    probe = await one.acquire(KEY)
    waiting = asyncio.ensure_future(two.acquire(KEY))
    await asyncio.sleep(0)
    assert not waiting.done()  # the other client's probe is still out
    one.release(KEY, None, answered=True, ticket=probe)  # no limits: the other gate's goes
    await waiting
    assert one.budget(KEY) is two.budget(KEY)
    assert one.budget(KEY).in_flight == 1


async def test_gates_of_other_tokens_do_not_share() -> None:
    clock, store = ManualClock(), MemoryRateLimitStore()
    one = RateGate(clock, store=store, scope="a")
    two = RateGate(clock, store=store, scope="b")
    await one.acquire(KEY)
    await asyncio.wait_for(two.acquire(KEY), 1)  # its own probe, not blocked by the other


async def test_the_default_gate_has_its_own_memory_store() -> None:
    gate = RateGate(ManualClock())
    assert isinstance(gate.store, MemoryRateLimitStore)
    assert RateGate(ManualClock()).store is not gate.store


# -- the gate's shared path (any store that is not the memory store) ----------------------


async def test_shared_path_probes_once_until_the_route_is_known() -> None:
    store = ProtocolOnly()
    gate = RateGate(ManualClock(), store=store, scope=SCOPE)
    probe = await gate.acquire(KEY)
    second = asyncio.ensure_future(gate.acquire(KEY))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not second.done()
    gate.release(KEY, None, answered=True, ticket=probe)  # wakes the waiter at once
    await asyncio.wait_for(second, 1)
    assert store.calls["release"] == 1


async def test_shared_path_never_exceeds_the_cap_and_asks_one_at_a_time() -> None:
    clock = ManualClock()
    store = ProtocolOnly()
    gate = RateGate(clock, store=store, scope=SCOPE)
    probe = await gate.acquire(KEY)
    gate.release(
        KEY,
        RateSnapshot(limit=1000, remaining=999, reset=clock.time() + 1, concurrent_limit=3),
        answered=True,
        ticket=probe,
    )
    peak = running = 0

    async def work() -> None:
        nonlocal peak, running
        ticket = await gate.acquire(KEY)
        running += 1
        peak = max(peak, running)
        for _ in range(10):  # long enough for the next ones to be let in meanwhile
            await asyncio.sleep(0)
        running -= 1
        gate.release(KEY, None, answered=True, ticket=ticket)

    await asyncio.wait_for(asyncio.gather(*(work() for _ in range(50))), 10)
    assert peak == 3
    assert store.most_asking == 1  # the local queue, not a stampede on the store
    assert store.inner.route_state(SCOPE, KEY).budget.in_flight == 0


async def test_shared_path_waits_for_the_window_on_the_clock() -> None:
    clock = ManualClock()
    store = ProtocolOnly()
    gate = RateGate(clock, store=store, scope=SCOPE)
    ticket = await gate.acquire(KEY)
    answer = RateSnapshot(limit=2, remaining=0, reset=clock.time() + 4)
    gate.release(KEY, answer, answered=True, ticket=ticket)
    await gate.acquire(KEY)
    assert sum(clock.sleeps) == pytest.approx(4.0, abs=0.05)


async def test_shared_path_cancelled_waiter_leaves_no_slot_behind() -> None:
    store = ProtocolOnly()
    gate = RateGate(ManualClock(), store=store, scope=SCOPE)
    ticket = await gate.acquire(KEY)
    waiter = asyncio.ensure_future(gate.acquire(KEY))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.release(KEY, None, answered=False, ticket=ticket)
    assert store.inner.route_state(SCOPE, KEY).budget.in_flight == 0
    await asyncio.wait_for(gate.acquire(KEY), 1)


async def test_shared_path_max_concurrency_and_blocks() -> None:
    clock = ManualClock()
    store = ProtocolOnly()
    gate = RateGate(clock, max_concurrency=1, store=store, scope=SCOPE)
    probe = await gate.acquire(KEY)
    gate.release(KEY, None, answered=True, ticket=probe)
    held = await gate.acquire(KEY)
    other = asyncio.ensure_future(gate.acquire("GET /other/"))
    await asyncio.sleep(0)
    assert not other.done()  # max_concurrency holds across routes
    gate.release(KEY, None, answered=True, ticket=held)
    gate.release("GET /other/", None, answered=True, ticket=await asyncio.wait_for(other, 1))
    gate.note_blocked(KEY, 2.0)
    assert store.calls["block"] == 1
    await gate.acquire(KEY)
    assert sum(clock.sleeps) == pytest.approx(2.0 + RESET_MARGIN, abs=0.01)
    with pytest.raises(TypeError, match="not in this process"):
        gate.budget(KEY)


async def test_store_errors_reach_the_caller_and_free_the_global_slot() -> None:
    class Broken(ProtocolOnly):
        async def acquire(self, scope: str, route: str, now: float) -> Admission:
            raise RateLimitStoreError("down")

    gate = RateGate(ManualClock(), max_concurrency=1, store=Broken(), scope=SCOPE)
    for _ in range(2):  # the second would hang if the first leaked its global slot
        with pytest.raises(RateLimitStoreError):
            await asyncio.wait_for(gate.acquire(KEY), 1)


# -- the client wiring ---------------------------------------------------------------------


async def test_client_hands_the_store_a_fingerprint_not_the_token(
    mocked: MockHttp,
) -> None:
    store = MemoryRateLimitStore()
    mocked.get(
        f"{API}/organizations/",
        payload=[],
        headers={"X-Sentry-Rate-Limit-Limit": "40", "X-Sentry-Rate-Limit-Remaining": "39"},
    )
    async with SentryClient(TOKEN, "https://sentry.example", rate_limit_store=store) as sentry:
        assert sentry._pipeline.state.gate.store is store
        await sentry.request("GET", "/organizations/")
    scopes = {scope for scope, _route in store._routes}
    assert scopes == {token_fingerprint(TOKEN)}
    assert all(TOKEN not in scope for scope in scopes)
    # Keys are per host as well as per route (sentry.io's region hosts limit separately).
    state = store.route_state(token_fingerprint(TOKEN), "sentry.example GET /organizations/")
    assert state.budget.known and state.budget.limit == 40 and state.budget.in_flight == 0


async def test_views_share_the_clients_store() -> None:
    store = MemoryRateLimitStore()
    async with SentryClient(TOKEN, "https://sentry.example", rate_limit_store=store) as sentry:
        view = sentry.with_options(timeout=5)
        assert view._pipeline.state.gate.store is store


async def test_shared_path_releases_each_requests_own_lease() -> None:
    """A lease carries its request's ticket: another's would settle the wrong charge."""
    clock = ManualClock()
    store = ProtocolOnly()
    gate = RateGate(clock, store=store, scope=SCOPE)
    probe = await gate.acquire(KEY)
    answer = RateSnapshot(limit=40, remaining=39, reset=clock.time() + 1)
    gate.release(KEY, answer, answered=True, ticket=probe)
    first = await gate.acquire(KEY)
    clock.advance(0.25)
    second = await gate.acquire(KEY)
    budget = store.inner.route_state(SCOPE, KEY).budget
    assert budget.recent == [first, second]
    gate.release(KEY, None, answered=True, ticket=first)
    assert budget.recent == [second]
