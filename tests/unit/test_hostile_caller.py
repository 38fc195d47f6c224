"""Issue 10, second review: what a careless caller or a lying clock can do, typed early."""

from __future__ import annotations

import datetime
import email.utils
import enum
import json
import math
import uuid
from typing import Any

import pytest

from sentry_async import (
    ConfigurationError,
    ManualClock,
    RateLimited,
    ResourceMoved,
    RetryPolicy,
    SentryClient,
)
from sentry_async.errors import Unauthorized, redact
from sentry_async.ratelimit import MAX_SKEW, ClockSkew
from sentry_async.stores import RedisRateLimitStore
from sentry_async.stores._memory import MAX_ROUTES
from sentry_async.wire import _stdlib_dumps, dumps

from ._mockhttp import MockHttp
from .conftest import API, TOKEN

ORG = {"id": "1", "slug": "acme", "name": "Acme"}

# -- RetryPolicy, timeout, max_body_size: refused at construction ---------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"deadline": math.nan}, ValueError),  # disabled every bound
        ({"deadline": math.inf}, ValueError),  # a bare OverflowError at call time
        ({"deadline": "3"}, TypeError),  # a TypeError at call time
        ({"deadline": -5.0}, ValueError),
        ({"deadline": 0}, ValueError),
        ({"max_rate_limit_wait": math.nan}, ValueError),
        ({"max_rate_limit_wait": math.inf}, ValueError),
        ({"initial_backoff": math.nan}, ValueError),
        ({"initial_backoff": 0.0}, ValueError),
        ({"max_backoff": math.inf}, ValueError),
        ({"multiplier": math.nan}, ValueError),
        ({"attempts": True}, TypeError),
        ({"attempts": 0}, ValueError),
    ],
)
def test_a_retry_policy_that_cannot_bound_a_call_is_refused(
    options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error, match="RetryPolicy"):
        RetryPolicy(**options)


def test_sane_retry_policies_are_accepted() -> None:
    assert RetryPolicy(deadline=None, max_rate_limit_wait=0).deadline is None
    assert RetryPolicy(deadline=1, initial_backoff=0.001).deadline == 1


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"timeout": math.nan}, ValueError),
        ({"timeout": math.inf}, ValueError),
        ({"timeout": "3"}, TypeError),
        ({"timeout": 0}, ValueError),
        ({"max_body_size": 1.5}, TypeError),
        ({"max_body_size": 0}, ValueError),
        ({"token": 123}, TypeError),
        ({"token": b"tok"}, TypeError),
        ({"base_url": 123}, TypeError),
        ({"token": "tok\x00en"}, ConfigurationError),  # every call: aiohttp's bare ValueError
        ({"token": "tok\x1ben"}, ConfigurationError),
        ({"token": "tok\x7fen"}, ConfigurationError),
        ({"token": "tok\nen"}, ConfigurationError),
        ({"base_url": "https://sentry.example/\x00"}, ConfigurationError),
        ({"base_url": "https://sentry example/"}, ConfigurationError),
    ],
)
def test_a_client_set_up_wrongly_is_refused_at_construction(
    options: dict[str, Any], error: type[Exception]
) -> None:
    options = {"token": TOKEN, "base_url": "https://sentry.example", **options}
    with pytest.raises(error) as info:
        SentryClient(**options)
    assert "tok\x00en" not in str(info.value) and "tok\x1ben" not in str(info.value)


# -- request(): caller mistakes raised before anything is sent -------------------------------


@pytest.mark.parametrize(
    ("method", "path", "error"),
    [
        ("GET", None, TypeError),
        ("GET", 5, TypeError),
        (None, "/x/", TypeError),
        ("FOO BAR", "/x/", ValueError),
        ("GET\r\nX-Injected: 1", "/x/", ValueError),
        ("", "/x/", ValueError),
        ("GET", "/x y/", ValueError),  # was put raw into the request line
        ("GET", "/x\r\nInjected: 1", ValueError),
        ("GET", "/\x00", ValueError),
        ("GET", "x/", ValueError),
    ],
)
async def test_a_raw_call_that_cannot_be_sent_as_given_is_refused_unsent(
    method: Any, path: Any, error: type[Exception]
) -> None:
    with MockHttp() as mocked:
        async with SentryClient(TOKEN, "https://sentry.example") as sentry:
            with pytest.raises(error):
                await sentry.request(method, path)
        assert not mocked.requests


@pytest.mark.parametrize(
    ("params", "json_body", "error"),
    [
        ({1: 2}, None, TypeError),
        ([("a", "b")], None, TypeError),
        (None, {1, 2}, TypeError),
        (None, {"a": b"x"}, TypeError),
        (None, {1: "int key"}, TypeError),
        (None, {"a": object()}, TypeError),
        (None, {"a": math.nan}, ValueError),  # orjson wrote null, the stdlib NaN
        (None, [math.inf], ValueError),
        (None, 2**100, ValueError),
        (None, "\ud800", ValueError),
    ],
)
async def test_a_body_or_query_that_cannot_be_sent_is_refused_unsent(
    params: Any, json_body: Any, error: type[Exception]
) -> None:
    with MockHttp() as mocked:
        async with SentryClient(TOKEN, "https://sentry.example") as sentry:
            with pytest.raises(error):
                await sentry.request("POST", "/x/", params=params, json=json_body)
        assert not mocked.requests


