"""Cancelling a fan-out mid-way: nothing left running, no slot leaked, the client closes.

The fake runs in its own thread and loop here, so that ``asyncio.all_tasks()`` in the test's
loop shows only what the client and the fan-out left behind. Unclosed sessions, connectors
or transports would surface as warnings, which pytest turns into errors (pyproject).
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from sentry_async import SentryClient, fan_out, gather_bounded
from sentry_async.models import Project
from sentry_async.testing import FakeSentry, Fault, FaultKind, RateLimitConfig

from .conftest import ORG, TOKEN, fake_in_thread, make_org

GET_PROJECT = "GET /projects/{org}/{project}/"


async def test_cancelling_the_outer_task_leaves_no_tasks_and_no_leaked_slots() -> None:
    org = make_org(projects=1000)
    slugs = [project.slug for project in org.projects]
    # A concurrent cap below the fan-out's width: at cancel time some calls are in an HTTP
    # exchange and others are parked in the client's gate, waiting for a slot.
    limits = RateLimitConfig(concurrent_limit=10)
    slow = Fault(FaultKind.SLOW, probability=1.0, delay=0.05)
    with fake_in_thread(org, rate_limit=limits, faults=[slow]) as fake:
        sentry = SentryClient(TOKEN, fake.url)
        try:
            await cancel_mid_way(sentry, fake, slugs)
        finally:
            await sentry.close()
        assert asyncio.all_tasks() == {asyncio.current_task()}
        gc.collect()  # an unclosed aiohttp session would warn here (an error under pytest)


async def cancel_mid_way(sentry: SentryClient, fake: FakeSentry, slugs: list[str]) -> None:
    in_calls = 0
    enough = asyncio.Event()
    received = 0

    async def get(slug: str) -> Project:
        nonlocal in_calls
        in_calls += 1
        try:
            return await sentry.projects.get(ORG, slug)
        finally:
            in_calls -= 1

    async def audit() -> None:
        nonlocal received
        async with fan_out(get, slugs, concurrency=32) as results:
            async for _slug, _project in results:
                received += 1
                if received == 40:
                    enough.set()

    task = asyncio.create_task(audit())
    await enough.wait()
    busy_at_cancel = in_calls
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert busy_at_cancel > 0  # calls were in flight (or parked in the gate) when cancelled
    assert in_calls == 0  # ... and every one of them was unwound
    assert received < len(slugs)
    assert fake.counters.concurrency_limited == 0  # the gate kept the fan-out within the cap
    assert asyncio.all_tasks() == {asyncio.current_task()}
    budget = sentry._pipeline.state.gate.budget(GET_PROJECT)  # the gate's own view
    assert budget.in_flight == 0  # no in-flight slot leaked by a cancelled call

    # The same client still works. (The fake, like Sentry, still counts the abandoned
    # requests as in flight until their handlers finish, so a few of these may bounce with
    # a concurrency 429 first; the client retries those.)
    again = await gather_bounded(lambda s: sentry.projects.get(ORG, s), slugs[:30])
    assert [p.slug for p in again] == slugs[:30]


async def test_breaking_out_of_the_loop_cancels_in_flight_requests() -> None:
    org = make_org(projects=200)
    slugs = [project.slug for project in org.projects]
    slow = Fault(FaultKind.SLOW, probability=1.0, delay=0.05)
    with fake_in_thread(org, faults=[slow]) as fake:
        async with SentryClient(TOKEN, fake.url) as sentry:

            async def get(slug: str) -> Project:
                return await sentry.projects.get(ORG, slug)

            async with fan_out(get, slugs, concurrency=16) as results:
                async for slug, project in results:
                    assert project.slug == slug
                    break

            assert asyncio.all_tasks() == {asyncio.current_task()}
            # The loop left after one result; at most the 16 in flight had been sent.
            sent = fake.counters.requests
            assert sent <= 1 + 16
            first = await sentry.projects.get(ORG, slugs[0])
            assert first.slug == slugs[0]
        assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_closed_client_refuses_new_calls() -> None:
    org = make_org()
    with fake_in_thread(org) as fake:
        sentry = SentryClient(TOKEN, fake.url)
        await sentry.projects.get(ORG, org.projects[0].slug)
        await sentry.close()
        with pytest.raises(Exception, match="closed"):
            await sentry.projects.get(ORG, org.projects[0].slug)
