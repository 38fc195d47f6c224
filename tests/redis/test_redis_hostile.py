"""Issue 10 §5/§1 with the shared store: hostile numbers never reach Redis unclamped."""

from __future__ import annotations

import email.utils
import time

import pytest

from sentry_async import RateLimited, RetryPolicy, SentryClient
from sentry_async.stores import RedisRateLimitStore
from tests.unit._mockhttp import CallbackResult, MockHttp

from .conftest import TOKEN

API = "https://sentry.example/api/0"


@pytest.mark.parametrize(
    "headers",
    [
        {  # beyond int64: once, every later call on the route failed fleet-wide for an hour
            "X-Sentry-Rate-Limit-Limit": "9" * 25,
            "X-Sentry-Rate-Limit-Remaining": "9" * 25,
            "X-Sentry-Rate-Limit-Reset": "9" * 400,
        },
        {
            "X-Sentry-Rate-Limit-Limit": "40",
            "X-Sentry-Rate-Limit-Remaining": "39",
            "X-Sentry-Rate-Limit-Reset": "1" + "0" * 30,
            "X-Sentry-Rate-Limit-ConcurrentLimit": "9" * 40,
            "X-Sentry-Rate-Limit-ConcurrentRemaining": "9" * 40,
        },
    ],
)
async def test_huge_rate_numbers_do_not_break_a_failing_store(
    redis_url: str, headers: dict[str, str]
) -> None:
    store = RedisRateLimitStore(redis_url, on_error="fail")
    retry = RetryPolicy(deadline=30.0, max_rate_limit_wait=5.0)
    async with (
        store,
        SentryClient(TOKEN, "https://sentry.example", retry=retry, rate_limit_store=store) as c,
    ):
        with MockHttp() as mocked:
            mocked.get(f"{API}/x/", payload={"ok": 1}, headers=headers, repeat=True)
            answers = []
            for _ in range(5):
                try:
                    answers.append(await c.request("GET", "/x/"))
                except RateLimited as exc:  # a far reset: refused at once, never a store error
                    answers.append(exc.retry_after)
            await store.drain()
    assert answers[0] == {"ok": 1}
    assert all(a == {"ok": 1} or isinstance(a, float) for a in answers)


async def test_the_servers_clock_is_honoured_with_a_shared_store_too(redis_url: str) -> None:
    """Sentry 3 s ahead of us (and of Redis): its Reset is converted before Redis compares it
    with its own TIME, so a 1-request-per-second route waits about a second, not four."""

    def answer(url: object, **kwargs: object) -> CallbackResult:
        server_now = time.time() + 3.0
        return CallbackResult(
            payload={"ok": 1},
            headers={
                "Date": email.utils.formatdate(server_now, usegmt=True),
                "X-Sentry-Rate-Limit-Limit": "1",
                "X-Sentry-Rate-Limit-Remaining": "0",
                "X-Sentry-Rate-Limit-Reset": str(int(server_now) + 1),
            },
        )

    store = RedisRateLimitStore(redis_url, on_error="fail")
    # Read on Redis's clock, each reset would be ~4 s away: over max_rate_limit_wait.
    retry = RetryPolicy(deadline=30.0, max_rate_limit_wait=2.5)
    async with (
        store,
        SentryClient(TOKEN, "https://sentry.example", retry=retry, rate_limit_store=store) as c,
    ):
        with MockHttp() as mocked:
            mocked.get(f"{API}/skewed/", callback=answer, repeat=True)
            for _ in range(3):
                assert await c.request("GET", "/skewed/") == {"ok": 1}
                await store.drain()
