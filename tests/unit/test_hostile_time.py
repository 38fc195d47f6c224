"""Issue 10 §1: no call outlives its deadline, whatever the server's headers say."""

from __future__ import annotations

import email.utils

import pytest

from sentry_async import ManualClock, RateLimited, RetryPolicy, SentryClient
from sentry_async.errors import AmbiguousWriteError

from ._mockhttp import MockHttp
from .conftest import API, TOKEN

ORG = {"id": "1", "slug": "acme", "name": "Acme"}
URL = f"{API}/organizations/acme/"


def client(clock: ManualClock, **retry: float) -> SentryClient:
    return SentryClient(TOKEN, "https://sentry.example", clock=clock, retry=RetryPolicy(**retry))


def spent(clock: ManualClock, reset: str, limit: str = "40") -> dict[str, str]:
    return {
        "X-Sentry-Rate-Limit-Limit": limit,
        "X-Sentry-Rate-Limit-Remaining": "0",
        "X-Sentry-Rate-Limit-Reset": reset,
    }


@pytest.mark.parametrize(
    "reset",
    [
        "32503680000",  # the year 3000
        "1700003600",  # now + 3600 s
        "9" * 400,  # 400 digits: once an OverflowError
    ],
)
async def test_a_far_reset_raises_rate_limited_at_once(reset: str) -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, reset), repeat=True)
        async with client(clock, deadline=300.0, max_rate_limit_wait=120.0) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            for _ in range(3):  # every later call: refused at once, never a wait
                with pytest.raises(RateLimited, match="not sent") as info:
                    await sentry.request("GET", "/organizations/acme/")
                assert info.value.retry_after is not None and info.value.retry_after > 120
    assert sum(clock.sleeps) == 0.0


async def test_a_limit_of_zero_is_not_a_wait_forever() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, "1700000001", limit="0"), repeat=True)
        async with client(clock, deadline=10.0) as sentry:
            for _ in range(5):
                await sentry.request("GET", "/organizations/acme/")
    assert sum(clock.sleeps) <= 10.0


async def test_a_pacing_wait_longer_than_max_rate_limit_wait_or_deadline_raises() -> None:
    """1 request per 10 s window, deadline 2 s, max wait 1 s: never a 10 s wait."""
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, "1700000010", "1"), repeat=True)
        async with client(clock, deadline=2.0, max_rate_limit_wait=1.0) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            with pytest.raises(RateLimited) as info:
                await sentry.request("GET", "/organizations/acme/")
    assert info.value.retry_after == pytest.approx(10.02)
    assert info.value.rate is not None and info.value.rate.reset == 1_700_000_010
    assert sum(clock.sleeps) == 0.0


async def test_a_pacing_wait_beyond_the_deadline_alone_raises() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, "1700000010", "1"), repeat=True)
        async with client(clock, deadline=5.0, max_rate_limit_wait=60.0) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            with pytest.raises(RateLimited):
                await sentry.request("GET", "/organizations/acme/")
    assert sum(clock.sleeps) == 0.0


async def test_a_pacing_wait_that_fits_is_still_waited() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, "1700000003", "1"), repeat=True)
        async with client(clock, deadline=60.0, max_rate_limit_wait=60.0) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            await sentry.request("GET", "/organizations/acme/")
    assert clock.sleeps == [pytest.approx(3.02)]


@pytest.mark.parametrize("retry_after", ["0", "-1", "NaN", "Tue, 14 Nov 2023 22:00:00 GMT"])
async def test_a_zero_or_garbage_retry_after_is_floored_by_backoff(retry_after: str) -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, status=429, headers={"Retry-After": retry_after}, repeat=True)
        async with client(clock, deadline=10.0, initial_backoff=0.5, max_backoff=4.0) as sentry:
            with pytest.raises(RateLimited):
                await sentry.request("GET", "/organizations/acme/")
        sent = len(mocked.requests[("GET", __import__("yarl").URL(URL))])
    # Before: ~49 requests per second until the deadline (and none of the waits > 0).
    assert sent < 20
    assert sum(clock.sleeps) <= 10.0


async def test_a_write_refused_by_pacing_is_not_ambiguous() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, payload=ORG, headers=spent(clock, "32503680000"))
        async with client(clock) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            with pytest.raises(RateLimited) as info:
                await sentry.request("GET", "/organizations/acme/")
    assert not isinstance(info.value, AmbiguousWriteError)


async def test_pacing_follows_the_servers_clock_not_ours() -> None:
    """Our clock 3 s behind the server's: waits are for the server's window, not 3 s more."""
    clock = ManualClock(1_700_000_000.25)
    skew = 3.0

    def answer() -> dict[str, str]:
        server_now = clock.time() + skew
        return {
            "Date": email.utils.formatdate(server_now, usegmt=True),
            "X-Sentry-Rate-Limit-Limit": "1",
            "X-Sentry-Rate-Limit-Remaining": "0",
            "X-Sentry-Rate-Limit-Reset": str(int(server_now) + 1),
        }

    with MockHttp() as mocked:
        async with client(clock, deadline=60.0) as sentry:
            for _ in range(20):
                mocked.get(URL, payload=ORG, headers=answer())
                await sentry.request("GET", "/organizations/acme/")
    # One request per server second: ~20 s of waiting. Paced on our clock, each wait would
    # be 3 s longer (the window reset read 3 s later than it is).
    assert sum(clock.sleeps) < 30.0  # paced on our clock: about 80 s


async def test_a_garbage_date_changes_nothing() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        headers = {**spent(clock, "1700000003", "1"), "Date": "Sat, 01 Jan 3000 00:00:00 GMT"}
        mocked.get(URL, payload=ORG, headers=headers, repeat=True)
        async with client(clock, deadline=60.0) as sentry:
            await sentry.request("GET", "/organizations/acme/")
            await sentry.request("GET", "/organizations/acme/")
    assert clock.sleeps == [pytest.approx(3.02)]


async def test_a_retry_after_of_years_holds_the_route_an_hour_at_most() -> None:
    clock = ManualClock(1_700_000_000.0)
    with MockHttp() as mocked:
        mocked.get(URL, status=429, headers={"Retry-After": "999999999"})
        mocked.get(URL, payload=ORG, repeat=True)
        async with client(clock, deadline=60.0) as sentry:
            with pytest.raises(RateLimited):
                await sentry.request("GET", "/organizations/acme/")
            clock.advance(3601)
            assert await sentry.request("GET", "/organizations/acme/") == ORG
