"""An in-process fake Sentry for tests, benchmarks and demos.

``FakeSentry`` serves an in-memory ``FakeOrg`` on 127.0.0.1 with Sentry's wire format (Link
cursors, rate-limit headers and 429s, real error bodies, SCIM), plus injectable faults and
counters to assert on::

    limits = RateLimitConfig(limit=40, concurrent_limit=25)
    async with FakeSentry(FakeOrg.generate(projects=250), rate_limit=limits) as fake:
        ...  # point a client at fake.url
        assert fake.counters.throttled == 0

Run it standalone with ``python -m sentry_async.testing --help``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._counters import Counters, LoggedRequest
    from ._faults import Fault, FaultKind, FaultPlan
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

# Exports are imported on first use: the pytest plugin lives in this package and is loaded by
# every pytest session, which should not pay for aiohttp.web unless a test uses the fake.
_WHERE = {
    "Counters": "_counters",
    "LoggedRequest": "_counters",
    "Fault": "_faults",
    "FaultKind": "_faults",
    "FaultPlan": "_faults",
    "FakeOrg": "_org",
    "RateLimitConfig": "_ratelimit",
    "RouteLimit": "_ratelimit",
    "FakeSentry": "_server",
    "FakeSentryRegions": "_regions",
    "LoopbackResolver": "_regions",
    "serve_in_thread": "_thread",
    **dict.fromkeys(["Deploy", "Issue", "IssueEvent", "Release"], "_records_issues"),
    **dict.fromkeys(
        [
            "ClientKey",
            "ExternalIssue",
            "Installation",
            "Member",
            "Project",
            "Relay",
            "Repo",
            "ServiceHook",
            "Team",
        ],
        "_records",
    ),
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


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
    "ServiceHook",
    "Team",
    "serve_in_thread",
]
