"""The Redis scripts charge each new window with the fleet's requests that may yet arrive.

The rules are :class:`~sentry_async.ratelimit.RouteBudget`'s (``tests/unit/test_ratelimit.py``
has the same cases): a window entered by the clock or learnt from an answer is charged with
the requests sent anywhere in the fleet less than ``ARRIVAL_ALLOWANCE`` before it began that
are unanswered or whose answer was lost; each charge is given back once an answer shows its
request was counted elsewhere. Two stores on one Redis stand for two workers. Windows end by
rewriting the stored reset instead of by waiting: a stored window of 1,000 s that ended a
second ago puts the next reset far ahead, so nothing depends on where in Redis's second a
test runs; tickets are moved in time by rewriting their scores.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from sentry_async.ratelimit import RateSnapshot
from sentry_async.stores import Admission, RedisRateLimitStore, token_fingerprint
from sentry_async.stores._redis import RedisLease

from .conftest import TOKEN, Stores, cancel_acquires

if TYPE_CHECKING:  # imported by the fixtures, so that without it the tests skip (or fail in CI)
    import redis.asyncio as aioredis

ROUTE = "GET /projects/{org}/{project}/"
SCOPE = token_fingerprint(TOKEN)


def window(remaining: int, reset: float, limit: int = 40) -> RateSnapshot:
    return RateSnapshot(limit=limit, remaining=remaining, reset=reset)


async def settle(
    store: RedisRateLimitStore, admission: Admission, snapshot: RateSnapshot | None
) -> None:
    """The request behind ``admission`` was answered with ``snapshot``; wait until recorded."""
    store.release(SCOPE, ROUTE, admission.lease, snapshot, answered=True, now=time.time())
    await store.drain()


async def lose(store: RedisRateLimitStore, admission: Admission) -> None:
    """The request behind ``admission`` ended without an answer."""
    store.release(SCOPE, ROUTE, admission.lease, None, answered=False, now=time.time())
    await store.drain()


async def admit(store: RedisRateLimitStore) -> Admission:
    admission = await store.acquire(SCOPE, ROUTE, 0.0)
    assert admission.admitted, admission
    return admission


async def state(raw: aioredis.Redis, store: RedisRateLimitStore) -> dict[str, str]:
    return cast(dict[str, str], await raw.hgetall(store.keys(SCOPE, ROUTE)[0]))


async def known_window(raw: aioredis.Redis, store: RedisRateLimitStore) -> float:
    """Teach the route a window of 40 (39 left) far ahead; return its reset."""
    seconds, _micros = await raw.time()
    reset = float(seconds + 100)
    await settle(store, await admit(store), window(39, reset))
    return reset


async def backdate(raw: aioredis.Redis, store: RedisRateLimitStore, seconds: float) -> None:
    """Make every ticket in the route's ``sent`` set ``seconds`` older."""
    sent = store.keys(SCOPE, ROUTE)[2]
    for member in cast(list[str], await raw.zrange(sent, 0, -1)):
        await raw.zincrby(sent, -seconds, member)


async def backdated(
    raw: aioredis.Redis, store: RedisRateLimitStore, admission: Admission
) -> Admission:
    """``admission`` with the ticket its request now has in ``sent`` (see backdate)."""
    assert isinstance(admission.lease, RedisLease)
    score = await raw.zscore(store.keys(SCOPE, ROUTE)[2], admission.lease)
    assert score is not None
    return Admission(True, RedisLease(admission.lease, f"{score:.6f}"))


async def end_window(
    raw: aioredis.Redis, store: RedisRateLimitStore, window: float = 1000.0, ago: float = 1.0
) -> None:
    """Make the current window one of ``window`` seconds that ended ``ago`` seconds ago; the
    next acquire rolls over."""
    seconds, micros = await raw.time()
    await raw.hset(
        store.keys(SCOPE, ROUTE)[0],
        mapping={"reset": f"{seconds + micros / 1e6 - ago:.6f}", "window": f"{window:.6f}"},
    )


async def across_a_reset(
    raw: aioredis.Redis, one: RedisRateLimitStore, two: RedisRateLimitStore
) -> tuple[Admission, Admission, float]:
    """``one`` sends a request that is still on its way when the window ends; ``two`` then
    opens the next window. Returns both admissions and the new window's reset."""
    await known_window(raw, one)
    first = await admit(one)
    await end_window(raw, one)
    second = await admit(two)
    return first, second, float((await state(raw, one))["reset"])


