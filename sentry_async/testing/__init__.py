"""An in-process fake Sentry for tests, benchmarks and demos.

``FakeSentry`` serves an in-memory ``FakeOrg`` on 127.0.0.1 with Sentry's wire format (Link
cursors, rate-limit headers and 429s, real error bodies, SCIM), plus injectable faults and
counters to assert on::

    limits = RateLimitConfig(limit=40, concurrent_limit=25)
    async with FakeSentry(FakeOrg.generate(projects=250), rate_limit=limits) as fake:
        ...  # point a client at fake.url
        assert fake.counters.throttled == 0

Run it standalone with ``python -m sentry_async.testing --help``; in pytest, the
``sentry_fake`` fixture (``sentry_async.pytest_plugin``) yields a ``SentryFake``.
"""

from __future__ import annotations

from ._counters import Counters, LoggedRequest
from ._faults import Fault, FaultKind, FaultPlan
from ._fixture import SentryFake, open_sentry_fake
from ._org import FakeOrg
from ._ratelimit import RateLimitConfig, RouteLimit
from ._records import (
    ClientKey,
    ExternalIssue,
    Installation,
    Member,
    Project,
    Relay,
    Repo,
    ServiceHook,
    Team,
)
from ._records_issues import Deploy, Issue, IssueEvent, Release
from ._regions import FakeSentryRegions, LoopbackResolver
from ._server import FakeSentry
from ._thread import serve_in_thread

__all__ = [
    "ClientKey",
    "Counters",
    "Deploy",
    "ExternalIssue",
    "FakeOrg",
    "FakeSentry",
    "FakeSentryRegions",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Installation",
    "Issue",
    "IssueEvent",
    "LoggedRequest",
    "LoopbackResolver",
    "Member",
    "Project",
    "RateLimitConfig",
    "Relay",
    "Release",
    "Repo",
    "RouteLimit",
    "SentryFake",
    "ServiceHook",
    "Team",
    "open_sentry_fake",
    "serve_in_thread",
]
