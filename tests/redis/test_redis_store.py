"""The Redis store's scripts against a real redis-server, one process, several stores.

Two ``RedisRateLimitStore`` objects on the same Redis stand for two worker processes: what
one takes, the other sees. The rules are :class:`~sentry_async.ratelimit.RouteBudget`'s
(probe until known, spend the window, merge answers, wait for the reset), made atomic and
shared; leases add expiry and renewal.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from sentry_async import SentryClient
from sentry_async.ratelimit import RESET_MARGIN, RateSnapshot
from sentry_async.stores import Admission, RateLimitStore, RedisRateLimitStore, token_fingerprint
from sentry_async.testing import FakeSentry, RateLimitConfig

from .conftest import ORG, TOKEN, Stores, cancel_acquires, make_org

if TYPE_CHECKING:  # imported by the fixtures, so that without it the tests skip (or fail in CI)
    import redis.asyncio as aioredis

ROUTE = "GET /projects/{org}/{project}/"
SCOPE = token_fingerprint(TOKEN)


async def redis_now(raw: aioredis.Redis) -> float:
    seconds, micros = await raw.time()
    return float(seconds) + micros / 1e6


async def answer(
    store: RedisRateLimitStore, admission: Admission, snapshot: RateSnapshot | None
) -> None:
    """The request behind ``admission`` came back with ``snapshot``; wait until recorded."""
    store.release(SCOPE, ROUTE, admission.lease, snapshot, answered=True, now=time.time())
    await store.drain()


async def test_it_is_a_rate_limit_store(stores: Stores) -> None:
    assert isinstance(stores(), RateLimitStore)


async def test_one_probe_for_the_whole_fleet(stores: Stores) -> None:
    one, two = stores(), stores()
    probe = await one.acquire(SCOPE, ROUTE, 0.0)
    assert probe.admitted and isinstance(probe.lease, str)
    for store in (one, two):
        refused = await store.acquire(SCOPE, ROUTE, 0.0)
        assert (refused.admitted, refused.waiting_for) == (False, "slot")
        assert 0 < refused.wait <= store.poll_interval
    await answer(one, probe, RateSnapshot(concurrent_limit=3))
    admitted = [await two.acquire(SCOPE, ROUTE, 0.0) for _ in range(4)]
    assert [a.admitted for a in admitted] == [True, True, True, False]


async def test_an_unlimited_route_takes_no_slots(stores: Stores, raw: aioredis.Redis) -> None:
    store = stores()
    _budget, leases, sent = store.keys(SCOPE, ROUTE)
    await answer(store, await store.acquire(SCOPE, ROUTE, 0.0), None)  # no headers at all
    admitted = [await store.acquire(SCOPE, ROUTE, 0.0) for _ in range(50)]
    assert all(a.admitted and isinstance(a.lease, str) for a in admitted)
    assert await raw.zcard(leases) == 0
    # Each leaves its ticket, to be charged to a window that may begin while it travels.
    assert await raw.zcard(sent) == 50
    for n, admission in enumerate(admitted):  # half answered, half lost (they may arrive)
        store.release(SCOPE, ROUTE, admission.lease, None, answered=n % 2 == 0, now=time.time())
    await store.drain()
    assert await raw.zcard(sent) == 25


async def test_answers_merge_like_a_route_budget(stores: Stores, raw: aioredis.Redis) -> None:
    one, two = stores(), stores()
    budget = one.keys(SCOPE, ROUTE)[0]
    reset = float(int(await redis_now(raw)) + 100)  # far ahead: no roll-over during the test
    await answer(one, await one.acquire(SCOPE, ROUTE, 0.0), RateSnapshot(40, 30, reset))
    for store in (one, two, one, two, one):
        admission = await store.acquire(SCOPE, ROUTE, 0.0)
        assert admission.admitted
        await answer(store, admission, None)  # answered without headers: nothing to merge
    assert await raw.hget(budget, "remaining") == "25"  # spent by both
    # A late answer with a higher count gives nothing back; a lower one is believed.
    await answer(one, Admission(True), RateSnapshot(40, 29, reset))
    assert await raw.hget(budget, "remaining") == "25"
    await answer(two, Admission(True), RateSnapshot(40, 3, reset))
    assert await raw.hget(budget, "remaining") == "3"
    # A newer window replaces the state and teaches the window length; an older one is ignored.
    await answer(one, Admission(True), RateSnapshot(40, 39, reset + 1))
    await answer(two, Admission(True), RateSnapshot(40, 0, reset))
    state = await raw.hgetall(budget)
    assert float(state["reset"]) == reset + 1 and state["remaining"] == "39"
    assert float(state["window"]) == 1.0 and state["limit"] == "40"


async def test_a_spent_window_waits_for_its_reset(stores: Stores, raw: aioredis.Redis) -> None:
    store = stores()
    now = await redis_now(raw)
    reset = float(int(now) + 3)
    await answer(store, await store.acquire(SCOPE, ROUTE, 0.0), RateSnapshot(5, 0, reset))
    spent = await store.acquire(SCOPE, ROUTE, 0.0)
    assert (spent.admitted, spent.waiting_for) == (False, "window")
    assert reset + RESET_MARGIN - now - 0.5 < spent.wait <= reset + RESET_MARGIN - now


async def test_the_next_window_opens_in_full(stores: Stores, raw: aioredis.Redis) -> None:
    store = stores()
    now = await redis_now(raw)
    reset = float(int(now) + 1)
    await answer(store, await store.acquire(SCOPE, ROUTE, 0.0), RateSnapshot(3, 0, reset))
    await asyncio.sleep(reset + RESET_MARGIN + 0.05 - await redis_now(raw))
    results = [(await store.acquire(SCOPE, ROUTE, 0.0)).admitted for _ in range(4)]
    assert results == [True, True, True, False]
    assert float(await raw.hget(store.keys(SCOPE, ROUTE)[0], "reset") or 0) == reset + 1


async def test_a_retry_after_block_holds_every_process(stores: Stores) -> None:
    one, two = stores(), stores()
    await answer(one, await one.acquire(SCOPE, ROUTE, 0.0), None)
    one.block(SCOPE, ROUTE, 2.0, 0.0)
    await one.drain()
    held = await two.acquire(SCOPE, ROUTE, 0.0)
    assert (held.admitted, held.waiting_for) == (False, "window")
    assert 1.5 < held.wait <= 2.0 + RESET_MARGIN


async def test_a_dead_holders_leases_expire(stores: Stores, raw: aioredis.Redis) -> None:
    dead, alive = stores(lease_ttl=0.5), stores(lease_ttl=0.5)
    await answer(dead, await dead.acquire(SCOPE, ROUTE, 0.0), RateSnapshot(concurrent_limit=2))
    taken = [await dead.acquire(SCOPE, ROUTE, 0.0) for _ in range(2)]
    assert all(a.admitted for a in taken)
    dead._held.clear()  # it stops renewing, as a killed process would
    assert (await alive.acquire(SCOPE, ROUTE, 0.0)).waiting_for == "slot"
    await asyncio.sleep(0.6)
    assert (await alive.acquire(SCOPE, ROUTE, 0.0)).admitted  # reaped on the way in
    leases = await raw.zrange(alive.keys(SCOPE, ROUTE)[1], 0, -1)
    assert not {a.lease for a in taken} & set(leases)


async def test_running_requests_keep_their_slots(stores: Stores) -> None:
    """Leases are renewed every lease_ttl/3 while their requests run, however long."""
    holder, other = stores(lease_ttl=0.3), stores(lease_ttl=0.3)
    probe = await holder.acquire(SCOPE, ROUTE, 0.0)
    await answer(holder, probe, RateSnapshot(concurrent_limit=1))
    running = await holder.acquire(SCOPE, ROUTE, 0.0)
    assert running.admitted
    for _ in range(10):  # 1 s: more than three lease lifetimes
        await asyncio.sleep(0.1)
        assert not (await other.acquire(SCOPE, ROUTE, 0.0)).admitted
    await answer(holder, running, None)
    assert (await other.acquire(SCOPE, ROUTE, 0.0)).admitted


async def test_a_cancelled_acquire_leaves_no_lease(stores: Stores, raw: aioredis.Redis) -> None:
    store = stores()
    await cancel_acquires(store, SCOPE, ROUTE, 20)
    assert await raw.zcard(store.keys(SCOPE, ROUTE)[1]) == 0
    assert (await store.acquire(SCOPE, ROUTE, 0.0)).admitted  # the probe slot is free


async def test_redis_holds_a_fingerprint_and_route_templates_only(
    stores: Stores, raw: aioredis.Redis
) -> None:
    store = stores()
    limits = RateLimitConfig(limit=40, concurrent_limit=25)
    async with (
        FakeSentry(make_org(30), rate_limit=limits, token=TOKEN) as fake,
        SentryClient(TOKEN, fake.url, rate_limit_store=store) as sentry,
    ):
        for project in (await sentry.projects.list(ORG).collect())[:10]:
            await sentry.projects.get(ORG, project.slug)
    await store.drain()
    keys = sorted(str(key) for key in await raw.keys("*"))  # str already: decode_responses
    assert keys, "nothing was stored"
    for key in keys:
        assert key.startswith(f"sentry_async:{{{SCOPE}}}:")
        assert key.endswith((":budget", ":leases", ":sent"))
        dumped = str(
            await raw.hgetall(key) if key.endswith(":budget") else await raw.zrange(key, 0, -1)
        )
        assert TOKEN not in key and TOKEN not in dumped
    host = fake.url.removeprefix("http://")  # keys are per host as well as per route
    assert f"sentry_async:{{{SCOPE}}}:{host} {ROUTE}:budget" in keys
    assert "TOKEN" not in repr(store) and TOKEN not in repr(store)


@pytest.mark.usefixtures("redis_package")
async def test_options_are_checked() -> None:
    redis_url = "redis://127.0.0.1:1/0"  # never connected to
    with pytest.raises(ValueError, match="on_error"):
        RedisRateLimitStore(redis_url, on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lease_ttl"):
        RedisRateLimitStore(redis_url, lease_ttl=0)
    with pytest.raises(ValueError, match="prefix"):
        RedisRateLimitStore(redis_url, prefix="a{b}")
    shown = repr(RedisRateLimitStore("redis://user:hunter2@127.0.0.1:1/0"))
    assert "hunter2" not in shown and "127.0.0.1:1" in shown
