"""Shared fixtures for unit tests: a manual clock, canned answers, a client bound to both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from sentry_async import ManualClock, RetryPolicy, SentryClient

from ._mockhttp import MockHttp

API = "https://sentry.example/api/0"
TOKEN = "sntryu_" + "f00d" * 16


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def mocked() -> Iterator[MockHttp]:
    with MockHttp() as m:
        yield m


@pytest.fixture
async def sentry(clock: ManualClock) -> AsyncIterator[SentryClient]:
    async with SentryClient(
        TOKEN,
        "https://sentry.example",
        clock=clock,
        retry=RetryPolicy(attempts=3, deadline=600.0),
        # These tests pin every request sent; region routing has its own tests.
        regions=False,
    ) as client:
        yield client