async def test_requests_in_flight_across_the_reset_are_charged_to_the_next_window(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """They may arrive after the reset and be counted there: 40 more would make 41."""
    one, two = stores(), stores()
    await known_window(raw, one)
    await admit(one)  # still travelling at the reset
    await end_window(raw, one)
    await admit(two)  # another worker opens the next window
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("38", "1")
    assert "adopted" not in after  # entered by the clock
    assert await raw.zcard(one.keys(SCOPE, ROUTE)[2]) == 2


async def test_an_answer_from_the_old_window_gives_the_charge_back(
    stores: Stores, raw: aioredis.Redis
) -> None:
    one, two = stores(), stores()
    first, second, reset = await across_a_reset(raw, one, two)
    await settle(one, first, window(10, reset - 1000))  # counted before the reset
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("39", "0")
    # An answer from the old window never gives back more than was charged.
    await settle(two, second, window(9, reset - 1000))
    assert (await state(raw, one))["remaining"] == "39"


async def test_an_answer_from_the_new_window_keeps_the_charge(
    stores: Stores, raw: aioredis.Redis
) -> None:
    one, two = stores(), stores()
    first, _second, reset = await across_a_reset(raw, one, two)
    await settle(one, first, window(39, reset))  # arrived after the reset
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("38", "1")


async def test_a_lost_answer_is_charged_while_its_request_may_still_arrive(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """No answer: the server may count the request yet, in the window after."""
    one, two = stores(), stores()
    await known_window(raw, one)
    await lose(one, await admit(one))
    assert await raw.zcard(one.keys(SCOPE, ROUTE)[2]) == 1  # its ticket stays
    await end_window(raw, one)
    second = await admit(two)
    assert (await state(raw, one))["remaining"] == "38"
    await settle(two, second, None)  # answered, without headers
    await backdate(raw, one, 10.0)  # too old to arrive in any window still to begin
    await end_window(raw, one)
    await admit(one)
    assert (await state(raw, one))["remaining"] == "39"
    assert await raw.zcard(one.keys(SCOPE, ROUTE)[2]) == 1  # only this one's


async def test_a_window_learnt_from_an_answer_is_charged_and_gives_back_the_earlier(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """The server's count is as of that answer's arrival; the others may arrive after it,
    except those whose answers show a higher count: they arrived before it."""
    one, two = stores(), stores()
    reset = await known_window(raw, one)
    running = [await admit(store) for store in (one, two, one, two, one)]
    # All sent shortly before the reset (100 s from now in Redis's time).
    await backdate(raw, one, -(reset - 0.1 - float((await raw.time())[0])))
    running = [await backdated(raw, one, admission) for admission in running]
    # Redis's clock has not reached the reset yet, the server's has: one answer says so.
    await settle(one, running[0], window(30, reset + 1))
    after = await state(raw, one)
    assert float(after["reset"]) == reset + 1
    assert (after["remaining"], after["owed"], after["adopted"]) == ("26", "4", "30")
    await settle(two, running[1], window(31, reset + 1))  # arrived before it: given back
    assert (await state(raw, one))["remaining"] == "27"
    await settle(one, running[3], window(29, reset + 1))  # arrived after it: rightly charged
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("27", "3")
    # Someone else spent the window: the server's count stands in for the charges.
    await settle(two, running[2], window(0, reset + 1))
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("0", "0")
    await settle(one, running[4], window(35, reset + 1))  # would have been given back
    assert (await state(raw, one))["remaining"] == "0"


async def test_nothing_is_given_back_during_a_retry_after_block(
    stores: Stores, raw: aioredis.Redis
) -> None:
    one, two = stores(), stores()
    first, _second, reset = await across_a_reset(raw, one, two)
    two.block(SCOPE, ROUTE, 30.0, 0.0)
    await two.drain()
    await settle(one, first, window(10, reset - 1000))
    after = await state(raw, one)
    assert (after["remaining"], after["owed"]) == ("0", "0")


async def test_a_cancelled_acquire_is_neither_charged_nor_lost(
    stores: Stores, raw: aioredis.Redis
) -> None:
    store = stores()
    await known_window(raw, store)
    await cancel_acquires(store, SCOPE, ROUTE, 20)
    assert await raw.zcard(store.keys(SCOPE, ROUTE)[2]) == 0
    await end_window(raw, store)
    await admit(store)
    assert (await state(raw, store))["remaining"] == "39"


async def test_requests_unanswered_past_the_allowance_are_not_charged(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """A slow endpoint's request (or a killed worker's) is in Sentry's hands, not on its way:
    charging it to every window would starve the route; its ticket is dropped."""
    alive, dead = stores(), stores()
    await known_window(raw, alive)
    await admit(alive)  # still running
    await admit(dead)  # its worker was killed: never released
    await backdate(raw, alive, 10.0)
    await end_window(raw, alive)
    await admit(alive)
    assert (await state(raw, alive))["remaining"] == "39"  # 40, less only this one
    assert await raw.zcard(alive.keys(SCOPE, ROUTE)[2]) == 1


async def test_an_answer_from_a_window_that_only_looks_older_gives_nothing_back(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """A learnt window that is too long (2 s where Sentry's is 1 s) puts the fleet's reset
    past the server's: an answer counted in the server's current window is not from an
    earlier one, and its charge stays."""
    store = stores()
    await known_window(raw, store)
    first = await admit(store)
    await end_window(raw, store, window=2.0, ago=0.5)
    await admit(store)  # rolls over, charged with the first
    before = await state(raw, store)
    assert before["owed"] == "1"
    reset = float(before["reset"])
    await settle(store, first, window(30, reset - 1))
    assert (await state(raw, store))["remaining"] == before["remaining"]


async def test_tickets_too_old_for_any_window_still_to_begin_are_dropped(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """On a route that never rolls over (no rate-limit headers), lost requests' tickets
    would otherwise pile up for ever."""
    store = stores()
    sent = store.keys(SCOPE, ROUTE)[2]
    await settle(store, await admit(store), None)  # no headers: never a window
    for _ in range(20):
        await lose(store, await admit(store))
    assert await raw.zcard(sent) == 20
    await backdate(raw, store, 10.0)
    await admit(store)
    assert await raw.zcard(sent) == 1


async def test_the_window_is_learnt_from_the_servers_resets_only(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """Sentry's window here is 2 s: a reset the fleet rolled over to on its 1 s guess, or a
    Retry-After's, must not teach a shorter (or a far longer) window."""
    store = stores()
    reset = await known_window(raw, store)  # the server named this reset
    seconds, micros = await raw.time()
    await raw.hset(store.keys(SCOPE, ROUTE)[0], "reset", f"{seconds + micros / 1e6 - 0.5:.6f}")
    running = await admit(store)  # rolls over by the default 1 s window
    store.block(SCOPE, ROUTE, 0.3, 0.0)  # and a Retry-After on top
    await store.drain()
    await settle(store, running, window(38, reset + 2))  # the next reset the server names
    assert float((await state(raw, store))["window"]) == 2.0


async def test_a_charge_the_window_could_not_pay_frees_nothing_when_given_back(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """One left, two requests that may arrive: both charged, one unpaid. One shown counted
    elsewhere leaves the other, which may still take the one left."""
    store = stores()
    await settle(store, await admit(store), None)  # known, no window yet
    a, _b, c = [await admit(store) for _ in range(3)]
    now = float((await raw.time())[0])
    await settle(store, c, window(1, now + 1.2, limit=3))  # the window learnt from this
    after = await state(raw, store)
    assert (after["remaining"], after["owed"], after["unpaid"]) == ("0", "1", "1")
    await settle(store, a, window(0, now - 0.3, limit=3))  # counted in an earlier window
    after = await state(raw, store)
    assert (after["remaining"], after["owed"], after["unpaid"]) == ("0", "1", "0")


async def test_a_request_keeps_its_ticket_when_sent_has_dropped_it(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """The ticket travels with the lease: a release still knows when its request was let
    through after ``sent`` pruned it, and bounds the window by what was sent after it."""
    store = stores()
    reset = await known_window(raw, store)
    first = await admit(store)
    for _ in range(3):
        await admit(store)
    await raw.zrem(store.keys(SCOPE, ROUTE)[2], str(first.lease))  # pruned (a roll-over's cut)
    await settle(store, first, window(10, reset))  # the server's count as of its arrival
    assert (await state(raw, store))["remaining"] == "7"  # 10, less the three sent after it


def test_a_lease_copies_and_pickles_with_its_ticket() -> None:
    import copy
    import pickle

    lease = RedisLease("123.abcd.7", "1700000000.250000")
    for other in (copy.copy(lease), copy.deepcopy(lease), pickle.loads(pickle.dumps(lease))):
        assert isinstance(other, RedisLease)
        assert (other, other.ticket) == (lease, lease.ticket)
    assert lease == "123.abcd.7" and hash(lease) == hash("123.abcd.7")  # ZREM, held sets


async def test_a_spent_window_with_charges_out_is_asked_again_soon(
    stores: Stores, raw: aioredis.Redis
) -> None:
    """A charge that comes back frees budget before the reset: a worker waiting for the
    window asks again within poll_interval instead of sleeping to the reset."""
    store = stores(poll_interval=0.025)
    await known_window(raw, store)
    await admit(store)  # on its way at the reset
    await end_window(raw, store)
    await admit(store)  # the next window, charged with the first
    budget = store.keys(SCOPE, ROUTE)[0]
    await raw.hset(budget, "remaining", "0")  # spent
    waiting = await store.acquire(SCOPE, ROUTE, time.time())
    assert (waiting.admitted, waiting.waiting_for) == (False, "window")
    assert waiting.wait <= 0.025
    await raw.hset(budget, "owed", "0")  # nothing can come back: sleep to the reset
    assert (await store.acquire(SCOPE, ROUTE, time.time())).wait > 100
