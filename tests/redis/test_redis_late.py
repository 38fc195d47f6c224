"""Several clients on one Redis, requests held up past a window's reset: no 429.

Sentry counts a request in the window in which it arrives. The fake's ``LATE`` fault holds
30% of the requests 0.1 s before its limiter counts them, so those sent shortly before a
reset land in the next window; a fleet that spent each new window in full on top of them
would overfill it. 21 in flight (fleet-wide) answering in 0.5 s make 42 a second, just above
the limit of 40, so each window's budget runs out close to its reset and requests are in
flight across every reset. With the shared store every new window is first charged with the
fleet's requests sent shortly before it began and still unanswered, and each charge is
given back once its answer shows where it was counted.
"""

from __future__ import annotations

import asyncio

from sentry_async import RetryPolicy, SentryClient, fan_out
from sentry_async.models import Project
from sentry_async.stores import RedisRateLimitStore
from sentry_async.testing import Fault, FaultKind, RateLimitConfig

from .conftest import ORG, TOKEN, fake_sentry, make_org

ROUTE = "GET /projects/{org}/{project}/"
CLIENTS, PROJECTS = 2, 240
# A 429 would be retried (and so hidden from the results): counted by the fake instead.
RETRY = RetryPolicy(attempts=10, initial_backoff=0.01, max_backoff=0.1, deadline=120.0)


async def fetch(redis_url: str, fake_url: str, slugs: list[str]) -> dict[str, Project]:
    """One worker: its own store and client on the shared Redis and token."""
    found: dict[str, Project] = {}
    async with (
        RedisRateLimitStore(redis_url) as store,
        SentryClient(TOKEN, fake_url, retry=RETRY, rate_limit_store=store) as sentry,
    ):

        async def get(slug: str) -> Project:
            return await sentry.projects.get(ORG, slug)

        async with fan_out(get, slugs, concurrency=32) as results:
            async for slug, project in results:
                assert slug not in found
                found[slug] = project
    return found


async def test_clients_sharing_redis_charge_each_window_with_late_requests(
    redis_url: str,
) -> None:
    org = make_org(PROJECTS)
    slugs = [project.slug for project in org.projects]
    limits = RateLimitConfig(limit=40, concurrent_limit=21)
    faults = [
        Fault(FaultKind.LATE, probability=0.3, delay=0.1),
        Fault(FaultKind.SLOW, probability=1.0, delay=0.5),
    ]
    with fake_sentry(org, rate_limit=limits, faults=faults) as fake:
        parts = await asyncio.gather(
            *(fetch(redis_url, fake.url, slugs[n::CLIENTS]) for n in range(CLIENTS))
        )
        counters = fake.counters
        # Besides these, each client asks one unrouted question (the org's region): a 404.
        throttled, held, requests = (
            counters.throttled,
            counters.faults[FaultKind.LATE.value],
            counters.by_route[ROUTE],
        )

    found = {slug: project for part in parts for slug, project in part.items()}
    assert sorted(found) == sorted(slugs)
    for slug, project in found.items():
        expected = org.project(slug)
        assert expected is not None
        assert (project.slug, project.id) == (slug, str(expected.id))
    assert held > 40  # the fault really held requests up
    assert throttled == 0, (throttled, requests)
    assert requests == len(slugs)  # each fetched once: nothing was retried
