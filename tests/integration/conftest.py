"""Shared helpers for the integration tests: a real SentryClient against a FakeSentry.

Everything talks over 127.0.0.1. The helpers here only start and stop things; each test
states the org, limits and faults it needs, so what it proves is visible in the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from sentry_async import RetryPolicy, SentryClient
from sentry_async.testing import FakeOrg, FakeSentry, serve_in_thread

ORG = "acme"
TOKEN = "sntryu_" + "c0ffee" * 10 + "abcd"
NOW = 1_700_000_000.0  # anchors generated dates, so orgs are identical run to run

#: Patient but quick retries: the backoff never dominates a test's run time, and enough
#: attempts that a 13% per-request failure rate cannot exhaust them (0.13**10 per request).
FAST_RETRY = RetryPolicy(attempts=10, initial_backoff=0.005, max_backoff=0.05, deadline=60.0)


def make_org(projects: int = 50, members: int = 10, seed: int = 1) -> FakeOrg:
    return FakeOrg.generate(ORG, projects=projects, members=members, seed=seed, now=NOW)


@contextlib.asynccontextmanager
async def serve(
    org: FakeOrg | None = None,
    *,
    client_options: dict[str, Any] | None = None,
    **fake_options: Any,
) -> AsyncIterator[tuple[FakeSentry, SentryClient]]:
    """A started fake (requiring ``TOKEN``) and a client bound to it; both closed on exit."""
    fake_options.setdefault("token", TOKEN)
    # These tests count every request; the one region probe has tests of its own.
    client_options = {"regions": False, **(client_options or {})}
    async with (
        FakeSentry(org if org is not None else make_org(), **fake_options) as fake,
        SentryClient(TOKEN, fake.url, **client_options) as client,
    ):
        yield fake, client


class TimeLapse:
    """A clock that runs ``speed`` times faster than real time, for fake and client alike.

    Sentry's windows are whole seconds (``X-Sentry-Rate-Limit-Reset`` is an integer epoch
    second), so a test of "40 requests per 1 s window" over 1,000 requests would take 25
    real seconds. Giving the fake's limiter and the client's pacing this same clock keeps
    the limits exactly as Sentry states them and only shortens how long a second lasts.
    """

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._wall = time.time()
        self._mono = time.monotonic()

    def time(self) -> float:
        return self._wall + (time.monotonic() - self._mono) * self.speed

    def monotonic(self) -> float:
        return (time.monotonic() - self._mono) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


def fake_in_thread(org: FakeOrg, **options: Any) -> contextlib.AbstractContextManager[FakeSentry]:
    """The fake on its own loop and thread (see ``serve_in_thread``), with the test token."""
    options.setdefault("token", TOKEN)
    return serve_in_thread(org, **options)
