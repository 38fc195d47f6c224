"""Issue 10 §5/§1 with the shared store: hostile numbers never reach Redis unclamped."""

from __future__ import annotations

import pytest

from sentry_async import RateLimited, RetryPolicy, SentryClient
from sentry_async.stores import RedisRateLimitStore
from tests.unit._mockhttp import MockHttp

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
