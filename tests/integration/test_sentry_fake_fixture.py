"""The ``sentry_fake`` pytest fixture, used the way a user's own test suite would use it.

Nothing is imported from the plugin to make the fixture exist: installing sentry-async
registers it (a ``pytest11`` entry point). The module overrides ``sentry_fake_options`` to
size the org and turn on Sentry-style limits, as the plugin's docstring describes.
"""

from __future__ import annotations

from typing import Any

import pytest

from sentry_async import SentryClient
from sentry_async.testing import FakeOrg, RateLimitConfig
from sentry_async.testing.pytest_plugin import SentryFake

from .conftest import NOW


async def projects_without_events(sentry: SentryClient, org: str) -> list[str]:
    """A user's bot function: slugs of projects that never received an event."""
    return [p.slug async for p in sentry.projects.list(org) if p.first_event is None]


@pytest.fixture
def sentry_fake_options() -> dict[str, Any]:
    return {
        "org": FakeOrg.generate("acme", projects=240, seed=5, now=NOW),
        "rate_limit": RateLimitConfig(limit=40, concurrent_limit=25),
    }


async def test_a_bot_tested_against_the_fixture(sentry_fake: SentryFake) -> None:
    found = await projects_without_events(sentry_fake.client, "acme")

    expected = [p.slug for p in sentry_fake.fake.org.projects if p.first_event is None]
    assert found == expected and len(found) >= 10  # the generator plants every 23rd one
    assert sentry_fake.fake.counters.requests == 3  # 240 projects, pages of 100
    assert sentry_fake.fake.counters.throttled == 0
    assert sentry_fake.client.base_url == sentry_fake.fake.api_url