def test_a_body_nested_too_deep_is_a_value_error() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        dumps(deep)


class Colour(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    "value",
    [
        {"when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123, tzinfo=datetime.timezone.utc)},
        {"when": datetime.datetime(2024, 5, 6, 7, 8, 9)},
        {"day": datetime.date(2024, 5, 6)},
        {"id": uuid.UUID(int=7)},
        {"colour": Colour.RED},
        {"n": [1, -(2**63), 2**64 - 1, 0.5, 1e300, True, None, "é"]},
    ],
)
def test_both_encoders_write_the_same_json(value: Any) -> None:
    fast, plain = dumps(value), _stdlib_dumps(value)
    assert json.loads(fast) == json.loads(plain)
    assert "T" in fast.decode() or "when" not in value


# -- the clock: one stale Date does not move the estimate ------------------------------------


def _date(at: float) -> str:
    return email.utils.formatdate(at, usegmt=True)


def test_one_stale_date_does_not_reset_the_skew() -> None:
    skew = ClockSkew()
    now = 1_700_000_000.5
    for n in range(3):
        skew.observe(_date(now + n + 2), now + n, now + n)
    learnt = skew.offset
    skew.observe(_date(now + 3 - 3540), now + 3, now + 3)  # a cache's Date, 59 minutes old
    assert skew.offset == learnt
    skew.observe(_date(now + 4 - 100), now + 4, now + 4)  # our clock did jump: two agree
    skew.observe(_date(now + 5 - 100), now + 5, now + 5)
    assert -101 <= skew.offset <= -99


def test_a_date_hours_away_is_not_believed() -> None:
    skew = ClockSkew()
    now = 1_700_000_000.0
    for n in range(3):
        skew.observe(_date(now + n - 3540), now + n, now + n)
    assert skew.offset == 0.0 and MAX_SKEW <= 600


async def test_a_stale_date_does_not_turn_calls_into_refusals_of_an_hour() -> None:
    clock = ManualClock(1_700_000_000.0)

    def headers(date_offset: float) -> dict[str, str]:
        now = clock.time()
        return {
            "Date": _date(now + date_offset),
            "X-Sentry-Rate-Limit-Limit": "5",
            "X-Sentry-Rate-Limit-Remaining": "0",
            "X-Sentry-Rate-Limit-Reset": str(int(now) + 1),
        }

    retry = RetryPolicy(deadline=30.0, max_rate_limit_wait=10.0)
    async with SentryClient(TOKEN, "https://sentry.example", clock=clock, retry=retry) as sentry:
        with MockHttp() as mocked:
            for offset in (0, 0, -3540, 0, 0):
                mocked.get(f"{API}/x/", payload=ORG, headers=headers(offset))
                assert await sentry.request("GET", "/x/") == ORG
    assert max(clock.sleeps) < 5


# -- errors that say what they are ------------------------------------------------------------


async def test_a_redirect_loop_says_it_is_one() -> None:
    url = f"{API}/projects/acme/web/"
    async with SentryClient(TOKEN, "https://sentry.example") as sentry:
        with MockHttp() as mocked:
            mocked.get(
                url, status=302, headers={"Location": "/api/0/projects/acme/web/"}, repeat=True
            )
            with pytest.raises(ResourceMoved, match="redirect loop") as info:
                await sentry.projects.get("acme", "web")
    assert "renamed" not in str(info.value)


def test_a_secret_cut_short_in_a_message_is_masked() -> None:
    error = Unauthorized(
        f"GET /x/ answered 401: echo {TOKEN[:30]}…",
        status=401,
        detail=f"echo {TOKEN[:30]}…",
        body=None,
        method="GET",
        route="/x/",
        url="u",
    )
    redact(error, TOKEN)
    assert TOKEN[7:20] not in str(error) and TOKEN[7:20] not in str(error.detail)
    assert str(error).endswith("<redacted>…")


def test_redis_store_route_keys_stay_bounded() -> None:
    store = RedisRateLimitStore("redis://127.0.0.1:1/0")
    for n in range(MAX_ROUTES * 3):
        store.keys("scope", f"GET /x/{n}/")
    assert len(store._keys) <= MAX_ROUTES


async def test_a_client_wide_concurrency_refusal_says_so() -> None:
    clock = ManualClock()
    retry = RetryPolicy(deadline=0.5)
    async with SentryClient(
        TOKEN, "https://sentry.example", clock=clock, retry=retry, max_concurrency=1
    ) as sentry:
        gate = sentry._pipeline.state.gate
        ticket = await gate.acquire("GET /held/")
        try:
            with pytest.raises(RateLimited, match="max_concurrency") as info:
                await sentry.request("GET", "/x/")
        finally:
            gate.release("GET /held/", None, answered=False, ticket=ticket)
    assert "this route" not in str(info.value)
